/**
 * Streaming observers of activations, in memory that does not grow with the data: the running range (per
 * tensor, and per last-axis channel for SmoothQuant) and a fixed-size linear histogram of |x| whose range
 * doubles (merging bin pairs, which is exact) when larger values arrive. Clip thresholds are chosen from
 * the histogram by percentile, by least expected quantization MSE, or by least KL divergence (TensorRT's
 * entropy calibrator, Migacz, "8-bit Inference with TensorRT", GTC 2017).
 */
import { MinifloatError } from "../errors.js";
import { exponentOf, floatFormat } from "../formats/index.js";
import type { ResolvedSpec } from "./quantizer.js";

/** How an activation's clip threshold is chosen from its observations. */
export type CalibrationMethod = "max" | "percentile" | "mse" | "entropy";

/** The calibration methods, in display order. */
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ["max", "percentile", "mse", "entropy"];

/** Running minimum, maximum and largest |x|, overall and (when `channels` > 0) per last-axis channel. */
export class MaxObserver {
  lo = 0;
  hi = 0;
  count = 0;
  /** max |x| of each channel of the last axis, or null when observing per tensor only. */
  readonly channelAbsMax: Float64Array | null;

  constructor(channels = 0) {
    this.channelAbsMax = channels > 0 ? new Float64Array(channels) : null;
  }

  /** The largest magnitude seen. */
  get absMax(): number {
    return Math.max(-this.lo, this.hi);
  }

  /** Fold in `x`, whose last axis has the observer's channel count (when it has one). */
  observe(x: Float32Array): void {
    const ch = this.channelAbsMax;
    if (ch !== null && x.length % ch.length !== 0) {
      throw new MinifloatError(
        "shape",
        `MaxObserver: ${x.length} values are not rows of ${ch.length} channels`,
      );
    }
    let lo = this.lo;
    let hi = this.hi;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (ch !== null) {
        const j = i % ch.length;
        const a = Math.abs(v);
        if (a > ch[j]) ch[j] = a;
      }
    }
    this.lo = lo;
    this.hi = hi;
    this.count += x.length;
  }
}

/**
 * A histogram of |x| over [0, range) in `bins` equal bins. The range starts just above the first batch's
 * max |x| (as TensorRT's calibrator); when a value at or beyond it arrives it
 * doubles as often as needed and each group of 2^k bins merges into one, exactly. So the data always
 * covers more than half the bins, and a threshold read from the histogram is within one bin width,
 * range / bins < 2 max|x| / bins, of the exact one (interpolation inside a bin is usually much closer).
 */
export class HistogramObserver {
  readonly counts: Float64Array;
  /** Upper edge of the last bin; 0 until a non-zero value has been seen. */
  range = 0;
  /** Number of values observed (zeros included) and the largest |x|. */
  total = 0;
  absMax = 0;

  constructor(readonly bins = 2048) {
    if (!Number.isInteger(bins) || bins < 16 || (bins & (bins - 1)) !== 0) {
      throw new MinifloatError(
        "argument",
        `HistogramObserver: bins must be a power of two >= 16, got ${bins}`,
      );
    }
    this.counts = new Float64Array(bins);
  }

  /** Width of one bin. */
  get binWidth(): number {
    return this.range / this.bins;
  }

  /** Fold in `x` (NaN is skipped). */
  observe(x: Float32Array): void {
    let amax = 0;
    for (const v of x) if (Math.abs(v) > amax) amax = Math.abs(v);
    if (amax === Infinity) throw new MinifloatError("numeric", "HistogramObserver: infinite activation");
    if (amax >= this.range && amax > 0) this.grow(amax);
    if (amax > this.absMax) this.absMax = amax;
    const inv = this.range === 0 ? 0 : this.bins / this.range;
    const last = this.bins - 1;
    for (const v of x) {
      if (v !== v) continue;
      const b = Math.floor(Math.abs(v) * inv);
      this.counts[b > last ? last : b]++;
      this.total++;
    }
  }

  /** Widen the range beyond `amax`: just above it the first time, then by a power of two, merging bins. */
  private grow(amax: number): void {
    if (this.range === 0) {
      this.range = amax * (1 + 2 ** -20); // just above amax: every value lies strictly inside
      return;
    }
    let factor = 2;
    while (this.range * factor <= amax) factor *= 2;
    const merged = new Float64Array(this.bins);
    for (let b = 0; b < this.bins; b++) merged[Math.floor(b / factor)] += this.counts[b];
    this.counts.set(merged);
    this.range *= factor;
  }

  /** The p-th percentile (0 < p <= 100) of |x|, interpolated linearly within its bin. */
  percentile(p: number): number {
    if (!(p > 0 && p <= 100))
      throw new MinifloatError("argument", `percentile must be in (0, 100], got ${p}`);
    const want = (p / 100) * this.total;
    let cum = 0;
    for (let b = 0; b < this.bins; b++) {
      const c = this.counts[b];
      if (cum + c >= want && c > 0) return Math.min(this.absMax, (b + (want - cum) / c) * this.binWidth);
      cum += c;
    }
    return this.absMax;
  }
}

