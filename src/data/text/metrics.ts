/**
 * Evaluation metrics of the GLUE benchmark, defined as scikit-learn and SciPy compute them (the reference
 * the GLUE papers and Hugging Face's `glue_compute_metrics` use): accuracy, binary F1 of class 1, Matthews
 * correlation (0 when its denominator is 0), Pearson and Spearman correlation (average ranks for ties).
 * Values are fractions in [0, 1] (or [-1, 1]); the table says which metrics each GLUE task reports.
 */
import { MinifloatError } from "../../errors.js";

/** Names of the text metrics. */
export type TextMetricName = "accuracy" | "f1" | "mcc" | "pearson" | "spearman";

/** Canonical names of the nine GLUE tasks. */
export type GlueTaskName = "cola" | "sst2" | "mrpc" | "stsb" | "qqp" | "mnli" | "qnli" | "rte" | "wnli";

/** The metrics each GLUE task reports (Wang et al. 2019, Table 1), the first being the primary one. */
export const GLUE_TASK_METRICS: { readonly [T in GlueTaskName]: readonly TextMetricName[] } = {
  cola: ["mcc"],
  sst2: ["accuracy"],
  mrpc: ["accuracy", "f1"],
  stsb: ["pearson", "spearman"],
  qqp: ["accuracy", "f1"],
  mnli: ["accuracy"],
  qnli: ["accuracy"],
  rte: ["accuracy"],
  wnli: ["accuracy"],
};

/** Metric values by name. */
export type MetricValues = { readonly [M in TextMetricName]?: number };

function checkPair(predictions: ArrayLike<number>, labels: ArrayLike<number>, min = 1): void {
  if (predictions.length !== labels.length) {
    throw new MinifloatError(
      "shape",
      `predictions and labels must have the same length, got ${predictions.length} and ${labels.length}`,
    );
  }
  if (predictions.length < min) {
    throw new MinifloatError("argument", `need at least ${min} predictions, got ${predictions.length}`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isFinite(predictions[i]) || !Number.isFinite(labels[i])) {
      throw new MinifloatError(
        "numeric",
        `predictions and labels must be finite, got ${predictions[i]} and ${labels[i]} at index ${i}`,
      );
    }
  }
}

/** Fraction of predictions equal to their label. */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkPair(predictions, labels);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  return correct / labels.length;
}

/** F1 of the positive class 1 for 0/1 labels: 2TP / (2TP + FP + FN), and 0 when that is 0/0 (as sklearn). */
export function f1Binary(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkPair(predictions, labels);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = predictions[i];
    const t = labels[i];
    if ((p !== 0 && p !== 1) || (t !== 0 && t !== 1)) {
      throw new MinifloatError(
        "argument",
        `binary F1 needs 0/1 values, got prediction ${p}, label ${t} at ${i}`,
      );
    }
    if (p === 1 && t === 1) tp++;
    else if (p === 1) fp++;
    else if (t === 1) fn++;
  }
  const denominator = 2 * tp + fp + fn;
  return denominator === 0 ? 0 : (2 * tp) / denominator;
}

/**
 * Matthews correlation coefficient for any number of classes (Gorodkin's R_K, as sklearn computes it from
 * class counts); 0 when either side is constant, as sklearn returns for its zero denominator.
 */
export function matthewsCorrelation(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkPair(predictions, labels);
  const truth = new Map<number, number>();
  const predicted = new Map<number, number>();
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = predictions[i];
    const t = labels[i];
    truth.set(t, (truth.get(t) ?? 0) + 1);
    predicted.set(p, (predicted.get(p) ?? 0) + 1);
    if (p === t) correct++;
  }
  const n = labels.length;
  let tp = 0;
  let pp = 0;
  let tt = 0;
  for (const [k, c] of truth) {
    tp += c * (predicted.get(k) ?? 0);
    tt += c * c;
  }
  for (const c of predicted.values()) pp += c * c;
  const covTP = correct * n - tp;
  const covPP = n * n - pp;
  const covTT = n * n - tt;
  if (covPP * covTT === 0) return 0;
  return covTP / Math.sqrt(covTT * covPP);
}

/** Pearson correlation coefficient, clipped to [-1, 1]; NaN when either input is constant (as SciPy). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPair(x, y, 2);
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** 1-based ranks of `x`, tied values sharing the average of their ranks (SciPy's `rankdata`, method "average"). */
export function averageRanks(x: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const ranks = new Float64Array(x.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1]] === x[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Spearman rank correlation: Pearson correlation of the average ranks; NaN when either input is constant. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPair(x, y, 2);
  return pearson(averageRanks(x), averageRanks(y));
}

/** The function computing each metric from (predictions, labels). */
export const TEXT_METRICS: {
  readonly [M in TextMetricName]: (predictions: ArrayLike<number>, labels: ArrayLike<number>) => number;
} = {
  accuracy,
  f1: f1Binary,
  mcc: matthewsCorrelation,
  pearson,
  spearman,
};

/** Every metric a GLUE task reports, computed from predicted ids (or scores for STS-B) and gold labels. */
export function computeGlueMetrics(
  task: GlueTaskName,
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
): MetricValues {
  const out: { [M in TextMetricName]?: number } = {};
  for (const name of GLUE_TASK_METRICS[task]) out[name] = TEXT_METRICS[name](predictions, labels);
  return out;
}
