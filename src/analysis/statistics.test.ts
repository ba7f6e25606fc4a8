/**
 * The statistics behind verdicts against values computed by hand or taken from tables: McNemar's exact
 * p-values of small tables, Student t quantiles for small df, a t interval, Clopper-Pearson bounds with
 * closed forms, and the paired bootstrap's determinism and spread.
 */
import { describe, expect, it } from "vitest";
import {
  agrestiMinInterval,
  binomialInterval,
  mcnemarExact,
  pairedBootstrap,
  regularizedBeta,
  studentTCdf,
  studentTQuantile,
  tInterval,
} from "./statistics.js";

describe("McNemar's exact test", () => {
  it("is twice the binomial(n, 1/2) tail of the smaller discordant count", () => {
    expect(mcnemarExact(0, 5)).toBeCloseTo(2 / 32, 14); // 2 * 2^-5
    expect(mcnemarExact(9, 1)).toBeCloseTo((2 * 11) / 1024, 14); // 2 * (1 + 10) / 2^10
    expect(mcnemarExact(3, 7)).toBeCloseTo((2 * 176) / 1024, 14); // 2 * (1 + 10 + 45 + 120) / 2^10
    expect(mcnemarExact(4, 4)).toBe(1);
    expect(mcnemarExact(0, 0)).toBe(1);
  });
  it("stays finite beyond 1074 discordant pairs (2^-n underflows) and agrees with the normal approximation", () => {
    const p = mcnemarExact(500, 600);
    // Continuity-corrected z = (100 - 1) / sqrt(1100) = 2.985, two-sided 0.00284.
    expect(p).toBeGreaterThan(0.0024);
    expect(p).toBeLessThan(0.0033);
  });
});

describe("Student's t distribution", () => {
  it("has the tabulated 97.5% quantiles", () => {
    const table: [number, number][] = [
      [1, 12.7062047],
      [2, 4.30265273],
      [3, 3.18244631],
      [4, 2.77644511],
      [5, 2.57058184],
      [10, 2.22813885],
      [30, 2.04227246],
    ];
    for (const [df, q] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(q, 6);
    expect(studentTQuantile(0.025, 3)).toBeCloseTo(-3.18244631, 6);
  });
  it("has the closed-form CDF of 1 and 2 degrees of freedom", () => {
    for (const t of [-3, -0.5, 0, 0.7, 4]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
    }
    expect(regularizedBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(regularizedBeta(0.5, 3.5, 3.5)).toBeCloseTo(0.5, 14);
  });
  it("gives the t interval and paired t test of a mean", () => {
    const r = tInterval([1, 2, 3]);
    // mean 2, sd 1, se 1/sqrt(3), t(0.975, 2) = 4.30265; t = 2 sqrt(3), p = 1 - t / sqrt(2 + t^2).
    expect(r.mean).toBe(2);
    expect(r.high - r.mean).toBeCloseTo(4.30265273 / Math.sqrt(3), 6);
    expect(r.low).toBeCloseTo(2 - 4.30265273 / Math.sqrt(3), 6);
    expect(r.pValue).toBeCloseTo(1 - (2 * Math.sqrt(3)) / Math.sqrt(14), 10);
    expect(tInterval([0.5, 0.5])).toEqual({ mean: 0.5, low: 0.5, high: 0.5, pValue: 0 });
    expect(() => tInterval([1])).toThrow(/at least 2 values, got 1/);
  });
});

describe("binomialInterval (Clopper-Pearson)", () => {
  it("matches the closed forms at 0 and n successes and is symmetric", () => {
    expect(binomialInterval(0, 10).low).toBe(0);
    expect(binomialInterval(0, 10).high).toBeCloseTo(1 - 0.025 ** 0.1, 10);
    expect(binomialInterval(10, 10).low).toBeCloseTo(0.025 ** 0.1, 10);
    const mid = binomialInterval(5, 10);
    expect(mid.low).toBeCloseTo(0.187086, 5);
    expect(mid.high).toBeCloseTo(1 - mid.low, 10);
    expect(() => binomialInterval(3, 2)).toThrow(/0 <= k <= n/);
  });
});

describe("agrestiMinInterval", () => {
  it("adds 1/2 to each cell: no discordant pair of 200 still leaves +-1.96 / 202", () => {
    const r = agrestiMinInterval(0, 0, 200);
    expect(r.high).toBeCloseTo(1.959964 / 202, 6);
    expect(r.low).toBeCloseTo(-1.959964 / 202, 6);
    // 23 better, 10 worse of 1000: d = 13 / 1002, se = sqrt(34 - 169 / 1002) / 1002.
    const s = agrestiMinInterval(23, 10, 1000);
    const se = Math.sqrt(34 - 169 / 1002) / 1002;
    expect(s.low).toBeCloseTo(13 / 1002 - 1.959964 * se, 6);
    expect(s.high).toBeCloseTo(13 / 1002 + 1.959964 * se, 6);
  });
});

describe("pairedBootstrap", () => {
  const diffs = new Int8Array(1000);
  diffs.fill(1, 0, 30);
  diffs.fill(-1, 30, 40);
  it("is deterministic for a seed and close to the normal interval", () => {
    const a = pairedBootstrap(diffs);
    expect(pairedBootstrap(diffs)).toEqual(a);
    const other = pairedBootstrap(diffs, { seed: 7 });
    expect(Math.abs(other.low - a.low)).toBeLessThan(0.002);
    // Mean 0.02, standard error sqrt((0.04 - 0.0004) / 1000) = 0.00629: about [0.0077, 0.0323].
    expect(a.low).toBeGreaterThan(0.0077 - 0.002);
    expect(a.low).toBeLessThan(0.0077 + 0.002);
    expect(a.high).toBeGreaterThan(0.0323 - 0.002);
    expect(a.high).toBeLessThan(0.0323 + 0.002);
  });
  it("resamples 10,000 samples 2000 times in well under a second", () => {
    const big = new Int8Array(10000);
    big.fill(-1, 0, 200);
    const t0 = performance.now();
    const r = pairedBootstrap(big);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.low).toBeLessThan(-0.02);
    expect(r.high).toBeGreaterThan(-0.02);
  });
  it("gives [0, 0] when the classifiers agree on every sample", () => {
    expect(pairedBootstrap(new Int8Array(50))).toEqual({ low: 0, high: 0 });
    expect(() => pairedBootstrap(new Int8Array(0))).toThrow(/no samples/);
  });
});
