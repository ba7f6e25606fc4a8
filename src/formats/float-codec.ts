/**
 * The generic scalar codec: one encoder and one decoder for every float format, reading only the
 * format's fields (DESIGN.md rules 1-2). Encoding takes a float64 value (optionally plus a low part, so
 * an exact sum hi + lo from TwoSum is still rounded once) and rounds it exactly once: the value is split
 * into an integer multiple n of the target's quantum and a fraction, both exact in float64 because the
 * scaling is by a power of two.
 */
import type { FloatFormat } from "./float-format.js";
import type { RoundingMode } from "./rounding.js";

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** floor(log2(a)) for a finite a > 0, exactly (read from the float64 exponent field). */
export function exponentOf(a: number): number {
  f64[0] = a;
  const field = (u32[HI] >>> 20) & 0x7ff;
  if (field !== 0) return field - 1023;
  f64[0] = a * 2 ** 64; // float64 subnormal: scale into the normal range first
  return ((u32[HI] >>> 20) & 0x7ff) - 1023 - 64;
}

/** 2^k for an integer k, exact over the whole float64 range (2 ** k is exact in V8, but be explicit). */
function pow2(k: number): number {
  return k < -1022 ? 2 ** (k + 100) * 2 ** -100 : 2 ** k;
}

/** The decoded value of a code (exact: every format here fits in float64, and all but float32's NaN
 * payloads in float32). NaN codes give NaN. */
export function decodeValue(f: FloatFormat, code: number): number {
  const m = f.mantissaBits;
  const negative = f.signBit !== 0 && code >= f.signBit;
  const mag = negative ? code - f.signBit : code;
  if (f.nanCode !== null && isNanCode(f, code)) return NaN;
  if (f.infCode !== null && mag === f.infCode) return negative ? -Infinity : Infinity;
  const field = Math.floor(mag / 2 ** m);
  const mant = mag - field * 2 ** m;
  let v: number;
  if (field === 0 && f.subnormals) v = mant * pow2(f.emin - m);
  else v = (2 ** m + mant) * pow2(field - f.bias - m);
  return negative ? -v : v;
}

/** True when `code` is a NaN of format `f`. */
export function isNanCode(f: FloatFormat, code: number): boolean {
  switch (f.nan) {
    case "ieee": {
      const mag = code % (f.signBit || 2 ** f.bits);
      return mag > (f.infCode ?? f.magnitudeMask);
    }
    case "all-ones":
      return (code & f.magnitudeMask) === f.magnitudeMask;
    case "negative-zero":
      return code === f.signBit;
    case "none":
      return false;
    default:
      return f.nan satisfies never;
  }
}

/** The code a value beyond the largest finite one becomes (sign 0 or 1). */
export function overflowCode(f: FloatFormat, sign: number, saturate: boolean): number {
  const s = sign ? f.signBit : 0;
  if (!saturate) {
    if (f.infCode !== null) return s + f.infCode;
    // A NaN keeps the overflow's sign where the format has a signed NaN (E4M3's S.1111.111).
    if (f.nanCode !== null) return f.nan === "all-ones" ? s + f.nanCode : f.nanCode;
  }
  return s + f.maxCode;
}

/** The code of zero with the given sign (+0 where the format has no -0; the smallest value where it has
 * no zero at all, as E8M0). */
export function zeroCode(f: FloatFormat, sign: number): number {
  return sign && f.signedZero ? f.signBit : 0;
}

/** The code of a NaN input: the canonical NaN, or +0 where the format has no NaN (FP6/FP4, whose NaNs
 * the MX block format carries in the shared scale instead). */
export function nanInputCode(f: FloatFormat): number {
  return f.nanCode ?? 0;
}

/**
 * Round x + lo (float64; |lo| at most half an ulp of x, as TwoSum gives) once into format `f`.
 * `rand` is a uniform integer in [0, 2^randomBits), used only by "stochastic".
 */
export function encodeValue(
  f: FloatFormat,
  x: number,
  rounding: RoundingMode,
  saturate: boolean,
  flushSubnormals: boolean,
  rand = 0,
  randomBits = 32,
  lo = 0,
): number {
  if (x !== x) return nanInputCode(f);
  const sign = x < 0 || (x === 0 && 1 / x < 0) ? 1 : 0;
  // A negative value has no code in an unsigned format; -0 is zero, which E8M0 clamps like +0.
  if (sign && !f.signed && x !== 0) return f.nanCode ?? 0;
  const a = sign ? -x : x;
  if (a === Infinity) return overflowCode(f, sign, saturate);
  const low = sign ? -lo : lo;
  // a + low is below the smallest normal also when a is that value exactly and low is negative.
  if (a < f.smallestNormal || (a === f.smallestNormal && low < 0)) {
    if (!f.subnormals) return 0; // no zero, no subnormals: everything this small clamps to the smallest
    if (a === 0 || flushSubnormals) return zeroCode(f, sign);
  }
  const e = exponentOf(a);
  const binade = e < f.emin ? f.emin : e > f.emax + 1 ? f.emax + 1 : e;
  const scaled = a * pow2(f.mantissaBits - binade);
  let n = Math.floor(scaled);
  // The rounding decision needs the fraction and, on a tie or an exact multiple, the sign of lo.
  const frac = scaled - n;
  const below = frac === 0 && low < 0; // exactly just below n: one quantum lower, fraction just below 1
  if (below) n -= 1;
  switch (rounding) {
    case "nearest-even":
      if (below || frac > 0.5 || (frac === 0.5 && (low > 0 || (low === 0 && n % 2 === 1)))) n += 1;
      break;
    case "nearest-away":
      if (below || frac > 0.5 || (frac === 0.5 && low >= 0)) n += 1;
      break;
    case "toward-zero":
      break;
    case "stochastic": {
      // k = floor(d * 2^r), d = distance of x + lo from the lower neighbour in units of the gap there
      // (half the quantum just below a binade start). On the 2^-r grid lo moves k by floor(lo * 2^r /
      // gap); off it, |lo| (at most half an ulp of x) cannot cross a grid point.
      const binadeStart = below && n + 1 === 2 ** f.mantissaBits && binade > f.emin;
      const loScaled = low * pow2(f.mantissaBits - binade + randomBits) * (binadeStart ? 2 : 1);
      const loSteps = loScaled === 0 ? (low < 0 ? -1 : 0) : Math.floor(loScaled);
      const t = below ? 2 ** randomBits : frac * 2 ** randomBits;
      const k = Number.isInteger(t) ? t + loSteps : Math.floor(t);
      if (rand < k) n += 1;
      break;
    }
    default:
      return rounding satisfies never;
  }
  const offset = f.subnormals ? 0 : 2 ** f.mantissaBits;
  const mag = (binade - f.emin) * 2 ** f.mantissaBits + n - offset;
  if (mag > f.maxCode) {
    return rounding === "toward-zero" ? sign * f.signBit + f.maxCode : overflowCode(f, sign, saturate);
  }
  if (mag === 0) return zeroCode(f, sign);
  return sign * f.signBit + mag;
}
