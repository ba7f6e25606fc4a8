/**
 * `finfo`: the figures of a float format in one plain object, as numpy.finfo and ml_dtypes give them,
 * for tables, JSON output and reports. Everything is read from the format record; nothing is restated.
 */
import type { FloatFormat, NanEncoding } from "./float-format.js";

/** The limits of a float format, ready to print or serialize. */
export interface FormatInfo {
  readonly name: string;
  readonly bits: number;
  readonly exponentBits: number;
  readonly mantissaBits: number;
  readonly bias: number;
  readonly signed: boolean;
  readonly max: number;
  readonly smallestNormal: number;
  readonly smallestSubnormal: number;
  readonly epsilon: number;
  readonly unitRoundoff: number;
  readonly minExponent: number;
  readonly maxExponent: number;
  readonly hasInfinity: boolean;
  readonly hasZero: boolean;
  readonly signedZero: boolean;
  readonly subnormals: boolean;
  /** How NaN is encoded. */
  readonly nan: NanEncoding;
  /** Bit patterns that are NaN, described in words. */
  readonly nanCodes: string;
  /** Bit pattern of +infinity, or null. */
  readonly infCode: number | null;
  /** Exact decimal digits of precision, log10(2^(m+1)). */
  readonly decimalDigits: number;
  readonly source: string;
}

function hex(code: number, bits: number): string {
  return `0x${code
    .toString(16)
    .toUpperCase()
    .padStart(Math.ceil(bits / 4), "0")}`;
}

function describeNan(f: FloatFormat): string {
  switch (f.nan) {
    case "ieee":
      return `exponent all ones, mantissa non-zero (canonical ${hex(f.nanCode ?? 0, f.bits)})`;
    case "all-ones":
      return f.signed
        ? `${hex(f.magnitudeMask, f.bits)} and ${hex(f.signBit + f.magnitudeMask, f.bits)} (all exponent and mantissa bits ones)`
        : `${hex(f.magnitudeMask, f.bits)} (all bits ones)`;
    case "negative-zero":
      return `${hex(f.signBit, f.bits)} only (the negative-zero code)`;
    case "none":
      return "none";
    default:
      return f.nan satisfies never;
  }
}

/** The figures of float format `f`. */
export function finfo(f: FloatFormat): FormatInfo {
  return {
    name: f.name,
    bits: f.bits,
    exponentBits: f.exponentBits,
    mantissaBits: f.mantissaBits,
    bias: f.bias,
    signed: f.signed,
    max: f.max,
    smallestNormal: f.smallestNormal,
    smallestSubnormal: f.smallestSubnormal,
    epsilon: f.epsilon,
    unitRoundoff: f.unitRoundoff,
    minExponent: f.emin,
    maxExponent: f.emax,
    hasInfinity: f.infinity,
    hasZero: f.hasZero,
    signedZero: f.signedZero,
    subnormals: f.subnormals,
    nan: f.nan,
    nanCodes: describeNan(f),
    infCode: f.infCode,
    decimalDigits: (f.mantissaBits + 1) * Math.log10(2),
    source: f.source,
  };
}
