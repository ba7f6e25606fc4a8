/**
 * Direct convolution for unit-stride taps (the forward pass of a stride-1 convolution and the data
 * gradient of one): the implicit GEMM's 4 x 8 register tile, with B read straight from a zero-padded copy
 * of the source volume instead of packed panels. With few output channels the GEMM reuses each packed
 * B panel only once or twice, so packing cost most of the time (LeNet's 6- and 16-channel layers).
 * Each output sums its taps k = (channel, ky, kx) in increasing order from +0, every product and partial
 * sum rounded to float32 and padding taps reading +0: the same order and values as conv.ts's GEMMs, so
 * the results are bit-identical (conv.test.ts checks both against the js kernels).
 */
import {
  IC_BX, IC_BY, IC_CX, IC_CY, IC_GRID_W, IC_KH, IC_KW, IC_SRC_H, IC_SRC_W, argI,
} from "./layout";
import { codeAt, decodeScalar } from "./codec";
import { copyFloats, zeroFloats } from "./im2col";

/** Columns past the grid in the padded volume: the last 8-pixel block of a row may read that far. */
const SLACK: i32 = 8;

/** Rows of the padded volume: the grid's rows plus the taps' vertical reach. */
@inline
export function paddedRows(ic: usize, gridH: i32): i32 {
  return gridH + (argI(ic, IC_KH) - 1) * abs(argI(ic, IC_CY));
}

/** Columns of the padded volume. */
@inline
export function paddedCols(ic: usize): i32 {
  return argI(ic, IC_GRID_W) + (argI(ic, IC_KW) - 1) * abs(argI(ic, IC_CX)) + SLACK;
}

/** Copy `depth` planes of the float32 source at src (SH x SW each, as the descriptor at ic reads them)
 * into dst, zero-padded so that every tap of every grid pixel (and the slack) lies inside. */
export function padVolume(src: usize, depth: i32, ic: usize, gridH: i32, dst: usize): void {
  const SH = argI(ic, IC_SRC_H);
  const SW = argI(ic, IC_SRC_W);
  const rowsP = paddedRows(ic, gridH);
  const colsP = paddedCols(ic);
  // Source coordinates of padded (0, 0): the smallest row and column any tap reads.
  const y0 = argI(ic, IC_BY) + min(0, (argI(ic, IC_KH) - 1) * argI(ic, IC_CY));
  const x0 = argI(ic, IC_BX) + min(0, (argI(ic, IC_KW) - 1) * argI(ic, IC_CX));
  const lo = min(max(-x0, 0), colsP); // padded columns [lo, hi) come from the source row
  const hi = max(min(SW - x0, colsP), lo);
  let out = dst;
  for (let c = 0; c < depth; c++) {
    const plane = src + ((<usize>c * SH * SW) << 2);
    for (let r = 0; r < rowsP; r++) {
      const iy = r + y0;
      if (iy < 0 || iy >= SH) zeroFloats(out, colsP);
      else {
        zeroFloats(out, lo);
        copyFloats(out + (<usize>lo << 2), plane + ((<usize>iy * SW + lo + x0) << 2), hi - lo);
        zeroFloats(out + (<usize>hi << 2), colsP - hi);
      }
      out += <usize>colsP << 2;
    }
  }
}

/** Pack `rows` rows of A (K values each, codes at a with row stride K, decoded with ad) as tiles of 4
 * rows, k-major: ap[(tile * K + k) * 4 + r]; rows past `rows` are zero. */
export function packRows(a: usize, ad: usize, width: i32, rows: i32, K: i32, ap: usize): void {
  const tiles = (rows + 3) >> 2;
  for (let t = 0; t < tiles; t++) {
    for (let k = 0; k < K; k++) {
      for (let r = 0; r < 4; r++) {
        const row = t * 4 + r;
        const v: f32 = row < rows ? decodeScalar(codeAt(a + (<usize>row * K + k) * width, width), ad) : 0;
        store<f32>(ap + ((<usize>(t * K + k) * 4 + r) << 2), v);
      }
    }
  }
}

