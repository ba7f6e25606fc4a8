/**
 * The verdict logic on its edge cases: an interval on the margin, inside, across, beyond; an equivalence
 * claim never failing on an interval that contains 0; one-sided claims; combining parts; the wording.
 */
import { describe, expect, it } from "vitest";
import type { AccuracyDifference } from "./predictions.js";
import {
  combine,
  describeDifference,
  describeEvidence,
  describeTest,
  differenceEvidence,
  judge,
} from "./verdict.js";

const iv = (low: number, high: number): { low: number; high: number } => ({ low, high });

describe("judge", () => {
  const within = { kind: "within", margin: 0.006 } as const;
  it("an equivalence claim holds inside the band, edges included, fails only beyond it", () => {
    expect(judge(iv(-0.005, 0.004), within)).toBe("holds");
    expect(judge(iv(-0.006, 0.006), within)).toBe("holds");
    expect(judge(iv(-0.02, -0.007), within)).toBe("does not hold");
    expect(judge(iv(0.0061, 0.03), within)).toBe("does not hold");
    expect(judge(iv(-0.02, -0.006), within)).toBe("inconclusive at this scale"); // touches the band
    expect(judge(iv(-0.007, 0.007), within)).toBe("inconclusive at this scale"); // wider than the band
  });
  it("never says an equivalence does not hold when the interval contains 0", () => {
    // The demo: -0.90 points from one run; its interval reaches past 0.
    for (const [low, high] of [
      [-0.026, 0.001],
      [-0.5, 0],
      [0, 0.3],
      [-0.0001, 0.0001],
    ]) {
      expect(judge(iv(low, high), within)).not.toBe("does not hold");
    }
  });
  it("one-sided claims: at least a bound (no worse than) and at most a bound (costs at least)", () => {
    const noWorse = { kind: "at-least", bound: -0.005 } as const;
    expect(judge(iv(-0.004, 0.01), noWorse)).toBe("holds");
    expect(judge(iv(-0.02, -0.006), noWorse)).toBe("does not hold");
    expect(judge(iv(-0.02, 0.01), noWorse)).toBe("inconclusive at this scale");
    const costs = { kind: "at-most", bound: -0.01 } as const;
    expect(judge(iv(-0.08, -0.05), costs)).toBe("holds");
    expect(judge(iv(-0.005, 0.004), costs)).toBe("does not hold");
    expect(judge(iv(-0.03, 0.004), costs)).toBe("inconclusive at this scale");
  });
});

describe("combine and wording", () => {
  it("holds when every part holds, does not hold when one does not, else inconclusive", () => {
    expect(combine(["holds", "holds"])).toBe("holds");
    expect(combine(["holds", "inconclusive at this scale"])).toBe("inconclusive at this scale");
    expect(combine(["inconclusive at this scale", "does not hold"])).toBe("does not hold");
  });
  it("writes the difference, its interval, the test and the verdict", () => {
    const d: AccuracyDifference = {
      method: "paired-samples",
      test: "McNemar",
      difference: -0.013,
      low: -0.026,
      high: 0.001,
      confidence: 0.95,
      pValue: 0.0712,
      samples: 1000,
      seeds: 1,
    };
    expect(describeDifference(d)).toBe("-1.30 points, 95% CI [-2.60, +0.10]");
    expect(describeTest(d)).toBe("McNemar p = 0.071, 1000 samples");
    expect(describeTest({ ...d, method: "seeds", seeds: 3, pValue: 0.0002 })).toBe(
      "paired t p < 0.001, 3 seeds",
    );
    const e = differenceEvidence("MNIST: pure-bf16 vs fp32", d, { kind: "within", margin: 0.006 });
    expect(describeEvidence(e)).toBe(
      "MNIST: pure-bf16 vs fp32 -1.30 points, 95% CI [-2.60, +0.10]: inconclusive at this scale",
    );
    expect(differenceEvidence("x", null, { kind: "within", margin: 0.006 }).verdict).toBe(
      "inconclusive at this scale",
    );
  });
});
