/**
 * Applying an update u to parameter storage w under a weight-update rule (Zamirai et al., "Revisiting
 * BFloat16 Training", arXiv:2010.06192): nearest (w = fl(w + u), which cancels updates below half an ulp
 * of w), stochastic (the exact sum rounded stochastically, keyed by seed, stream and step) and kahan
 * (DESIGN.md rule 5, every operation rounded to the parameter format). Also counts cancelled updates.
 */
import { MinifloatError } from "../errors.js";
import {
  decodeArray,
  encodeArray,
  kahanAddArray,
  nearestAdd,
  nearestAddArray,
  stochasticAddArray,
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

/** Count the updates that nearest rounding would cancel, for w (values of `f`) and u. */
export function cancellationStats(f: FloatFormat, w: Float32Array, u: Float32Array): CancellationStats {
  let nonzero = 0;
  let cancelled = 0;
  let belowHalfUlp = 0;
  for (let i = 0; i < w.length; i++) {
    const ui = u[i];
    if (ui === 0 || Number.isNaN(ui)) continue;
    nonzero++;
    // The gap above w is ulp(w) and the one below ulp(w) or ulp(w)/2: |u| >= ulp(w) always moves w,
    // |u| < ulp(w)/4 never does; only between them is the rounded sum needed.
    const a = Math.abs(ui);
    const ulp = ulpOf(f, w[i]);
    if (a < ulp / 2) belowHalfUlp++;
    if (a < ulp / 4 || (a < ulp && nearestAdd(f, w[i], ui) === w[i])) cancelled++;
  }
  return { elements: w.length, nonzero, cancelled, belowHalfUlp };
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
  const values = valuesOf(w);
  if (u.length !== values.length) {
    throw new MinifloatError(
      "shape",
      `update: expected ${values.length} values (as the parameter), got ${u.length}`,
    );
  }
  const stats = cancellationStats(f, values, u);
  switch (rule) {
    case "nearest":
      // float32 + float32 computed in float64 and rounded to float32 is correctly rounded (53 >= 2 * 24
      // + 2; Figueroa, "When is double rounding innocuous?", SIGNUM 1995), so float32 needs no codec.
      if (f.name === "float32") for (let i = 0; i < values.length; i++) values[i] = values[i] + u[i];
      else nearestAddArray(f, values, u);
      break;
    case "stochastic":
      stochasticAddArray(f, values, u, { seed: ctx.seed, stream: ctx.stream, step: ctx.step });
      break;
    case "kahan": {
      const c = ctx.compensation;
      if (c === undefined)
        throw new MinifloatError("argument", "update rule kahan needs a compensation buffer");
      const comp = valuesOf(c);
      kahanAddArray(f, values, comp, u);
      storeValues(c, comp);
      break;
    }
    default:
      rule satisfies never;
  }
  storeValues(w, values);
  return stats;
}
