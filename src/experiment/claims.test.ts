/**
 * Each claim's verdict from summaries written here: an interval within, across and beyond the margin,
 * facts (memory, cancelled updates, lemma violations) as they are, a claim of several parts combined,
 * study 3 paired on per-sample predictions, and the numbers in the measured sentence.
 */
import { describe, expect, it } from "vitest";
import type { ToleranceSummary } from "../analysis/index.js";
import { bf16UpdateClaims, ptqClaims, standaloneClaims, toleranceClaim } from "./claims.js";
import type { PolicySummary } from "./compare.js";
import { samplePredictions, type AccuracyDifference } from "./predictions.js";
import type { QuantizeRunResults } from "./quantize-run.js";

/** A difference of `d` with an interval of +-`half` around it. */
function diff(d: number, half = 0.002): AccuracyDifference {
  return {
    method: "seeds",
    test: "paired t",
    difference: d,
    low: d - half,
    high: d + half,
    confidence: 0.95,
    pValue: 0.5,
    samples: 1000,
    seeds: 2,
  };
}

function policy(name: string, accuracy: number, extra: Partial<PolicySummary> = {}): PolicySummary {
  return {
    policy: name,
    runs: 2,
    meanAccuracy: accuracy,
    stdAccuracy: 0.001,
    deltaVsFp32: accuracy - 0.98,
    vsFp32: name === "fp32" ? null : diff(accuracy - 0.98),
    secondsPerEpoch: 1,
    peakBytes: name.startsWith("pure") ? 8e6 : 16e6,
    cancelledFraction: 0.01,
    skippedSteps: 0,
    ...extra,
  };
}

