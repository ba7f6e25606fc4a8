/**
 * Float formats as data (DESIGN.md, numerics contract rule 1). Each format is one frozen record of a few
 * parameters; every limit and every special code is derived from those parameters by `deriveLimits`, and
 * one generic codec serves all of them. Sources: IEEE 754-2019 (binary32, binary16), Google Brain
 * bfloat16, the OCP 8-bit Floating Point Specification (OFP8) rev 1.0, the OCP Microscaling (MX) Formats
 * Specification v1.0, and Graphcore/AMD's FNUZ variants (arXiv:2206.02915).
 */

/** How NaN is encoded: IEEE (exponent all ones, mantissa non-zero), all magnitude bits ones
 * (S.1111.111 in E4M3), the negative-zero code (FNUZ), or not at all. */
export type NanEncoding = "ieee" | "all-ones" | "negative-zero" | "none";

/** The canonical names of the float formats, in display order. */
export const FLOAT_FORMAT_NAMES = [
  "float32",
  "bfloat16",
  "float16",
  "float8_e4m3fn",
  "float8_e5m2",
  "float8_e4m3fnuz",
  "float8_e5m2fnuz",
  "float6_e3m2fn",
  "float6_e2m3fn",
  "float4_e2m1fn",
  "float8_e8m0fnu",
] as const;

/** A canonical float format name. */
export type FloatFormatName = (typeof FLOAT_FORMAT_NAMES)[number];

/** The parameters that define a binary floating-point format. */
export interface FloatFormatSpec {
  readonly name: FloatFormatName;
  /** Bits in one code: sign (if any) + exponent + mantissa. */
  readonly bits: number;
  readonly exponentBits: number;
  /** Stored fraction bits (precision p = mantissaBits + 1). */
  readonly mantissaBits: number;
  readonly bias: number;
  /** False only for the unsigned E8M0 scale format. */
  readonly signed: boolean;
  /** IEEE-style infinities at exponent all ones, mantissa zero. */
  readonly infinity: boolean;
  readonly nan: NanEncoding;
  /** Exponent field 0 holds subnormals (false: it is an ordinary binade, as in E8M0). */
  readonly subnormals: boolean;
  /** Where the format is specified. */
  readonly source: string;
}

/** Every limit and special code of a float format, derived from its spec. */
export interface FloatLimits {
  /** Exponent of the smallest normal binade. */
  readonly emin: number;
  /** Exponent of the largest finite value's binade. */
  readonly emax: number;
  readonly max: number;
  readonly smallestNormal: number;
  /** Smallest positive value (equals smallestNormal when the format has no subnormals). */
  readonly smallestSubnormal: number;
  /** Distance from 1 to the next larger value, 2^-m. */
  readonly epsilon: number;
  /** Unit roundoff u = 2^-(m+1), the relative error bound of nearest rounding. */
  readonly unitRoundoff: number;
  /** Mask of the exponent and mantissa bits. */
  readonly magnitudeMask: number;
  /** The sign bit (0 for unsigned formats). */
  readonly signBit: number;
  /** Largest finite magnitude code. */
  readonly maxCode: number;
  /** Positive infinity's code, or null. */
  readonly infCode: number | null;
  /** The canonical (positive, quiet) NaN code, or null when the format has no NaN. */
  readonly nanCode: number | null;
  /** Whether -0 exists as a distinct code. */
  readonly signedZero: boolean;
  /** Whether zero is representable at all (E8M0 has no zero). */
  readonly hasZero: boolean;
}

/** A float format: its spec plus the limits derived from it. */
export interface FloatFormat extends FloatFormatSpec, FloatLimits {
  readonly kind: "float";
}

/** Derive every limit of a format from its parameters (never stored by hand). */
export function deriveLimits(s: FloatFormatSpec): FloatLimits {
  const m = s.mantissaBits;
  const e = s.exponentBits;
  const magnitudeMask = 2 ** (e + m) - 1;
  const topExponentField = 2 ** e - 1;
  let maxCode: number;
  if (s.nan === "ieee" || s.infinity) maxCode = topExponentField * 2 ** m - 1;
  else if (s.nan === "all-ones") maxCode = magnitudeMask - 1;
  else maxCode = magnitudeMask;
  const emin = s.subnormals ? 1 - s.bias : -s.bias;
  const maxField = Math.floor(maxCode / 2 ** m);
  const maxMantissa = maxCode - maxField * 2 ** m;
  const emax = maxField - s.bias;
  const max = (1 + maxMantissa / 2 ** m) * 2 ** emax;
  const smallestNormal = 2 ** emin;
  let nanCode: number | null;
  if (s.nan === "ieee") nanCode = topExponentField * 2 ** m + 2 ** (m - 1);
  else if (s.nan === "all-ones") nanCode = magnitudeMask;
  else if (s.nan === "negative-zero") nanCode = 2 ** (s.bits - 1);
  else nanCode = null;
  return {
    emin,
    emax,
    max,
    smallestNormal,
    smallestSubnormal: s.subnormals ? 2 ** (emin - m) : smallestNormal,
    epsilon: 2 ** -m,
    unitRoundoff: 2 ** -(m + 1),
    magnitudeMask,
    signBit: s.signed ? 2 ** (s.bits - 1) : 0,
    maxCode,
    infCode: s.infinity ? topExponentField * 2 ** m : null,
    nanCode,
    signedZero: s.signed && s.nan !== "negative-zero",
    hasZero: s.subnormals,
  };
}

