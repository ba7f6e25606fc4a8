import { describe, expect, it } from "vitest";
import { castValue, floatFormat, type CastSettings } from "./index.js";

const nearest: CastSettings = {
  rounding: "nearest-even",
  saturate: false,
  flushSubnormals: false,
  randomBits: 32,
};

describe("castValue flags (IEEE 754-2019 7.4, 7.5)", () => {
  it("overflow is judged with an unbounded exponent range: max + just under half an ulp rounds to max", () => {
    const f = floatFormat("bfloat16");
    const ulp = 2 ** (127 - 7);
    expect(castValue(f, f.max + ulp * 0.49, nearest, 0).flags.overflow).toBe(false);
    expect(castValue(f, f.max + ulp * 0.5, nearest, 0).flags.overflow).toBe(true);
  });

  it("underflow needs a tiny input and an inexact result", () => {
    const f = floatFormat("float16");
    expect(castValue(f, 2 ** -24, nearest, 0).flags).toMatchObject({ underflow: false, subnormal: true });
    expect(castValue(f, 2 ** -24 * 1.25, nearest, 0).flags).toMatchObject({ underflow: true, inexact: true });
    expect(castValue(f, f.smallestNormal, nearest, 0).flags.underflow).toBe(false);
  });

  it("a NaN input is exact when it gives a NaN code", () => {
    const r = castValue(floatFormat("float8_e4m3fn"), NaN, nearest, 0);
    expect(r.flags).toMatchObject({ nan: true, inexact: false });
    expect(Number.isNaN(r.absError)).toBe(true);
  });
});
