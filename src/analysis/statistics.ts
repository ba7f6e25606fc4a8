/**
 * The statistics behind accuracy verdicts: McNemar's exact test (a two-sided binomial test on the
 * discordant pairs of two classifiers scored on the same samples; McNemar 1947, exact form as in
 * Fagerland et al. 2013), a seeded paired bootstrap of the accuracy difference (Efron & Tibshirani 1993,
 * percentile interval) with the Agresti-Min interval as its floor, and Student's t interval of a mean (the mean paired difference across seeds).
 * Pure numerics: the t distribution through the regularized incomplete beta function (Numerical Recipes
 * 6.4); the bootstrap keys each resample by the project's Philox generator, so a result is reproducible.
 */
import { MinifloatError } from "../errors.js";
import { randomWord } from "../formats/index.js";

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Gamma(x) for x > 0 (Lanczos approximation, g = 7, about 15 significant digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = 0.99999999999980993;
  for (let i = 0; i < LANCZOS.length; i++) a += LANCZOS[i] / (z + i + 1);
  const t = z + LANCZOS.length - 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the incomplete beta function (modified Lentz; Numerical Recipes 6.4). */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    for (const num of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b) for x in [0, 1], a, b > 0. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(x, a, b)) / a
    : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** P(T <= t) for Student's t distribution with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t distribution with `df` degrees of freedom (bisection to 1e-12). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new MinifloatError("argument", `t quantile: p expected in (0, 1), got ${p}`);
  if (!(df > 0)) throw new MinifloatError("argument", `t quantile: df expected > 0, got ${df}`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  while (hi - lo > 1e-12 * Math.max(1, hi)) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** McNemar's exact test: the two-sided p-value of `better` against `worse` discordant pairs under the
 * null that either kind is equally likely (binomial with p = 1/2; twice the smaller tail, at most 1). */
export function mcnemarExact(better: number, worse: number): number {
  const n = better + worse;
  const k = Math.min(better, worse);
  if (n === 0) return 1;
  // Sum the tail in log space: 2^-n underflows beyond n = 1074.
  const logs = Array.from(
    { length: k + 1 },
    (_, i) => lnGamma(n + 1) - lnGamma(i + 1) - lnGamma(n - i + 1) - n * Math.LN2,
  );
  const top = Math.max(...logs);
  const tail = Math.exp(top) * logs.reduce((a, l) => a + Math.exp(l - top), 0);
  return Math.min(1, 2 * tail);
}

/** An interval of a difference, with its confidence level. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** Options of pairedBootstrap. */
export interface BootstrapOptions {
  /** Resamples (default 2000). */
  readonly replicates?: number;
  /** Philox key (default 0): the same inputs and seed give the same interval. */
  readonly seed?: number;
  /** Default 0.95. */
  readonly confidence?: number;
}

/** The percentile bootstrap interval of the mean of paired per-sample differences `diffs` (for accuracy:
 * +1 where only the second classifier is right, -1 where only the first is, 0 elsewhere), resampling
 * whole samples so the pairing is kept. */
export function pairedBootstrap(diffs: Int8Array, options: BootstrapOptions = {}): Interval {
  const n = diffs.length;
  if (n === 0) throw new MinifloatError("argument", "paired bootstrap: no samples");
  const replicates = options.replicates ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const means = new Float64Array(replicates);
  for (let r = 0; r < replicates; r++) {
    // Philox keys each resample; mulberry32 (Tommy Ettinger, public domain) draws its n indices, 30x
    // faster than a Philox word per index.
    let state = randomWord(options.seed ?? 0, 0x5eed, r, 0);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      sum += diffs[Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n)];
    }
    means[r] = sum / n;
  }
  means.sort();
  const at = (q: number): number =>
    means[Math.min(replicates - 1, Math.max(0, Math.round(q * (replicates - 1))))];
  const alpha = (1 - confidence) / 2;
  return { low: at(alpha), high: at(1 - alpha) };
}

/** The Agresti-Min interval of a paired difference of proportions (Agresti & Min 2005, Biometrics 61:
 * the Wald interval after adding 1/2 to each cell of the 2x2 table): (better - worse) / n, which stays
 * informative where few or no pairs are discordant (a bootstrap then sees no variation at all). */
export function agrestiMinInterval(better: number, worse: number, n: number, confidence = 0.95): Interval {
  const b = better + 0.5;
  const c = worse + 0.5;
  const m = n + 2;
  const d = (b - c) / m;
  const se = Math.sqrt(b + c - (b - c) ** 2 / m) / m;
  // Student t with 1e9 degrees of freedom is the normal distribution to 1e-7.
  const z = studentTQuantile(1 - (1 - confidence) / 2, 1e9);
  return { low: d - z * se, high: d + z * se };
}

/** Student's t interval of the mean of `xs` (n - 1 degrees of freedom) and the two-sided p-value of the
 * one-sample t test against 0; needs at least two values. */
export function tInterval(
  xs: readonly number[],
  confidence = 0.95,
): Interval & { readonly mean: number; readonly pValue: number } {
  const n = xs.length;
  if (n < 2) throw new MinifloatError("argument", `t interval: expected at least 2 values, got ${n}`);
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const se = sd / Math.sqrt(n);
  if (se === 0) return { mean, low: mean, high: mean, pValue: mean === 0 ? 1 : 0 };
  const half = studentTQuantile(1 - (1 - confidence) / 2, n - 1) * se;
  const t = mean / se;
  return { mean, low: mean - half, high: mean + half, pValue: 2 * studentTCdf(-Math.abs(t), n - 1) };
}

/** The exact (Clopper-Pearson) interval of a binomial proportion: `k` successes in `n` trials. */
export function binomialInterval(k: number, n: number, confidence = 0.95): Interval {
  if (!(n > 0) || k < 0 || k > n)
    throw new MinifloatError("argument", `binomial interval: expected 0 <= k <= n, n > 0, got ${k} of ${n}`);
  const alpha = (1 - confidence) / 2;
  // P(X >= k | p) = I_p(k, n - k + 1) rises with p; bisect for the p where it equals alpha (and mirror).
  const solve = (f: (p: number) => number, target: number): number => {
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (f(mid) < target) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  const low = k === 0 ? 0 : solve((p) => regularizedBeta(p, k, n - k + 1), alpha);
  const high = k === n ? 1 : solve((p) => regularizedBeta(p, k + 1, n - k), 1 - alpha);
  return { low, high };
}
