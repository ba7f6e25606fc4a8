/**
 * Applying an update u to parameter storage w under a weight-update rule (Zamirai et al., "Revisiting
 * BFloat16 Training", arXiv:2010.06192): nearest (w = fl(w + u), which cancels updates below half an ulp
 * of w), stochastic (the exact sum rounded stochastically, keyed by seed, stream and step) and kahan
 * (DESIGN.md rule 5, every operation rounded to the parameter format). Also counts cancelled updates.
 * Float32 storage is updated in place; other formats are decoded, updated as float32 values and encoded.
 */
import { MinifloatError } from "../errors.js";
import {
  decodeArray,
  encodeArray,
  kahanAddArray,
  nearestSumArray,
  stochasticAddArray,
  type CodeArray,
  type EncodeOptions,
  type FloatFormat,
} from "../formats/index.js";
import { codesOf, type StorageArray } from "../tensor/index.js";

/** The weight-update rules: nearest rounding, stochastic rounding, Kahan-compensated summation. */
export const UPDATE_RULES = ["nearest", "stochastic", "kahan"] as const;

/** How w + u is rounded into the parameter format (Zamirai et al., section 3). */
export type UpdateRule = (typeof UPDATE_RULES)[number];

/** Values stored as codes of one format: a contiguous parameter tensor, a master copy, a state buffer. */
export interface CodeBuffer {
  readonly format: FloatFormat;
  readonly data: StorageArray;
}

/** How many updates rounding cancelled. */
export interface CancellationStats {
  /** Elements updated. */
  readonly elements: number;
  /** Elements with u != 0. */
  readonly nonzero: number;
  /** Elements with u != 0 and fl(w + u) == w under nearest rounding. */
  readonly cancelled: number;
  /** Elements with 0 < |u| < ulp(w) / 2, the condition of Zamirai et al. */
  readonly belowHalfUlp: number;
}

/** Zero counts, the identity of `addStats`. */
export const NO_CANCELLATION: CancellationStats = Object.freeze({
  elements: 0,
  nonzero: 0,
  cancelled: 0,
  belowHalfUlp: 0,
});

/** The sum of two sets of counts. */
export function addStats(a: CancellationStats, b: CancellationStats): CancellationStats {
  return {
    elements: a.elements + b.elements,
    nonzero: a.nonzero + b.nonzero,
    cancelled: a.cancelled + b.cancelled,
    belowHalfUlp: a.belowHalfUlp + b.belowHalfUlp,
  };
}

/** The fraction of non-zero updates that nearest rounding cancelled (0 when there were none). */
export function cancelledFraction(s: CancellationStats): number {
  return s.nonzero === 0 ? 0 : s.cancelled / s.nonzero;
}

/** The values of a buffer, decoded exactly (a new array). */
export function valuesOf(b: CodeBuffer): Float32Array {
  return b.data instanceof Float32Array ? Float32Array.from(b.data) : decodeArray(b.format, b.data);
}

/** The values of a buffer without a copy where the storage is float32 (the storage itself, which the
 * caller must then only read or update in place), a decoded copy otherwise; `commitValues` stores it. */
export function openValues(b: CodeBuffer): Float32Array {
  return b.data instanceof Float32Array ? b.data : decodeArray(b.format, b.data);
}

/** Store values from `openValues` back into the buffer (nothing to do when they are its storage). */
export function commitValues(b: CodeBuffer, values: Float32Array, options?: EncodeOptions): void {
  if (values !== b.data) storeValues(b, values, options);
}

/** Encode `values` into the buffer's codes, each rounded once with `options`. */
export function storeValues(b: CodeBuffer, values: Float32Array, options?: EncodeOptions): void {
  if (values.length !== b.data.length) {
    throw new MinifloatError("shape", `store: expected ${b.data.length} values, got ${values.length}`);
  }
  encodeArray(b.format, values, options, codesOf(b.data));
}

/** The gap between |w| and the next larger magnitude of `f` (the ulp at w; at 0, the smallest
 * subnormal). */
export function ulpOf(f: FloatFormat, w: number): number {
  const a = Math.abs(w);
  if (a < f.smallestNormal) return f.smallestSubnormal;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - f.mantissaBits);
}

const halfUlpTables = new Map<string, Float64Array>();

/** Half of ulpOf(f, w) by w's float32 exponent field: ulpOf depends only on the binade (the smallest
 * normal is a power of two); field 0 holds w = 0. Built once per format. */
function halfUlpTable(f: FloatFormat): Float64Array {
  let t = halfUlpTables.get(f.name);
  if (t === undefined) {
    t = new Float64Array(256);
    t[0] = ulpOf(f, 0) / 2;
    for (let ef = 1; ef < 255; ef++) t[ef] = ulpOf(f, 2 ** (ef - 127)) / 2;
    halfUlpTables.set(f.name, t);
  }
  return t;
}

