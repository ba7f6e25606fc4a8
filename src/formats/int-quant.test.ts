// Integer quantization against the ONNX operator examples (onnx/backend/test/case/node/quantizelinear.py,
// dequantizelinear.py, dynamicquantizelinear.py), hand-computed cases, and a per-element reference loop.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import {
  chooseQuantParams,
  dequantizeInt,
  grouping,
  packInt4,
  quantizeInt,
  roundToInteger,
  unpackInt4,
  type QuantParams,
} from "./int-quant.js";
import { INT_FORMATS } from "./int-format.js";
import { randomWord } from "./philox.js";

const f32 = (xs: readonly number[]): Float32Array => Float32Array.from(xs);
const list = (a: ArrayLike<number>): number[] => Array.from(a);

/** Round half to even written out, for the reference loop. */
function rintEven(v: number): number {
  const n = Math.floor(v);
  if (v - n < 0.5) return n;
  if (v - n > 0.5) return n + 1;
  return n % 2 === 0 ? n : n + 1;
}

describe("quantizeInt: ONNX QuantizeLinear examples", () => {
  it("per tensor, uint8 (test_quantizelinear)", () => {
    const x = f32([0, 2, 3, 1000, -254, -1000]);
    const q = quantizeInt(x, [6], { format: "uint8", scale: f32([2]), zeroPoint: [128] });
    expect(q).toBeInstanceOf(Uint8Array);
    expect(list(q)).toEqual([128, 129, 130, 255, 1, 0]);
  });

  it("per axis, uint8 (test_quantizelinear_axis)", () => {
    const x = f32([
      ...[-162, 10, -100, 232, -20, -50],
      ...[-76, 0, 0, 252, 32, -44],
      ...[245, -485, -960, -270, -375, -470],
    ]);
    const params: QuantParams = { format: "uint8", scale: f32([2, 4, 5]), zeroPoint: [84, 24, 196], axis: 1 };
    const q = quantizeInt(x, [1, 3, 3, 2], params);
    // x / scale + zeroPoint, every quotient an integer (worked by hand)
    expect(list(q)).toEqual([3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13, 245, 99, 4, 142, 121, 102]);
  });

  it("per axis, int4 and uint4 with saturation (test_quantizelinear_int4 / _uint4)", () => {
    const x = f32([0, 2.5, 4.8, 8.6, -30, -20, 6, 9, 12, 15, 16, 40]);
    const scale = f32([2, 3, 4]);
    const int4 = quantizeInt(x, [3, 4], { format: "int4", scale, zeroPoint: [1, 1, 1], axis: 0 });
    expect(list(int4)).toEqual([1, 2, 3, 5, -8, -6, 3, 4, 4, 5, 5, 7]);
    const uint4 = quantizeInt(x, [3, 4], { format: "uint4", scale, zeroPoint: [1, 1, 1], axis: 0 });
    expect(list(uint4)).toEqual([1, 2, 3, 5, 0, 0, 3, 4, 4, 5, 5, 11]);
  });

  it("blocked, uint8 with zero points (test_quantizelinear_blocked_asymmetric)", () => {
    const x = f32([6, 12, 50, 5, 1, 8, 4, 5, 0, 20, 10, 4]);
    const scale = f32([1.5, 2.5, 3.0, 4.9, 5.1, 6.9]);
    const params: QuantParams = {
      format: "uint8",
      scale,
      zeroPoint: [0, 1, 1, 0, 2, 3],
      axis: 1,
      blockSize: 2,
    };
    expect(list(quantizeInt(x, [3, 4], params))).toEqual([4, 8, 21, 3, 1, 4, 1, 1, 2, 6, 4, 4]);
  });

  it("blocked, symmetric (test_quantizelinear_blocked_symmetric, int8 instead of int16)", () => {
    const x = f32([6, -8, -10, 5, 1, 8, 4, 5, 0, 20, 10, 4]);
    const scale = f32([1.5, 2.5, 3.0, 4.9, 5.1, 6.9]);
    const q = quantizeInt(x, [3, 4], { format: "int8", scale, axis: 1, blockSize: 2 });
    expect(q).toBeInstanceOf(Int8Array);
    expect(list(q)).toEqual([4, -5, -4, 2, 0, 3, 1, 1, 0, 4, 1, 1]);
  });

  it("blocked with a ragged last block: ceil(D / blockSize) scales along the axis", () => {
    // D = 5, blockSize 2: blocks {0,1}, {2,3}, {4}
    const x = f32([1, 2, 3, 4, 5, 10, 20, 30, 40, 50]);
    const q = quantizeInt(x, [2, 5], { format: "int8", scale: f32([1, 2, 4, 10, 20, 40]), blockSize: 2 });
    expect(list(q)).toEqual([1, 2, 2, 2, 1, 1, 2, 2, 2, 1]);
    expect(grouping([2, 5], 1, 2).scaleShape).toEqual([2, 3]);
    expectError(
      () => quantizeInt(x, [2, 5], { format: "int8", scale: f32([1, 2, 3, 4]), blockSize: 2 }),
      "shape",
      /scale: expected 6 elements \(scale shape \(2, 3\)\), got 4/,
    );
  });

  it("divides in float32: x / scale rounds to 47.5 in float32 (47.4999984 exactly), then to even 48", () => {
    const x = Math.fround(45.170555114746094);
    const s = Math.fround(0.9509590864181519);
    expect(x / s).toBeLessThan(47.5); // the float64 quotient would round to 47
    expect(list(quantizeInt(f32([x]), [1], { format: "int8", scale: f32([s]) }))).toEqual([48]);
  });
});

