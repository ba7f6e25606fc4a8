/**
 * Nearest-even encoding without flushing, the common case of every cast and every rounded result,
 * with loops specialized per format shape so that shifts and limits are constants: normal lanes round
 * with an integer add-and-shift, lanes below the smallest normal with one float32 addition, and vectors
 * holding a NaN (or needing an asymmetric zero or overflow code) fall back to codec.ts's exact path.
 */
import { E_CUTOFF, E_MANT, E_MAX_CODE, E_OVF0, E_OVF1, E_SIGN_BIT, E_SIGN_SHIFT, E_ZERO1, TLS_STAGE_IN, TLS_STAGE_OUT, word } from "./layout";
import { encodeVecSlow } from "./codec";

const ABS: i32 = 0x7fffffff;
const INF: i32 = 0x7f800000;

/** Nearest-even without flushing, the common case, with the format's shape as constants: normal lanes
 * add half - 1 + lsb and shift; lanes below the smallest normal add 2^(emin - m + 23) in float32, whose
 * single rounding is the nearest-even rounding at the target's subnormal spacing (IEEE 754); overflow
 * clamps to the overflow code when it is sign-symmetric. Vectors with a NaN lane, or a lane that needs
 * an asymmetric zero or overflow code, take encodeVecSlow. */
@inline
function nearestVec(
  b: v128, m: i32, bits: i32, cutoff: i32, clamp: v128, maxCode: v128, plain: bool, direct: bool, d: usize,
): v128 {
  const baseShift = 23 - m;
  const ab = v128.and(b, i32x4.splat(ABS));
  let special = i32x4.gt_s(ab, i32x4.splat(INF));
  let res: v128;
  if (cutoff == 1 && bits == m + 9 && direct) {
    // The codes are the top bits of float32 (bfloat16) and overflow is infinity: round the whole
    // pattern, sign included; a carry out of the largest finite value lands on infinity.
    const lsb = v128.and(i32x4.shr_u(b, baseShift), i32x4.splat(1));
    res = i32x4.shr_u(i32x4.add(i32x4.add(b, i32x4.splat((1 << (baseShift - 1)) - 1)), lsb), baseShift);
  } else {
    const lsb = v128.and(i32x4.shr_u(ab, baseShift), i32x4.splat(1));
    const half = i32x4.splat((1 << (baseShift - 1)) - 1);
    let mag = i32x4.sub(i32x4.shr_u(i32x4.add(i32x4.add(ab, half), lsb), baseShift), i32x4.splat((cutoff - 1) << m));
    if (cutoff > 1) {
      const magic = i32x4.splat((cutoff - m + 23) << 23); // 2^(emin - m + 23) as float32
      const sub = i32x4.sub(f32x4.add(ab, magic), magic);
      mag = v128.bitselect(sub, mag, i32x4.lt_s(ab, i32x4.splat(cutoff << 23)));
    }
    mag = i32x4.min_s(mag, clamp);
    if (!plain) special = v128.or(special, v128.or(i32x4.eq(mag, i32x4.splat(0)), i32x4.gt_s(mag, maxCode)));
    res = v128.or(v128.and(i32x4.shr_u(b, 32 - bits), i32x4.splat(1 << (bits - 1))), mag);
  }
  if (v128.any_true(special)) return encodeVecSlow(b, i32x4.splat(0), d);
  return res;
}

/** Nearest-even of a vector without special lanes (no NaN; zero and overflow codes sign-symmetric). */
@inline
function nearestPlain(b: v128, m: i32, bits: i32, cutoff: i32, clamp: v128, direct: bool): v128 {
  const baseShift = 23 - m;
  const half = i32x4.splat((1 << (baseShift - 1)) - 1);
  if (cutoff == 1 && bits == m + 9 && direct) {
    const lsb = v128.and(i32x4.shr_u(b, baseShift), i32x4.splat(1));
    return i32x4.shr_u(i32x4.add(i32x4.add(b, half), lsb), baseShift);
  }
  const ab = v128.and(b, i32x4.splat(ABS));
  const lsb = v128.and(i32x4.shr_u(ab, baseShift), i32x4.splat(1));
  let mag = i32x4.sub(i32x4.shr_u(i32x4.add(i32x4.add(ab, half), lsb), baseShift), i32x4.splat((cutoff - 1) << m));
  if (cutoff > 1) {
    const magic = i32x4.splat((cutoff - m + 23) << 23);
    const sub = i32x4.sub(f32x4.add(ab, magic), magic);
    mag = v128.bitselect(sub, mag, i32x4.lt_s(ab, i32x4.splat(cutoff << 23)));
  }
  mag = i32x4.min_s(mag, clamp);
  return v128.or(v128.and(i32x4.shr_u(b, 32 - bits), i32x4.splat(1 << (bits - 1))), mag);
}

/** One group of 16 bytes of codes (8 of 2 bytes or 16 of 1) from s to o; for `plain` formats one NaN
 * test covers the group, whose vectors then round on the fast path or all on the exact slow one. */
