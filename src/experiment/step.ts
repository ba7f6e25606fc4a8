/**
 * One training step under a precision policy, and evaluation. A step rounds the batch into the activation
 * format, runs forward, the loss in the loss format, backward from a seed equal to the loss scale with
 * gradients in the gradient format, then either skips the step (dynamic loss scaling saw inf/NaN) or lets
 * the optimizer apply it. Non-finite values that no loss scaling can absorb stop the run with the step and
 * the first layer where they appeared (MinifloatError "numeric").
 */
import { backward } from "../autograd/index.js";
import { MinifloatError } from "../errors.js";
import type { Batch, TextBatch } from "../data/index.js";
import type { BertInput } from "../nn/index.js";
import { crossEntropy } from "../ops/index.js";
import { NO_CANCELLATION, type CancellationStats } from "../optim/index.js";
import { fromValues, full, type Tensor } from "../tensor/index.js";
import { tensorClasses, type LayerCounts, type LayerMonitor } from "./monitor.js";
import { opRounding, type BatchSource, type RunSetup } from "./setup.js";

/** What one step did. */
export interface StepOutcome {
  /** The (unscaled) mean loss of the batch. */
  readonly loss: number;
  readonly correct: number;
  readonly count: number;
  /** False when dynamic loss scaling skipped the step. */
  readonly applied: boolean;
  readonly cancellation: CancellationStats;
}

/** Below this dynamic loss scale (2^-24, float16's smallest subnormal) scaling cannot be what fails:
 * the run stops and says that the loss scale collapsed. */
export const MIN_LOSS_SCALE = 2 ** -24;

/** The class with the largest logit of row `i` of `logits` (B, C) (first maximum wins). */
function argmaxRow(logits: Float32Array, i: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
  return best;
}

/** How many rows of `logits` (B, C) have their largest value at the label (first maximum wins). */
export function countCorrect(logits: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (argmaxRow(logits, i, classes) === labels[i]) correct++;
  return correct;
}

/** The name of the first parameter whose stored values include inf or NaN. */
function firstNonFiniteParameter(setup: RunSetup): string | undefined {
  return setup.params.find((p) => tensorClasses(p.tensor).nonFinite > 0)?.name;
}

/** A numerical fault at `step`; the trainer adds what the run keeps (stoppedRunError). */
function numericError(step: number, what: string): MinifloatError {
  return new MinifloatError("numeric", `step ${step}: ${what}`);
}

/** A fault that stopped a run, with what it keeps: its last good checkpoint (at `lastStep`), or none. */
export function stoppedRunError(e: MinifloatError, lastStep: number | null): MinifloatError {
  const kept =
    lastStep === null
      ? "the run stops before its first checkpoint (there is nothing to resume from)"
      : `the run stops and keeps its last good checkpoint (step ${lastStep})`;
  return new MinifloatError(e.code, `${e.message}; ${kept}`, { cause: e });
}

/** Stop a run when every weight gradient of a whole epoch was zero: nothing was learnt, and its accuracy
 * must not be reported as a result. A static loss scale too small for the gradient format (1e-30 in
 * float16) does this, as does a dynamic one that shrank until the gradients underflow. */
export function checkGradientsFlowed(
  setup: RunSetup,
  epoch: number,
  step: number,
  layers: Readonly<Record<string, LayerCounts>>,
): void {
  let elements = 0;
  let zero = 0;
  for (const c of Object.values(layers)) {
    elements += c.weightGradients.elements;
    zero += c.weightGradients.zero;
  }
  if (elements === 0 || zero < elements) return;
  const { policy, scaler } = setup;
  const scaling =
    policy.lossScaling.kind === "none"
      ? "no loss scaling"
      : `${policy.lossScaling.kind} loss scale ${scaler.scale}`;
  throw numericError(
    step,
    `every weight gradient of epoch ${epoch + 1} was zero in ${policy.roles.gradients.format} (policy ${policy.name}, ${scaling}): nothing was learnt; a loss scale this small underflows every gradient`,
  );
}

/** A batch of images or of token ids. */
export type AnyBatch = Batch | TextBatch;

/** The logits (B, classes) of the model for a batch: images become a tensor in the activation format
 * (which `x` receives, for the input checks); token ids go to BERT as they are. */
function forwardBatch(setup: RunSetup, batch: AnyBatch, seen?: (x: Tensor) => void): Tensor {
  const model = setup.model as unknown as { forward(input: unknown): Tensor };
  if ("images" in batch) {
    const f = setup.policy.roles.activations.format;
    const x = fromValues(batch.images, batch.shape, { engine: setup.engine, format: f }); // (B, C, H, W)
    seen?.(x);
    return model.forward(x);
  }
  const { inputIds, tokenTypeIds, attentionMask, shape } = batch;
  return model.forward({ inputIds, tokenTypeIds, attentionMask, shape } satisfies BertInput);
}

