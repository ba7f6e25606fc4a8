/**
 * Floating-point error against classification tolerance (Yun et al., "Standalone 16-bit Training",
 * section 4): for one sample, delta = max_i |p_low(i) - p_32(i)| over the softmax outputs and
 * tau = (p_32(top1) - p_32(top2)) / 2. If delta < tau the two predictions coincide: for every i != top1,
 * p_low(top1) >= p_32(top1) - delta > p_32(top1) - tau = p_32(top2) + tau > p_32(i) + delta >= p_low(i).
 * Every sample is checked against that lemma; a violation would be a bug and is counted, never hidden.
 */

/** The comparison of one sample's low-precision output with its float32 twin. */
export interface SampleTolerance {
  /** max_i |p_low(i) - p_32(i)| on the softmax outputs. */
  readonly delta: number;
  /** max_i |z_low(i) - z_32(i)| on the logits (inf/NaN logits give Infinity). */
  readonly deltaLogits: number;
  /** (top-1 minus top-2 of p_32) / 2. */
  readonly tau: number;
  /** delta < tau: agreement is guaranteed by the lemma. */
  readonly guaranteed: boolean;
  readonly pred32: number;
  readonly predLow: number;
  readonly label: number;
}

/** The softmax of z[at .. at + n) in float64 (max subtracted first); NaN everywhere if any z is NaN or
 * +inf, as a low-precision network that overflowed has no meaningful probabilities. */
export function softmax64(z: Float32Array, at: number, n: number): Float64Array {
  const p = new Float64Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, z[at + i]);
  if (!Number.isFinite(max)) return p.fill(NaN);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    p[i] = Math.exp(z[at + i] - max);
    sum += p[i];
  }
  for (let i = 0; i < n; i++) p[i] /= sum;
  return p;
}

/** The index of the largest value (the first on ties); -1 when any value is NaN. */
export function argmax(p: Float64Array): number {
  let best = 0;
  for (let i = 0; i < p.length; i++) {
    if (Number.isNaN(p[i])) return -1;
    if (p[i] > p[best]) best = i;
  }
  return best;
}

/** Compare each of the B rows of two (B, classes) logit arrays. */
export function compareLogits(
  logits32: Float32Array,
  logitsLow: Float32Array,
  labels: Int32Array,
  classes: number,
): SampleTolerance[] {
  const out: SampleTolerance[] = [];
  for (let b = 0; b < labels.length; b++) {
    const at = b * classes;
    const p32 = softmax64(logits32, at, classes);
    const pLow = softmax64(logitsLow, at, classes);
    let delta = 0;
    let deltaLogits = 0;
    for (let i = 0; i < classes; i++) {
      const d = Math.abs(pLow[i] - p32[i]);
      delta = Number.isNaN(d) ? Infinity : Math.max(delta, d);
      const dz = Math.abs(logitsLow[at + i] - logits32[at + i]);
      deltaLogits = Number.isNaN(dz) ? Infinity : Math.max(deltaLogits, dz);
    }
    const sorted = Float64Array.from(p32).sort();
    const tau = classes < 2 ? Infinity : (sorted[classes - 1] - sorted[classes - 2]) / 2;
    out.push({
      delta,
      deltaLogits,
      tau,
      guaranteed: delta < tau,
      pred32: argmax(p32),
      predLow: argmax(pLow),
      label: labels[b],
    });
  }
  return out;
}

/** The summary of one format (fractions of the samples). */
export interface ToleranceSummary {
  readonly format: string;
  readonly samples: number;
  /** Fraction with delta < tau (agreement guaranteed). */
  readonly guaranteed: number;
  /** Fraction whose predictions differ (at most 1 - guaranteed). */
  readonly disagreement: number;
  readonly accuracy32: number;
  readonly accuracyLow: number;
  /** |accuracyLow - accuracy32| <= this: only samples without the guarantee can change. */
  readonly accuracyChangeBound: number;
  /** Samples where delta >= tau / 2: within a factor two of losing the guarantee. */
  readonly nearBoundary: number;
  /** Samples where delta < tau and yet the predictions differ: must be 0. */
  readonly lemmaViolations: number;
  readonly medianDelta: number;
  readonly medianTau: number;
  readonly maxDeltaLogits: number;
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Summarize the samples of one format. */
export function summarizeTolerance(format: string, samples: readonly SampleTolerance[]): ToleranceSummary {
  const n = samples.length;
  const count = (f: (s: SampleTolerance) => boolean): number => samples.filter(f).length;
  const guaranteed = count((s) => s.guaranteed) / n;
  return {
    format,
    samples: n,
    guaranteed,
    disagreement: count((s) => s.pred32 !== s.predLow) / n,
    accuracy32: count((s) => s.pred32 === s.label) / n,
    accuracyLow: count((s) => s.predLow === s.label) / n,
    accuracyChangeBound: 1 - guaranteed,
    nearBoundary: count((s) => s.delta >= s.tau / 2),
    lemmaViolations: count((s) => s.guaranteed && s.pred32 !== s.predLow),
    medianDelta: median(samples.map((s) => s.delta)),
    medianTau: median(samples.map((s) => s.tau)),
    maxDeltaLogits: Math.max(0, ...samples.map((s) => s.deltaLogits)),
  };
}

/** A histogram over log10 bins: counts[k] holds values in [10^(lo + k w), 10^(lo + (k+1) w)); zeros
 * and values below the first edge go to `below`, non-finite and larger ones to `above`. */
export interface LogHistogram {
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  readonly below: number;
  readonly above: number;
}

/** A log-scale histogram of `values` from 10^lo to 10^hi with `perDecade` bins per decade. */
export function logHistogram(values: readonly number[], lo = -12, hi = 0, perDecade = 2): LogHistogram {
  const bins = (hi - lo) * perDecade;
  const edges = Array.from({ length: bins + 1 }, (_, k) => 10 ** (lo + k / perDecade));
  const counts = new Array<number>(bins).fill(0);
  let below = 0;
  let above = 0;
  for (const v of values) {
    if (!(v >= edges[0])) {
      if (Number.isNaN(v)) above++;
      else below++;
    } else if (v >= edges[bins]) above++;
    else {
      // log10 can land a value on the wrong side of an edge by an ulp: settle it against the edges.
      let k = Math.min(bins - 1, Math.max(0, Math.floor((Math.log10(v) - lo) * perDecade)));
      while (k > 0 && v < edges[k]) k--;
      while (k < bins - 1 && v >= edges[k + 1]) k++;
      counts[k]++;
    }
  }
  return { edges, counts, below, above };
}
