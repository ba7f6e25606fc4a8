/**
 * The slow exact reference codec, test oracle of the fast codec (DESIGN.md rule 2). Values are BigInt
 * numerators over 2^1200 (finer than any float64 or midpoint), so every comparison is exact. Written from
 * the format fields and IEEE 754 / OCP rules alone, independently of float-codec.ts: formats of 16 bits or
 * fewer bracket |x| in the sorted list of all finite values plus the unbounded next value beyond max;
 * wider ones bracket by arithmetic on the binade and quantum.
 */
import type { FloatFormat, NanEncoding } from "./float-format.js";
import type { OverflowMode, RoundingMode } from "./rounding.js";
import {
  bitLength,
  exactFromNumber,
  pow2,
  SCALE,
  type ExactValue,
  type ReferenceValue,
} from "./reference-exact.js";

export {
  exactFromNumber,
  exactToNumber,
  pow2,
  SCALE,
  type ExactValue,
  type ReferenceValue,
} from "./reference-exact.js";

/** Options of the reference encoder (the same meaning and defaults as the fast codec's). */
export interface ReferenceOptions {
  readonly rounding?: RoundingMode;
  readonly overflow?: OverflowMode;
  readonly flushSubnormals?: boolean;
  readonly randomBits?: number;
}

/** Where |x| lies among the representable magnitudes: `lower` <= |x| < `upper`, both with their codes
 * (`upperCode` is maxCode + 1 for the value beyond the largest finite one). `region` is "below" under the
 * smallest value of a format without zero, "beyond" at or past that unbounded next value. The rest is
 * derived once here so that rounding the same input many ways is cheap. */
export interface Bracket {
  readonly table: ReferenceTable;
  readonly negative: boolean;
  readonly mag: bigint;
  readonly lower: bigint;
  readonly lowerCode: number;
  readonly upper: bigint;
  readonly upperCode: number;
  readonly region: "below" | "inside" | "beyond";
  /** The sign of |x| - (lower + upper) / 2. */
  readonly half: -1 | 0 | 1;
  /** Whether upper is an even multiple of the gap upper - lower (where nearest-even sends a tie). */
  readonly evenUpper: boolean;
  /** |x| is below the smallest normal magnitude (flushSubnormals makes it zero). */
  readonly belowNormal: boolean;
}

/** The special codes and limits of a format as the oracle derives them, and (16 bits or fewer) every
 * finite non-negative value in increasing order with its code. */
export interface ReferenceTable {
  readonly format: FloatFormat;
  readonly signBit: number;
  readonly maxCode: number;
  readonly infCode: number | null;
  readonly nanCode: number | null;
  readonly negativeZeroCode: number | null;
  /** The smallest non-negative value (0, or 2^-127 for E8M0). */
  readonly smallest: bigint;
  readonly smallestNormal: bigint;
  readonly max: bigint;
  /** The next value beyond max as if the exponent range were unbounded (magnitude code maxCode + 1). */
  readonly beyondMax: bigint;
  readonly values: readonly bigint[] | null;
  readonly codes: readonly number[] | null;
}

/** The magnitude of magnitude code `c` read from its fields alone, ignoring NaN and infinity (so that
 * maxCode + 1 gives the next value of the unbounded exponent range). */
function rawMagnitude(f: FloatFormat, c: number): bigint {
  const m = f.mantissaBits;
  const field = Math.floor(c / 2 ** m);
  const mantissa = c - field * 2 ** m;
  if (field === 0 && f.subnormals) return BigInt(mantissa) * pow2(1 - f.bias - m);
  return BigInt(2 ** m + mantissa) * pow2(field - f.bias - m);
}

function magnitudeBits(f: FloatFormat): number {
  return f.bits - (f.signed ? 1 : 0);
}

/** The fields of a code, as the NaN rules read them. */
interface Fields {
  readonly negative: boolean;
  readonly mag: number;
  readonly field: number;
  readonly mantissa: number;
  readonly f: FloatFormat;
}

/** Which codes are NaN, per encoding: IEEE (exponent all ones, mantissa non-zero), all magnitude bits ones
 * (OCP E4M3, E8M0), the negative-zero code (FNUZ), or none (MX FP6/FP4); and the canonical NaN of each
 * (IEEE's positive quiet NaN, the positive all-ones code, the negative-zero code). */