@inline
function nearestGroup(
  s: usize, o: usize, m: i32, bits: i32, cutoff: i32, width: i32, clamp: v128, maxV: v128, plain: bool,
  direct: bool, d: usize,
): void {
  const b0 = v128.load(s);
  const b1 = v128.load(s, 16);
  let b2 = b0;
  let b3 = b1;
  if (width == 1) {
    b2 = v128.load(s, 32);
    b3 = v128.load(s, 48);
  }
  let e0: v128, e1: v128, e2: v128, e3: v128;
  let nan = v128.or(f32x4.ne(b0, b0), f32x4.ne(b1, b1));
  if (width == 1) nan = v128.or(nan, v128.or(f32x4.ne(b2, b2), f32x4.ne(b3, b3)));
  if (plain && !v128.any_true(nan)) {
    e0 = nearestPlain(b0, m, bits, cutoff, clamp, direct);
    e1 = nearestPlain(b1, m, bits, cutoff, clamp, direct);
    e2 = nearestPlain(b2, m, bits, cutoff, clamp, direct);
    e3 = nearestPlain(b3, m, bits, cutoff, clamp, direct);
  } else {
    e0 = nearestVec(b0, m, bits, cutoff, clamp, maxV, plain, direct, d);
    e1 = nearestVec(b1, m, bits, cutoff, clamp, maxV, plain, direct, d);
    e2 = width == 1 ? nearestVec(b2, m, bits, cutoff, clamp, maxV, plain, direct, d) : e0;
    e3 = width == 1 ? nearestVec(b3, m, bits, cutoff, clamp, maxV, plain, direct, d) : e1;
  }
  const w01 = i16x8.narrow_i32x4_u(e0, e1);
  if (width == 2) v128.store(o, w01);
  else v128.store(o, i8x16.narrow_i16x8_u(w01, i16x8.narrow_i32x4_u(e2, e3)));
}

/** The nearest-even loop for one format shape (mantissa bits, code bits, cutoff), constants folded in by
 * inlining; `plain` when zero keeps its sign and overflow gives the signed code `clamp`, `direct` when
 * that code is also the one after the largest finite value (infinity). */
@inline
function nearestLoop(src: usize, dst: usize, n: i32, m: i32, bits: i32, cutoff: i32, width: i32, d: usize, tls: usize): void {
  const maxCode = word(d, E_MAX_CODE);
  const ovf0 = word(d, E_OVF0);
  const signBit = word(d, E_SIGN_BIT);
  const plain = word(d, E_OVF1) == (ovf0 | signBit) && ovf0 <= signBit && word(d, E_ZERO1) == signBit;
  const direct = plain && ovf0 == maxCode + 1;
  const clamp = i32x4.splat(plain ? ovf0 : maxCode + 1);
  const maxV = i32x4.splat(maxCode);
  const per = 16 / width;
  const full = n - n % per;
  for (let i = 0; i < full; i += per) {
    nearestGroup(src + (<usize>i << 2), dst + <usize>i * width, m, bits, cutoff, width, clamp, maxV, plain, direct, d);
  }
  if (full < n) {
    const left = <usize>(n - full);
    memory.fill(tls + TLS_STAGE_IN, 0, 64);
    memory.copy(tls + TLS_STAGE_IN, src + (<usize>full << 2), left << 2);
    nearestGroup(tls + TLS_STAGE_IN, tls + TLS_STAGE_OUT, m, bits, cutoff, width, clamp, maxV, plain, direct, d);
    memory.copy(dst + <usize>full * width, tls + TLS_STAGE_OUT, left * width);
  }
}

// One function per common shape, so that the optimizer keeps each with its shifts as constants.
function nearestBfloat16(src: usize, dst: usize, n: i32, d: usize, tls: usize): void {
  nearestLoop(src, dst, n, 7, 16, 1, 2, d, tls);
}
function nearestFloat16(src: usize, dst: usize, n: i32, d: usize, tls: usize): void {
  nearestLoop(src, dst, n, 10, 16, 113, 2, d, tls);
}
function nearestE4m3(src: usize, dst: usize, n: i32, d: usize, tls: usize): void {
  nearestLoop(src, dst, n, 3, 8, 121, 1, d, tls);
}
function nearestE5m2(src: usize, dst: usize, n: i32, d: usize, tls: usize): void {
  nearestLoop(src, dst, n, 2, 8, 113, 1, d, tls);
}
function nearestAny(src: usize, dst: usize, n: i32, d: usize, tls: usize): void {
  const bits = 32 - word(d, E_SIGN_SHIFT);
  if (bits > 8) nearestLoop(src, dst, n, word(d, E_MANT), bits, word(d, E_CUTOFF), 2, d, tls);
  else nearestLoop(src, dst, n, word(d, E_MANT), bits, word(d, E_CUTOFF), 1, d, tls);
}

/** Dispatch nearest-even encoding to a loop specialized for the format's shape (bfloat16, float16 and
 * the OCP FP8 shapes get constant shifts; any other shape runs the same loop with variable ones). */
export function encodeNearest(src: usize, dst: usize, n: i32, d: usize, tls: usize): void {
  const m = word(d, E_MANT);
  const bits = 32 - word(d, E_SIGN_SHIFT);
  const cutoff = word(d, E_CUTOFF);
  if (bits == 16 && m == 7 && cutoff == 1) nearestBfloat16(src, dst, n, d, tls);
  else if (bits == 16 && m == 10 && cutoff == 113) nearestFloat16(src, dst, n, d, tls);
  else if (bits == 8 && m == 3 && cutoff == 121) nearestE4m3(src, dst, n, d, tls);
  else if (bits == 8 && m == 2 && cutoff == 113) nearestE5m2(src, dst, n, d, tls);
  else nearestAny(src, dst, n, d, tls);
}
