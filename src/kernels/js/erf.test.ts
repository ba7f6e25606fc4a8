/**
 * The table-driven erf against its twin, the series, and both against known values; GELU rounded to
 * float32 from either gives the same codes.
 */
import { describe, expect, it } from "vitest";
import { erfNear, erfSeries, normalCdf, normalCdfReference } from "./erf.js";

describe("erfNear", () => {
  it("agrees with the series to float64 rounding over (-3, 3), grid points and midpoints included", () => {
    let worst = 0;
    const check = (z: number): void => {
      const want = erfSeries(z);
      const err = Math.abs(erfNear(z) - want) / Math.max(Math.abs(want), 1e-300);
      worst = Math.max(worst, z === 0 ? Math.abs(erfNear(z)) : err);
    };
    for (let k = -192; k <= 192; k++) {
      for (const d of [0, 1 / 128, -1 / 128, 1e-9]) if (Math.abs(k / 64 + d) < 3) check(k / 64 + d);
    }
    let s = 7;
    for (let i = 0; i < 100_000; i++) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      check((s / 2 ** 31) * 6 - 3);
    }
    for (const z of [1e-300, -1e-300, 1e-8, -2.9999999]) check(z);
    expect(worst).toBeLessThan(2e-15);
  });

  it("matches known values (erf 0.5, 1, 2 to 16 digits)", () => {
    expect(erfNear(0.5)).toBeCloseTo(0.5204998778130465, 15);
    expect(erfNear(1)).toBeCloseTo(0.8427007929497149, 15);
    expect(erfNear(-2)).toBeCloseTo(-0.9953222650189527, 15);
    expect(Object.is(erfNear(-0), -0) || erfNear(-0) === 0).toBe(true);
  });

  it("gives GELU's float32 values exactly as the series does on 200,000 inputs", () => {
    const gelu = (cdf: (x: number) => number, x: number): number => Math.fround(x * cdf(x));
    let s = 11;
    let differ = 0;
    for (let i = 0; i < 200_000; i++) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const x = Math.fround((s / 2 ** 31) * 12 - 6);
      if (gelu(normalCdf, x) !== gelu(normalCdfReference, x)) differ++;
    }
    expect(differ).toBe(0);
  });
});