const NAN_RULES: {
  readonly [E in NanEncoding]: { isNan(p: Fields): boolean; canonical(f: FloatFormat): number | null };
} = {
  ieee: {
    isNan: (p) => p.field === 2 ** p.f.exponentBits - 1 && p.mantissa !== 0,
    canonical: (f) => (2 ** f.exponentBits - 1) * 2 ** f.mantissaBits + 2 ** (f.mantissaBits - 1),
  },
  "all-ones": {
    isNan: (p) => p.mag === 2 ** magnitudeBits(p.f) - 1,
    canonical: (f) => 2 ** magnitudeBits(f) - 1,
  },
  "negative-zero": { isNan: (p) => p.negative && p.mag === 0, canonical: (f) => 2 ** (f.bits - 1) },
  none: { isNan: () => false, canonical: () => null },
};

/** The exact value of `code` in format `f`, from its sign, exponent and mantissa fields. */
export function referenceDecode(f: FloatFormat, code: number): ReferenceValue {
  if (!Number.isInteger(code) || code < 0 || code >= 2 ** f.bits) {
    throw new RangeError(`${f.name}: code ${code} out of range`);
  }
  const magBits = magnitudeBits(f);
  const negative = f.signed && code >= 2 ** magBits;
  const mag = negative ? code - 2 ** magBits : code;
  const field = Math.floor(mag / 2 ** f.mantissaBits);
  const mantissa = mag - field * 2 ** f.mantissaBits;
  if (NAN_RULES[f.nan].isNan({ negative, mag, field, mantissa, f })) return "nan";
  if (f.infinity && field === 2 ** f.exponentBits - 1 && mantissa === 0) return negative ? "-inf" : "inf";
  const v = rawMagnitude(f, mag);
  return { negative, num: negative ? -v : v };
}

function isExact(v: ReferenceValue): v is ExactValue {
  return typeof v === "object";
}

function buildTable(f: FloatFormat): ReferenceTable {
  const magBits = magnitudeBits(f);
  const signBit = f.signed ? 2 ** magBits : 0;
  let values: bigint[] | null = null;
  let codes: number[] | null = null;
  let maxCode = 0;
  if (f.bits <= 16) {
    const pairs: { code: number; value: bigint }[] = [];
    for (let c = 0; c < 2 ** magBits; c++) {
      const v = referenceDecode(f, c);
      if (isExact(v)) pairs.push({ code: c, value: v.num });
    }
    pairs.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    values = pairs.map((p) => p.value);
    codes = pairs.map((p) => p.code);
    maxCode = codes[codes.length - 1] ?? 0;
  } else {
    // The non-finite magnitude codes are the top of the code range: bisect for where they start.
    let hi = 2 ** magBits;
    while (hi - maxCode > 1) {
      const mid = Math.floor((maxCode + hi) / 2);
      if (isExact(referenceDecode(f, mid))) maxCode = mid;
      else hi = mid;
    }
  }
  const infCode =
    maxCode + 1 < 2 ** magBits && referenceDecode(f, maxCode + 1) === "inf" ? maxCode + 1 : null;
  const nanCode = NAN_RULES[f.nan].canonical(f);
  if (nanCode !== null && referenceDecode(f, nanCode) !== "nan") {
    throw new Error(`reference codec: ${f.name} canonical NaN ${nanCode} does not decode as NaN`);
  }
  const z = f.signed ? referenceDecode(f, signBit) : "nan";
  const negativeZeroCode = isExact(z) && z.negative && z.num === 0n ? signBit : null;
  return {
    format: f,
    signBit,
    maxCode,
    infCode,
    nanCode,
    negativeZeroCode,
    smallest: rawMagnitude(f, 0),
    smallestNormal: rawMagnitude(f, f.subnormals ? 2 ** f.mantissaBits : 0),
    max: rawMagnitude(f, maxCode),
    beyondMax: rawMagnitude(f, maxCode + 1),
    values,
    codes,
  };
}

const tables = new Map<string, ReferenceTable>();

