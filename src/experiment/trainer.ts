/**
 * The training loop of `minifloat train`: epochs of seeded batches, one metrics line per epoch (per step
 * when asked), a checkpoint at the end of every epoch (and every N steps when asked) written atomically,
 * and results.json and the final test-set predictions (predictions.json, for paired tests) at the end. A
 * killed run resumes from its last checkpoint and reaches the same bits as an uninterrupted one: batches
 * are a function of (seed, epoch, index), stochastic rounding of (seed, tensor, step), and the checkpoint
 * holds every bit of state.
 */
import { rmSync } from "node:fs";
import { isMinifloatError } from "../errors.js";
import { appendLine, schema as s, writeJsonAtomic } from "../io/index.js";
import { addStats, NO_CANCELLATION, type CancellationStats } from "../optim/index.js";
import { BatchNorm } from "../nn/index.js";
import type { PrecisionPolicy } from "../precision/index.js";
import {
  listCheckpoints,
  loadCheckpoint,
  readTrainerState,
  saveCheckpoint,
  type TrainerState,
} from "./checkpoint.js";
import type { TrainConfig } from "./config.js";
import { layerRates, LayerMonitor, type LayerCounts, type LayerRates } from "./monitor.js";
import { claimRunDir, startRun, truncateMetrics, type RunClaim, type RunPaths } from "./run-dir.js";
import { epochProgressSchema } from "./run-schema.js";
import {
  checkBertMaxLength,
  createRunSetup,
  loadRunData,
  resolvePolicy,
  type RunData,
  type RunSetup,
} from "./setup.js";
import { exportModel } from "./text-model.js";
import { readPredictions, samplePredictions, writePredictions } from "./predictions.js";
import {
  checkGradientsFlowed,
  evaluate,
  stoppedRunError,
  trainStep,
  type Evaluation,
  type StepOutcome,
} from "./step.js";

/** Running sums of the epoch in progress (saved in mid-epoch checkpoints). */
export interface EpochProgress {
  lossSum: number;
  correct: number;
  seen: number;
  skipped: number;
  seconds: number;
  cancellation: CancellationStats;
  layers: Record<string, LayerCounts>;
}

const newProgress = (): EpochProgress => ({
  lossSum: 0,
  correct: 0,
  seen: 0,
  skipped: 0,
  seconds: 0,
  cancellation: NO_CANCELLATION,
  layers: {},
});

/** Bytes held by format: peak tensor storage plus the optimizer's state. */
export interface MemoryFigures {
  readonly peakBytes: number;
  readonly peakTensorBytes: number;
  readonly optimizerStateBytes: number;
  readonly byFormat: Readonly<Record<string, number>>;
}

/** One line of metrics.jsonl for an epoch. */
export interface EpochMetrics {
  readonly type: "epoch";
  /** 1-based. */
  readonly epoch: number;
  readonly step: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly testLoss: number;
  readonly testAccuracy: number;
  readonly lr: number;
  readonly lossScale: number;
  readonly skippedSteps: number;
  /** Fraction of non-zero updates that nearest rounding cancels (Zamirai et al.'s condition). */
  readonly cancelledFraction: number;
  readonly belowHalfUlpFraction: number;
  readonly seconds: number;
  readonly samplesPerSecond: number;
  readonly memory: MemoryFigures;
  readonly layers: Readonly<Record<string, LayerRates>>;
}

/** What results.json holds. */
export interface RunResults {
  readonly config: TrainConfig;
  readonly policy: PrecisionPolicy;
  /** The policy's batch-norm statistics setting (it applies only where batchNormLayers > 0). */
  readonly batchNormStats: "float32" | "policy";
  /** The model's BatchNorm layers (0 for mlp, lenet5, vit-tiny and BERT, which have none; absent in
   * results.json files written before it was recorded). */
  readonly batchNormLayers?: number;
  readonly parameters: number;
  readonly warnings: readonly string[];
  readonly epochs: readonly EpochMetrics[];
  readonly testAccuracy: number;
  readonly testLoss: number;
  readonly secondsPerEpoch: number;
  readonly peakBytes: number;
}

/** Progress of a run, for a progress bar. */
export interface StepEvent {
  readonly epoch: number;
  readonly epochs: number;
  readonly batch: number;
  readonly batches: number;
  readonly step: number;
  readonly loss: number;
  readonly samplesPerSecond: number;
}

/** Callbacks of a run (all optional). */
export interface TrainEvents {
  readonly onStart?: (info: {
    readonly setup: RunSetup;
    readonly paths: RunPaths;
    readonly resumedFrom: string | null;
    /** A line about a stale lock on the run directory that was taken over, or null. */
    readonly lockNote?: string | null;
  }) => void;
  readonly onStep?: (e: StepEvent) => void;
  readonly onEpoch?: (m: EpochMetrics) => void;
}