describe("claims", () => {
  it("study 1: within 0.6 points holds, an interval beyond on one dataset does not; memory halves", () => {
    const mnist = [policy("fp32", 0.98), policy("pure-fp16", 0.977), policy("amp-fp16", 0.985)];
    const fashion = [policy("fp32", 0.98), policy("pure-fp16", 0.97), policy("amp-fp16", 0.979)];
    const claims = standaloneClaims([
      { name: "MNIST", part: "mnist", summary: mnist },
      { name: "Fashion", part: "fashion", summary: fashion },
    ]);
    const byId = Object.fromEntries(claims.map((c) => [c.id, c]));
    expect(byId["accuracy-pure-fp16"].verdict).toBe("does not hold");
    expect(byId["accuracy-pure-fp16"].evidence.map((e) => e.verdict)).toEqual(["holds", "does not hold"]);
    expect(byId["accuracy-pure-fp16"].measured).toBe(
      "MNIST: 97.70% (-0.30 points vs fp32, 2 runs); Fashion: 97.00% (-1.00 points vs fp32, 2 runs)",
    );
    // amp-fp16 +0.50 on MNIST: [+0.30, +0.70] reaches past the band, 0 is not in it: inconclusive.
    expect(byId["accuracy-amp-fp16"].verdict).toBe("inconclusive at this scale");
    expect(byId.memory.verdict).toBe("holds");
    expect(byId.memory.evidence[0].fact).toMatch(/peak memory 0\.50x float32's/);
  });

  it("study 1: a point lost from one run whose interval reaches 0 is inconclusive, not a failure", () => {
    const noisy = [
      policy("fp32", 0.98),
      policy("pure-bf16", 0.967, { vsFp32: { ...diff(-0.013), low: -0.026, high: 0.001 } }),
    ];
    const [c] = standaloneClaims([{ name: "MNIST", part: "mnist", summary: noisy }]);
    expect(c.verdict).toBe("inconclusive at this scale");
    const unpaired = [policy("fp32", 0.98), policy("pure-bf16", 0.9, { vsFp32: null })];
    expect(standaloneClaims([{ name: "MNIST", part: "mnist", summary: unpaired }])[0].verdict).toBe(
      "inconclusive at this scale",
    );
  });

  it("study 1: the tolerance claim needs no lemma violation and float16's share at least 99%", () => {
    const fmt = (format: string, guaranteed: number, lemmaViolations = 0): ToleranceSummary =>
      ({ format, samples: 1000, guaranteed, disagreement: 0, lemmaViolations }) as ToleranceSummary;
    // 1000 of 1000: Clopper-Pearson lower bound 99.63%.
    expect(toleranceClaim([fmt("float16", 1), fmt("bfloat16", 0.995)], "t")?.verdict).toBe("holds");
    // 992 of 1000: [98.43, 99.65] reaches both sides of 99%.
    expect(toleranceClaim([fmt("float16", 0.992)], "t")?.verdict).toBe("inconclusive at this scale");
    expect(toleranceClaim([fmt("float16", 0.98)], "t")?.verdict).toBe("does not hold");
    expect(toleranceClaim([fmt("float16", 1, 1)], "t")?.verdict).toBe("does not hold");
    expect(toleranceClaim([fmt("bfloat16", 1)], "t")).toBeNull();
  });

  it("study 2: nearest rounding loses points with more cancellation; SR and Kahan recover", () => {
    const summary = [
      policy("fp32", 0.93),
      policy("pure-bf16", 0.86, { deltaVsFp32: -0.07, vsFp32: diff(-0.07), cancelledFraction: 0.7 }),
      policy("pure-bf16-sr", 0.931, { vsFp32: diff(0.001) }),
      policy("pure-bf16-kahan", 0.92, { vsFp32: diff(-0.01) }),
    ];
    const [cancel, recovery] = bf16UpdateClaims(summary, "b");
    expect(cancel.verdict).toBe("holds");
    expect(cancel.measured).toMatch(
      /pure-bf16 86\.00% vs fp32 93\.00% \(-7\.00 points\), 70\.00% of updates cancelled/,
    );
    expect(recovery.verdict).toBe("does not hold"); // Kahan's whole interval is a point short
    const noisyKahan = [
      ...summary.slice(0, 3),
      policy("pure-bf16-kahan", 0.92, { vsFp32: diff(-0.01, 0.02) }),
    ];
    expect(bf16UpdateClaims(noisyKahan, "b")[1].verdict).toBe("inconclusive at this scale");
    const noLoss = bf16UpdateClaims(
      [policy("fp32", 0.93), policy("pure-bf16", 0.93, { vsFp32: diff(0) })],
      "b",
    );
    expect(noLoss[0].verdict).toBe("does not hold"); // no loss and no more cancellation than float32
  });

  it("study 3: paired on the samples, E4M3 within a point and INT8 per tensor worse holds", () => {
    const labels = Int32Array.from({ length: 400 }, (_, i) => i % 2);
    /** Predictions right on all but the first `wrong` samples. */
    const wrongOn = (wrong: number): ReturnType<typeof samplePredictions> =>
      samplePredictions(
        labels.map((l, i) => (i < wrong ? 1 - l : l)),
        labels,
      );
    const q = (e4m3: number, int8: number): QuantizeRunResults =>
      ({
        baseline: { metric: "accuracy", value: 0.85, seconds: 1 },
        results: [
          {
            format: "float8_e4m3fn",
            calibration: "max",
            granularity: "tensor",
            metric: "accuracy",
            value: e4m3,
          },
          { format: "int8", calibration: "max", granularity: "tensor", metric: "accuracy", value: int8 },
        ],
      }) as unknown as QuantizeRunResults;
    const preds = (base: number, e4m3: number, int8: number) => ({
      baseline: wrongOn(base),
      results: [wrongOn(e4m3), wrongOn(int8)],
    });
    // float32 wrong on 60, E4M3 on 61 (one more), INT8 on 100: 40 more, all discordant the same way.
    expect(ptqClaims(q(0.848, 0.75), "p", preds(60, 61, 100))[0].verdict).toBe("holds");
    // INT8 20 samples better than E4M3: the whole interval lies above -0.5 points.
    expect(ptqClaims(q(0.848, 0.898), "p", preds(60, 61, 41))[0].verdict).toBe("does not hold");
    // INT8 the same as E4M3 on every one of 400 samples: +-0.49 points, just above -0.5.
    expect(ptqClaims(q(0.848, 0.848), "p", preds(60, 61, 61))[0].evidence[1].difference).toMatchObject({
      low: expect.closeTo(-1.959964 / 402, 6) as number,
      high: expect.closeTo(1.959964 / 402, 6) as number,
    });
    // INT8 two samples worse of 400: [-1.0, 0] reaches both sides of -0.5.
    expect(ptqClaims(q(0.848, 0.843), "p", preds(60, 61, 63))[0].verdict).toBe("inconclusive at this scale");
    // E4M3 40 samples worse than float32: 10 points, far beyond a point.
    expect(ptqClaims(q(0.75, 0.7), "p", preds(60, 100, 120))[0].verdict).toBe("does not hold");
    // Without predictions the accuracy parts are inconclusive.
    expect(ptqClaims(q(0.848, 0.8), "p", null)[0].verdict).toBe("inconclusive at this scale");
    expect(ptqClaims(q(0.848, 0.8), "p", null)[0].measured).toBe(
      "float32 85.00%; float8_e4m3fn max tensor 84.80% (-0.20); int8 max tensor 80.00% (-5.00)",
    );
  });
});
