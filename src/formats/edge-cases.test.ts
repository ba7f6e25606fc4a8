/**
 * Per-format encode tables in the spirit of ml_dtypes' tests: zero and -0, the smallest subnormal and
 * half of it, the smallest normal, ties inside a binade and at binade boundaries, max, max + half an ulp
 * (the overflow tie), NaN and the infinities, in the rounding and overflow modes where they differ. Every
 * expected code is written by hand from the specifications; the fast codec (scalar and bulk) and the
 * oracle must both produce it.
 */
import { describe, expect, it } from "vitest";
import { encodeArray } from "./bulk-codec.js";
import { encodeValue } from "./float-codec.js";
import { FLOAT_FORMATS, type FloatFormatName } from "./float-format.js";
import { referenceEncode } from "./reference-codec.js";
import type { OverflowMode, RoundingMode } from "./rounding.js";

interface Mode {
  readonly rounding?: RoundingMode;
  readonly overflow?: OverflowMode;
  readonly flushSubnormals?: boolean;
}
type Case = readonly [x: number, code: number, mode?: Mode];

const RTZ = { rounding: "toward-zero" } as const;
const AWAY = { rounding: "nearest-away" } as const;
const SAT = { overflow: "saturate" } as const;
const FLUSH = { flushSubnormals: true } as const;
const after = (x: number) => x + x * 2 ** -52; // a float64 just above x > 0 (one or two ulps)

