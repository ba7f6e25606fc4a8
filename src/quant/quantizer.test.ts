/**
 * Quantizers against hand-computed values: E4M3 saturating at 448 and E5M2 at 57344 (OCP FP8), scales
 * amax / max, int8 per output channel with ties to even, asymmetric int8 with ONNX's zero point, MX block
 * scales, the statistics (SQNR, saturation, underflow) and spec validation.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import {
  fakeQuantize,
  resolveSpec,
  saturatedFraction,
  sqnrDb,
  underflowFraction,
  type QuantSpec,
} from "./quantizer.js";

const f32 = (a: readonly number[]): Float32Array => Float32Array.from(a);
const scales = (...s: number[]) => ({ scale: Float32Array.from(s) });
const w = (spec: QuantSpec) => resolveSpec(spec, "weight");
const a = (spec: QuantSpec) => resolveSpec(spec, "activation");

describe("scaled float formats", () => {
  it("saturates E4M3 at 448 and E5M2 at 57344, and overflows to NaN / infinity when asked not to", () => {
    const e4m3 = fakeQuantize(f32([448, 500, -1000, 1, 0.5]), [5], a({ format: "float8_e4m3fn" }), scales(1));
    expect(Array.from(e4m3.values)).toEqual([448, 448, -448, 1, 0.5]);
    expect(e4m3.stats.saturated).toBe(2);
    expect(saturatedFraction(e4m3.stats)).toBeCloseTo(0.4, 12);
    const e5m2 = fakeQuantize(f32([57344, 61440, -1e6, 3]), [4], a({ format: "float8_e5m2" }), scales(1));
    expect(Array.from(e5m2.values)).toEqual([57344, 57344, -57344, 3]);
    const ieee4 = fakeQuantize(f32([500]), [1], a({ format: "float8_e4m3fn", saturate: false }), scales(1));
    expect(ieee4.values[0]).toBeNaN();
    const ieee5 = fakeQuantize(f32([-1e6]), [1], a({ format: "float8_e5m2", saturate: false }), scales(1));
    expect(ieee5.values[0]).toBe(-Infinity);
  });

  it("maps amax onto the largest finite value when no scale is given, and rounds to nearest-even", () => {
    // scale = 2 / 448; x / scale = [224, -448, 22.4] -> [224, -448, 22] (E4M3 step 2 in [16, 32)).
    const r = fakeQuantize(f32([1, -2, 0.1]), [3], a({ format: "float8_e4m3fn" }));
    const s = Math.fround(2 / 448);
    expect(Array.from(r.values)).toEqual([224, -448, 22].map((q) => Math.fround(q * s)));
    // 1.0625 is the tie between 1 and 1.125 in E4M3: even (1) wins.
    const tie = fakeQuantize(f32([1, 1.0625]), [2], a({ format: "float8_e4m3fn" }), scales(1));
    expect(Array.from(tie.values)).toEqual([1, 1]);
    expect(sqnrDb(tie.stats)).toBeCloseTo(10 * Math.log10((1 + 1.0625 ** 2) / 0.0625 ** 2), 10);
  });

  it("counts underflow: non-zero values that round to zero (E4M3's smallest subnormal is 2^-9)", () => {
    const r = fakeQuantize(
      f32([2 ** -10, 2 ** -9, 0, -(2 ** -11)]),
      [4],
      a({ format: "float8_e4m3fn" }),
      scales(1),
    );
    expect(Array.from(r.values)).toEqual([0, 2 ** -9, 0, -0]);
    expect(r.stats.underflow).toBe(2);
    expect(underflowFraction(r.stats)).toBe(0.5);
  });

  it("uses one scale per output row for channel granularity and per token for activations", () => {
    // (2, 3), row amax 0.04 and 448. With scale 1 (per tensor) 0.01 lands on the subnormal step 2^-9
    // (5 steps); with its row's scale 0.04 / 448 it is 112, exact. 100 and 200 are ties: 96 and 192.
    const x = f32([0.01, 0.02, 0.04, 100, 200, 448]);
    const s = Math.fround(0.04 / 448);
    const row0 = [112, 224, 448].map((q) => Math.fround(q * s));
    const channel = fakeQuantize(x, [2, 3], w({ format: "float8_e4m3fn", granularity: "channel" }));
    expect(Array.from(channel.values)).toEqual([...row0, 96, 192, 448]);
    const token = fakeQuantize(x, [1, 2, 3], a({ format: "float8_e4m3fn", granularity: "token" }));
    expect(Array.from(token.values)).toEqual([...row0, 96, 192, 448]);
    const tensor = fakeQuantize(x, [2, 3], w({ format: "float8_e4m3fn" }));
    expect(Array.from(tensor.values)).toEqual([5 * 2 ** -9, 10 * 2 ** -9, 20 * 2 ** -9, 96, 192, 448]);
  });

  it("is exact (infinite SQNR) for the float32 cast", () => {
    const x = f32([Math.PI, -1e-30, 3e38]);
    const r = fakeQuantize(x, [3], a({ format: "float32" }));
    expect(Array.from(r.values)).toEqual(Array.from(x));
    expect(sqnrDb(r.stats)).toBe(Infinity);
  });
});

describe("integer formats (ONNX QuantizeLinear)", () => {
  it("quantizes int8 per output channel with scale amax / 127 and ties to even", () => {
    const x = f32([1, -0.5, 0.25, 10, 3, -7]);
    const r = fakeQuantize(x, [2, 3], w({ format: "int8", granularity: "channel" }));
    const s0 = Math.fround(1 / 127);
    const s1 = Math.fround(10 / 127);
    const codes = [127, -64, 32, 127, 38, -89];
    const expected = codes.map((q, i) => Math.fround(q * (i < 3 ? s0 : s1)));
    expect(Array.from(r.values)).toEqual(expected);
    expect(r.stats.saturated).toBe(0);
  });

  it("saturates beyond the calibrated scale and counts it", () => {
    const r = fakeQuantize(f32([1, 2, -3]), [3], a({ format: "int8" }), scales(1 / 64));
    expect(Array.from(r.values)).toEqual([1, Math.fround(127 * Math.fround(1 / 64)), -2]);
    expect(r.stats.saturated).toBe(2);
  });

  it("is exact on 0..255 with the asymmetric (zero point -128) int8 of range [0, 255]", () => {
    const x = Float32Array.from({ length: 256 }, (_, i) => i);
    const r = fakeQuantize(x, [256], a({ format: "int8", symmetric: false }));
    expect(Array.from(r.values)).toEqual(Array.from(x));
  });
});

describe("MX block formats", () => {
  it("computes its own E8M0 block scales and saturates at the element's max", () => {
    // Block max 500: shared exponent floor(log2 500) - 8 = 0, X = 1, so 500 clamps to 448.
    const x = Float32Array.from({ length: 32 }, (_, i) => (i === 0 ? 500 : i));
    const r = fakeQuantize(x, [1, 32], a({ format: "MXFP8_E4M3" }));
    expect(r.values[0]).toBe(448);
    expect(Array.from(r.values.slice(1, 17))).toEqual(Array.from(x.slice(1, 17)));
    expect(r.values[17]).toBe(16); // 17 is the tie between 16 (1.000b x 2^4) and 18 (1.001b): even wins
    expect(r.stats.saturated).toBe(1);
    expect(resolveSpec({ format: "MXFP4" }, "weight").granularity).toBe("block");
  });

  it("blocks each row separately, with a ragged last block (37 = 32 + 5)", () => {
    const x = Float32Array.from({ length: 74 }, (_, i) => (i % 37 >= 32 ? 1024 : 1));
    const r = fakeQuantize(x, [2, 37], a({ format: "MXINT8" }));
    expect(Array.from(r.values)).toEqual(Array.from(x)); // each block holds one power of two: exact
    // As one row, blocks [32, 64) and [64, 74) mix 1024 with 1s (27 and 5 of them): X = 2^10, and
    // 1 / X = 2^-10 is below MXINT8's step 2^-6, so those 1s underflow.
    const flat = fakeQuantize(x, [74], a({ format: "MXINT8" }));
    expect(flat.values[37]).toBe(0);
    expect(flat.stats.underflow).toBe(32);
  });
});

describe("specs", () => {
  it("rejects unknown formats, and granularities that do not fit the role or format", () => {
    expectError(() => w({ format: "fp8" as "int8" }), "config", /weight format "fp8" cannot be quantized to/);
    expectError(
      () => a({ format: "int8", granularity: "channel" }),
      "config",
      /expected tensor or token, got "channel"/,
    );
    expectError(() => w({ format: "int8", granularity: "token" }), "config", /expected tensor or channel/);
    expectError(() => w({ format: "int8", granularity: "block" }), "config", /got "block"/);
    expectError(() => w({ format: "MXFP4", granularity: "tensor" }), "config", /expected block/);
    expectError(() => w({ format: "uint8" }), "config", /unsigned: set symmetric to false/);
  });

  it("checks the number of scales", () => {
    const spec = w({ format: "int8", granularity: "channel" });
    expectError(() => fakeQuantize(f32([1, 2]), [2, 1], spec, scales(1)), "shape", /expected 2, got 1/);
  });
});
