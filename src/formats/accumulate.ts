/**
 * Additions rounded to a low-precision format, for weight updates (Zamirai et al., "Revisiting BFloat16
 * Training", arXiv:2010.06192): nearest rounding, which cancels small updates; stochastic rounding of the
 * exact sum; and Kahan-compensated summation with every operation rounded to the format (DESIGN.md rule 5).
 * Each addition is rounded exactly once: TwoSum gives the exact sum hi + lo, and encodeValue rounds
 * hi + lo as one value. Values are plain numbers (scalars) or Float32Arrays holding values of the format.
 * The scalar functions are the slow, obviously correct twins of the array ones, which fast-add.ts does.
 */
import { MinifloatError } from "../errors.js";
import type { CodeArray } from "./bulk-codec.js";
import { nearestSumArray, stochasticSumArray } from "./fast-add.js";
import { decodeValue, encodeValue } from "./float-codec.js";
import type { FloatFormat } from "./float-format.js";
import { resolveEncodeOptions, type RoundingMode, type StochasticSource } from "./rounding.js";

/** The value of x rounded to format `f`, nearest-even (overflow to infinity where the format has it). */
export function roundTo(f: FloatFormat, x: number): number {
  return decodeValue(f, encodeValue(f, x, "nearest-even", false, false));
}

const twoSumOut = new Float64Array(2);

/** TwoSum (Knuth, TAOCP vol. 2, 4.2.2): a + b = hi + lo exactly, hi = fl(a + b); lo = 0 when hi is not
 * finite. Returns a shared scratch array: read it before the next call. */
export function twoSum(a: number, b: number): Float64Array {
  const hi = a + b;
  const bb = hi - a;
  const lo = a - (hi - bb) + (b - bb);
  twoSumOut[0] = hi;
  twoSumOut[1] = Number.isFinite(hi) ? lo : 0;
  return twoSumOut;
}

/** fl(a + b) in format `f`: the exact sum rounded once with `rounding` (`rand` in [0, 2^randomBits)). */
function addRounded(
  f: FloatFormat,
  a: number,
  b: number,
  rounding: RoundingMode,
  rand = 0,
  randomBits = 32,
): number {
  const s = twoSum(a, b);
  return decodeValue(f, encodeValue(f, s[0], rounding, false, false, rand, randomBits, s[1]));
}

/** a + b rounded once to the nearest value of `f` (ties to even). */
export function nearestAdd(f: FloatFormat, a: number, b: number): number {
  return addRounded(f, a, b, "nearest-even");
}

/** a + b rounded once stochastically to `f`: up with probability proportional to the distance from
 * the lower neighbour; `rand` is a uniform integer in [0, 2^randomBits). */
export function stochasticAdd(f: FloatFormat, a: number, b: number, rand: number, randomBits = 32): number {
  return addRounded(f, a, b, "stochastic", rand, randomBits);
}

/** A Kahan-compensated accumulator: the running sum and its compensation, both values of the format. */
export interface KahanState {
  readonly sum: number;
  readonly comp: number;
}

/**
 * One Kahan-compensated update w += u with every operation rounded to `f` (nearest-even), as in the
 * Kahan weight update of Zamirai et al. and DESIGN.md rule 5: y = u - c; s = w + y; c = (s - w) - y; w = s.
 */
export function kahanAdd(f: FloatFormat, state: KahanState, update: number): KahanState {
  const w = state.sum;
  const y = addRounded(f, update, -state.comp, "nearest-even");
  const s = addRounded(f, w, y, "nearest-even");
  const t = addRounded(f, s, -w, "nearest-even");
  const c = addRounded(f, t, -y, "nearest-even");
  return { sum: s, comp: c };
}

function checkSameLength(what: string, got: number, expected: number): void {
  if (got !== expected) {
    throw new MinifloatError("shape", `${what}: expected ${expected} elements (as sum), got ${got}`);
  }
}

/** sum[i] = fl(sum[i] + update[i]) in `f`, nearest-even, in place; returns `sum`. */
export function nearestAddArray(f: FloatFormat, sum: Float32Array, update: Float32Array): Float32Array {
  checkSameLength("update", update.length, sum.length);
  return nearestSumArray(f, sum, update, sum);
}

/**
 * sum[i] = fl(sum[i] + update[i]) in `f`, stochastically rounded, in place; element i draws
 * randomWord(seed, stream, step, offset + i), so a run is reproducible whatever the slicing. `codes`,
 * when given, receives the codes of the sums too (to store them without encoding again).
 */
export function stochasticAddArray(
  f: FloatFormat,
  sum: Float32Array,
  update: Float32Array,
  random: StochasticSource,
  randomBits = 32,
  codes?: CodeArray,
): Float32Array {
  checkSameLength("update", update.length, sum.length);
  if (codes !== undefined) checkSameLength("codes", codes.length, sum.length);
  const o = resolveEncodeOptions({ rounding: "stochastic", random, randomBits });
  if (o.random === null) return sum; // unreachable: "stochastic" always resolves a source
  return stochasticSumArray(f, sum, update, sum, o.random, o.randomBits, codes);
}

let kahanScratch = new Float32Array(0);

/**
 * Kahan-compensated updates of whole arrays in place: `sum` (weights) and `comp` (compensation) hold
 * values of `f` and are updated elementwise exactly as `kahanAdd` does; returns `sum`. `sumCodes` and
 * `compCodes`, when given, receive their new codes in `f` too (to store them without encoding again).
 */
export function kahanAddArray(
  f: FloatFormat,
  sum: Float32Array,
  comp: Float32Array,
  update: Float32Array,
  sumCodes?: CodeArray,
  compCodes?: CodeArray,
): Float32Array {
  checkSameLength("comp", comp.length, sum.length);
  checkSameLength("update", update.length, sum.length);
  if (sumCodes !== undefined) checkSameLength("sumCodes", sumCodes.length, sum.length);
  if (compCodes !== undefined) checkSameLength("compCodes", compCodes.length, sum.length);
  const n = sum.length;
  // The four rounded operations of kahanAdd as four whole-array passes; y and s need scratch, t and
  // the new c take comp's place once y has read it.
  if (kahanScratch.length < 2 * n) kahanScratch = new Float32Array(2 * n);
  const y = kahanScratch.subarray(0, n);
  const s = kahanScratch.subarray(n, 2 * n);
  nearestSumArray(f, update, comp, y, true); // y = u - c
  nearestSumArray(f, sum, y, s, false, sumCodes); // s = w + y
  nearestSumArray(f, s, sum, comp, true); // t = s - w
  nearestSumArray(f, comp, y, comp, true, compCodes); // c = t - y
  sum.set(s);
  return sum;
}