/**
 * C (tiles * 4 rows, row stride P + SLACK floats) = A (packed by packRows) times the taps of the padded
 * volume at pad (depth planes, from padVolume) for every pixel of the gridH x GW grid. Pixels go 8 at a
 * time; the last block of a grid row computes past its end into the next row's start (computed again
 * after) or the row's slack.
 */
export function directConv(pad: usize, depth: i32, ic: usize, gridH: i32, ap: usize, rows: i32, K: i32, c: usize): void {
  const GW = argI(ic, IC_GRID_W);
  const KH = argI(ic, IC_KH);
  const KW = argI(ic, IC_KW);
  const rowsP = paddedRows(ic, gridH);
  const colsP = paddedCols(ic);
  const CY = argI(ic, IC_CY);
  const CX = argI(ic, IC_CX);
  // Padded coordinates of tap (0, 0) for grid pixel (0, 0).
  const ty = -min(0, (KH - 1) * CY);
  const tx = -min(0, (KW - 1) * CX);
  const plane = <usize>rowsP * colsP << 2;
  // Steps between taps (negative for the data gradient): u32 arithmetic wraps, as address math needs.
  const dyStep = <usize>(CY * colsP * 4);
  const dxStep = <usize>(CX * 4);
  const ldc = <usize>(gridH * GW + SLACK) << 2;
  const tiles = (rows + 3) >> 2;
  for (let gy = 0; gy < gridH; gy++) {
    for (let gx = 0; gx < GW; gx += 8) {
      const base = pad + ((<usize>(gy + ty) * colsP + gx + tx) << 2);
      const cOut = c + ((<usize>gy * GW + gx) << 2);
      for (let t = 0; t < tiles; t++) {
        let c00 = f32x4.splat(0);
        let c01 = f32x4.splat(0);
        let c10 = f32x4.splat(0);
        let c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0);
        let c21 = f32x4.splat(0);
        let c30 = f32x4.splat(0);
        let c31 = f32x4.splat(0);
        let a = ap + (<usize>t * K << 4);
        let chan = base;
        for (let ch = 0; ch < depth; ch++, chan += plane) {
          let row = chan;
          for (let ky = 0; ky < KH; ky++, row += dyStep) {
            let p = row;
            for (let kx = 0; kx < KW; kx++, p += dxStep, a += 16) {
              const b0 = v128.load(p);
              const b1 = v128.load(p, 16);
              const a0 = v128.load32_splat(a);
              const a1 = v128.load32_splat(a, 4);
              const a2 = v128.load32_splat(a, 8);
              const a3 = v128.load32_splat(a, 12);
              c00 = f32x4.add(c00, f32x4.mul(a0, b0));
              c01 = f32x4.add(c01, f32x4.mul(a0, b1));
              c10 = f32x4.add(c10, f32x4.mul(a1, b0));
              c11 = f32x4.add(c11, f32x4.mul(a1, b1));
              c20 = f32x4.add(c20, f32x4.mul(a2, b0));
              c21 = f32x4.add(c21, f32x4.mul(a2, b1));
              c30 = f32x4.add(c30, f32x4.mul(a3, b0));
              c31 = f32x4.add(c31, f32x4.mul(a3, b1));
            }
          }
        }
        const q = cOut + <usize>t * 4 * ldc;
        v128.store(q, c00);
        v128.store(q, c01, 16);
        v128.store(q + ldc, c10);
        v128.store(q + ldc, c11, 16);
        v128.store(q + 2 * ldc, c20);
        v128.store(q + 2 * ldc, c21, 16);
        v128.store(q + 3 * ldc, c30);
        v128.store(q + 3 * ldc, c31, 16);
      }
    }
  }
}

/** dst (P x R4, R4 = rows rounded up to 4, extra columns zero) = the transpose of src (rows x P). */
export function transposeRows(src: usize, rows: i32, P: i32, dst: usize): void {
  const r4 = (rows + 3) & ~3;
  for (let p = 0; p < P; p++) {
    for (let r = 0; r < r4; r++) {
      const v: f32 = r < rows ? load<f32>(src + ((<usize>r * P + p) << 2)) : 0;
      store<f32>(dst + ((<usize>p * r4 + r) << 2), v);
    }
  }
}

