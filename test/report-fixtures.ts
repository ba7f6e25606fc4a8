/**
 * Small synthetic inputs of `minifloat report`, written as train, compare, tolerance, quantize and
 * reproduce write them (same files, same fields), with round numbers that tests can look for in the
 * documents. No training needed.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  makeTrainConfig,
  policyFolder,
  ptqClaims,
  readPredictions,
  resolvePolicy,
  samplePredictions,
  standaloneClaims,
  summarize,
  type CompareResults,
  type QuantizeRunResults,
  type ReproduceResults,
  type RunResults,
  type SamplePredictions,
} from "../src/experiment/index.js";

/** Test accuracy after each of 3 epochs, per policy and seed. */
export const ACCURACY: Readonly<Record<string, readonly (readonly number[])[]>> = {
  fp32: [
    [0.8, 0.9, 0.95],
    [0.82, 0.9, 0.93],
  ],
  "pure-bf16": [
    [0.7, 0.8, 0.85],
    [0.72, 0.82, 0.87],
  ],
};

function epochLine(epoch: number, accuracy: number, cancelled: number): Record<string, unknown> {
  return {
    type: "epoch",
    epoch,
    step: 10 * epoch,
    trainLoss: 2 / (epoch + 1),
    trainAccuracy: accuracy - 0.05,
    testLoss: 1.5 / (epoch + 1),
    testAccuracy: accuracy,
    lr: 0.05,
    lossScale: 1,
    skippedSteps: 0,
    cancelledFraction: cancelled,
    belowHalfUlpFraction: cancelled,
    seconds: 2,
    samplesPerSecond: 500,
    memory: { peakBytes: 1_500_000, peakTensorBytes: 1_000_000, optimizerStateBytes: 500_000, byFormat: {} },
    layers: {},
  };
}

/** Write a finished run directory of `policy` and `seed` with 3 epochs (and step lines every 5 steps). */
export function writeRunDir(
  dir: string,
  policy: string,
  seed: number,
  accuracy: readonly number[],
): RunResults {
  mkdirSync(join(dir, "checkpoints"), { recursive: true });
  const config = makeTrainConfig({ model: "mlp", data: "mnist", epochs: accuracy.length, policy, seed });
  const p = resolvePolicy(policy);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ config, policy: p }));
  const cancelled = policy === "fp32" ? 0 : 0.25;
  const lines: Record<string, unknown>[] = [];
  const epochs = accuracy.map((a, k) => epochLine(k + 1, a, cancelled + 0.01 * k));
  epochs.forEach((e, k) => {
    for (const step of [10 * k + 5, 10 * k + 10]) {
      lines.push({
        type: "step",
        epoch: k + 1,
        step,
        loss: 3 / step,
        lr: 0.05,
        lossScale: 1,
        applied: true,
        cancelledFraction: cancelled + step / 1000,
      });
    }
    lines.push(e);
  });
  writeFileSync(join(dir, "metrics.jsonl"), lines.map((l) => JSON.stringify(l) + "\n").join(""));
  const results = {
    config,
    policy: p,
    batchNormStats: p.batchNormStats,
    batchNormLayers: 0,
    parameters: 1234,
    warnings: [],
    epochs,
    testAccuracy: accuracy.at(-1) ?? NaN,
    testLoss: 0.4,
    secondsPerEpoch: 2,
    peakBytes: 1_500_000,
  } as unknown as RunResults;
  writeFileSync(join(dir, "results.json"), JSON.stringify(results));
  // 200 test samples of 4 classes, the first accuracy * 200 predicted right.
  const labels = Int32Array.from({ length: 200 }, (_, i) => i % 4);
  const right = Math.round((accuracy.at(-1) ?? 0) * 200);
  const predicted = labels.map((l, i) => (i < right ? l : (l + 1) % 4));
  writeFileSync(join(dir, "predictions.json"), JSON.stringify(samplePredictions(predicted, labels, 30)));
  return results;
}

/** Write a comparison directory of the policies and seeds of ACCURACY, as compareRuns lays it out. */
export function writeCompareDir(dir: string): void {
  const base = makeTrainConfig({ model: "mlp", data: "mnist", epochs: 3 });
  const results = new Map<string, RunResults[]>();
  const predictions = new Map<string, (SamplePredictions | null)[]>();
  const runs = Object.entries(ACCURACY).flatMap(([policy, seeds]) =>
    seeds.map((acc, seed) => {
      const runDir = join(dir, policyFolder(policy), `seed-${seed}`);
      const r = writeRunDir(runDir, policy, seed, acc);
      results.set(policy, [...(results.get(policy) ?? []), r]);
      predictions.set(policy, [
        ...(predictions.get(policy) ?? []),
        readPredictions(join(runDir, "predictions.json")),
      ]);
      return {
        policy,
        seed,
        dir: runDir,
        testAccuracy: r.testAccuracy,
        secondsPerEpoch: 2,
        peakBytes: 1_500_000,
      };
    }),
  );
  const summary = summarize(Object.keys(ACCURACY), results, predictions);
  writeFileSync(join(dir, "compare.json"), JSON.stringify({ base, seeds: [0, 1], summary, runs }));
}

const FORMATS = ["float16", "float8_e4m3fn"];

