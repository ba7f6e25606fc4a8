/**
 * Rounding float64 results (transcendental functions, softmax, normalization) once into a storage format
 * to nearest-even without the scalar codec, which costs ~100 ns a value. float64 goes to float32 with
 * round-to-odd, then the float32 bits go through the integer bulk encoder: a round-to-odd result with at
 * least two more significant bits than the target (at every magnitude, subnormals included) rounds to
 * nearest exactly as the original value does (Boldo and Melquiond, "When double rounding is odd", 2005),
 * so this is one rounding (DESIGN.md rule 2). Tested against encodeArray's scalar path on every format.
 */
import { encodeArray, type FloatFormat } from "../formats/index.js";
import { codesOf, type StorageArray } from "../tensor/index.js";

/** Whether `f` takes the fast path: float32 itself, or a format whose every quantum is at least 4 float32
 * quanta (smallest normal >= 2^-126, at most 21 mantissa bits) that the integer encoder serves. */
export function fastFloat64Target(f: FloatFormat): boolean {
  return f.bits === 32 || (f.emin >= -126 && f.mantissaBits <= 21);
}

/** values rounded to float32 toward odd: exact values stay, inexact ones become the neighbour toward zero
 * with its lowest significand bit set (NaN stays NaN, beyond float32's range the largest finite value). */
export function roundToOddFloat32(values: Float64Array): Float32Array {
  const out = new Float32Array(values.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    const y = Math.fround(x); // nearest-even
    out[i] = y;
    // Inexact: sign-magnitude codes, so one step down moves toward zero (also from infinity to the
    // largest finite value); branch-free, since which neighbour is nearer is a coin toss.
    if (y !== x && x === x) bits[i] = (bits[i] - Number(Math.abs(y) > Math.abs(x))) | 1;
  }
  return out;
}

/** Round `values` once to nearest-even into `out` (codes of `format`, which fastFloat64Target accepts):
 * bit-identical with encodeArray(format, values, { rounding: "nearest-even" }). */
export function storeFloat64Nearest(format: FloatFormat, values: Float64Array, out: StorageArray): void {
  if (format.bits === 32) {
    // float32 itself: the conversion of a Float32Array store is IEEE nearest-even with overflow to
    // infinity, as the codec; only NaN must become the codec's one canonical NaN.
    const f = out as Float32Array;
    const bits = codesOf(out);
    const nan = format.nanCode ?? 0;
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      if (x !== x) bits[i] = nan;
      else f[i] = x;
    }
    return;
  }
  encodeArray(format, roundToOddFloat32(values), { rounding: "nearest-even" }, codesOf(out));
}
