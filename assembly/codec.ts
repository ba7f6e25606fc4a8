/**
 * Format conversion in WebAssembly SIMD, the twin of encodeFloat32Bits / decodeArray in
 * src/formats/bulk-codec.ts and bit-exact with them. Formats arrive as descriptors (layout.ts) derived
 * from the format records, so nothing here knows a format by name. Encoding works on float32 bit
 * patterns: normal results round with integer arithmetic at a uniform shift, results below the target's
 * smallest normal through an exact float scaling (q = |x| * 2^(m - emin), n = trunc(q), d = q - n).
 */
import {
  D_INF, D_MAG_MASK, D_MANT_SHIFT, D_NAN_MIN, D_NEG_ZERO_NAN, D_SCALE, D_SIGN_BIT, D_SIGN_SHIFT,
  D_SPECIAL_MIN, D_WIDTH, E_CUTOFF, E_FLUSH, E_MANT, E_MAX_CODE, E_MODE, E_NAN, E_OVF0, E_OVF1,
  E_RANDOM_BITS, E_RNG, E_SIGN_BIT, E_SIGN_SHIFT, E_SUB_SCALE, E_WIDTH, E_ZERO0, E_ZERO1, RCHUNK,
  TLS_RAND, TLS_STAGE_IN, TLS_STAGE_OUT, word,
} from "./layout";
import { encodeNearest } from "./nearest";
import { fillRandom } from "./philox";

const ABS: i32 = 0x7fffffff;
const INF: i32 = 0x7f800000;
const QNAN: i32 = 0x7fc00000;

/** Four codes of `width` bytes at p, zero-extended to i32x4. */
@inline
export function load4(p: usize, width: i32): v128 {
  if (width == 4) return v128.load(p);
  if (width == 2) return i32x4.extend_low_i16x8_u(v128.load64_zero(p));
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
}

/** One code of `width` bytes at p. */
@inline
export function codeAt(p: usize, width: i32): i32 {
  if (width == 1) return <i32>load<u8>(p);
  if (width == 2) return <i32>load<u16>(p);
  return load<i32>(p);
}

/** Infinities and NaNs of a decoded vector (rare lanes, so not inlined). */
function decodeSpecials(c: v128, mag: v128, sign: v128, v: v128, d: usize): v128 {
  const isInf = i32x4.eq(mag, i32x4.splat(word(d, D_INF)));
  const nz = v128.and(i32x4.eq(c, i32x4.splat(word(d, D_SIGN_BIT))), i32x4.splat(word(d, D_NEG_ZERO_NAN)));
  const isNan = v128.or(i32x4.ge_u(mag, i32x4.splat(word(d, D_NAN_MIN))), nz);
  const r = v128.bitselect(v128.or(i32x4.splat(INF), sign), v, isInf);
  return v128.bitselect(i32x4.splat(QNAN), r, isNan);
}

/** Decode four codes (i32x4) to float32 bits: the magnitude bits placed under a float32 exponent and
 * scaled by 2^(127 - bias), exact for normals and subnormals alike. */
@inline
export function decodeVec(
  c: v128, magMask: v128, signBit: v128, signShift: i32, mantShift: i32, scale: v128, specialMin: v128,
  negZeroNan: v128, d: usize,
): v128 {
  const mag = v128.and(c, magMask);
  const sign = i32x4.shl(v128.and(c, signBit), signShift);
  const v = v128.or(f32x4.mul(i32x4.shl(mag, mantShift), scale), sign);
  const special = v128.or(i32x4.ge_u(mag, specialMin), v128.and(i32x4.eq(c, signBit), negZeroNan));
  if (!v128.any_true(special)) return v;
  return decodeSpecials(c, mag, sign, v, d);
}

/** Decode one code to float32 (the scalar form of decodeVec, for gathers and edges). */
export function decodeScalar(c: i32, d: usize): f32 {
  if (word(d, D_WIDTH) == 4) return reinterpret<f32>(c);
  const mag = c & word(d, D_MAG_MASK);
  const sign = (c & word(d, D_SIGN_BIT)) << word(d, D_SIGN_SHIFT);
  if (<u32>mag >= <u32>word(d, D_SPECIAL_MIN) || (word(d, D_NEG_ZERO_NAN) != 0 && c == word(d, D_SIGN_BIT))) {
    if (mag == word(d, D_INF)) return reinterpret<f32>(INF | sign);
    return reinterpret<f32>(QNAN);
  }
  const v = reinterpret<f32>(mag << word(d, D_MANT_SHIFT)) * reinterpret<f32>(word(d, D_SCALE));
  return reinterpret<f32>(reinterpret<i32>(v) | sign);
}