/** The oracle's view of format `f`, built once and cached. */
export function referenceTable(f: FloatFormat): ReferenceTable {
  let t = tables.get(f.name);
  if (t === undefined) {
    t = buildTable(f);
    tables.set(f.name, t);
  }
  return t;
}

function makeBracket(
  t: ReferenceTable,
  negative: boolean,
  mag: bigint,
  [lower, lowerCode]: readonly [bigint, number],
  [upper, upperCode]: readonly [bigint, number],
  region: Bracket["region"],
): Bracket {
  const gap = upper - lower;
  const twice = 2n * (mag - lower);
  if (upper % gap !== 0n) throw new Error("reference codec: neighbours are not multiples of their gap");
  return {
    table: t,
    negative,
    mag,
    lower,
    lowerCode,
    upper,
    upperCode,
    region,
    half: twice < gap ? -1 : twice > gap ? 1 : 0,
    evenUpper: (upper / gap) % 2n === 0n,
    belowNormal: mag < t.smallestNormal,
  };
}

function outside(t: ReferenceTable, negative: boolean, mag: bigint): Bracket | null {
  if (mag < t.smallest) {
    const next: [bigint, number] = [rawMagnitude(t.format, 1), 1];
    return makeBracket(t, negative, mag, [t.smallest, 0], next, "below");
  }
  if (mag >= t.beyondMax) {
    const beyond: [bigint, number] = [t.beyondMax, t.maxCode + 1];
    return makeBracket(t, negative, mag, [t.max, t.maxCode], beyond, "beyond");
  }
  return null;
}

/** Bracket |v| by binary search in the sorted table of every finite value (formats of 16 bits or fewer). */
export function bracketByTable(f: FloatFormat, v: ExactValue): Bracket {
  const t = referenceTable(f);
  const { values, codes } = t;
  if (values === null || codes === null) throw new Error(`reference codec: no value table for ${f.name}`);
  const mag = v.num < 0n ? -v.num : v.num;
  const out = outside(t, v.negative, mag);
  if (out !== null) return out;
  let lo = 0; // values[lo] <= mag < values[hi] (or beyondMax)
  let hi = values.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] ?? 0n) <= mag) lo = mid;
    else hi = mid;
  }
  const lower: [bigint, number] = [values[lo] ?? 0n, codes[lo] ?? 0];
  const upper: [bigint, number] =
    hi < values.length ? [values[hi] ?? 0n, codes[hi] ?? 0] : [t.beyondMax, t.maxCode + 1];
  return makeBracket(t, v.negative, mag, lower, upper, "inside");
}

/** Bracket |v| arithmetically: binade e = floor(log2 |v|) (at least emin), quantum 2^(e - m). */
export function bracketByArithmetic(f: FloatFormat, v: ExactValue): Bracket {
  const t = referenceTable(f);
  const mag = v.num < 0n ? -v.num : v.num;
  const out = outside(t, v.negative, mag);
  if (out !== null) return out;
  const m = f.mantissaBits;
  const emin = f.subnormals ? 1 - f.bias : -f.bias;
  const binade = Math.max(bitLength(mag) - 1 - SCALE, emin);
  const quantum = pow2(binade - m);
  const n = mag / quantum; // the significand in quanta: [2^m, 2^(m+1)) when normal
  const subnormal = n < BigInt(2 ** m);
  const lowerCode = subnormal ? Number(n) : (binade + f.bias) * 2 ** m + Number(n) - 2 ** m;
  const upper: [bigint, number] = [(n + 1n) * quantum, lowerCode + 1];
  return makeBracket(t, v.negative, mag, [n * quantum, lowerCode], upper, "inside");
}

/** The bracket of |v|: by table for formats of 16 bits or fewer, by arithmetic for wider ones. */
export function referenceBracket(f: FloatFormat, v: ExactValue): Bracket {
  return f.bits <= 16 ? bracketByTable(f, v) : bracketByArithmetic(f, v);
}

/** Stochastic rounding's k = floor(((|x| - lower) / (upper - lower)) * 2^r): round up iff rand < k. */
export function stochasticThreshold(b: Bracket, randomBits: number): number {
  return Number(((b.mag - b.lower) << BigInt(randomBits)) / (b.upper - b.lower));
}