function define(spec: FloatFormatSpec): FloatFormat {
  if (spec.bits !== (spec.signed ? 1 : 0) + spec.exponentBits + spec.mantissaBits) {
    throw new Error(`format ${spec.name}: bits do not add up`);
  }
  return Object.freeze({ kind: "float" as const, ...spec, ...deriveLimits(spec) });
}

const OFP8 = "OCP 8-bit Floating Point Specification (OFP8) rev 1.0";
const MX = "OCP Microscaling Formats (MX) Specification v1.0";
const FNUZ = "Noune et al., 8-bit Numerical Formats for Deep Neural Networks (arXiv:2206.02915)";

/** The table of float formats: one record each. */
export const FLOAT_FORMATS: Readonly<Record<FloatFormatName, FloatFormat>> = Object.freeze({
  float32: define({
    name: "float32",
    bits: 32,
    exponentBits: 8,
    mantissaBits: 23,
    bias: 127,
    signed: true,
    infinity: true,
    nan: "ieee",
    subnormals: true,
    source: "IEEE 754-2019 binary32",
  }),
  bfloat16: define({
    name: "bfloat16",
    bits: 16,
    exponentBits: 8,
    mantissaBits: 7,
    bias: 127,
    signed: true,
    infinity: true,
    nan: "ieee",
    subnormals: true,
    source: "Google Brain bfloat16 (binary32 with 16 fraction bits dropped)",
  }),
  float16: define({
    name: "float16",
    bits: 16,
    exponentBits: 5,
    mantissaBits: 10,
    bias: 15,
    signed: true,
    infinity: true,
    nan: "ieee",
    subnormals: true,
    source: "IEEE 754-2019 binary16",
  }),
  float8_e4m3fn: define({
    name: "float8_e4m3fn",
    bits: 8,
    exponentBits: 4,
    mantissaBits: 3,
    bias: 7,
    signed: true,
    infinity: false,
    nan: "all-ones",
    subnormals: true,
    source: `${OFP8}, E4M3`,
  }),
  float8_e5m2: define({
    name: "float8_e5m2",
    bits: 8,
    exponentBits: 5,
    mantissaBits: 2,
    bias: 15,
    signed: true,
    infinity: true,
    nan: "ieee",
    subnormals: true,
    source: `${OFP8}, E5M2`,
  }),
  float8_e4m3fnuz: define({
    name: "float8_e4m3fnuz",
    bits: 8,
    exponentBits: 4,
    mantissaBits: 3,
    bias: 8,
    signed: true,
    infinity: false,
    nan: "negative-zero",
    subnormals: true,
    source: FNUZ,
  }),
  float8_e5m2fnuz: define({
    name: "float8_e5m2fnuz",
    bits: 8,
    exponentBits: 5,
    mantissaBits: 2,
    bias: 16,
    signed: true,
    infinity: false,
    nan: "negative-zero",
    subnormals: true,
    source: FNUZ,
  }),
  float6_e3m2fn: define({
    name: "float6_e3m2fn",
    bits: 6,
    exponentBits: 3,
    mantissaBits: 2,
    bias: 3,
    signed: true,
    infinity: false,
    nan: "none",
    subnormals: true,
    source: `${MX}, FP6 E3M2`,
  }),
  float6_e2m3fn: define({
    name: "float6_e2m3fn",
    bits: 6,
    exponentBits: 2,
    mantissaBits: 3,
    bias: 1,
    signed: true,
    infinity: false,
    nan: "none",
    subnormals: true,
    source: `${MX}, FP6 E2M3`,
  }),
  float4_e2m1fn: define({
    name: "float4_e2m1fn",
    bits: 4,
    exponentBits: 2,
    mantissaBits: 1,
    bias: 1,
    signed: true,
    infinity: false,
    nan: "none",
    subnormals: true,
    source: `${MX}, FP4 E2M1`,
  }),
  float8_e8m0fnu: define({
    name: "float8_e8m0fnu",
    bits: 8,
    exponentBits: 8,
    mantissaBits: 0,
    bias: 127,
    signed: false,
    infinity: false,
    nan: "all-ones",
    subnormals: false,
    source: `${MX}, E8M0 shared scale`,
  }),
});