/** Decode n codes at src into float32 at dst; `tls` is the calling thread's scratch area. */
export function decodeRange(src: usize, dst: usize, n: i32, d: usize, tls: usize): void {
  const width = word(d, D_WIDTH);
  if (width == 4) {
    memory.copy(dst, src, <usize>n << 2);
    return;
  }
  const magMask = i32x4.splat(word(d, D_MAG_MASK));
  const signBit = i32x4.splat(word(d, D_SIGN_BIT));
  const signShift = word(d, D_SIGN_SHIFT);
  const mantShift = word(d, D_MANT_SHIFT);
  const scale = i32x4.splat(word(d, D_SCALE));
  const specialMin = i32x4.splat(word(d, D_SPECIAL_MIN));
  const nz = i32x4.splat(word(d, D_NEG_ZERO_NAN));
  const per = 16 / width;
  let i = 0;
  while (i < n) {
    let s = src + <usize>i * width;
    let o = dst + (<usize>i << 2);
    const tail = n - i < per;
    if (tail) {
      memory.fill(tls + TLS_STAGE_IN, 0, 64);
      memory.copy(tls + TLS_STAGE_IN, s, <usize>(n - i) * width);
      s = tls + TLS_STAGE_IN;
      o = tls + TLS_STAGE_OUT;
    }
    const v = v128.load(s);
    if (width == 2) {
      v128.store(o, decodeVec(i32x4.extend_low_i16x8_u(v), magMask, signBit, signShift, mantShift, scale, specialMin, nz, d));
      v128.store(o, decodeVec(i32x4.extend_high_i16x8_u(v), magMask, signBit, signShift, mantShift, scale, specialMin, nz, d), 16);
    } else {
      const lo = i16x8.extend_low_i8x16_u(v);
      const hi = i16x8.extend_high_i8x16_u(v);
      v128.store(o, decodeVec(i32x4.extend_low_i16x8_u(lo), magMask, signBit, signShift, mantShift, scale, specialMin, nz, d));
      v128.store(o, decodeVec(i32x4.extend_high_i16x8_u(lo), magMask, signBit, signShift, mantShift, scale, specialMin, nz, d), 16);
      v128.store(o, decodeVec(i32x4.extend_low_i16x8_u(hi), magMask, signBit, signShift, mantShift, scale, specialMin, nz, d), 32);
      v128.store(o, decodeVec(i32x4.extend_high_i16x8_u(hi), magMask, signBit, signShift, mantShift, scale, specialMin, nz, d), 48);
    }
    if (tail) {
      memory.copy(dst + (<usize>i << 2), o, <usize>(n - i) << 2);
      i = n;
    } else i += per;
  }
}

/** Zero, overflow, infinity, NaN and flushed lanes of an encoded vector (rare, so not inlined). */
function encodeSpecials(b: v128, ab: v128, mag: v128, res: v128, isSub: v128, d: usize): v128 {
  const neg = i32x4.shr_s(b, 31);
  const zero = v128.bitselect(i32x4.splat(word(d, E_ZERO1)), i32x4.splat(word(d, E_ZERO0)), neg);
  const ovf = v128.bitselect(i32x4.splat(word(d, E_OVF1)), i32x4.splat(word(d, E_OVF0)), neg);
  const maxCode = i32x4.splat(word(d, E_MAX_CODE));
  let r = v128.bitselect(zero, res, i32x4.eq(mag, i32x4.splat(0)));
  // Toward zero never overflows a finite value: it gives the largest finite one (IEEE 754 7.4).
  const signBits = v128.and(i32x4.shr_u(b, word(d, E_SIGN_SHIFT)), i32x4.splat(word(d, E_SIGN_BIT)));
  const big = word(d, E_MODE) == 1 ? v128.or(signBits, maxCode) : ovf;
  r = v128.bitselect(big, r, i32x4.gt_u(mag, maxCode));
  if (word(d, E_FLUSH) != 0) r = v128.bitselect(zero, r, isSub);
  r = v128.bitselect(ovf, r, i32x4.eq(ab, i32x4.splat(INF)));
  return v128.bitselect(i32x4.splat(word(d, E_NAN)), r, i32x4.gt_u(ab, i32x4.splat(INF)));
}

/** The rounded magnitude of lanes below the target's smallest normal: q = |x| * 2^(m - emin) is exact,
 * n = trunc(q) the kept part and q - n the discarded fraction d; round up per the mode. */
