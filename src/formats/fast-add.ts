/**
 * Whole-array additions rounded once to a format, the fast twins of the scalar ones in accumulate.ts.
 * The exact sum S of two float32 values is first rounded to odd at float32 precision (RO24), which keeps
 * every later rounding to at most 22 significant bits exact (Boldo & Melquiond, "Emulation of FMA and
 * correctly rounded sums: proved algorithms using rounding to odd", IEEE TC 57(4), 2008); the float32
 * result then goes through the bulk codec, a table lookup or a few integer operations per element.
 * Float32 itself, and any format where that does not hold, takes a float64 or scalar path.
 */
import { decodeValue, encodeValue, overflowCode } from "./float-codec.js";
import type { FloatFormat } from "./float-format.js";
import { allocCodes, decodeArray, decodeTable, encodeArray, type CodeArray } from "./bulk-codec.js";
import { fillRandomWords } from "./philox.js";
import type { StochasticSource } from "./rounding.js";

/** The largest finite float32 value, (2 - 2^-23) * 2^127. */
const F32_MAX = 3.4028234663852886e38;

/**
 * True when RO24 followed by a rounding to `f` equals that rounding of the exact sum: `f` keeps at most
 * 22 significant bits (two fewer than float32, Boldo & Melquiond theorem 3), its finest spacing is at
 * least 4 float32 subnormal steps (so its midpoints are even float32 values there too), and its range
 * ends below float32's (so a sum that float32 overflows overflows `f` as well).
 */
function roundsViaOdd(f: FloatFormat): boolean {
  return f.mantissaBits <= 21 && f.emin - f.mantissaBits >= -147 && f.max < F32_MAX;
}

let codeScratch8 = new Uint8Array(0);
let codeScratch16 = new Uint16Array(0);
let valueScratch = new Float32Array(0);

/** A private code array of `n` elements in f's width (formats of 16 bits or fewer), reused across calls
 * so that a training step allocates nothing per parameter. */
function scratchCodes(f: FloatFormat, n: number): CodeArray {
  if (f.bits <= 8) {
    if (codeScratch8.length < n) codeScratch8 = new Uint8Array(n);
    return codeScratch8.subarray(0, n);
  }
  if (f.bits <= 16) {
    if (codeScratch16.length < n) codeScratch16 = new Uint16Array(n);
    return codeScratch16.subarray(0, n);
  }
  return allocCodes(f, n);
}

function scratchValues(n: number): Float32Array {
  if (valueScratch.length < n) valueScratch = new Float32Array(n);
  return valueScratch.subarray(0, n);
}

/**
 * out[i] = RO24(a[i] + b[i]) (or a[i] - b[i] when `subtract`): the float32 neighbour of the exact sum
 * whose last significand bit is odd, or the sum itself when float32 holds it. Infinite and NaN sums, and
 * sums beyond float32's range, are left as float32 rounds them. `out` may be `a` or `b`.
 */
export function roundToOddSum(
  a: Float32Array,
  b: Float32Array,
  subtract: boolean,
  out: Float32Array,
): Float32Array {
  const bits = new Int32Array(out.buffer, out.byteOffset, out.length);
  const sb = subtract ? -1 : 1; // -1 * +0 is -0, as the scalar path's unary minus gives
  const n = out.length;
  // Branch-free: the outcome is data-dependent, and a mispredicted branch per element costs more than
  // the whole computation. +(p) turns a comparison into 0 or 1 without one, and masks replace integer
  // multiplications (which V8 guards against -0).
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = sb * b[i];
    const hi = x + y;
    out[i] = hi;
    const r = out[i];
    const bi = bits[i];
    const bb = hi - x;
    const lo = x - (hi - bb) + (y - bb); // TwoSum (Knuth, TAOCP 4.2.2): S = hi + lo exactly
    const d = hi - r; // exact, r being within a factor 2 of hi; NaN or infinite where r is not finite
    // The side of r that S lies on: that of d, or of lo where hi is r itself.
    const above = +(d > 0) | (+(d === 0) & +(lo > 0));
    const below = +(d < 0) | (+(d === 0) & +(lo < 0));
    // r = fround(hi) is one of S's two float32 neighbours (hi = RN64(S) lies between them), so RO24(S)
    // is r when S = r or r is odd, else r moved one float32 step toward S: +1 on the bit pattern moves
    // away from zero, so negate the step for a negative r. r is +-0 only when S is 0 (sums of float32
    // values are multiples of 2^-149, exact in float32 that low), and an infinite r (float32 overflow)
    // stays: every target overflows there too.
    const neg = bi >>> 31;
    const toward = ((above - below) ^ -neg) + neg;
    const apply = -(((bi & 1) ^ 1) & +(Math.abs(r) <= F32_MAX));
    bits[i] = bi + (toward & apply);
  }
  return out;
}