/**
 * One image's share of the filter gradient of a unit-stride convolution, added to acc (kc8 x R4 floats,
 * slot-major: acc[s][o]): for slots k0..k0+kc8-1 (taps (c, ky, kx), in blocks of 8) and output channels
 * in lanes of 4, acc[s][o] += dyT[p][o] * tap(s, p) for pixels p in increasing order, each product and
 * sum rounded to float32. xpad is the image's zero-padded channel group (padVolume over the forward
 * descriptor at ic, so a tap in the padding reads +0), dyT its output gradient transposed (P x R4).
 * Slots past K read tap 0 and are discarded by the caller.
 */
export function directFilter(xpad: usize, ic: usize, gridH: i32, dyT: usize, R4: i32, k0: i32, kc8: i32, K: i32, acc: usize): void {
  const GW = argI(ic, IC_GRID_W);
  const KW = argI(ic, IC_KW);
  const khw = argI(ic, IC_KH) * KW;
  const colsP = paddedCols(ic);
  const plane = paddedRows(ic, gridH) * colsP;
  const CY = argI(ic, IC_CY);
  const CX = argI(ic, IC_CX);
  const rowStep = <usize>R4 << 2;
  for (let s0 = 0; s0 < kc8; s0 += 8) {
    // Byte offsets of the 8 slots' taps from a pixel's padded position.
    let o0: usize = 0, o1: usize = 0, o2: usize = 0, o3: usize = 0;
    let o4: usize = 0, o5: usize = 0, o6: usize = 0, o7: usize = 0;
    for (let j = 0; j < 8; j++) {
      const k = k0 + s0 + j;
      const off: usize = k < K ? <usize>((k / khw) * plane + ((k % khw) / KW) * CY * colsP + (k % KW) * CX) << 2 : 0;
      if (j == 0) o0 = off;
      else if (j == 1) o1 = off;
      else if (j == 2) o2 = off;
      else if (j == 3) o3 = off;
      else if (j == 4) o4 = off;
      else if (j == 5) o5 = off;
      else if (j == 6) o6 = off;
      else o7 = off;
    }
    for (let ot = 0; ot < R4; ot += 4) {
      const a = acc + ((<usize>s0 * R4 + ot) << 2);
      let c0 = v128.load(a);
      let c1 = v128.load(a + rowStep);
      let c2 = v128.load(a + 2 * rowStep);
      let c3 = v128.load(a + 3 * rowStep);
      let c4 = v128.load(a + 4 * rowStep);
      let c5 = v128.load(a + 5 * rowStep);
      let c6 = v128.load(a + 6 * rowStep);
      let c7 = v128.load(a + 7 * rowStep);
      let d = dyT + (<usize>ot << 2);
      for (let gy = 0; gy < gridH; gy++) {
        let x = xpad + ((<usize>gy * colsP) << 2);
        for (let gx = 0; gx < GW; gx++, x += 4, d += rowStep) {
          const g = v128.load(d);
          c0 = f32x4.add(c0, f32x4.mul(g, v128.load32_splat(x + o0)));
          c1 = f32x4.add(c1, f32x4.mul(g, v128.load32_splat(x + o1)));
          c2 = f32x4.add(c2, f32x4.mul(g, v128.load32_splat(x + o2)));
          c3 = f32x4.add(c3, f32x4.mul(g, v128.load32_splat(x + o3)));
          c4 = f32x4.add(c4, f32x4.mul(g, v128.load32_splat(x + o4)));
          c5 = f32x4.add(c5, f32x4.mul(g, v128.load32_splat(x + o5)));
          c6 = f32x4.add(c6, f32x4.mul(g, v128.load32_splat(x + o6)));
          c7 = f32x4.add(c7, f32x4.mul(g, v128.load32_splat(x + o7)));
        }
      }
      v128.store(a, c0);
      v128.store(a + rowStep, c1);
      v128.store(a + 2 * rowStep, c2);
      v128.store(a + 3 * rowStep, c3);
      v128.store(a + 4 * rowStep, c4);
      v128.store(a + 5 * rowStep, c5);
      v128.store(a + 6 * rowStep, c6);
      v128.store(a + 7 * rowStep, c7);
    }
  }
}