describe("quantizeInt: rounding modes and special values", () => {
  const ties = f32([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.25, -0.75]);
  const p: QuantParams = { format: "int8", scale: f32([1]) };
  it.each([
    ["nearest-even", [0, 2, 2, 0, -2, -2, 0, -1]],
    ["nearest-away", [1, 2, 3, -1, -2, -3, 0, -1]],
    ["toward-zero", [0, 1, 2, 0, -1, -2, 0, 0]],
  ] as const)("%s", (rounding, expected) => {
    expect(list(quantizeInt(ties, [8], p, { rounding }))).toEqual(expected);
  });

  it("NaN becomes the zero point, infinities saturate", () => {
    const x = f32([NaN, Infinity, -Infinity]);
    expect(list(quantizeInt(x, [3], { format: "uint8", scale: f32([1]), zeroPoint: [7] }))).toEqual([
      7, 255, 0,
    ]);
    expect(list(quantizeInt(x, [3], { format: "int4", scale: f32([1]) }))).toEqual([0, 7, -8]);
  });

  it("stochastic: element i rounds up iff randomWord(seed, stream, step, offset + i) < frac * 2^32", () => {
    const x = new Float32Array(500).map((_, i) => (i % 50) / 10 - 2.45);
    const random = { seed: 42, stream: 3, step: 9, offset: 100 };
    const q = quantizeInt(x, [500], p, { rounding: "stochastic", random });
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      const n = Math.floor(v);
      const up = randomWord(42, 3, 9, 100 + i) < Math.floor((v - n) * 2 ** 32);
      expect(q[i]).toBe(up ? n + 1 : n);
    }
    // a slice quantized with the matching offset gives the same codes
    const tail = quantizeInt(x.subarray(123), [377], p, {
      rounding: "stochastic",
      random: { ...random, offset: 223 },
    });
    expect(list(tail)).toEqual(list(q.subarray(123)));
  });

  it("stochastic is unbiased: the mean of 20000 roundings of 0.3 is 0.3 within 5 sigma", () => {
    const x = new Float32Array(20000).fill(0.3);
    const q = quantizeInt(x, [x.length], p, { rounding: "stochastic", random: { seed: 7 } });
    const mean = list(q).reduce((a, b) => a + b, 0) / q.length;
    expect(Math.abs(mean - 0.3)).toBeLessThan(5 * Math.sqrt((0.3 * 0.7) / x.length));
  });

  it("stochastic needs a seed", () => {
    expectError(() => quantizeInt(ties, [8], p, { rounding: "stochastic" }), "argument", /random source/);
  });

  it("roundToInteger agrees with a written-out half-even rule", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (v) => {
        expect(roundToInteger(v, "nearest-even") + 0).toBe(rintEven(v) + 0); // + 0: -0 counts as 0
        expect(roundToInteger(v, "toward-zero") + 0).toBe(Math.trunc(v) + 0);
      }),
    );
  });
});