/**
 * out[i] = a[i] + b[i] (or a[i] - b[i] when `subtract`) rounded once to the nearest value of `f`, ties
 * to even, overflow to infinity where `f` has it; a and b hold float32 values, `out` may be either.
 * `codes`, when given, receives the codes of the sums too. Bit for bit the scalar nearestAdd.
 */
export function nearestSumArray(
  f: FloatFormat,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  subtract = false,
  codes?: CodeArray,
): Float32Array {
  const n = out.length;
  const sb = subtract ? -1 : 1;
  if (roundsViaOdd(f)) {
    roundToOddSum(a, b, subtract, out);
    const c = codes ?? scratchCodes(f, n);
    encodeArray(f, out, undefined, c);
    return decodeArray(f, c, out);
  }
  if (f.bits === 32 && f.mantissaBits === 23) {
    // The float64 sum rounded to float32 is correctly rounded (53 >= 2 * 24 + 2; Figueroa, "When is
    // double rounding innocuous?", SIGNUM 1995), so float32 needs no codec.
    for (let i = 0; i < n; i++) out[i] = a[i] + sb * b[i];
  } else {
    for (let i = 0; i < n; i++) {
      out[i] = decodeValue(f, sumCodeScalar(f, a[i], sb * b[i], "nearest-even", 0, 32));
    }
  }
  if (codes !== undefined) encodeArray(f, out, undefined, codes);
  return out;
}

/** The scalar path for one element, as a code: TwoSum, then the generic codec rounds hi + lo once. */
function sumCodeScalar(
  f: FloatFormat,
  x: number,
  y: number,
  rounding: "nearest-even" | "stochastic",
  rand: number,
  randomBits: number,
): number {
  const hi = x + y;
  const bb = hi - x;
  const lo = Number.isFinite(hi) ? x - (hi - bb) + (y - bb) : 0;
  return encodeValue(f, hi, rounding, false, false, rand, randomBits, lo);
}

/** True when stochasticSumArray has a fast path for `f` (signed formats with subnormals; RO24 exact). */
function stochasticFastPath(f: FloatFormat): boolean {
  return f.bits <= 16 && f.signed && f.subnormals && f.emin >= -126 && roundsViaOdd(f);
}

let randScratch = new Uint32Array(0);

/**
 * out[i] = a[i] + b[i] rounded once stochastically to `f` (overflow to infinity where `f` has it),
 * element i drawing the top randomBits bits of word offset + i of `random`, as stochasticAddArray
 * documents. Bit for bit the result of the scalar stochasticAdd; `out` may be `a` or `b`; `codes`, when
 * given, receives the codes of the sums too.
 */
export function stochasticSumArray(
  f: FloatFormat,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  random: Required<StochasticSource>,
  randomBits: number,
  codes?: CodeArray,
): Float32Array {
  const n = out.length;
  if (randScratch.length < n) randScratch = new Uint32Array(n);
  const rand = randScratch.subarray(0, n);
  fillRandomWords(random, rand, n);
  const shift = 32 - randomBits;
  for (let i = 0; i < n; i++) rand[i] >>>= shift;
  return stochasticSumWithRandom(f, a, b, out, rand, randomBits, codes);
}