/** Options of trainRun. */
export interface TrainOptions {
  readonly out: string;
  readonly resume?: boolean | undefined;
  readonly force?: boolean | undefined;
  readonly events?: TrainEvents | undefined;
  /** The datasets, instead of loading those the configuration names (tests, programmatic use). */
  readonly data?: RunData | undefined;
  /** Stop (as if killed) once this many steps in total are done; for tests of resuming. */
  readonly stopAtStep?: number | undefined;
}

function memoryFigures(setup: RunSetup): MemoryFigures {
  const snap = setup.engine.memory.snapshot();
  const byFormat: Record<string, number> = {};
  for (const [name, e] of Object.entries(snap.byFormat)) byFormat[name] = e.peakBytes;
  let state = 0;
  for (const [, b] of setup.optimizer.stateDict()) {
    state += b.data.byteLength;
    byFormat[b.format.name] = (byFormat[b.format.name] ?? 0) + b.data.byteLength;
  }
  return {
    peakBytes: snap.peakBytes + state,
    peakTensorBytes: snap.peakBytes,
    optimizerStateBytes: state,
    byFormat,
  };
}

/** Write the test-set predictions of the evaluation at `step` (predictions.json, atomically). */
function keepPredictions(paths: RunPaths, test: Evaluation, step: number): void {
  writePredictions(paths.predictions, samplePredictions(test.predicted, test.labels, step));
}

/** Remove the mid-epoch checkpoints older than `keepStep` (epoch-end checkpoints are all kept). */
function pruneCheckpoints(paths: RunPaths, keepStep: number): void {
  for (const path of listCheckpoints(paths.checkpoints)) {
    const s = readTrainerState(path);
    if (s.batch !== 0 && s.step < keepStep) rmSync(path, { force: true });
  }
}

/** Add one step's outcome to the epoch's running sums. */
function recordStep(progress: EpochProgress, out: StepOutcome, seconds: number): void {
  progress.seconds += seconds;
  progress.lossSum += out.loss * out.count;
  progress.correct += out.correct;
  progress.seen += out.count;
  if (!out.applied) progress.skipped++;
  progress.cancellation = addStats(progress.cancellation, out.cancellation);
}

const fraction = (part: number, whole: number): number => (whole === 0 ? 0 : part / whole);

/** The metrics line of a finished epoch (`trainSeconds` from the running sums, `evalSeconds` apart). */
function epochMetrics(
  setup: RunSetup,
  epoch: number,
  step: number,
  progress: EpochProgress,
  test: { loss: number; accuracy: number; seconds: number },
  layers: Record<string, LayerCounts>,
): EpochMetrics {
  const c = progress.cancellation;
  return {
    type: "epoch",
    epoch: epoch + 1,
    step,
    trainLoss: progress.lossSum / progress.seen,
    trainAccuracy: progress.correct / progress.seen,
    testLoss: test.loss,
    testAccuracy: test.accuracy,
    lr: setup.schedule(Math.max(0, step - 1)),
    lossScale: setup.scaler.scale,
    skippedSteps: progress.skipped,
    cancelledFraction: fraction(c.cancelled, c.nonzero),
    belowHalfUlpFraction: fraction(c.belowHalfUlp, c.nonzero),
    seconds: progress.seconds + test.seconds,
    samplesPerSecond: progress.seen / progress.seconds,
    memory: memoryFigures(setup),
    layers: layerRates(layers),
  };
}

/** The state a checkpoint records at (epoch, next batch, step). */
function trainerState(
  setup: RunSetup,
  epoch: number,
  batch: number,
  step: number,
  progress: unknown,
): TrainerState {
  const { scale, goodSteps, skippedSteps } = setup.scaler;
  return {
    epoch,
    batch,
    step,
    scaler: { scale, goodSteps, skippedSteps },
    optimizerSteps: setup.optimizer.stepCount,
    progress,
  };
}

/** Lock and check the run directory, then build the run (loading its data) and only then write its
 * config.json: a run that fails to start leaves nothing behind. */
function startRunDir(
  config: TrainConfig,
  policy: PrecisionPolicy,
  options: TrainOptions,
): { claim: RunClaim; setup: RunSetup; checkpoint: string | null } {
  const claim = claimRunDir(options.out, config, policy, options);
  try {
    const setup = createRunSetup(config, policy, options.data ?? loadRunData(config));
    const checkpoint = startRun(claim, config, policy, options);
    return { claim, setup, checkpoint };
  } catch (e) {
    claim.abandon();
    throw e;
  }
}

/** Train a model as `config` says into the run directory `options.out`; returns the results, or null
 * when stopped early by `stopAtStep`. */
export function trainRun(config: TrainConfig, options: TrainOptions): RunResults | null {
  const policy = resolvePolicy(config.policy);
  checkBertMaxLength(config);
  const { claim, setup, checkpoint } = startRunDir(config, policy, options);
  try {
    return trainClaimed(config, policy, options, { paths: claim.paths, setup, checkpoint, note: claim.note });
  } finally {
    claim.release();
  }
}

