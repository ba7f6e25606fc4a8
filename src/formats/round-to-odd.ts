/**
 * Rounding float64 values (transcendental functions, softmax, normalization, gradients evaluated in
 * float64) once to nearest-even without the scalar codec, which costs ~100 ns a value. float64 goes to
 * float32 with round-to-odd, then the float32 bits go through the integer bulk encoder: a round-to-odd
 * result with at least two more significant bits than the target (at every magnitude, subnormals included)
 * rounds to nearest exactly as the original value does (Boldo and Melquiond, "When double rounding is
 * odd", 2005), so this is one rounding (DESIGN.md rule 2). encodeArray takes this path for Float64Array
 * input; its twin is the scalar path (number[] input), which the tests compare it with on every format.
 */
import type { FloatFormat } from "./float-format.js";

/** Whether `f` can take the round-to-odd path: float32 itself, or a format whose every quantum is at
 * least 4 float32 quanta (smallest normal >= 2^-126, at most 21 mantissa bits). */
export function fastFloat64Target(f: FloatFormat): boolean {
  return f.bits === 32 || (f.emin >= -126 && f.mantissaBits <= 21);
}

/** values rounded to float32 toward odd: exact values stay, inexact ones become the neighbour toward zero
 * with its lowest significand bit set (NaN stays NaN, beyond float32's range the largest finite value). */
export function roundToOddFloat32(values: Float64Array, out = new Float32Array(values.length)): Float32Array {
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
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
