/**
 * Per-sample predictions on an evaluation set, kept so that two classifiers scored on the same samples
 * can be compared pairwise (predictions.json in a run directory, and beside a quantization study), and
 * the accuracy difference of two of them with its 95% interval: one evaluation each, McNemar's exact test
 * and a paired bootstrap over the samples, at least as wide as the Agresti-Min interval (test-sample
 * noise); several seeds each, Student's t over the
 * per-seed differences (training noise too). docs/statistics.md says why.
 */
import { existsSync } from "node:fs";
import { agrestiMinInterval, mcnemarExact, pairedBootstrap, tInterval } from "../analysis/index.js";
import { MinifloatError } from "../errors.js";
import { READ_LIMITS, readTextBounded, schema as s, writeJsonAtomic, type Schema } from "../io/index.js";

/** One classifier's predictions on an ordered evaluation set (predictions.json). */
export interface SamplePredictions {
  readonly samples: number;
  /** The predicted class of each sample. */
  readonly predicted: readonly number[];
  /** "1" where the prediction is right, "0" where it is wrong, one character per sample. */
  readonly correct: string;
  /** FNV-1a of the labels in order: two sets pair only when they were scored on the same samples. */
  readonly labels: string;
  /** The training step the predictions were made at (runs), for a resumed run's consistency check. */
  readonly step?: number | undefined;
}

/** The confidence level of every interval minifloat reports. */
export const CONFIDENCE = 0.95;

/** An accuracy difference (other minus baseline, as a fraction) with its 95% interval and test. */
export interface AccuracyDifference {
  /** "paired-samples": one run each, on the same samples; "seeds": several seeds each, paired by seed. */
  readonly method: "paired-samples" | "seeds";
  /** The test behind the p-value and the interval, in words. */
  readonly test: string;
  readonly difference: number;
  readonly low: number;
  readonly high: number;
  readonly confidence: number;
  readonly pValue: number;
  readonly samples: number;
  readonly seeds: number;
  /** Paired samples: where only the other classifier is right (better) or only the baseline (worse). */
  readonly better?: number;
  readonly worse?: number;
}