/** The run itself, in a started run directory. */
function trainClaimed(
  config: TrainConfig,
  policy: PrecisionPolicy,
  options: TrainOptions,
  started: { paths: RunPaths; setup: RunSetup; checkpoint: string | null; note: string | null },
): RunResults | null {
  const { paths, setup, checkpoint } = started;
  const batches = setup.trainLoader.batchesPerEpoch;
  const state = checkpoint === null ? trainerState(setup, 0, 0, 0, null) : loadCheckpoint(checkpoint, setup);
  const history = truncateMetrics(paths.metrics, state.step).filter(
    (m): m is EpochMetrics => m.type === "epoch",
  );
  options.events?.onStart?.({ setup, paths, resumedFrom: checkpoint, lockNote: started.note });
  const monitor = new LayerMonitor();
  const detach = monitor.attach(setup.model);
  let step = state.step;
  try {
    for (let epoch = state.epoch; epoch < config.epochs; epoch++) {
      const resumingMidEpoch = epoch === state.epoch && state.batch > 0 && state.progress !== null;
      const progress = resumingMidEpoch
        ? s.validateJson(epochProgressSchema, state.progress, `${checkpoint ?? "checkpoint"}: progress`)
        : newProgress();
      monitor.restore(progress.layers);
      setup.engine.memory.resetPeak();
      for (let b = epoch === state.epoch ? state.batch : 0; b < batches; b++) {
        const t0 = performance.now();
        const lr = setup.schedule(step);
        const out = trainStep(setup, setup.trainLoader.batch(epoch, b), step, lr, monitor);
        step++;
        recordStep(progress, out, (performance.now() - t0) / 1000);
        if (config.logEvery > 0 && step % config.logEvery === 0) {
          const c = out.cancellation;
          const line = {
            type: "step",
            epoch: epoch + 1,
            step,
            loss: out.loss,
            lr,
            lossScale: setup.scaler.scale,
            applied: out.applied,
            cancelledFraction: fraction(c.cancelled, c.nonzero),
          };
          appendLine(paths.metrics, JSON.stringify(line));
        }
        options.events?.onStep?.({
          epoch,
          epochs: config.epochs,
          batch: b,
          batches,
          step,
          loss: out.loss,
          samplesPerSecond: progress.seen / progress.seconds,
        });
        if (config.checkpointEvery > 0 && step % config.checkpointEvery === 0 && b + 1 < batches) {
          progress.layers = monitor.snapshot();
          saveCheckpoint(paths.checkpoints, setup, trainerState(setup, epoch, b + 1, step, progress));
          pruneCheckpoints(paths, step);
        }
        if (options.stopAtStep !== undefined && step >= options.stopAtStep) return null;
      }
      checkGradientsFlowed(setup, epoch, step, monitor.snapshot());
      const t0 = performance.now();
      const test = evaluate(setup, setup.testLoader, step);
      const metrics = epochMetrics(
        setup,
        epoch,
        step,
        progress,
        { ...test, seconds: (performance.now() - t0) / 1000 },
        monitor.snapshot(),
      );
      appendLine(paths.metrics, JSON.stringify(metrics));
      keepPredictions(paths, test, step);
      saveCheckpoint(paths.checkpoints, setup, trainerState(setup, epoch + 1, 0, step, null));
      pruneCheckpoints(paths, step);
      history.push(metrics);
      options.events?.onEpoch?.(metrics);
    }
  } catch (e) {
    if (!isMinifloatError(e, "numeric")) throw e;
    const last = listCheckpoints(paths.checkpoints).at(-1);
    throw stoppedRunError(e, last === undefined ? null : readTrainerState(last).step);
  } finally {
    detach();
  }
  const last = history.at(-1);
  const results: RunResults = {
    config,
    policy,
    batchNormStats: policy.batchNormStats,
    batchNormLayers: [...setup.model.namedModules()].filter(([, m]) => m instanceof BatchNorm).length,
    parameters: setup.model.parameterCount(),
    warnings: setup.warnings,
    epochs: history,
    testAccuracy: last?.testAccuracy ?? NaN,
    testLoss: last?.testLoss ?? NaN,
    secondsPerEpoch: history.reduce((a, m) => a + m.seconds, 0) / Math.max(1, history.length),
    peakBytes: Math.max(0, ...history.map((m) => m.memory.peakBytes)),
  };
  if (readPredictions(paths.predictions)?.step !== step) {
    // A run finished before predictions were kept (or cut between them and its checkpoint): the state
    // loaded is the final one, and evaluation at the same step gives the same predictions.
    keepPredictions(paths, evaluate(setup, setup.testLoader, step), step);
  }
  exportModel(paths.model, setup.model, config);
  writeJsonAtomic(paths.results, results);
  return results;
}