/** The grid spacing near |u| (in units of the scale) of a scaled format, for the MSE noise model. */
function stepFunction(spec: ResolvedSpec): (u: number) => number {
  if (spec.kind === "int") return () => 1;
  if (spec.kind !== "float") {
    throw new MinifloatError(
      "config",
      `mse and entropy calibration need a scaled format, not ${spec.format}`,
    );
  }
  const f = floatFormat(spec.format);
  const minStep = f.smallestSubnormal;
  return (u) => (u < f.smallestNormal ? minStep : 2 ** (exponentOf(u) - f.mantissaBits));
}

/** Candidate clip indices: bin edges k * width for k from `first` to the last non-empty bin, at most
 * about 512 of them (a stride when there are more). */
function candidates(h: HistogramObserver, first: number): number[] {
  let top = h.bins;
  while (top > 1 && h.counts[top - 1] === 0) top--;
  const start = Math.min(first, top);
  const stride = Math.max(1, Math.floor((top - start) / 512));
  const out: number[] = [];
  for (let k = top; k >= start; k -= stride) out.push(k);
  return out.reverse();
}

/**
 * The clip c minimizing the expected squared error of quantizing the histogram's values with scale
 * c / max: values above c cost (v - c)^2; values below cost step^2 / 12 (uniform rounding noise, the
 * step being the grid spacing at v), or v^2 where the step is over 2v and they round to zero. Bin centres
 * stand for their values. Candidates are bin edges from max|x| / 64 up.
 */
export function mseThreshold(h: HistogramObserver, spec: ResolvedSpec): number {
  const step = stepFunction(spec);
  if (h.total === 0 || h.range === 0) return h.absMax;
  const w = h.binWidth;
  let best = h.absMax;
  let bestErr = Infinity;
  for (const k of candidates(h, Math.max(1, Math.floor(h.absMax / w / 64)))) {
    const c = Math.min(k * w, h.absMax);
    const scale = c / spec.max;
    let err = 0;
    for (let b = 0; b < h.bins; b++) {
      const n = h.counts[b];
      if (n === 0) continue;
      const v = (b + 0.5) * w;
      if (v > c) err += n * (v - c) ** 2;
      else {
        const d = step(v / scale) * scale;
        err += n * (d > 2 * v ? v * v : (d * d) / 12);
      }
    }
    if (err < bestErr) {
      bestErr = err;
      best = c;
    }
  }
  return best;
}

/** For candidate i (clip at bin edge i), the quantized level of each bin b < i: TensorRT's equal merge of
 * bins into qmax + 1 levels for integers; for floats, the grid value the bin centre rounds to. */
function levelFunction(spec: ResolvedSpec, w: number): (b: number, i: number) => number {
  if (spec.kind === "int") {
    const levels = spec.max + 1;
    return (b, i) => Math.floor((b * levels) / i);
  }
  const f = floatFormat(spec.format);
  const step = stepFunction(spec);
  return (b, i) => {
    const u = ((b + 0.5) * w * spec.max) / (i * w);
    const d = step(u);
    return Math.min(Math.round(u / d) * d, f.max);
  };
}

/**
 * The clip threshold minimizing KL(P || Q) as TensorRT's entropy calibrator (and NVIDIA
 * pytorch-quantization's `_compute_amax_entropy`): for each candidate i >= 128 bins, P is the first i bins
 * with the rest folded into the last, Q merges the first i bins into the format's levels and spreads each
 * level's count evenly over its non-empty bins. As there, bin 0 (exact zeros) is given bin 1's count and
 * the last of equal minima wins; the threshold is the upper edge of bin i - 1.
 */
export function entropyThreshold(h: HistogramObserver, spec: ResolvedSpec): number {
  if (h.total === 0 || h.range === 0) return h.absMax;
  const bins = Float64Array.from(h.counts);
  bins[0] = bins[1];
  const level = levelFunction(spec, h.binWidth);
  let best = h.absMax;
  let bestKl = Infinity;
  const p = new Float64Array(h.bins);
  const q = new Float64Array(h.bins);
  for (const i of candidates(h, 128)) {
    let outliers = 0;
    for (let b = i; b < h.bins; b++) outliers += bins[b];
    // Q: each level's count spread evenly over its non-empty bins. Levels rise with the bin, so the bins
    // of one level are a run.
    let pSum = 0;
    let qSum = 0;
    for (let b = 0; b < i;) {
      const key = level(b, i);
      let end = b;
      let total = 0;
      let nonEmpty = 0;
      for (; end < i && level(end, i) === key; end++) {
        total += bins[end];
        if (bins[end] > 0) nonEmpty++;
      }
      for (; b < end; b++) {
        p[b] = bins[b] + (b === i - 1 ? outliers : 0);
        q[b] = bins[b] === 0 ? 0 : total / nonEmpty;
        pSum += p[b];
        qSum += q[b];
      }
    }
    let kl = 0;
    for (let b = 0; b < i && kl < Infinity; b++) {
      if (p[b] === 0) continue;
      kl += q[b] === 0 ? Infinity : (p[b] / pSum) * Math.log(p[b] / pSum / (q[b] / qSum));
    }
    if (kl <= bestKl) {
      bestKl = kl;
      best = i * h.binWidth;
    }
  }
  return Math.min(best, h.absMax);
}
