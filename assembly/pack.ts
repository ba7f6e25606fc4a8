/**
 * Packing GEMM operands into panels, decoding from the storage format on the way (DESIGN.md, Engine):
 * a panel of R lines (4 rows of A or 8 columns of B) by kc holds, for each k, the R float32 values
 * side by side. Where the R lines are contiguous in memory four codes load and decode as one vector;
 * where k is contiguous, 4 x 4 blocks decode as vectors and are transposed.
 */
import { D_MAG_MASK, D_MANT_SHIFT, D_NEG_ZERO_NAN, D_SCALE, D_SIGN_BIT, D_SIGN_SHIFT, D_SPECIAL_MIN, D_WIDTH, word } from "./layout";
import { codeAt, decodeScalar, decodeVec, load4 } from "./codec";

/**
 * Pack R (4 or 8) lines by kc values into dst, element (r, k) being the code at src + (r * rs + k * ks)
 * codes, decoded with descriptor d; lines rv .. R-1 (past the matrix edge) are zero.
 */
export function packPanel(dst: usize, src: usize, rs: i32, ks: i32, R: i32, rv: i32, kc: i32, d: usize): void {
  const width = word(d, D_WIDTH);
  const raw = width == 4;
  const magMask = i32x4.splat(word(d, D_MAG_MASK));
  const signBit = i32x4.splat(word(d, D_SIGN_BIT));
  const signShift = word(d, D_SIGN_SHIFT);
  const mantShift = word(d, D_MANT_SHIFT);
  const scale = i32x4.splat(word(d, D_SCALE));
  const specialMin = i32x4.splat(word(d, D_SPECIAL_MIN));
  const nz = i32x4.splat(word(d, D_NEG_ZERO_NAN));
  const rsb = <usize>rs * width;
  const ksb = <usize>ks * width;
  if (rv == R && rs == 1) {
    // The R values of one k are contiguous: load, decode, store.
    for (let k = 0; k < kc; k++) {
      const p = src + <usize>k * ksb;
      for (let g = 0; g < R; g += 4) {
        let v = load4(p + <usize>g * width, width);
        if (!raw) v = decodeVec(v, magMask, signBit, signShift, mantShift, scale, specialMin, nz, d);
        v128.store(dst + ((<usize>k * R + g) << 2), v);
      }
    }
    return;
  }
  let k = 0;
  if (rv == R && ks == 1) {
    // k is contiguous: decode four k of four lines, transpose 4 x 4.
    for (; k + 4 <= kc; k += 4) {
      for (let g = 0; g < R; g += 4) {
        const p = src + <usize>g * rsb + <usize>k * width;
        let r0 = load4(p, width);
        let r1 = load4(p + rsb, width);
        let r2 = load4(p + 2 * rsb, width);
        let r3 = load4(p + 3 * rsb, width);
        if (!raw) {
          r0 = decodeVec(r0, magMask, signBit, signShift, mantShift, scale, specialMin, nz, d);
          r1 = decodeVec(r1, magMask, signBit, signShift, mantShift, scale, specialMin, nz, d);
          r2 = decodeVec(r2, magMask, signBit, signShift, mantShift, scale, specialMin, nz, d);
          r3 = decodeVec(r3, magMask, signBit, signShift, mantShift, scale, specialMin, nz, d);
        }
        const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
        const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
        const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
        const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
        const q = dst + ((<usize>k * R + g) << 2);
        const line = <usize>R << 2;
        v128.store(q, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
        v128.store(q + line, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
        v128.store(q + 2 * line, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
        v128.store(q + 3 * line, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
      }
    }
  }
  // Everything else (edges, strided both ways): one element at a time.
  for (; k < kc; k++) {
    for (let r = 0; r < R; r++) {
      let v: f32 = 0;
      if (r < rv) v = decodeScalar(codeAt(src + <usize>r * rsb + <usize>k * ksb, width), d);
      store<f32>(dst + ((<usize>k * R + r) << 2), v);
    }
  }
}
