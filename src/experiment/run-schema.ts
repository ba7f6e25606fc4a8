/**
 * The declared shapes of what a run directory holds besides config.json: the lines of metrics.jsonl
 * (epoch and step lines) and results.json. Each schema is checked by the compiler against the type the
 * trainer writes (EpochMetrics, RunResults), so a field added to one and not the other fails to build;
 * readers (run-dir.ts, report/load.ts) read these files through them only.
 */
import { schema as s, type Infer, type Schema } from "../io/index.js";
import { parsePolicy, type PrecisionPolicy } from "../precision/index.js";
import { makeTrainConfig, type TrainConfig } from "./config.js";
import type { ClassRates, LayerRates } from "./monitor.js";
import type { EpochMetrics, MemoryFigures, RunResults } from "./trainer.js";

const classRates: Schema<ClassRates> = s.object({ overflow: s.float, underflow: s.float, zero: s.float });

const layerRates: Schema<LayerRates> = s.object({
  activations: classRates,
  gradients: classRates,
  weightGradients: classRates,
});

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
  batchNormLayers: s.count,
  parameters: s.count,
  warnings: s.array(s.string),
  epochs: s.array(epochLineSchema),
  testAccuracy: s.float,
  testLoss: s.float,
  secondsPerEpoch: s.float,
  peakBytes: s.float,
});