describe("dequantizeInt", () => {
  it("ONNX DequantizeLinear example: (x - zeroPoint) * scale", () => {
    const y = dequantizeInt(Uint8Array.from([0, 3, 128, 255]), [4], {
      format: "uint8",
      scale: f32([2]),
      zeroPoint: [128],
    });
    expect(list(y)).toEqual([-256, -250, 0, 254]);
  });

  it("per axis and blocked use the scale of each element's group", () => {
    const codes = Int8Array.from([1, 2, 3, 4, 5, 6]);
    const axis = dequantizeInt(codes, [2, 3], { format: "int8", scale: f32([1, 10, 100]), axis: 1 });
    expect(list(axis)).toEqual([1, 20, 300, 4, 50, 600]);
    const block = dequantizeInt(codes, [2, 3], {
      format: "int8",
      scale: f32([1, 10, 100, 1000]),
      blockSize: 2,
    });
    expect(list(block)).toEqual([1, 2, 30, 400, 500, 6000]); // blocks {0,1} {2} per row
  });

  it("rejects codes outside the format", () => {
    expectError(
      () => dequantizeInt([0, 8], [2], { format: "int4", scale: f32([1]) }),
      "argument",
      /codes\[1\] must be an integer in \[-8, 7\] for int4, got 8/,
    );
  });

  it("dequantize(quantize(x)) is within scale / 2 of x inside the range, per block", () => {
    const shapeArb = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }));
    fc.assert(
      fc.property(
        shapeArb,
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom("int8", "uint8", "int4", "uint4" as const),
        fc.integer({ min: 0, max: 2 ** 31 }),
        ([rows, cols], blockSize, format, seed) => {
          const n = rows * cols;
          const x = new Float32Array(n).map((_, i) => Math.sin(seed + i * 7.3) * 50);
          const params = chooseQuantParams(x, [rows, cols], format, { blockSize });
          const y = dequantizeInt(quantizeInt(x, [rows, cols], params), [rows, cols], params);
          const g = grouping([rows, cols], undefined, blockSize);
          const fmt = INT_FORMATS[format];
          for (let i = 0; i < n; i++) {
            const k = g.groupOf?.[i] ?? 0;
            const s = params.scale[k];
            const z = params.zeroPoint?.[k] ?? 0;
            if (x[i] < (fmt.min - z) * s || x[i] > (fmt.max - z) * s) continue;
            // half a step, plus the float32 roundings of x / s (< 2^-17 steps, as |x / s| < 256) and of
            // the dequantized value (< 2^-16 steps)
            expect(Math.abs(y[i] - x[i])).toBeLessThanOrEqual((0.5 + 2 ** -14) * s);
          }
        },
      ),
    );
  });

  it("quantizeInt agrees with a per-element reference loop, per axis", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -300, max: 300, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.array(fc.float({ min: Math.fround(0.01), max: 10, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.integer({ min: -128, max: 127 }), { minLength: 3, maxLength: 3 }),
        (xs, scales, zps) => {
          const params: QuantParams = { format: "int8", scale: f32(scales), zeroPoint: zps, axis: 1 };
          const q = quantizeInt(f32(xs), [2, 3], params);
          for (let i = 0; i < 6; i++) {
            const k = i % 3;
            const v = rintEven(Math.fround(Math.fround(xs[i]) / Math.fround(scales[k]))) + zps[k];
            expect(q[i]).toBe(Math.min(127, Math.max(-128, v)));
          }
        },
      ),
    );
  });
});

describe("chooseQuantParams", () => {
  it("asymmetric uint8 matches ONNX DynamicQuantizeLinear's three examples", () => {
    const cases = [
      [[0, 2, -3, -2.5, 1.34, 0.5], 0.019607843831181526, 153, [153, 255, 0, 26, 221, 179]],
      [[-1.0, -2.1, -1.3, -2.5, -3.34, -4.0], 0.01568627543747425, 255, [191, 121, 172, 96, 42, 0]],
      [
        [1, 2.1, 1.3, 2.5, 3.34, 4.0, 1.5, 2.6, 3.9, 4.0, 3.0, 2.345],
        0.01568627543747425,
        0,
        [64, 134, 83, 159, 213, 255, 96, 166, 249, 255, 191, 149],
      ],
    ] as const;
    for (const [xs, scale, zp, codes] of cases) {
      const x = f32(xs);
      const params = chooseQuantParams(x, [x.length], "uint8");
      expect(params.scale[0]).toBe(scale);
      expect(list(params.zeroPoint ?? [])).toEqual([zp]);
      expect(list(quantizeInt(x, [x.length], params))).toEqual(codes);
    }
  });

  it("asymmetric zero points round half to even: qmin - rmin / scale = 0.5, 2.5, -127.5", () => {
    // range [rmin, rmin + 255] gives scale 1, so the zero point is qmin - rmin exactly
    const zp = (format: "uint8" | "int8", rmin: number): number => {
      const params = chooseQuantParams(f32([rmin, rmin + 255]), [2], format);
      expect(params.scale[0]).toBe(1);
      return params.zeroPoint?.[0] ?? NaN;
    };
    expect(zp("uint8", -0.5)).toBe(0);
    expect(zp("uint8", -1.5)).toBe(2);
    expect(zp("uint8", -2.5)).toBe(2);
    expect(zp("int8", -0.5)).toBe(-128);
  });

  it("symmetric int8 per axis: zero point 0, scale = max|x| / 127 per channel", () => {
    const x = f32([1, -254, 0.5, 127, 0, 0]);
    const params = chooseQuantParams(x, [3, 2], "int8", { method: "symmetric", axis: 0 });
    expect(list(params.scale)).toEqual([2, 1, 1]); // the all-zero channel gets scale 1
    expect(list(params.zeroPoint ?? [])).toEqual([0, 0, 0]);
    expect(params.axis).toBe(0);
    expect(list(quantizeInt(x, [3, 2], params))).toEqual([0, -127, 0, 127, 0, 0]);
  });

  it("symmetric int4 per block", () => {
    const x = f32([7, -3.5, 1, 14, 1.75, -0.875]);
    const params = chooseQuantParams(x, [6], "int4", { method: "symmetric", blockSize: 2 });
    expect(list(params.scale)).toEqual([1, 2, 0.25]); // max|x| / 7 per block of 2
    expect(list(quantizeInt(x, [6], params))).toEqual([7, -4, 0, 7, 7, -4]); // -3.5 -> -4 (even)
  });

  it("rejects symmetric unsigned formats and non-finite data", () => {
    expectError(
      () => chooseQuantParams(f32([1]), [1], "uint8", { method: "symmetric" }),
      "argument",
      /signed/,
    );
    expectError(() => chooseQuantParams(f32([1, NaN]), [2], "int8"), "argument", /x\[1\] is NaN/);
  });
});