@inline
function subnormalMag(ab: v128, rand: v128, mode: i32, subScale: v128, rScale: v128): v128 {
  const q = f32x4.mul(ab, subScale);
  const n = i32x4.trunc_sat_f32x4_u(q);
  const frac = f32x4.sub(q, f32x4.convert_i32x4_u(n));
  const half = f32x4.splat(0.5);
  let up = i32x4.splat(0);
  if (mode == 0) {
    const odd = i32x4.eq(v128.and(n, i32x4.splat(1)), i32x4.splat(1));
    up = v128.or(f32x4.gt(frac, half), v128.and(f32x4.eq(frac, half), odd));
  } else if (mode == 2) up = f32x4.ge(frac, half);
  else if (mode == 3) up = i32x4.lt_u(rand, i32x4.trunc_sat_f32x4_u(f32x4.mul(frac, rScale)));
  return i32x4.sub(n, up);
}

/** Encode four float32 bit patterns (i32x4) to codes. Normal results: the kept bits ab >> baseShift
 * less the exponent rebias, plus the rounding increment; nearest-even adds half - 1 + lsb before the
 * shift; stochastic rounds up iff rand < floor(rem * 2^(r - baseShift)). */
@inline
function encodeVec(
  b: v128, rand: v128, mode: i32, baseShift: i32, biasAdj: v128, halfM1: v128, half: v128, remMask: v128,
  kShl: i32, kShr: i32, subCheck: bool, subPath: bool, cutoff23: v128, subScale: v128, rScale: v128,
  signShift: i32, signBit: v128, maxM1: v128, flush: v128, d: usize,
): v128 {
  const one = i32x4.splat(1);
  const ab = v128.and(b, i32x4.splat(ABS));
  let mag: v128;
  if (mode == 0) {
    const lsb = v128.and(i32x4.shr_u(ab, baseShift), one);
    mag = i32x4.sub(i32x4.shr_u(i32x4.add(i32x4.add(ab, halfM1), lsb), baseShift), biasAdj);
  } else {
    let up = i32x4.splat(0);
    if (mode == 2) up = i32x4.ge_u(v128.and(ab, remMask), half);
    else if (mode == 3) up = i32x4.lt_u(rand, i32x4.shr_u(i32x4.shl(v128.and(ab, remMask), kShl), kShr));
    mag = i32x4.sub(i32x4.sub(i32x4.shr_u(ab, baseShift), up), biasAdj);
  }
  let isSub = i32x4.splat(0);
  if (subCheck) {
    isSub = i32x4.lt_u(ab, cutoff23);
    if (subPath && v128.any_true(isSub)) {
      mag = v128.bitselect(subnormalMag(ab, rand, mode, subScale, rScale), mag, isSub);
    }
  }
  const res = v128.or(v128.and(i32x4.shr_u(b, signShift), signBit), mag);
  const special = v128.or(i32x4.gt_u(i32x4.sub(mag, one), maxM1), v128.and(isSub, flush));
  if (!v128.any_true(special)) return res;
  return encodeSpecials(b, ab, mag, res, isSub, d);
}

/** encodeVec with every parameter read from the descriptor: the exact fallback of the fast loops for
 * vectors with a special lane (zero, overflow, infinity, NaN, flushed). */
export function encodeVecSlow(b: v128, rand: v128, d: usize): v128 {
  const m = word(d, E_MANT);
  const cutoff = word(d, E_CUTOFF);
  const baseShift = 23 - m;
  const r = word(d, E_RANDOM_BITS);
  const flush = word(d, E_FLUSH) != 0;
  return encodeVec(
    b, rand, word(d, E_MODE), baseShift, i32x4.splat((cutoff - 1) << m),
    i32x4.splat((1 << (baseShift - 1)) - 1), i32x4.splat(1 << (baseShift - 1)), i32x4.splat((1 << baseShift) - 1),
    max(r - baseShift, 0), max(baseShift - r, 0), cutoff > 1 || flush, cutoff > 1, i32x4.splat(cutoff << 23),
    i32x4.splat(word(d, E_SUB_SCALE)), i32x4.splat((127 + r) << 23), word(d, E_SIGN_SHIFT),
    i32x4.splat(word(d, E_SIGN_BIT)), i32x4.splat(word(d, E_MAX_CODE) - 1), i32x4.splat(flush ? -1 : 0), d,
  );
}

/** float32 to float32: canonical NaN and optional flushing, as copyFloat32Bits. */
function encodeFloat32(src: usize, dst: usize, n: i32, flush: bool): void {
  const min = flush ? 0x00800000 : 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const b = v128.load(src + (<usize>i << 2));
    const ab = v128.and(b, i32x4.splat(ABS));
    let r = v128.bitselect(v128.and(b, i32x4.splat(0x80000000)), b, i32x4.lt_u(ab, i32x4.splat(min)));
    r = v128.bitselect(i32x4.splat(QNAN), r, i32x4.gt_u(ab, i32x4.splat(INF)));
    v128.store(dst + (<usize>i << 2), r);
  }
  for (; i < n; i++) {
    const b = load<i32>(src + (<usize>i << 2));
    const ab = b & ABS;
    const r = ab > INF ? QNAN : ab < min ? b & 0x80000000 : b;
    store<i32>(dst + (<usize>i << 2), r);
  }
}