/** Write tolerance.json and samples.csv of two formats and 40 samples (delta 10x larger in fp8). */
export function writeToleranceDir(dir: string, withSamples = true): void {
  mkdirSync(dir, { recursive: true });
  const edges = Array.from({ length: 25 }, (_, k) => 10 ** (-12 + k / 2));
  const histogram = (at: number, n: number): object => ({
    edges,
    counts: edges.slice(1).map((_, k) => (k === at ? n : k === at + 1 ? n / 2 : 0)),
    below: 1,
    above: 0,
  });
  const summaryOf = (format: string, k: number): object => ({
    format,
    samples: 40,
    guaranteed: 0.975 - 0.05 * k,
    disagreement: 0.025 * k,
    accuracy32: 0.9,
    accuracyLow: 0.9 - 0.025 * k,
    accuracyChangeBound: 0.025 + 0.05 * k,
    nearBoundary: 2 + k,
    lemmaViolations: 0,
    medianDelta: 1e-4 * 10 ** k,
    medianTau: 0.4,
    maxDeltaLogits: 0.01,
  });
  const layers = FORMATS.map((format, k) => ({
    format,
    rows: [
      {
        layer: "0",
        kind: "flatten",
        fanIn: 0,
        relativeError: 1e-4 * 10 ** k,
        nonFiniteFraction: 0,
        boundStrict: null,
        boundFloat32Accumulate: null,
      },
      {
        layer: "1",
        kind: "linear",
        fanIn: 784,
        relativeError: 2e-4 * 10 ** k,
        nonFiniteFraction: 0,
        boundStrict: 0.5,
        boundFloat32Accumulate: 8e-4 * 10 ** k,
      },
      {
        layer: "2",
        kind: "relu",
        fanIn: 0,
        relativeError: 3e-4 * 10 ** k,
        nonFiniteFraction: 0,
        boundStrict: null,
        boundFloat32Accumulate: null,
      },
      {
        layer: "3",
        kind: "linear",
        fanIn: 256,
        relativeError: 4e-4 * 10 ** k,
        nonFiniteFraction: 0,
        boundStrict: 0.25,
        boundFloat32Accumulate: 6e-4 * 10 ** k,
      },
    ],
  }));
  const tolerance = {
    run: "runs/x",
    checkpoint: "runs/x/checkpoints/step-000000030.safetensors",
    data: "mnist",
    samples: 40,
    formats: FORMATS.map(summaryOf),
    layers,
    histograms: FORMATS.map((format, k) => ({
      format,
      delta: histogram(14 + 2 * k, 30),
      tau: histogram(22, 38),
    })),
  };
  writeFileSync(join(dir, "tolerance.json"), JSON.stringify(tolerance, null, 2));
  if (!withSamples) return;
  const rows = ["format,index,label,pred32,predLow,delta,deltaLogits,tau,guaranteed"];
  FORMATS.forEach((format, k) => {
    for (let i = 0; i < 40; i++) {
      const delta = i === 0 ? 0 : 1e-5 * 10 ** k * (1 + i);
      const tau = 0.01 * (1 + i);
      rows.push([format, i, i % 10, i % 10, i % 10, delta, delta * 10, tau, delta < tau].join(","));
    }
  });
  writeFileSync(join(dir, "samples.csv"), rows.join("\n") + "\n");
}

/** Write quantize.json: a baseline accuracy of 0.9 and four quantized configurations over two layers. */
export function writeQuantDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const results = [
    ["float8_e4m3fn", "max", "per-tensor", 0.88],
    ["float8_e4m3fn", "percentile", "per-channel", 0.895],
    ["int8", "max", "per-tensor", 0.85],
    ["int8", "percentile", "per-channel", 0.8875],
  ].map(([format, calibration, granularity, value]) => ({
    format,
    calibration,
    granularity,
    metric: "accuracy",
    value,
  }));
  const layers = ["float8_e4m3fn", "int8"].flatMap((format, k) =>
    ["fc1", "fc2"].map((layer, j) => ({
      layer,
      format,
      sqnrDb: 30 + 5 * k + j,
      saturation: 0.001 * k,
      underflow: 0.02,
    })),
  );
  const quant = {
    model: "mlp",
    data: "mnist",
    baseline: { metric: "accuracy", value: 0.9 },
    results,
    layers,
  };
  writeFileSync(join(dir, "quantize.json"), JSON.stringify(quant));
}

/** Write reproduce.json over a comparison (mnist/) and a quantization (fp8-ptq/), with the claims the
 * studies make of them: pure-bf16 5 points short of fp32 on two seeds, a quantization without
 * per-sample predictions (inconclusive). */
export function writeReproduceDir(dir: string): void {
  writeCompareDir(join(dir, "mnist"));
  writeQuantDir(join(dir, "fp8-ptq"));
  const read = (path: string): unknown => JSON.parse(readFileSync(join(dir, path), "utf8"));
  const compare = read("mnist/compare.json") as CompareResults;
  const quant = read("fp8-ptq/quantize.json") as QuantizeRunResults;
  const reproduce: ReproduceResults = {
    scale: "demo",
    seconds: 60,
    claims: [
      ...standaloneClaims([{ name: "MNIST", part: "mnist", summary: compare.summary }]),
      ...ptqClaims(quant, "fp8-ptq", null),
    ],
    parts: [
      { id: "mnist", title: "Study 1: precision policies on MNIST", dir: "mnist" },
      { id: "fp8-ptq", title: "Study 3: FP8 post-training quantization", dir: "fp8-ptq" },
    ],
    notes: [],
  };
  writeFileSync(join(dir, "reproduce.json"), JSON.stringify(reproduce));
}