const TABLES: Partial<Record<FloatFormatName, readonly Case[]>> = {
  float16: [
    [0, 0x0000],
    [-0, 0x8000],
    [2 ** -24, 0x0001], // smallest subnormal
    [-(2 ** -24), 0x8001],
    [2 ** -25, 0x0000], // half of it: a tie, to 0 (even)
    [after(2 ** -25), 0x0001],
    [3 * 2 ** -25, 0x0002], // tie between subnormal codes 1 and 2
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -14 - 2 ** -25, 0x0400], // tie between the largest subnormal (odd) and the smallest normal
    [2 ** -24, 0x0000, FLUSH],
    [-(2 ** -24), 0x8000, FLUSH],
    [2 ** -14, 0x0400, FLUSH],
    [1, 0x3c00],
    [1 + 2 ** -11, 0x3c00], // tie, to even
    [1 + 2 ** -11, 0x3c01, AWAY],
    [1 + 3 * 2 ** -11, 0x3c02],
    [2 - 2 ** -11, 0x4000], // tie at a binade boundary
    [-1.9999, 0xbfff, RTZ],
    [65504, 0x7bff], // max
    [65519.99, 0x7bff],
    [65520, 0x7c00], // max + half ulp: max is odd, so it rounds up and overflows
    [65520, 0x7bff, SAT],
    [1e6, 0x7bff, RTZ],
    [Infinity, 0x7c00],
    [Infinity, 0x7c00, RTZ], // an infinite input stays infinite
    [-Infinity, 0xfc00],
    [-Infinity, 0xfbff, SAT],
    [NaN, 0x7e00],
  ],
  bfloat16: [
    [1, 0x3f80],
    [1 + 2 ** -8, 0x3f80],
    [1 + 3 * 2 ** -8, 0x3f82],
    [Math.PI, 0x4049],
    [2 ** -133, 0x0001],
    [2 ** -134, 0x0000],
    [2 ** -126, 0x0080],
    [3.3895313892515355e38, 0x7f7f],
    [3.3895313892515355e38 + 2 ** 119, 0x7f80], // the overflow tie
    [3.3895313892515355e38 + 2 ** 119, 0x7f7f, SAT],
    [-3.3895313892515355e38 - 2 ** 119, 0xff7f, RTZ],
    [NaN, 0x7fc0],
    [-Infinity, 0xff80],
  ],
  float8_e4m3fn: [
    [0, 0x00],
    [-0, 0x80],
    [2 ** -9, 0x01],
    [2 ** -10, 0x00],
    [3 * 2 ** -10, 0x02],
    [2 ** -6, 0x08],
    [2 ** -6 - 2 ** -10, 0x08],
    [1, 0x38],
    [1 + 1 / 16, 0x38],
    [1 + 3 / 16, 0x3a],
    [0.3, 0x2a],
    [448, 0x7e],
    [464, 0x7e], // max + half ulp: 448 = 1.110b x 2^8 is even, so the tie stays finite
    [after(464), 0x7f], // just above: NaN, there is no infinity
    [after(464), 0x7e, SAT],
    [464, 0x7f, AWAY],
    [464, 0x7e, { rounding: "nearest-away", overflow: "saturate" }],
    [480, 0x7f],
    [-464, 0xfe],
    [-480, 0xff], // overflow to NaN keeps the sign (S.1111.111), as ml_dtypes does
    [-480, 0xfe, SAT],
    [1e9, 0x7e, RTZ],
    [Infinity, 0x7f],
    [Infinity, 0x7e, SAT],
    [-Infinity, 0xfe, SAT],
    [NaN, 0x7f],
  ],
  float8_e5m2: [
    [1, 0x3c],
    [-0, 0x80],
    [2 ** -16, 0x01],
    [2 ** -17, 0x00],
    [2 ** -14, 0x04],
    [57344, 0x7b],
    [61439, 0x7b],
    [61440, 0x7c], // max + half ulp: 57344 = 1.11b x 2^15 is odd, so the tie overflows to infinity
    [61440, 0x7b, SAT],
    [61440, 0x7b, RTZ],
    [-61440, 0xfc],
    [Infinity, 0x7c],
    [NaN, 0x7e],
  ],
  float8_e4m3fnuz: [
    [1, 0x40],
    [-0, 0x00], // no negative zero
    [-(2 ** -11), 0x00], // rounds to zero: +0
    [-(2 ** -10), 0x81],
    [2 ** -7, 0x08],
    [240, 0x7f],
    [247, 0x7f],
    [248, 0x80], // the overflow tie (max is odd): NaN
    [248, 0x7f, SAT],
    [-248, 0xff, SAT],
    [Infinity, 0x80],
    [Infinity, 0x7f, SAT],
    [-Infinity, 0xff, SAT],
    [NaN, 0x80],
  ],
  float8_e5m2fnuz: [
    [1, 0x40],
    [-0, 0x00],
    [2 ** -17, 0x01],
    [2 ** -15, 0x04],
    [57344, 0x7f],
    [61440, 0x80],
    [61440, 0x7f, SAT],
    [NaN, 0x80],
  ],
  float6_e3m2fn: [
    [1, 0x0c],
    [-0, 0x20],
    [0.0625, 0x01],
    [2 ** -5, 0x00],
    [0.25, 0x04],
    [28, 0x1f],
    [30, 0x1f], // overflows, but there is neither infinity nor NaN: max (OCP MX)
    [-30, 0x3f],
    [Infinity, 0x1f],
    [NaN, 0x00], // no NaN: +0 (the MX block carries NaN in its scale)
  ],
  float6_e2m3fn: [
    [1, 0x08],
    [-0, 0x20],
    [0.125, 0x01],
    [0.0625, 0x00],
    [0.1875, 0x02],
    [1.0625, 0x08],
    [7.5, 0x1f],
    [7.75, 0x1f],
    [-100, 0x3f],
    [NaN, 0x00],
  ],
  float4_e2m1fn: [
    [0.25, 0x0],
    [0.5, 0x1],
    [0.75, 0x2],
    [1.5, 0x3],
    [2.5, 0x4],
    [3.5, 0x6],
    [5, 0x6],
    [5, 0x7, AWAY],
    [5.9, 0x6, RTZ],
    [6, 0x7],
    [7, 0x7],
    [-0, 0x8],
    [-6, 0xf],
    [-0.25, 0x8],
    [Infinity, 0x7],
    [NaN, 0x0],
  ],
  float8_e8m0fnu: [
    [1, 0x7f],
    [2 ** 127, 0xfe],
    [2 ** -127, 0x00],
    [2 ** -128, 0x00], // no zero: everything below 2^-127 clamps to it
    [0, 0x00],
    [-0, 0x00], // -0 is zero, which clamps like +0 (as PyTorch does; ml_dtypes: NaN, docs/conformance.md)
    [-1, 0xff],
    [1.4, 0x7f],
    [1.5, 0x80], // a tie with no mantissa bits goes up (as in ml_dtypes)
    [3, 0x81],
    [1.99, 0x7f, RTZ],
    [2 ** 128, 0xff], // overflow: NaN
    [2 ** 128, 0xfe, SAT],
    [1.5 * 2 ** 127, 0xff],
    [1.9 * 2 ** 127, 0xfe, RTZ],
    [Infinity, 0xff],
    [Infinity, 0xfe, SAT],
    [NaN, 0xff],
  ],
};

describe.each(Object.entries(TABLES))("%s", (name, cases) => {
  const f = FLOAT_FORMATS[name as FloatFormatName];
  it.each(cases.map(([x, code, mode]) => ({ x, code, mode: mode ?? {}, label: JSON.stringify(mode ?? {}) })))(
    "$x -> $code $label",
    ({ x, code, mode }) => {
      const rounding = mode.rounding ?? "nearest-even";
      const saturate = mode.overflow === "saturate";
      const flush = mode.flushSubnormals ?? false;
      expect(referenceEncode(f, x, mode)).toBe(code);
      expect(encodeValue(f, x, rounding, saturate, flush)).toBe(code);
      expect(encodeArray(f, [x], mode)[0]).toBe(code);
      if (Number.isNaN(x) || Math.fround(x) === x)
        expect(encodeArray(f, new Float32Array([x]), mode)[0]).toBe(code);
    },
  );
});