/** The counts for w (values of `f`), u and next = fl(w + u) rounded to nearest in `f`. */
function countCancellations(
  f: FloatFormat,
  w: Float32Array,
  u: Float32Array,
  next: Float32Array,
): CancellationStats {
  const half = halfUlpTable(f);
  const wBits = new Uint32Array(w.buffer, w.byteOffset, w.length);
  let nonzero = 0;
  let cancelled = 0;
  let belowHalfUlp = 0;
  // Counted with +(p) (0 or 1) rather than branches: which elements count is data-dependent, and a
  // mispredicted branch costs more than the rest of the loop.
  for (let i = 0; i < w.length; i++) {
    const ui = u[i];
    const counted = +(ui !== 0) & +(ui === ui);
    const ef = (wBits[i] >>> 23) & 0xff;
    // Float32 subnormals, infinities and NaN (rare) take the scalar ulpOf; zero is in the table.
    const h = ef === 255 || (ef === 0 && w[i] !== 0) ? ulpOf(f, w[i]) / 2 : half[ef];
    nonzero += counted;
    cancelled += counted & +(next[i] === w[i]);
    belowHalfUlp += counted & +(Math.abs(ui) < h);
  }
  return { elements: w.length, nonzero, cancelled, belowHalfUlp };
}

let nextScratch = new Float32Array(0);

/** fl(w + u) in `f` for every element, in a scratch array reused across calls (valid until the next);
 * `codes`, when given, receives their codes too. */
function nearestScratch(f: FloatFormat, w: Float32Array, u: Float32Array, codes?: CodeArray): Float32Array {
  if (nextScratch.length < w.length) nextScratch = new Float32Array(w.length);
  return nearestSumArray(f, w, u, nextScratch.subarray(0, w.length), false, codes);
}

/** Count the updates that nearest rounding would cancel, for w (values of `f`) and u. */
export function cancellationStats(f: FloatFormat, w: Float32Array, u: Float32Array): CancellationStats {
  if (u.length !== w.length) {
    throw new MinifloatError("shape", `update: expected ${w.length} values (as w), got ${u.length}`);
  }
  return countCancellations(f, w, u, nearestScratch(f, w, u));
}

/** What an update under a rule needs besides w and u. */
export interface UpdateContext {
  /** Seed, stream (the parameter's index) and step of stochastic rounding. */
  readonly seed: number;
  readonly stream: number;
  readonly step: number;
  /** The Kahan compensation buffer, required by the kahan rule (values of any format at least as wide
   * as the parameter's; its operations are rounded to the parameter format). */
  readonly compensation?: CodeBuffer;
}

/**
 * w += u in place under `rule`, every addition rounded once to w's format; returns the cancellation
 * counts of nearest rounding for this (w, u), whatever the rule.
 */
export function applyUpdate(
  w: CodeBuffer,
  u: Float32Array,
  rule: UpdateRule,
  ctx: UpdateContext,
): CancellationStats {
  const f = w.format;
  if (u.length !== w.data.length) {
    throw new MinifloatError(
      "shape",
      `update: expected ${w.data.length} values (as the parameter), got ${u.length}`,
    );
  }
  const values = openValues(w);
  // Where `values` is a decoded copy, every rule writes its results straight into w's codes; where it
  // is w's own float32 storage, they update it in place.
  const inPlace = values === w.data;
  const codes = inPlace ? undefined : codesOf(w.data);
  // The nearest sums are needed for the counts whatever the rule, and are the nearest rule's result.
  const next = nearestScratch(f, values, u, rule === "nearest" ? codes : undefined);
  const stats = countCancellations(f, values, u, next);
  switch (rule) {
    case "nearest":
      if (inPlace) values.set(next); // only now: counting reads the old values
      break;
    case "stochastic":
      stochasticAddArray(f, values, u, { seed: ctx.seed, stream: ctx.stream, step: ctx.step }, 32, codes);
      break;
    case "kahan": {
      const c = ctx.compensation;
      if (c === undefined)
        throw new MinifloatError("argument", "update rule kahan needs a compensation buffer");
      const comp = openValues(c);
      // A compensation in w's format takes its codes straight from the last rounding too.
      const compCodes = comp !== c.data && c.format.name === f.name ? codesOf(c.data) : undefined;
      kahanAddArray(f, values, comp, u, codes, compCodes);
      if (compCodes === undefined) commitValues(c, comp);
      break;
    }
    default:
      rule satisfies never;
  }
  return stats;
}
