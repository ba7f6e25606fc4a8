/**
 * The declared shapes of what a run directory holds: config.json's parts, the lines of metrics.jsonl
 * (epoch and step lines), results.json and the trainer state in a checkpoint's metadata. Each schema is checked by the compiler against the type the
 * trainer writes (EpochMetrics, RunResults), so a field added to one and not the other fails to build;
 * readers (run-dir.ts, report/load.ts) read these files through them only.
 */
import { schema as s, type Infer, type Schema } from "../io/index.js";
import { parsePolicy, type PrecisionPolicy } from "../precision/index.js";
import { makeTrainConfig, type TrainConfig } from "./config.js";
import type { ClassRates, LayerRates } from "./monitor.js";
import type { CancellationStats } from "../optim/index.js";
import type { ValueClassCounts } from "../formats/index.js";
import type { LayerCounts } from "./monitor.js";
import type { TrainerState } from "./checkpoint.js";
import type { EpochMetrics, EpochProgress, MemoryFigures, RunResults } from "./trainer.js";

const classRates: Schema<ClassRates> = s.object({ overflow: s.float, underflow: s.float, zero: s.float });

/** A layer's figure for each of the three tensors the monitor watches (LayerRates, LayerCounts). */
function perTensor<T>(figure: Schema<T>): Schema<{
  readonly activations: T;
  readonly gradients: T;
  readonly weightGradients: T;
}> {
  return s.object({ activations: figure, gradients: figure, weightGradients: figure });
}

const layerRates: Schema<LayerRates> = perTensor(classRates);

const memory: Schema<MemoryFigures> = s.object({
  peakBytes: s.float,
  peakTensorBytes: s.float,
  optimizerStateBytes: s.float,
  byFormat: s.record(s.float),
});

/** An epoch line of metrics.jsonl. */
export const epochLineSchema: Schema<EpochMetrics> = s.object({
  type: s.literal("epoch"),
  epoch: s.count,
  step: s.count,
  trainLoss: s.float,
  trainAccuracy: s.float,
  testLoss: s.float,
  testAccuracy: s.float,
  lr: s.float,
  lossScale: s.float,
  skippedSteps: s.count,
  cancelledFraction: s.float,
  belowHalfUlpFraction: s.float,
  seconds: s.float,
  samplesPerSecond: s.float,
  memory,
  layers: s.record(layerRates),
});

/** A step line of metrics.jsonl (written every --log-every steps). */
export const stepLineSchema = s.object({
  type: s.literal("step"),
  epoch: s.count,
  step: s.count,
  loss: s.float,
  lr: s.float,
  lossScale: s.float,
  applied: s.boolean,
  cancelledFraction: s.float,
});

/** A step line of metrics.jsonl. */
export type StepMetrics = Infer<typeof stepLineSchema>;

/** A line of metrics.jsonl. */
export type MetricsLine = EpochMetrics | StepMetrics;

/** Any line of metrics.jsonl, told apart by its "type". */
export const metricsLineSchema: Schema<MetricsLine> = s.tagged("type", {
  epoch: epochLineSchema,
  step: stepLineSchema,
});

/** A run's training configuration as recorded, through makeTrainConfig (every field checked). */
export const trainConfigSchema: Schema<TrainConfig> = s.refine(s.unknown, (v, at) =>
  makeTrainConfig(v, at === "" ? "config" : at),
);

/** A resolved precision policy as recorded, through parsePolicy (the policy-file reader). */
export const storedPolicySchema: Schema<PrecisionPolicy> = s.refine(s.unknown, (v, at) =>
  parsePolicy(v, at === "" ? "policy" : at),
);

/** results.json of a finished run. */
export const runResultsSchema: Schema<RunResults> = s.object({
  config: trainConfigSchema,
  policy: storedPolicySchema,
  batchNormStats: s.literal("float32", "policy"),
  batchNormLayers: s.optional(s.count),
  parameters: s.count,
  warnings: s.array(s.string),
  epochs: s.array(epochLineSchema),
  testAccuracy: s.float,
  testLoss: s.float,
  secondsPerEpoch: s.float,
  peakBytes: s.float,
});

const classCounts: Schema<ValueClassCounts> = s.object({
  elements: s.count,
  zero: s.count,
  subnormal: s.count,
  nonFinite: s.count,
});

const layerCounts: Schema<LayerCounts> = perTensor(classCounts);

const cancellation: Schema<CancellationStats> = s.object({
  elements: s.count,
  nonzero: s.count,
  cancelled: s.count,
  belowHalfUlp: s.count,
});

/** The running sums of an epoch in progress, kept in a mid-epoch checkpoint. */
export const epochProgressSchema: Schema<EpochProgress> = s.object({
  lossSum: s.float,
  correct: s.count,
  seen: s.count,
  skipped: s.count,
  seconds: s.float,
  cancellation,
  layers: s.record(layerCounts),
});

/** The trainer state of a checkpoint's metadata (minifloat.trainer); its progress is checked on use. */
export const trainerStateSchema: Schema<TrainerState> = s.object({
  epoch: s.count,
  batch: s.count,
  step: s.count,
  scaler: s.object({ scale: s.number, goodSteps: s.count, skippedSteps: s.count }),
  optimizerSteps: s.count,
  progress: s.unknown,
});