describe("validation", () => {
  const x = f32([1, 2, 3, 4, 5, 6]);
  const cases: [string, () => unknown, string, RegExp][] = [
    [
      "shape",
      () => quantizeInt(x, [2, 2], { format: "int8", scale: f32([1]) }),
      "shape",
      /expected 4 .* got 6/,
    ],
    [
      "axis",
      () => quantizeInt(x, [2, 3], { format: "int8", scale: f32([1]), axis: 2 }),
      "argument",
      /\[-2, 1\].*got 2/,
    ],
    [
      "scale length",
      () => quantizeInt(x, [2, 3], { format: "int8", scale: f32([1, 2]), axis: 1 }),
      "shape",
      /expected 3.*got 2/,
    ],
    [
      "scale <= 0",
      () => quantizeInt(x, [6], { format: "int8", scale: f32([0]) }),
      "argument",
      /scale\[0\].*got 0/,
    ],
    [
      "scale NaN",
      () => quantizeInt(x, [6], { format: "int8", scale: f32([NaN]) }),
      "argument",
      /positive and finite, got NaN/,
    ],
    [
      "zero point range",
      () => quantizeInt(x, [6], { format: "uint4", scale: f32([1]), zeroPoint: [16] }),
      "argument",
      /\[0, 15\] for uint4, got 16/,
    ],
    [
      "zero point integer",
      () => quantizeInt(x, [6], { format: "int8", scale: f32([1]), zeroPoint: [0.5] }),
      "argument",
      /got 0.5/,
    ],
    [
      "zero point length",
      () => quantizeInt(x, [6], { format: "int8", scale: f32([1]), zeroPoint: [0, 0] }),
      "shape",
      /zeroPoint: expected 1/,
    ],
    [
      "block size",
      () => quantizeInt(x, [6], { format: "int8", scale: f32([1]), blockSize: 0 }),
      "argument",
      /blockSize.*got 0/,
    ],
    [
      "format",
      () => quantizeInt(x, [6], { format: "int16" as "int8", scale: f32([1]) }),
      "format",
      /unknown integer format "int16"/,
    ],
  ];
  it.each(cases)("%s", (_, fn, code, text) => {
    expectError(fn, code, text);
  });
});

describe("packInt4 / unpackInt4", () => {
  it("packs two per byte, first element in the low nibble (ONNX INT4 layout)", () => {
    const packed = packInt4([1, -2, 7, -8, 3], "int4");
    expect(list(packed)).toEqual([0xe1, 0x87, 0x03]);
    expect(list(unpackInt4(packed, 5, "int4"))).toEqual([1, -2, 7, -8, 3]);
    expect(list(unpackInt4(Uint8Array.from([0xe1]), 2, "uint4"))).toEqual([1, 14]);
  });

  it("round-trips every code sequence", () => {
    fc.assert(
      fc.property(fc.constantFrom("int4", "uint4" as const), fc.array(fc.nat(15)), (format, raw) => {
        const codes = raw.map((c) => (format === "int4" ? c - 8 : c));
        expect(list(unpackInt4(packInt4(codes, format), codes.length, format))).toEqual(codes);
      }),
    );
  });

  it("rejects out-of-range codes and a wrong packed length", () => {
    expectError(() => packInt4([8], "int4"), "argument", /codes\[0\].*\[-8, 7\] for int4, got 8/);
    expectError(() => unpackInt4(new Uint8Array(2), 5, "int4"), "shape", /expected 3 bytes .* got 2/);
  });
});