/** One training step at global step `step` with learning rate `lr`. */
export function trainStep(
  setup: RunSetup,
  batch: AnyBatch,
  step: number,
  lr: number,
  monitor: LayerMonitor,
): StepOutcome {
  const { engine, model, policy, scaler, optimizer } = setup;
  engine.beginStep(step);
  monitor.beginStep();
  return engine.tidy(() => {
    const input = { nonFinite: false };
    const logits = forwardBatch(setup, batch, (x) => {
      input.nonFinite = tensorClasses(x).nonFinite > 0;
    }); // (B, classes)
    const lossRole = policy.roles.loss;
    const loss = crossEntropy(logits, batch.labels, {
      format: lossRole.format,
      rounding: opRounding(policy, "loss"),
    });
    const lossValue = loss.toFloat32Array()[0];
    const correct = countCorrect(logits.toFloat32Array(), batch.labels, logits.shape[1] ?? 1);
    const dynamic = scaler.config.kind === "dynamic";
    if (!Number.isFinite(lossValue) && !dynamic) {
      const where = input.nonFinite
        ? `the input batch holds inf or NaN in ${policy.roles.activations.format}`
        : monitor.firstNonFiniteLayer === null
          ? "the layer outputs were finite, the loss overflowed"
          : `inf or NaN first appeared in the output of layer ${monitor.firstNonFiniteLayer}`;
      throw numericError(step, `the loss is ${lossValue} (policy ${policy.name}): ${where}`);
    }
    const seed = full(loss.shape, scaler.scale, { engine, format: lossRole.format });
    backward(loss, {
      gradFormat: policy.roles.gradients.format,
      rounding: opRounding(policy, "gradients"),
      grad: seed,
      onGrad: monitor.onGrad,
    });
    const badGrad = monitor.recordWeightGradients(setup.params);
    if (badGrad !== undefined && !dynamic) {
      throw numericError(
        step,
        `the gradient of ${badGrad} holds inf or NaN and policy ${policy.name} has no dynamic loss scaling to skip the step`,
      );
    }
    const applied = scaler.update(badGrad === undefined);
    if (!applied && scaler.scale < MIN_LOSS_SCALE) {
      throw numericError(
        step,
        `the loss scale collapsed to ${scaler.scale} after ${scaler.skippedSteps} skipped steps: the gradient of ` +
          `${badGrad ?? "a parameter"} overflows whatever the scale (inf or NaN in the forward pass or the data?)`,
      );
    }
    let cancellation = NO_CANCELLATION;
    if (applied) {
      cancellation = optimizer.step(lr, { gradScale: 1 / scaler.scale });
      const badParam = firstNonFiniteParameter(setup);
      if (badParam !== undefined)
        throw numericError(step, `parameter ${badParam} became inf or NaN after the update`);
    }
    model.zeroGrad();
    return { loss: lossValue, correct, count: batch.labels.length, applied, cancellation };
  });
}

/** What evaluate measured: loss, accuracy, and each sample's predicted class and label, in order. */
export interface Evaluation {
  readonly loss: number;
  readonly accuracy: number;
  readonly count: number;
  readonly predicted: Int32Array;
  readonly labels: Int32Array;
}

/** Loss, accuracy and per-sample predictions of the model on every batch of `loader`, in evaluation mode;
 * `step` keys any stochastic rounding of the activations, so an evaluation is reproducible. */
export function evaluate(setup: RunSetup, loader: BatchSource, step: number): Evaluation {
  const { engine, model, policy } = setup;
  engine.beginStep(step);
  model.eval();
  let lossSum = 0;
  let correct = 0;
  const predicted: number[] = [];
  const labels: number[] = [];
  try {
    engine.noGrad(() => {
      for (const batch of loader.epoch(0)) {
        engine.tidy(() => {
          const logits = forwardBatch(setup, batch);
          const loss = crossEntropy(logits, batch.labels, { format: policy.roles.loss.format });
          const n = batch.labels.length;
          lossSum += loss.toFloat32Array()[0] * n;
          const v = logits.toFloat32Array();
          const classes = logits.shape[1] ?? 1;
          for (let i = 0; i < n; i++) {
            const p = argmaxRow(v, i, classes);
            if (p === batch.labels[i]) correct++;
            predicted.push(p);
            labels.push(batch.labels[i]);
          }
        });
      }
    });
  } finally {
    model.train();
  }
  const count = labels.length;
  return {
    loss: lossSum / count,
    accuracy: correct / count,
    count,
    predicted: Int32Array.from(predicted),
    labels: Int32Array.from(labels),
  };
}