/**
 * Encode n float32 values at src into codes at dst with the encode descriptor d; element i rounds
 * stochastically with word index + i of the descriptor's generator. `tls` is the thread's scratch area.
 */
export function encodeRange(src: usize, dst: usize, n: i32, d: usize, index: f64, tls: usize): void {
  const width = word(d, E_WIDTH);
  const flushOn = word(d, E_FLUSH) != 0;
  if (width == 4) {
    encodeFloat32(src, dst, n, flushOn);
    return;
  }
  const mode = word(d, E_MODE);
  if (mode == 0 && !flushOn) {
    encodeNearest(src, dst, n, d, tls);
    return;
  }
  const m = word(d, E_MANT);
  const cutoff = word(d, E_CUTOFF);
  const baseShift = 23 - m;
  const biasAdj = i32x4.splat((cutoff - 1) << m);
  const half = i32x4.splat(1 << (baseShift - 1));
  const halfM1 = i32x4.splat((1 << (baseShift - 1)) - 1);
  const remMask = i32x4.splat((1 << baseShift) - 1);
  const r = word(d, E_RANDOM_BITS);
  const kShl = max(r - baseShift, 0);
  const kShr = max(baseShift - r, 0);
  const subPath = cutoff > 1;
  const subCheck = subPath || flushOn;
  const cutoff23 = i32x4.splat(cutoff << 23);
  const subScale = i32x4.splat(word(d, E_SUB_SCALE));
  const rScale = i32x4.splat((127 + r) << 23); // 2^r as float32
  const signShift = word(d, E_SIGN_SHIFT);
  const signBit = i32x4.splat(word(d, E_SIGN_BIT));
  const maxM1 = i32x4.splat(word(d, E_MAX_CODE) - 1);
  const flush = i32x4.splat(flushOn ? -1 : 0);
  const stochastic = mode == 3;
  const start = <u64>index;
  const per = 16 / width;
  let i = 0;
  while (i < n) {
    const end = stochastic ? min(n, i + RCHUNK) : n;
    const rand = tls + TLS_RAND - (<usize>i << 2); // the word of element j is at rand + 4j
    if (stochastic) fillRandom(<usize>word(d, E_RNG), start + <u64>i, end - i, 32 - r, tls + TLS_RAND);
    while (i < end) {
      let s = src + (<usize>i << 2);
      let o = dst + <usize>i * width;
      const rp = rand + (<usize>i << 2);
      const tail = end - i < per;
      if (tail) {
        memory.fill(tls + TLS_STAGE_IN, 0, 64);
        memory.copy(tls + TLS_STAGE_IN, s, <usize>(end - i) << 2);
        s = tls + TLS_STAGE_IN;
        o = tls + TLS_STAGE_OUT;
      }
      const e0 = encodeVec(v128.load(s), v128.load(rp), mode, baseShift, biasAdj, halfM1, half, remMask, kShl, kShr, subCheck, subPath, cutoff23, subScale, rScale, signShift, signBit, maxM1, flush, d);
      const e1 = encodeVec(v128.load(s, 16), v128.load(rp, 16), mode, baseShift, biasAdj, halfM1, half, remMask, kShl, kShr, subCheck, subPath, cutoff23, subScale, rScale, signShift, signBit, maxM1, flush, d);
      const w01 = i16x8.narrow_i32x4_u(e0, e1);
      if (width == 2) v128.store(o, w01);
      else {
        const e2 = encodeVec(v128.load(s, 32), v128.load(rp, 32), mode, baseShift, biasAdj, halfM1, half, remMask, kShl, kShr, subCheck, subPath, cutoff23, subScale, rScale, signShift, signBit, maxM1, flush, d);
        const e3 = encodeVec(v128.load(s, 48), v128.load(rp, 48), mode, baseShift, biasAdj, halfM1, half, remMask, kShl, kShr, subCheck, subPath, cutoff23, subScale, rScale, signShift, signBit, maxM1, flush, d);
        v128.store(o, i8x16.narrow_i16x8_u(w01, i16x8.narrow_i32x4_u(e2, e3)));
      }
      if (tail) {
        memory.copy(dst + <usize>i * width, o, <usize>(end - i) * width);
        i = end;
      } else i += per;
    }
  }
}
