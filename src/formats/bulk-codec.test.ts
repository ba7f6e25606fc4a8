/**
 * The bulk codec's own machinery against the oracle: the integer fast path over float32 bit patterns
 * (16-bit formats, and stochastic rounding into smaller ones) and the 128 Ki-entry lookup table (formats of
 * 8 bits or fewer) on random bit patterns, including those whose low 16 bits decide a tie; quantizeArray;
 * output buffers, widths and argument errors.
 */
import { describe, expect, it } from "vitest";
import {
  DETERMINISTIC_CONFIGS,
  brackets,
  expectedCode,
  mismatches,
  seededWords,
} from "../../test/support/codec-probes.js";
import { isMinifloatError } from "../errors.js";
import { allocCodes, decodeArray, decodeTable, encodeArray, quantizeArray } from "./bulk-codec.js";
import { FLOAT_FORMATS, FLOAT_FORMAT_NAMES, type FloatFormat } from "./float-format.js";
import { randomWord } from "./philox.js";
import { exactToNumber, referenceDecode, referenceEncode } from "./reference-codec.js";

const SMALL = FLOAT_FORMAT_NAMES.filter((n) => FLOAT_FORMATS[n].bits <= 16);

/** Seeded float32 bit patterns: uniform ones; ones with exponents around the format's range; and ones
 * whose low 16 bits are 0, 1, 0x8000 or 0xffff (where a table keyed on the top 16 bits must be right). */
function randomFloat32(f: FloatFormat, n: number, seed: number): Float32Array {
  const next = seededWords(seed);
  const bits = new Uint32Array(n);
  const lowBits = [0, 1, 0x8000, 0xffff];
  for (let i = 0; i < n; i++) {
    const w = next();
    const field = Math.max(0, Math.min(255, f.emin + 127 - 12 + (next() % (f.emax - f.emin + 16))));
    const near = ((w & 0x807fffff) | (field << 23)) >>> 0;
    if (i % 3 === 0) bits[i] = w;
    else if (i % 3 === 1) bits[i] = near;
    else bits[i] = ((near & 0xffff0000) | (lowBits[next() % 4] ?? 0)) >>> 0;
  }
  return new Float32Array(bits.buffer);
}

describe.each([...SMALL, "float32" as const])("%s: float32 bit patterns", (name) => {
  const f = FLOAT_FORMATS[name];
  const x32 = randomFloat32(f, 30000, 17);
  const xs = Array.from(x32);
  const bs = brackets(f, xs);
  it.each(DETERMINISTIC_CONFIGS)("$rounding, overflow $overflow, flush $flushSubnormals", (o) => {
    const expected = xs.map((x, i) => expectedCode(f, x, bs[i] ?? null, o));
    expect(mismatches(xs, expected, encodeArray(f, x32, o))).toEqual([]);
  });

  it("stochastic, 16 random bits", () => {
    const o = { rounding: "stochastic", randomBits: 16, random: { seed: 3 } } as const;
    const expected = xs.map((x, i) => expectedCode(f, x, bs[i] ?? null, o, randomWord(3, 0, 0, i) >>> 16));
    expect(mismatches(xs, expected, encodeArray(f, x32, o))).toEqual([]);
  });

  it("quantizeArray rounds in place to the oracle's value", () => {
    const copy = Float32Array.from(x32.subarray(0, 3000));
    const expected = Array.from(copy, (x) => {
      const v = referenceDecode(f, referenceEncode(f, x));
      return typeof v === "object"
        ? exactToNumber(v)
        : v === "nan"
          ? NaN
          : v === "inf"
            ? Infinity
            : -Infinity;
    });
    expect(quantizeArray(f, copy)).toBe(copy);
    expect(Array.from(copy)).toEqual(expected);
  });
});

describe("buffers and widths", () => {
  it("allocates codes in the format's own width", () => {
    expect(allocCodes(FLOAT_FORMATS.float4_e2m1fn, 3)).toBeInstanceOf(Uint8Array);
    expect(allocCodes(FLOAT_FORMATS.float8_e4m3fn, 3)).toBeInstanceOf(Uint8Array);
    expect(allocCodes(FLOAT_FORMATS.bfloat16, 3)).toBeInstanceOf(Uint16Array);
    expect(allocCodes(FLOAT_FORMATS.float32, 3)).toBeInstanceOf(Uint32Array);
  });

  it("writes into a given output and rejects one of the wrong length", () => {
    const f = FLOAT_FORMATS.float16;
    const out = new Uint16Array(3);
    expect(encodeArray(f, [1, -2, 0.5], {}, out)).toBe(out);
    expect(Array.from(out)).toEqual([0x3c00, 0xc000, 0x3800]);
    const values = new Float32Array(3);
    expect(decodeArray(f, out, values)).toBe(values);
    expect(Array.from(values)).toEqual([1, -2, 0.5]);
    const catchError = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e1 = catchError(() => encodeArray(f, [1, 2], {}, new Uint16Array(3)));
    expect(isMinifloatError(e1, "shape")).toBe(true);
    expect((e1 as Error).message).toContain("expected 2 elements, got 3");
    expect(
      isMinifloatError(
        catchError(() => decodeArray(f, [1, 2], new Float32Array(1))),
        "shape",
      ),
    ).toBe(true);
    expect(
      isMinifloatError(
        catchError(() => decodeTable(FLOAT_FORMATS.float32)),
        "unsupported",
      ),
    ).toBe(true);
  });

  it("rejects bad options with argument errors", () => {
    const f = FLOAT_FORMATS.bfloat16;
    const bad = [
      { rounding: "stochastic" }, // no random source
      { rounding: "stochastic", random: { seed: -1 } },
      { rounding: "stochastic", random: { seed: 1, step: 2 ** 32 } },
      { randomBits: 0 },
      { randomBits: 33 },
      { rounding: "nearest" },
      { overflow: "wrap" },
    ];
    for (const o of bad) {
      expect(() => encodeArray(f, [1], o as never)).toThrow(/random|rounding|overflow/);
    }
  });
});