function zeroCode(t: ReferenceTable, negative: boolean): number {
  return negative && t.negativeZeroCode !== null ? t.negativeZeroCode : 0;
}

function overflowCode(t: ReferenceTable, negative: boolean, saturate: boolean): number {
  const sign = negative ? t.signBit : 0;
  if (saturate) return sign + t.maxCode;
  if (t.infCode !== null) return sign + t.infCode;
  if (t.nanCode === null) return sign + t.maxCode;
  // A NaN keeps the overflow's sign where the format has a signed NaN (E4M3's S.1111.111).
  const signed = sign > 0 && t.nanCode < sign && referenceDecode(t.format, sign + t.nanCode) === "nan";
  return signed ? sign + t.nanCode : t.nanCode;
}

function roundsUp(b: Bracket, rounding: RoundingMode, randomBits: number, rand: number): boolean {
  switch (rounding) {
    case "toward-zero":
      return false;
    case "nearest-away":
      return b.half >= 0;
    case "nearest-even":
      // A tie goes to the neighbour that is an even multiple of the gap: the one whose last significand
      // digit is even (IEEE 754 roundTiesToEven); with no mantissa bits (E8M0) that is the upper one.
      return b.half > 0 || (b.half === 0 && b.evenUpper);
    case "stochastic":
      return rand < stochasticThreshold(b, randomBits);
    default:
      return rounding satisfies never;
  }
}

/** Round a located value once: flush, overflow and zero handled as documented in float-codec.ts. */
export function roundBracket(b: Bracket, options: ReferenceOptions = {}, rand = 0): number {
  const t = b.table;
  const rounding = options.rounding ?? "nearest-even";
  const saturate = options.overflow === "saturate";
  const randomBits = options.randomBits ?? 32;
  if (rounding === "stochastic" && !(Number.isInteger(rand) && rand >= 0 && rand < 2 ** randomBits)) {
    throw new RangeError(`rand must be an integer in [0, 2^${randomBits}), got ${rand}`);
  }
  if (b.region === "below") return 0; // no zero (E8M0): everything smaller clamps to the smallest value
  if (options.flushSubnormals === true && b.belowNormal) return zeroCode(t, b.negative);
  const sign = b.negative ? t.signBit : 0;
  if (b.region === "beyond") {
    return rounding === "toward-zero" ? sign + t.maxCode : overflowCode(t, b.negative, saturate);
  }
  const up = roundsUp(b, rounding, randomBits, rand);
  const code = up ? b.upperCode : b.lowerCode;
  if (code > t.maxCode) return overflowCode(t, b.negative, saturate);
  if ((up ? b.upper : b.lower) === 0n) return zeroCode(t, b.negative);
  return sign + code;
}

/** Encode an exact value (or NaN / an infinity) into format `f` with one exact rounding. */
export function referenceEncodeExact(
  f: FloatFormat,
  v: ReferenceValue,
  options: ReferenceOptions = {},
  rand = 0,
): number {
  const t = referenceTable(f);
  if (v === "nan") return t.nanCode ?? 0; // the canonical NaN, or +0 where the format has no NaN
  const negative = v === "-inf" || (isExact(v) && v.negative);
  // A negative value has no code in an unsigned format; -0 is zero, which E8M0 clamps like +0.
  if (negative && !f.signed && !(isExact(v) && v.num === 0n)) return t.nanCode ?? 0;
  if (!isExact(v)) return overflowCode(t, negative, options.overflow === "saturate");
  return roundBracket(referenceBracket(f, v), options, rand);
}

/** Encode the float64 x (plus an optional low part lo, added exactly) into format `f`. */
export function referenceEncode(
  f: FloatFormat,
  x: number,
  options: ReferenceOptions = {},
  rand = 0,
  lo = 0,
): number {
  const v = exactFromNumber(x);
  const low = exactFromNumber(lo);
  if (!isExact(v) || !isExact(low) || low.num === 0n) return referenceEncodeExact(f, v, options, rand);
  const num = v.num + low.num;
  return referenceEncodeExact(f, { negative: num < 0n || (num === 0n && v.negative), num }, options, rand);
}
