/**
 * A claim's verdict from the 95% interval of a measured difference against the claim's margin:
 * "holds" when the whole interval lies where the claim is true, "does not hold" only when the whole
 * interval lies where it is false, "inconclusive at this scale" when the interval reaches both sides.
 * An equivalence claim ("within ±m points") therefore never fails on an interval that contains 0.
 */
import type { AccuracyDifference } from "./predictions.js";

/** A claim's verdict. */
export type Verdict = "holds" | "does not hold" | "inconclusive at this scale";

/** The verdicts, in order of strength of evidence for the claim. */
export const VERDICTS: readonly Verdict[] = ["holds", "inconclusive at this scale", "does not hold"];

/** What a claim says about a difference (a fraction: 0.006 is 0.6 points):
 * within: |d| <= margin; at-least: d >= bound (no worse than); at-most: d <= bound (costs at least -bound). */
export type Expectation =
  | { readonly kind: "within"; readonly margin: number }
  | { readonly kind: "at-least"; readonly bound: number }
  | { readonly kind: "at-most"; readonly bound: number };

/** The verdict on `expectation` from the interval [low, high] of the difference. */
export function judge(interval: { readonly low: number; readonly high: number }, e: Expectation): Verdict {
  const { low, high } = interval;
  switch (e.kind) {
    case "within":
      if (low >= -e.margin && high <= e.margin) return "holds";
      return low > e.margin || high < -e.margin ? "does not hold" : "inconclusive at this scale";
    case "at-least":
      if (low >= e.bound) return "holds";
      return high < e.bound ? "does not hold" : "inconclusive at this scale";
    case "at-most":
      if (high <= e.bound) return "holds";
      return low > e.bound ? "does not hold" : "inconclusive at this scale";
    default:
      return e satisfies never;
  }
}

/** The verdict of a claim made of parts that must all hold: it holds when every part holds, does not
 * hold when one part does not, and is inconclusive otherwise. */
export function combine(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes("does not hold")) return "does not hold";
  return verdicts.every((v) => v === "holds") ? "holds" : "inconclusive at this scale";
}

/** The verdict of a measured fact without sampling noise (a memory ratio, a count). */
export function factVerdict(holds: boolean): Verdict {
  return holds ? "holds" : "does not hold";
}

const signed = (x: number, digits: number): string => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(digits)}`;

/** A difference and its interval in points, e.g. "-1.30 points, 95% CI [-2.60, +0.10]". */
export function describeDifference(d: AccuracyDifference): string {
  const ci = `${Math.round(100 * d.confidence)}% CI [${signed(d.low, 2)}, ${signed(d.high, 2)}]`;
  return `${signed(d.difference, 2)} points, ${ci}`;
}

/** The test and its p-value in a few words, e.g. "McNemar p = 0.031 on 1000 samples". */
export function describeTest(d: AccuracyDifference): string {
  const p = d.pValue < 0.001 ? "< 0.001" : `= ${d.pValue.toFixed(3)}`;
  return d.method === "paired-samples"
    ? `McNemar p ${p}, ${d.samples} samples`
    : `paired t p ${p}, ${d.seeds} seeds`;
}

/** One piece of a claim's evidence: a difference with its interval, or a fact, and its verdict. */
export interface Evidence {
  /** What is compared, e.g. "MNIST: pure-bf16 vs fp32". */
  readonly label: string;
  /** The difference with its interval; absent for a fact. */
  readonly difference?: AccuracyDifference;
  readonly expectation?: Expectation;
  /** A fact's sentence, e.g. "peak memory 0.50x float32's". */
  readonly fact?: string;
  readonly verdict: Verdict;
}

/** Evidence from a difference judged against `expectation`; with no difference (runs that do not pair),
 * inconclusive, saying why. */
export function differenceEvidence(
  label: string,
  difference: AccuracyDifference | null,
  expectation: Expectation,
): Evidence {
  if (difference === null) {
    return {
      label,
      expectation,
      fact: "no per-sample predictions to pair",
      verdict: "inconclusive at this scale",
    };
  }
  return { label, difference, expectation, verdict: judge(difference, expectation) };
}

/** One line of evidence, e.g. "MNIST: pure-bf16 vs fp32 -1.30 points, 95% CI [-2.60, +0.10]: inconclusive
 * at this scale". */
export function describeEvidence(e: Evidence): string {
  const what = e.difference === undefined ? (e.fact ?? "") : describeDifference(e.difference);
  return `${e.label} ${what}: ${e.verdict}`;
}
