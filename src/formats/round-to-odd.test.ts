/**
 * encodeArray's float64 path (round-to-odd float32, then the integer encoder) against its slow twin, the
 * exact scalar path (number[] input), on every format it serves: random values over the whole range, values a hair off every tie and boundary of the target,
 * and the specials.
 */
import { describe, expect, it } from "vitest";
import { decodeArray, encodeArray } from "./bulk-codec.js";
import { FLOAT_FORMATS, type FloatFormat } from "./float-format.js";
import { floatFormat } from "./registry.js";
import { fastFloat64Target, roundToOddFloat32 } from "./round-to-odd.js";

/** A deterministic spread of float64 values: random significands over exponents -160..140, plus
 * every target code's value, its midpoints with the next code, and each nudged by a few float64 ulps.
 * (Every 11th code of the 16-bit formats, which keeps the scalar codec's share of the test short.) */
function probes(f: FloatFormat): Float64Array {
  const out: number[] = [0, -0, Infinity, -Infinity, NaN, 1e-300, -1e-300, 1e300, -1e300];
  out.push(3.4028235677973366e38, 3.4028235677973362e38, 3.402823669209385e38, 2 ** -149, 2 ** -150);
  let s = 12345;
  const rand = (): number => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 4000; i++) out.push((rand() * 2 - 1) * 2 ** Math.floor(rand() * 300 - 160));
  if (f.bits <= 16) {
    const codes = Uint16Array.from({ length: 2 ** f.bits }, (_, c) => c);
    const v = decodeArray(f, f.bits <= 8 ? Uint8Array.from(codes) : codes);
    // Every code of 8-bit formats; of 16-bit ones every 11th, plus the top of each sign's range.
    const step = f.bits > 8 ? 11 : 1;
    const top = f.signBit - 16;
    for (let c = 0; c + 1 < v.length; c += c >= top && c < f.signBit ? 1 : step) {
      const mid = (v[c] + v[c + 1]) / 2;
      for (const x of [v[c], mid]) {
        if (!Number.isFinite(x)) continue;
        for (const k of [-3, -1, 0, 1, 3]) out.push(x + k * Math.abs(x || 2 ** -1000) * 2 ** -52);
      }
    }
  }
  return Float64Array.from(out);
}

const SERVED = Object.values(FLOAT_FORMATS).filter(fastFloat64Target);

describe("encodeArray of float64 values", () => {
  it("serves float32, bfloat16, float16 and the float8 formats", () => {
    for (const name of ["float32", "bfloat16", "float16", "float8_e4m3fn", "float8_e5m2"]) {
      expect(SERVED).toContain(floatFormat(name));
    }
  });

  it.each(SERVED.map((f) => [f.name, f] as const))("%s: same codes as the scalar codec", (_name, f) => {
    const values = probes(f);
    const want = encodeArray(f, Array.from(values), { rounding: "nearest-even" });
    expect(encodeArray(f, values, { rounding: "nearest-even" })).toEqual(want);
    expect(encodeArray(f, values, { overflow: "saturate" })).toEqual(
      encodeArray(f, Array.from(values), { overflow: "saturate" }),
    );
  });

  it("keeps the scalar path where rounding through float32 would differ", () => {
    // Flushing looks at the unrounded value; float32 saturation keeps the largest finite value.
    const f32 = floatFormat("float32");
    const big = Float64Array.of(1e39, -1e39);
    expect(Array.from(encodeArray(f32, big, { overflow: "saturate" }))).toEqual([0x7f7fffff, 0xff7fffff]);
    const bf16 = floatFormat("bfloat16");
    const tiny = Float64Array.of(2 ** -126 * (1 - 2 ** -12));
    expect(encodeArray(bf16, tiny, { flushSubnormals: true })).toEqual(
      encodeArray(bf16, Array.from(tiny), { flushSubnormals: true }),
    );
  });

  it("rounds to odd: exact values stay, inexact ones land on the odd neighbour toward zero", () => {
    const x = Float64Array.of(1, 1 + 2 ** -30, -(1 + 2 ** -30), 1e300, 2 ** -160, -0);
    const got = new Uint32Array(roundToOddFloat32(x).buffer);
    expect(Array.from(got)).toEqual([0x3f800000, 0x3f800001, 0xbf800001, 0x7f7fffff, 1, 0x80000000]);
  });
});
