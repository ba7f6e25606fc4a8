/**
 * im2col for the convolution GEMMs: explicit (rows of the column matrix written out, for the filter
 * gradient) and implicit (a GEMM B panel of 8 output pixels by kc filter taps read straight from the
 * float32 input volume, for the forward pass and the data gradient, with no column matrix). Taps that
 * fall in the padding, or between the strides of a transposed convolution, read as +0.
 */
import {
  CV_DH, CV_DW, CV_H, CV_KH, CV_KW, CV_OW, CV_PH, CV_PW, CV_SH, CV_SW, CV_W, IC_AX, IC_AY, IC_BX, IC_BY,
  IC_CX, IC_CY, IC_DX, IC_DY, IC_GRID_W, IC_KH, IC_KW, IC_P0, IC_SRC, IC_SRC_H, IC_SRC_W, NR, argI,
} from "./layout";

/** dst[0..n) = src[0..n) (float32), inline: rows here are short, where memory.copy's call costs. */
@inline
export function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/** dst[0..n) = +0 (float32), inline. */
@inline
export function zeroFloats(dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), i32x4.splat(0));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/** Rows kr0..kr1-1 (k = (c, ky, kx)) and output pixels p0..p1-1 of the im2col matrix of one image's
 * channel group at x (float32, convolution arguments at a), at dst with row stride p1 - p0. */
export function im2col(x: usize, a: usize, kr0: i32, kr1: i32, p0: i32, p1: i32, dst: usize): void {
  const H = argI(a, CV_H);
  const W = argI(a, CV_W);
  const KH = argI(a, CV_KH);
  const KW = argI(a, CV_KW);
  const OW = argI(a, CV_OW);
  const SH = argI(a, CV_SH);
  const SW = argI(a, CV_SW);
  const PH = argI(a, CV_PH);
  const PW = argI(a, CV_PW);
  const DH = argI(a, CV_DH);
  const DW = argI(a, CV_DW);
  const khw = KH * KW;
  let out = dst;
  for (let kr = kr0; kr < kr1; kr++) {
    const ky = (kr % khw) / KW;
    const kx = kr % KW;
    const plane = x + ((<usize>(kr / khw) * H * W) << 2);
    const shift = kx * DW - PW;
    let p = p0;
    while (p < p1) {
      const oy = p / OW;
      const ox0 = p % OW;
      const ox1 = min(OW, ox0 + (p1 - p));
      const iy = oy * SH - PH + ky * DH;
      const row = plane + ((<usize>iy * W) << 2);
      if (iy < 0 || iy >= H) zeroFloats(out, ox1 - ox0);
      else if (SW == 1) {
        const lo = min(max(ox0, -shift), ox1);
        const hi = max(min(ox1, W - shift), lo);
        zeroFloats(out, lo - ox0);
        copyFloats(out + (<usize>(lo - ox0) << 2), row + (<usize>(lo + shift) << 2), hi - lo);
        zeroFloats(out + (<usize>(hi - ox0) << 2), ox1 - hi);
      } else {
        for (let ox = ox0; ox < ox1; ox++) {
          const ix = ox * SW + shift;
          store<f32>(out + (<usize>(ox - ox0) << 2), ix >= 0 && ix < W ? load<f32>(row + (<usize>ix << 2)) : 0);
        }
      }
      out += <usize>(ox1 - ox0) << 2;
      p += ox1 - ox0;
    }
  }
}

/** The source coordinate num / den when it divides exactly and lies in [0, lim), else -1. */
@inline
function coord(num: i32, den: i32, lim: i32): i32 {
  if (num < 0) return -1;
  if (den != 1) {
    if (num % den != 0) return -1;
    num /= den;
  }
  return num < lim ? num : -1;
}

/** Lanes of one source row: the 4 values at x + lane (lanes with x outside [0, w) or not in [lo, hi)
 * give +0), loaded as one vector; the caller keeps the loads within 4 KiB of the row. */
@inline
function rowLanes(row: usize, x: i32, w: i32, lane0: i32, lo: i32, hi: i32): v128 {
  const lanes = i32x4(0, 1, 2, 3);
  const xs = i32x4.add(i32x4.splat(x), lanes);
  const ls = i32x4.add(i32x4.splat(lane0), lanes);
  const inside = v128.and(
    v128.and(i32x4.ge_s(xs, i32x4.splat(0)), i32x4.lt_s(xs, i32x4.splat(w))),
    v128.and(i32x4.ge_s(ls, i32x4.splat(lo)), i32x4.lt_s(ls, i32x4.splat(hi))),
  );
  return v128.and(v128.load(row + (<usize>x << 2)), inside);
}