/** FNV-1a (32 bits) of a label sequence, as 8 hex digits. */
function labelsHash(labels: Int32Array): string {
  let h = 0x811c9dc5;
  for (const l of labels) {
    h ^= l & 0xff;
    h = Math.imul(h, 0x01000193);
    h ^= (l >>> 8) & 0xffffff;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** The predictions record of `predicted` against `labels`. */
export function samplePredictions(
  predicted: Int32Array,
  labels: Int32Array,
  step?: number,
): SamplePredictions {
  if (predicted.length !== labels.length) {
    throw new MinifloatError(
      "shape",
      `predictions: expected one per label (${labels.length}), got ${predicted.length}`,
    );
  }
  let correct = "";
  for (let i = 0; i < labels.length; i++) correct += predicted[i] === labels[i] ? "1" : "0";
  return {
    samples: labels.length,
    predicted: Array.from(predicted),
    correct,
    labels: labelsHash(labels),
    ...(step === undefined ? {} : { step }),
  };
}

/** The accuracy of a predictions record. */
export function predictionsAccuracy(p: SamplePredictions): number {
  let right = 0;
  for (let i = 0; i < p.correct.length; i++) if (p.correct.charCodeAt(i) === 49) right++;
  return right / p.samples;
}

/** Write `p` to `path` atomically. */
export function writePredictions(path: string, p: SamplePredictions): void {
  writeJsonAtomic(path, p);
}

/** A predictions record as stored: one class per sample and a 0/1 string of the same length. */
export const predictionsSchema: Schema<SamplePredictions> = s.refine(
  s.object({
    samples: s.count,
    predicted: s.array(s.count),
    correct: s.string,
    labels: s.string,
    step: s.optional(s.count),
  }),
  (p, at) => {
    if (p.predicted.length !== p.samples || p.correct.length !== p.samples || !/^[01]*$/.test(p.correct)) {
      throw new s.SchemaMismatch(
        at,
        `one predicted class and one 0/1 character per sample (${p.samples})`,
        `${p.predicted.length} classes and ${p.correct.length} characters`,
      );
    }
    return p;
  },
);

/** Check that `json` is a predictions record; `source` names it in errors. */
export function checkPredictions(json: unknown, source: string): SamplePredictions {
  return s.validateJson(predictionsSchema, json, source);
}

/** The predictions at `path`, or null when there is no such file. */
export function readPredictions(path: string): SamplePredictions | null {
  if (!existsSync(path)) return null;
  return s.parseJson(predictionsSchema, readTextBounded(path, READ_LIMITS.json, "predictions"), path);
}

/** Where `a` and `b` cannot be paired (different samples), say so. */
function checkPaired(a: SamplePredictions, b: SamplePredictions, what: string): void {
  if (a.samples !== b.samples || a.labels !== b.labels) {
    throw new MinifloatError(
      "config",
      `${what}: the predictions were made on different samples (${a.samples} with labels ${a.labels} against ${b.samples} with labels ${b.labels}); a paired test needs the same evaluation set`,
    );
  }
}

/** The accuracy difference `other` minus `base` on the same samples: McNemar's exact p-value and the
 * paired bootstrap's 95% interval (seeded: the same predictions give the same interval), widened where
 * needed to the Agresti-Min interval: with few discordant samples the bootstrap sees almost no
 * variation (none at all gives [0, 0]), though that many samples cannot rule out a difference. */
export function pairedDifference(base: SamplePredictions, other: SamplePredictions): AccuracyDifference {
  checkPaired(base, other, "paired difference");
  const diffs = new Int8Array(base.samples);
  let better = 0;
  let worse = 0;
  for (let i = 0; i < base.samples; i++) {
    const d = other.correct.charCodeAt(i) - base.correct.charCodeAt(i);
    diffs[i] = d;
    if (d > 0) better++;
    else if (d < 0) worse++;
  }
  const boot = pairedBootstrap(diffs, { confidence: CONFIDENCE });
  const floor = agrestiMinInterval(better, worse, base.samples, CONFIDENCE);
  const low = Math.max(-1, Math.min(boot.low, floor.low));
  const high = Math.min(1, Math.max(boot.high, floor.high));
  return {
    method: "paired-samples",
    test: "McNemar exact test; paired bootstrap interval (2000 resamples), at least the Agresti-Min interval",
    difference: (better - worse) / base.samples,
    low,
    high,
    confidence: CONFIDENCE,
    pValue: mcnemarExact(better, worse),
    samples: base.samples,
    seeds: 1,
    better,
    worse,
  };
}

/** The mean accuracy difference across seeds (`other[k]` minus `base[k]`, seed by seed) with Student's t
 * interval (n - 1 degrees of freedom) and the paired t test's p-value. */
export function seedDifference(
  base: readonly number[],
  other: readonly number[],
  samples: number,
): AccuracyDifference {
  const diffs = base.map((b, k) => other[k] - b);
  const t = tInterval(diffs, CONFIDENCE);
  return {
    method: "seeds",
    test: `paired t test over ${diffs.length} seeds (Student t, ${diffs.length - 1} df)`,
    difference: t.mean,
    low: t.low,
    high: t.high,
    confidence: CONFIDENCE,
    pValue: t.pValue,
    samples,
    seeds: diffs.length,
  };
}

/** The difference of `other` to `base`, runs paired by seed (index): one run each, the paired test on
 * the samples; several, the interval across seeds. Null when the runs do not pair up. */
export function accuracyDifference(
  base: readonly SamplePredictions[],
  other: readonly SamplePredictions[],
): AccuracyDifference | null {
  if (base.length === 0 || base.length !== other.length) return null;
  if (base.length === 1) return pairedDifference(base[0], other[0]);
  base.forEach((b, k) => {
    checkPaired(b, other[k], "seed difference");
  });
  return seedDifference(base.map(predictionsAccuracy), other.map(predictionsAccuracy), base[0].samples);
}