/**
 * out[i] = a[i] + b[i] rounded once stochastically to `f`: up iff rand[i] < floor(d * 2^randomBits), d
 * the exact distance of |S| above its lower neighbour in units of the gap there (docs/numerics.md),
 * rand[i] in [0, 2^randomBits). The twin of the scalar stochasticAdd for given random values.
 */
export function stochasticSumWithRandom(
  f: FloatFormat,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  rand: Uint32Array,
  randomBits: number,
  codes?: CodeArray,
): Float32Array {
  const n = out.length;
  const r = randomBits;
  if (!stochasticFastPath(f)) {
    for (let i = 0; i < n; i++) {
      out[i] = decodeValue(f, sumCodeScalar(f, a[i], b[i], "stochastic", rand[i], r));
    }
    if (codes !== undefined) encodeArray(f, out, undefined, codes);
    return out;
  }
  // The lower neighbour L = RZ(S) is RZ(RO24(S)): RO24(S) is S, or an odd float32 value on the same side
  // of every value of f (those are even float32 values), so truncation cannot tell them apart.
  const low = scratchValues(n);
  roundToOddSum(a, b, false, low);
  const lowCodes = scratchCodes(f, n);
  encodeArray(f, low, { rounding: "toward-zero" }, lowCodes);
  decodeArray(f, lowCodes, low);
  const lowBits = new Uint32Array(low.buffer, low.byteOffset, n);
  const table = decodeTable(f);
  const m = f.mantissaBits;
  const { signBit, maxCode, magnitudeMask } = f;
  const overflow = [overflowCode(f, 0, false), overflowCode(f, 1, false)];
  // 2^r / gap, by the float32 exponent field of L: the gap is L's quantum, 2^(emin - m) below 2^emin.
  const scale = new Float64Array(256);
  for (let ef = 0; ef < 256; ef++) scale[ef] = 2 ** (r + m - Math.max(ef - 127, f.emin));
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    const hi = x + y;
    const c = lowCodes[i];
    let code: number;
    if (!(Math.abs(hi) <= F32_MAX)) {
      // Infinite, NaN or beyond float32's range (where RO24 could not be formed): the scalar path.
      code = sumCodeScalar(f, x, y, "stochastic", rand[i], r);
    } else {
      const bb = hi - x;
      const lo = x - (hi - bb) + (y - bb); // S = hi + lo exactly (TwoSum)
      const neg = +(hi < 0);
      // D = (|hi| - |L|) * 2^r / gap is exact (two float64 values less than a gap apart, scaled by a
      // power of two) and a multiple of ulp(hi) * 2^r / gap <= 2^(r + m - 51) <= 1/2 (r <= 32, m <= 15
      // here), while |lo| * 2^r / gap is at most half that step: so floor(d * 2^r) = floor(D), less one when D is an integer and
      // lo pulls |S| below it (the sum just under a grid point). When S is 0, L is hi's zero and k 0.
      const dd = (Math.abs(hi) - Math.abs(low[i])) * scale[(lowBits[i] >>> 23) & 0xff];
      const fl = Math.floor(dd);
      const k = fl - (+(fl === dd) & +(lo * (1 - 2 * neg) < 0));
      const up = +(rand[i] < k);
      const mag = c & magnitudeMask;
      // Down: L itself. Up: L's magnitude plus one with the sum's sign (a format without -0 stores -0
      // as +0), selected with masks, not a branch, as in roundToOddSum; overflow is rare, so its branch
      // is predictable.
      if (mag >= maxCode && up === 1) code = overflow[neg];
      else code = c + (((signBit & -neg) + mag + 1 - c) & -up);
    }
    out[i] = table[code];
    if (codes !== undefined) codes[i] = code;
  }
  return out;
}
