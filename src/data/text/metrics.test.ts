/**
 * GLUE metrics against hand-computed values and against published scikit-learn / SciPy results (the
 * examples in their documentation, re-checked with Python's `statistics.correlation`), the degenerate
 * cases (MCC 0, F1 0, correlation NaN), input errors, properties (invariances), and the task table.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectError } from "../../../test/support/expect-error.js";
import {
  accuracy,
  averageRanks,
  computeGlueMetrics,
  f1Binary,
  GLUE_TASK_METRICS,
  matthewsCorrelation,
  pearson,
  spearman,
} from "./metrics.js";

describe("classification metrics", () => {
  // pred 1 1 0 0 1 vs gold 1 0 0 1 1: TP 2, FP 1, FN 1, TN 1.
  const pred = [1, 1, 0, 0, 1];
  const gold = [1, 0, 0, 1, 1];

  it("accuracy counts equal entries", () => {
    expect(accuracy(pred, gold)).toBe(3 / 5);
    expect(accuracy(Int32Array.of(2, 1, 0), Float64Array.of(2, 1, 0))).toBe(1);
  });

  it("binary F1 of class 1 is 2TP / (2TP + FP + FN), and 0 with no positives at all (sklearn)", () => {
    expect(f1Binary(pred, gold)).toBeCloseTo(4 / 6, 15);
    expect(f1Binary([0, 0, 0], [0, 0, 0])).toBe(0);
    expect(f1Binary([1, 1], [1, 1])).toBe(1);
    expectError(() => f1Binary([0, 2], [0, 1]), "argument", /0\/1 values, got prediction 2/);
  });

  it("MCC: the binary formula by hand, sklearn's documented example, and a 3-class case by hand", () => {
    // (TP*TN - FP*FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (2 - 1) / sqrt(3*3*2*2) = 1/6.
    expect(matthewsCorrelation(pred, gold)).toBeCloseTo(1 / 6, 15);
    // sklearn.metrics.matthews_corrcoef docs: y_true [+1,+1,+1,-1], y_pred [+1,-1,+1,+1] -> -0.33...
    expect(matthewsCorrelation([1, -1, 1, 1], [1, 1, 1, -1])).toBeCloseTo(-1 / 3, 15);
    // Classes 0,0,1,1,2,2 vs 0,1,1,1,2,0: c=4, s=6, sum p_k t_k = 12, sum p_k^2 = 14, sum t_k^2 = 12:
    // (4*6 - 12) / sqrt((36 - 14)(36 - 12)) = 12 / sqrt(528) = 0.5222329678670935.
    expect(matthewsCorrelation([0, 1, 1, 1, 2, 0], [0, 0, 1, 1, 2, 2])).toBeCloseTo(0.5222329678670935, 15);
    expect(matthewsCorrelation([0, 1, 0, 1], [0, 1, 0, 1])).toBe(1);
    expect(matthewsCorrelation([1, 0, 1, 0], [0, 1, 0, 1])).toBe(-1);
  });

  it("MCC is 0 when either side is constant (sklearn's zero denominator)", () => {
    expect(matthewsCorrelation([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0);
    expect(matthewsCorrelation([0, 1, 0, 1], [0, 0, 0, 0])).toBe(0);
    expect(matthewsCorrelation([1], [1])).toBe(0);
  });

  it("MCC is symmetric in its arguments and unchanged by renaming classes (property)", () => {
    const pairs = fc
      .integer({ min: 1, max: 40 })
      .chain((n) =>
        fc.tuple(
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
        ),
      );
    fc.assert(
      fc.property(pairs, ([p, t]) => {
        const m = matthewsCorrelation(p, t);
        expect(matthewsCorrelation(t, p)).toBeCloseTo(m, 12);
        expect(
          matthewsCorrelation(
            p.map((x) => 7 - x),
            t.map((x) => 7 - x),
          ),
        ).toBeCloseTo(m, 12);
        expect(Math.abs(m)).toBeLessThanOrEqual(1 + 1e-12);
      }),
    );
  });

  it("refuses mismatched lengths, empty input and non-finite values", () => {
    expectError(() => accuracy([1, 0], [1]), "shape", /same length, got 2 and 1/);
    expectError(() => accuracy([], []), "argument", /at least 1/);
    expectError(() => matthewsCorrelation([NaN], [1]), "numeric", /finite.*index 0/);
  });
});

describe("correlations", () => {
  it("Pearson matches SciPy's documented example and a hand value", () => {
    // scipy.stats.pearsonr docs: x 1..7, y [10, 9, 2.5, 6, 4, 3, 2] -> -0.828503883588428
    // (Python 3.11 statistics.correlation gives the same digits).
    expect(pearson([1, 2, 3, 4, 5, 6, 7], [10, 9, 2.5, 6, 4, 3, 2])).toBeCloseTo(-0.828503883588428, 14);
    // sxy = 6, sxx = 10, syy = 6: 6 / sqrt(60) = sqrt(0.6).
    expect(pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])).toBeCloseTo(Math.sqrt(0.6), 15);
  });

  it("average ranks share ties (SciPy rankdata 'average')", () => {
    expect(Array.from(averageRanks([5, 6, 7, 8, 7]))).toEqual([1, 2, 3.5, 5, 3.5]);
    expect(Array.from(averageRanks([3, 1, 1, 1]))).toEqual([4, 2, 2, 2]);
  });

  it("Spearman matches SciPy's documented example with ties, and a hand-ranked case", () => {
    // scipy.stats.spearmanr docs: [1,2,3,4,5] vs [5,6,7,8,7] -> 0.8207826816681233.
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 14);
    // Ranks [1, 2.5, 2.5, 4, 5] vs [4, 1.5, 1.5, 3, 5]; Pearson of those, by statistics.correlation: 0.3684210526315789.
    expect(spearman([1, 2, 2, 3, 10], [3, 1, 1, 2, 5])).toBeCloseTo(0.3684210526315789, 14);
  });

  it("is NaN for a constant input (SciPy) and needs two points", () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(spearman([1, 2, 3], [4, 4, 4])).toBeNaN();
    expectError(() => pearson([1], [2]), "argument", /at least 2/);
  });

  it("Pearson is unchanged by positive affine maps; Spearman by any increasing map (property)", () => {
    const data = fc
      .integer({ min: 3, max: 30 })
      .chain((n) =>
        fc.tuple(
          fc.array(fc.integer({ min: -50, max: 50 }), { minLength: n, maxLength: n }),
          fc.array(fc.integer({ min: -50, max: 50 }), { minLength: n, maxLength: n }),
        ),
      );
    fc.assert(
      fc.property(data, ([x, y]) => {
        const r = pearson(x, y);
        const s = spearman(x, y);
        if (Number.isNaN(r)) return;
        expect(
          pearson(
            x.map((v) => 3 * v - 7),
            y,
          ),
        ).toBeCloseTo(r, 10);
        expect(
          spearman(
            x.map((v) => v ** 3),
            y.map((v) => Math.exp(v / 10)),
          ),
        ).toBeCloseTo(s, 10);
      }),
    );
  });
});

describe("GLUE metric table", () => {
  it("lists each task's metrics as in the GLUE paper", () => {
    expect(GLUE_TASK_METRICS).toEqual({
      cola: ["mcc"],
      sst2: ["accuracy"],
      mrpc: ["accuracy", "f1"],
      stsb: ["pearson", "spearman"],
      qqp: ["accuracy", "f1"],
      mnli: ["accuracy"],
      qnli: ["accuracy"],
      rte: ["accuracy"],
      wnli: ["accuracy"],
    });
  });

  it("computes exactly the task's metrics", () => {
    expect(computeGlueMetrics("mrpc", [1, 1, 0, 0, 1], [1, 0, 0, 1, 1])).toEqual({
      accuracy: 0.6,
      f1: 4 / 6,
    });
    expect(computeGlueMetrics("cola", [1, 1, 0, 0, 1], [1, 0, 0, 1, 1])).toEqual({
      mcc: matthewsCorrelation([1, 1, 0, 0, 1], [1, 0, 0, 1, 1]),
    });
    const stsb = computeGlueMetrics("stsb", [0.5, 2, 3.1, 4, 4.5], [1, 2.2, 3, 3.8, 5]);
    expect(Object.keys(stsb)).toEqual(["pearson", "spearman"]);
    expect(stsb.spearman).toBe(1);
  });
});
