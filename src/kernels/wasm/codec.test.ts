/**
 * The wasm codec against encodeArray / decodeArray, bit for bit: every code of every supported format
 * of 16 bits or fewer decoded; encoding of every float32 whose top 16 bits take every value, of the
 * oracle's probes (values, midpoints and their neighbours, overflow thresholds, tiny values, NaN, inf)
 * and of random bit patterns, in every rounding mode, overflow mode and flushing, including stochastic
 * rounding with several bit counts and unaligned offsets, at lengths that leave partial vectors.
 */
import { describe, expect, it } from "vitest";
import { probes, seededWords } from "../../../test/support/codec-probes.js";
import { kernels } from "../../../test/support/wasm-reference.js";
import {
  decodeArray,
  encodeArray,
  FLOAT_FORMATS,
  FLOAT_FORMAT_NAMES,
  resolveEncodeOptions,
  type EncodeOptions,
  type FloatFormat,
} from "../../formats/index.js";
import type { Codes } from "./arena.js";
import { wasmSupportsFormat } from "./descriptors.js";

const SUPPORTED = FLOAT_FORMAT_NAMES.map((n) => FLOAT_FORMATS[n]).filter(wasmSupportsFormat);
const SMALL = SUPPORTED.filter((f) => f.bits <= 16);

/** Index of the first element where two code arrays differ, or -1. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : a.length;
}

/** Float32 values whose top 16 bits take every value, with low halves 0, 1, 0x7fff, 0x8000, 0x8001 and
 * 0xffff (every bfloat16 tie, every binade), followed by the format's probes and random bit patterns. */
function inputs(f: FloatFormat): Float32Array {
  const lows = [0, 1, 0x7fff, 0x8000, 0x8001, 0xffff];
  const probe = Float32Array.from(probes(f));
  const next = seededWords(f.bits * 7919);
  const bits = new Uint32Array(65536 * lows.length + probe.length + 50_001);
  let i = 0;
  for (let hi = 0; hi < 65536; hi++) for (const lo of lows) bits[i++] = hi * 65536 + lo;
  bits.set(new Uint32Array(probe.buffer), i);
  i += probe.length;
  while (i < bits.length) bits[i++] = next();
  return new Float32Array(bits.buffer);
}

const CONFIGS: EncodeOptions[] = (["nearest-even", "toward-zero", "nearest-away"] as const).flatMap(
  (rounding) =>
    (["ieee", "saturate"] as const).flatMap((overflow) =>
      [false, true].map((flushSubnormals) => ({ rounding, overflow, flushSubnormals })),
    ),
);

describe("wasm decode", () => {
  it.each(SMALL.map((f) => [f.name, f] as const))("decodes every %s code as decodeArray does", (_, f) => {
    const codes = f.bits <= 8 ? new Uint8Array(2 ** f.bits) : new Uint16Array(2 ** f.bits);
    for (let c = 0; c < codes.length; c++) codes[c] = c;
    const want = new Uint32Array(decodeArray(f, codes).buffer);
    const got = new Uint32Array(kernels().decode(f, codes).buffer);
    expect(firstDifference(got, want)).toBe(-1);
  });

  it("copies float32 bit patterns, NaN payloads included", () => {
    const bits = Uint32Array.of(0x7f800001, 0xffc00123, 0x00000001, 0x80000000, 0x3f800000);
    const got = kernels().decode(FLOAT_FORMATS.float32, bits);
    expect(new Uint32Array(got.buffer)).toEqual(bits);
  });
});

describe("wasm encode, deterministic rounding", () => {
  it.each(SUPPORTED.map((f) => [f.name, f] as const))(
    "%s matches encodeArray in every configuration",
    (_, f) => {
      const x = inputs(f);
      for (const o of CONFIGS) {
        const want = encodeArray(f, x, o);
        const got = kernels().encode(f, x, resolveEncodeOptions(o));
        expect(got.constructor).toBe(want.constructor);
        expect({ ...o, at: firstDifference(got, want) }).toEqual({ ...o, at: -1 });
      }
    },
  );
});

describe("wasm encode, stochastic rounding", () => {
  it.each(SMALL.map((f) => [f.name, f] as const))(
    "%s matches encodeArray for bits 1..32 and any offset",
    (_, f) => {
      const x = inputs(f).subarray(0, 200_003);
      for (const randomBits of [1, 7, 16, 23, 32]) {
        for (const offset of [0, 3, 2 ** 40 + 1]) {
          const o: EncodeOptions = {
            rounding: "stochastic",
            randomBits,
            random: { seed: 2 ** 33 + 5, stream: 9, step: 4, offset },
          };
          const want = encodeArray(f, x, o);
          const got = kernels().encode(f, x, resolveEncodeOptions(o));
          expect({ randomBits, offset, at: firstDifference(got, want) }).toEqual({
            randomBits,
            offset,
            at: -1,
          });
        }
      }
    },
  );

  it("gives a slice the same codes as the whole when given its offset", () => {
    const f = FLOAT_FORMATS.bfloat16;
    const x = inputs(f).subarray(300_000, 310_000);
    const whole = kernels().encode(
      f,
      x,
      resolveEncodeOptions({ rounding: "stochastic", random: { seed: 1 } }),
    );
    const part = kernels().encode(
      f,
      x.subarray(1001),
      resolveEncodeOptions({ rounding: "stochastic", random: { seed: 1, offset: 1001 } }),
    );
    expect(part).toEqual(whole.subarray(1001));
  });
});

describe("wasm encode, lengths and arguments", () => {
  it.each([0, 1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 65_537])("handles %i elements", (n) => {
    const x = inputs(FLOAT_FORMATS.float16).subarray(12345, 12345 + n);
    for (const f of [FLOAT_FORMATS.float16, FLOAT_FORMATS.float8_e4m3fn, FLOAT_FORMATS.float32]) {
      const want: Codes = encodeArray(f, x, { rounding: "stochastic", random: { seed: 3 } });
      expect(
        kernels().encode(f, x, resolveEncodeOptions({ rounding: "stochastic", random: { seed: 3 } })),
      ).toEqual(want);
      expect(kernels().decode(f, want)).toEqual(decodeArray(f, want));
    }
  });

  it("writes into a given output and rejects a mismatched one", () => {
    const x = Float32Array.of(1, 2.5, -3);
    const out = new Uint16Array(3);
    expect(kernels().encode(FLOAT_FORMATS.bfloat16, x, undefined, out)).toBe(out);
    expect(() => kernels().encode(FLOAT_FORMATS.bfloat16, x, undefined, new Uint16Array(2))).toThrow(
      /expected 3 elements/,
    );
    expect(() => kernels().encode(FLOAT_FORMATS.bfloat16, x, undefined, new Uint8Array(3))).toThrow(
      /2 bytes each/,
    );
    expect(() => kernels().encode(FLOAT_FORMATS.float8_e8m0fnu, x)).toThrow(/no codec/);
  });
});