/**
 * The B panel of pixels j0..j0+nr-1 (nr <= NR, the rest zero) by taps pc..pc+kc-1 of the implicit
 * im2col described at `ic`, as packPanel lays it out (for each k, NR floats); `lines` is scratch for
 * 2 x NR int32. With unit column steps (stride-1 convolutions) a panel covers at most two source rows,
 * each a contiguous run read as vectors with out-of-range lanes masked; otherwise one tap at a time.
 */
export function packConvPanel(dst: usize, ic: usize, pc: i32, kc: i32, j0: i32, nr: i32, lines: usize): void {
  const src = <usize>argI(ic, IC_SRC);
  const SH = argI(ic, IC_SRC_H);
  const SW = argI(ic, IC_SRC_W);
  const GW = argI(ic, IC_GRID_W);
  const KW = argI(ic, IC_KW);
  const khw = argI(ic, IC_KH) * KW;
  const AY = argI(ic, IC_AY);
  const BY = argI(ic, IC_BY);
  const CY = argI(ic, IC_CY);
  const DY = argI(ic, IC_DY);
  const AX = argI(ic, IC_AX);
  const BX = argI(ic, IC_BX);
  const CX = argI(ic, IC_CX);
  const DX = argI(ic, IC_DX);
  const p0 = argI(ic, IC_P0) + j0;
  const py = p0 / GW;
  const px = p0 % GW;
  // Lanes [0, split) lie on grid row py, lanes [split, NR) on row py + 1.
  const split = min(NR, GW - px);
  const fast = AX == 1 && DX == 1 && DY == 1 && (split == NR || GW >= NR) && abs(BX) + abs(CX) * KW < 1024;
  if (fast) {
    const yA = py * AY + BY;
    const yB = yA + AY;
    const xA = px + BX;
    const xB = BX - split;
    let kx = pc % KW;
    let ky = (pc % khw) / KW;
    let plane = src + ((<usize>(pc / khw) * SH * SW) << 2);
    for (let k = 0; k < kc; k++, kx++) {
      if (kx == KW) {
        kx = 0;
        if (++ky == khw / KW) {
          ky = 0;
          plane += <usize>SH * SW << 2;
        }
      }
      const out = dst + (<usize>(k * NR) << 2);
      const iyA = yA + ky * CY;
      const iyB = yB + ky * CY;
      const ixA = xA + kx * CX;
      const ixB = xB + kx * CX;
      const okA = iyA >= 0 && iyA < SH;
      const okB = split < nr && iyB >= 0 && iyB < SH;
      if (okA && split == NR && nr == NR && ixA >= 0 && ixA + NR <= SW) {
        const from = plane + ((<usize>iyA * SW + ixA) << 2);
        v128.store(out, v128.load(from));
        v128.store(out, v128.load(from, 16), 16);
        continue;
      }
      let v0 = i32x4.splat(0);
      let v1 = i32x4.splat(0);
      const hiA = min(split, nr);
      if (okA) {
        const row = plane + ((<usize>iyA * SW) << 2);
        v0 = rowLanes(row, ixA, SW, 0, 0, hiA);
        v1 = rowLanes(row, ixA + 4, SW, 4, 0, hiA);
      }
      if (okB) {
        const row = plane + ((<usize>iyB * SW) << 2);
        v0 = v128.or(v0, rowLanes(row, ixB, SW, 0, split, nr));
        v1 = v128.or(v1, rowLanes(row, ixB + 4, SW, 4, split, nr));
      }
      v128.store(out, v0);
      v128.store(out, v1, 16);
    }
    return;
  }
  for (let r = 0; r < NR; r++) {
    const p = p0 + min(r, nr - 1);
    store<i32>(lines + (<usize>r << 2), (p / GW) * AY + BY);
    store<i32>(lines + (<usize>(NR + r) << 2), (p % GW) * AX + BX);
  }
  for (let k = 0; k < kc; k++) {
    const kr = pc + k;
    const ky = (kr % khw) / KW;
    const kx = kr % KW;
    const plane = src + ((<usize>(kr / khw) * SH * SW) << 2);
    const out = dst + (<usize>(k * NR) << 2);
    for (let r = 0; r < NR; r++) {
      let v: f32 = 0;
      if (r < nr) {
        const iy = coord(load<i32>(lines + (<usize>r << 2)) + ky * CY, DY, SH);
        const ix = coord(load<i32>(lines + (<usize>(NR + r) << 2)) + kx * CX, DX, SW);
        if (iy >= 0 && ix >= 0) v = load<f32>(plane + ((<usize>iy * SW + ix) << 2));
      }
      store<f32>(out + (<usize>r << 2), v);
    }
  }
}
