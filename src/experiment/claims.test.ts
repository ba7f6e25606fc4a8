/**
 * Each claim's verdict from summaries written here: within and beyond the thresholds, partly when one of
 * a claim's conditions fails, and the numbers in the measured sentence.
 */
import { describe, expect, it } from "vitest";
import type { ToleranceSummary } from "../analysis/index.js";
import { bf16UpdateClaims, ptqClaims, standaloneClaims, toleranceClaim } from "./claims.js";
import type { PolicySummary } from "./compare.js";
import type { QuantizeRunResults } from "./quantize-run.js";

function policy(name: string, accuracy: number, extra: Partial<PolicySummary> = {}): PolicySummary {
  return {
    policy: name,
    runs: 2,
    meanAccuracy: accuracy,
    stdAccuracy: 0.001,
    deltaVsFp32: accuracy - 0.98,
    secondsPerEpoch: 1,
    peakBytes: name.startsWith("pure") ? 8e6 : 16e6,
    cancelledFraction: 0.01,
    skippedSteps: 0,
    ...extra,
  };
}

describe("claims", () => {
  it("study 1: pure-fp16 within 0.6 points holds, beyond on one dataset is partly; memory halves", () => {
    const mnist = [policy("fp32", 0.98), policy("pure-fp16", 0.977), policy("amp-fp16", 0.985)];
    const fashion = [policy("fp32", 0.98), policy("pure-fp16", 0.97), policy("amp-fp16", 0.979)];
    const claims = standaloneClaims([
      { name: "MNIST", part: "mnist", summary: mnist },
      { name: "Fashion", part: "fashion", summary: fashion },
    ]);
    const byId = Object.fromEntries(claims.map((c) => [c.id, c]));
    expect(byId["accuracy-pure-fp16"].verdict).toBe("partly");
    expect(byId["accuracy-pure-fp16"].measured).toBe(
      "MNIST: 97.70% (-0.30 points vs fp32, 2 runs); Fashion: 97.00% (-1.00 points vs fp32, 2 runs)",
    );
    expect(byId["accuracy-amp-fp16"].verdict).toBe("holds");
    expect(byId.memory.verdict).toBe("holds");
    expect(byId.memory.measured).toMatch(/MNIST: peak memory 0\.50x float32's/);
  });

  it("study 1: the tolerance claim needs no lemma violation and float16 guaranteed on 99%", () => {
    const fmt = (format: string, guaranteed: number, lemmaViolations = 0): ToleranceSummary =>
      ({ format, samples: 1000, guaranteed, disagreement: 0, lemmaViolations }) as ToleranceSummary;
    expect(toleranceClaim([fmt("float16", 1), fmt("bfloat16", 0.995)], "t")?.verdict).toBe("holds");
    expect(toleranceClaim([fmt("float16", 0.98)], "t")?.verdict).toBe("partly");
    expect(toleranceClaim([fmt("float16", 0.98, 1)], "t")?.verdict).toBe("does not hold");
    expect(toleranceClaim([fmt("bfloat16", 1)], "t")).toBeNull();
  });

  it("study 2: nearest rounding loses points with more cancellation; SR and Kahan recover", () => {
    const summary = [
      policy("fp32", 0.93),
      policy("pure-bf16", 0.86, { deltaVsFp32: -0.07, cancelledFraction: 0.7 }),
      policy("pure-bf16-sr", 0.931, { deltaVsFp32: 0.001 }),
      policy("pure-bf16-kahan", 0.92, { deltaVsFp32: -0.01 }),
    ];
    const [cancel, recovery] = bf16UpdateClaims(summary, "b");
    expect(cancel.verdict).toBe("holds");
    expect(cancel.measured).toMatch(
      /pure-bf16 86\.00% vs fp32 93\.00% \(-7\.00 points\), 70\.00% of updates cancelled/,
    );
    expect(recovery.verdict).toBe("partly"); // Kahan is 1 point short
    const noLoss = bf16UpdateClaims(
      [policy("fp32", 0.93), policy("pure-bf16", 0.93, { deltaVsFp32: 0 })],
      "b",
    );
    expect(noLoss[0].verdict).toBe("does not hold"); // no loss and no more cancellation than float32
  });

  it("study 3: E4M3 within a point and INT8 per tensor worse holds; E4M3 far off does not", () => {
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
    expect(ptqClaims(q(0.848, 0.8), "p")[0].verdict).toBe("holds");
    expect(ptqClaims(q(0.848, 0.849), "p")[0].verdict).toBe("partly");
    expect(ptqClaims(q(0.848, 0.845), "p")[0].verdict).toBe("partly"); // 0.3 points: a few samples
    expect(ptqClaims(q(0.7, 0.8), "p")[0].verdict).toBe("does not hold");
    expect(ptqClaims(q(0.848, 0.8), "p")[0].measured).toBe(
      "float32 85.00%; float8_e4m3fn max tensor 84.80% (-0.20); int8 max tensor 80.00% (-5.00)",
    );
  });
});
