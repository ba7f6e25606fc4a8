/**
 * One value converted to one format as `minifloat cast` reports it: the code from the scalar
 * encoder (rounded once from the float64 input), its decoded value, the error, and IEEE 754-style flags.
 * Overflow follows IEEE 754-2019 7.4: the result rounded with an unbounded exponent range exceeds the
 * largest finite value; underflow follows 7.5 with tininess detected before rounding, plus inexact.
 */
import { decodeValue, encodeValue, isNanCode } from "./float-codec.js";
import { deriveLimits, type FloatFormat, type FloatFormatSpec } from "./float-format.js";
import type { RoundingMode } from "./rounding.js";

/** The encoder settings `cast` applies to every value. */
export interface CastSettings {
  readonly rounding: RoundingMode;
  readonly saturate: boolean;
  readonly flushSubnormals: boolean;
  readonly randomBits: number;
}

/** The exception flags of one conversion. */
export interface CastFlags {
  /** The decoded value differs from the input (a NaN input giving a NaN code is exact). */
  readonly inexact: boolean;
  /** The result is a non-zero subnormal. */
  readonly subnormal: boolean;
  /** Rounded with an unbounded exponent range, the finite input would exceed the largest finite value. */
  readonly overflow: boolean;
  /** The input is non-zero and below the smallest normal (before rounding), and the result is inexact. */
  readonly underflow: boolean;
  /** The code is a NaN. */
  readonly nan: boolean;
}

/** One value converted to one format. */
export interface CastResult {
  readonly format: FloatFormat;
  readonly code: number;
  readonly value: number;
  /** |value - input| as a float64 (one correctly rounded subtraction); NaN when either is NaN. */
  readonly absError: number;
  /** absError / |input|; Infinity for a non-zero error on a zero or an infinite input. */
  readonly relError: number;
  readonly flags: CastFlags;
}

const unbounded = new Map<string, FloatFormat>();

/** Format `f` with one more exponent bit and infinities: the same precision and the same values up to
 * `f.max`, with room above it, so rounding into it is rounding "with an unbounded exponent range". */
function unboundedTwin(f: FloatFormat): FloatFormat {
  let twin = unbounded.get(f.name);
  if (twin === undefined) {
    const spec: FloatFormatSpec = {
      ...f,
      bits: f.bits + 1,
      exponentBits: f.exponentBits + 1,
      infinity: true,
      nan: "none",
    };
    twin = Object.freeze({ ...spec, ...deriveLimits(spec), kind: "float" as const });
    unbounded.set(f.name, twin);
  }
  return twin;
}

function overflows(f: FloatFormat, x: number, s: CastSettings, rand: number): boolean {
  const a = Math.abs(x);
  if (!Number.isFinite(a) || a <= f.max) return false;
  const twin = unboundedTwin(f);
  const code = encodeValue(twin, a, s.rounding, false, false, rand, s.randomBits);
  return decodeValue(twin, code) > f.max;
}

function errors(x: number, v: number): { absError: number; relError: number } {
  if (Number.isNaN(x) || Number.isNaN(v)) return { absError: NaN, relError: NaN };
  if (x === v) return { absError: 0, relError: 0 };
  const absError = Number.isFinite(x) ? Math.abs(v - x) : Infinity;
  const relError = x === 0 || !Number.isFinite(x) ? Infinity : absError / Math.abs(x);
  return { absError, relError };
}

/** Convert float64 `x` into format `f`; `rand` is the stochastic draw in [0, 2^randomBits). */
export function castValue(f: FloatFormat, x: number, s: CastSettings, rand: number): CastResult {
  const code = encodeValue(f, x, s.rounding, s.saturate, s.flushSubnormals, rand, s.randomBits);
  const nan = isNanCode(f, code);
  const value = decodeValue(f, code);
  const inexact = Number.isNaN(x) ? !nan : value !== x; // -0 and +0 are equal, as in IEEE 754
  const subnormal = f.subnormals && value !== 0 && Math.abs(value) < f.smallestNormal;
  const tiny = x !== 0 && Math.abs(x) < f.smallestNormal;
  return {
    format: f,
    code,
    value,
    ...errors(x, value),
    flags: { inexact, subnormal, overflow: overflows(f, x, s, rand), underflow: tiny && inexact, nan },
  };
}
