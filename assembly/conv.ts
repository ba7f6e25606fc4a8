/**
 * 2-D convolution (NCHW, stride, padding, dilation, groups) forward and backward on the GEMM of gemm.ts.
 * Forward and data gradient are implicit GEMMs (B panels read from the input volume by im2col.ts); the
 * filter gradient multiplies by explicit im2col rows. Summation orders, each one float32 accumulation
 * from +0 with taps outside the input reading +0: y[n,o,p] over k = (c, ky, kx) increasing;
 * dx[n,c,iy,ix] over (o, ky, kx) increasing; dw[o,c,ky,kx] over (n, oy, ox) increasing.
 */
import {
  CV_C, CV_CHUNK, CV_DH, CV_DW, CV_GROUPS, CV_H, CV_IN1, CV_IN1_DESC, CV_IN2, CV_IN2_DESC, CV_INDEX, CV_KH,
  CV_KW, CV_N, CV_O, CV_OH, CV_OUT, CV_OUT_ENC, CV_OW, CV_PH, CV_PW, CV_SH, CV_SW, CV_W, CV_WORK,
  CV_WORK_STRIDE, D_WIDTH, E_WIDTH, G_A, G_A_DESC, G_ACCUMULATE, G_B, G_B_CONV, G_B_DESC, G_BATCH, G_C,
  G_C_ENC, G_INDEX, G_K, G_LDA, G_LDB, G_LDC, G_M, G_N, G_STRIDE_A, G_STRIDE_B, G_STRIDE_C, G_TILE_M,
  G_TILE_N, G_TRANS_A, G_TRANS_B, IC_AX, IC_AY, IC_BX, IC_BY, IC_CX, IC_CY, IC_DX, IC_DY, IC_GRID_W, IC_KH,
  IC_KW, IC_P0, IC_SRC, IC_SRC_H, IC_SRC_W, NC, PACK_A_BYTES, PACK_B_BYTES, TLS_ARGS, TLS_BYTES,
  TLS_F32_DESC, TLS_IM2COL, argF, argI, setArg, word,
} from "./layout";
import { decodeRange, decodeScalar, codeAt, encodeRange } from "./codec";
import { gemmRange } from "./gemm";
import {
  directConv, directFilter, packRows, padVolume, paddedCols, paddedRows, transposeRows,
} from "./direct-conv";
import { im2col } from "./im2col";

/** Fill the GEMM argument block at g for one single-threaded product (batch 1, no tiling). */
function setGemm(
  g: usize, M: i32, N: i32, K: i32, A: usize, aDesc: usize, transA: i32, lda: i32, B: usize, bDesc: usize,
  transB: i32, ldb: i32, C: usize, cEnc: usize, ldc: i32, index: f64, accumulate: i32, bConv: usize,
): void {
  setArg(g, G_M, M);
  setArg(g, G_N, N);
  setArg(g, G_K, K);
  setArg(g, G_BATCH, 1);
  setArg(g, G_A, <f64>A);
  setArg(g, G_A_DESC, <f64>aDesc);
  setArg(g, G_TRANS_A, transA);
  setArg(g, G_LDA, lda);
  setArg(g, G_STRIDE_A, 0);
  setArg(g, G_B, <f64>B);
  setArg(g, G_B_DESC, <f64>bDesc);
  setArg(g, G_TRANS_B, transB);
  setArg(g, G_LDB, ldb);
  setArg(g, G_STRIDE_B, 0);
  setArg(g, G_C, <f64>C);
  setArg(g, G_C_ENC, <f64>cEnc);
  setArg(g, G_LDC, ldc);
  setArg(g, G_STRIDE_C, 0);
  setArg(g, G_INDEX, index);
  setArg(g, G_ACCUMULATE, accumulate);
  setArg(g, G_TILE_M, M);
  setArg(g, G_TILE_N, N);
  setArg(g, G_B_CONV, <f64>bConv);
}

/** Fill the implicit im2col descriptor at ic (see layout.ts). */
function setIm2col(
  ic: usize, src: usize, srcH: i32, srcW: i32, gridW: i32, KH: i32, KW: i32, AY: i32, BY: i32, CY: i32,
  DY: i32, AX: i32, BX: i32, CX: i32, DX: i32,
): void {
  setArg(ic, IC_SRC, <f64>src);
  setArg(ic, IC_SRC_H, srcH);
  setArg(ic, IC_SRC_W, srcW);
  setArg(ic, IC_GRID_W, gridW);
  setArg(ic, IC_KH, KH);
  setArg(ic, IC_KW, KW);
  setArg(ic, IC_AY, AY);
  setArg(ic, IC_BY, BY);
  setArg(ic, IC_CY, CY);
  setArg(ic, IC_DY, DY);
  setArg(ic, IC_AX, AX);
  setArg(ic, IC_BX, BX);
  setArg(ic, IC_CX, CX);
  setArg(ic, IC_DX, DX);
}

/** Thread tid's work area: TLS, packs, float32 C rows for max(Og, Cg) rows, then scratch floats. */
@inline
function workOf(a: usize, tid: i32): usize {
  return <usize>(argF(a, CV_WORK) + <f64>tid * argF(a, CV_WORK_STRIDE));
}

@inline
function scratchOf(work: usize, rows: i32): usize {
  return work + TLS_BYTES + PACK_A_BYTES + PACK_B_BYTES + <usize>rows * NC * 4;
}

/** The float32 values of `count` codes at x: x itself for float32, else decoded into `buf`. */
function floatsOf(x: usize, xd: usize, count: i32, buf: usize, tls: usize): usize {
  if (word(xd, D_WIDTH) == 4) return x;
  decodeRange(x, buf, count, xd, tls);
  return buf;
}

/**
 * Forward (backward = false) or data gradient (backward = true) as implicit GEMMs, items (n, g, pixel
 * chunk). Forward: y[n, g] (Og x OH*OW) = w[g] (Og x Cg*khw) times taps of x. Data gradient: dx[n, g]
 * (Cg x H*W) = w[g] rearranged (Cg x Og*khw) times taps of dy, the transposed convolution.
 */
function implicitConv(a: usize, tid: i32, nt: i32, backward: bool): void {
  const N = argI(a, CV_N);
  const C = argI(a, CV_C);
  const H = argI(a, CV_H);
  const W = argI(a, CV_W);
  const O = argI(a, CV_O);
  const G = argI(a, CV_GROUPS);
  const KH = argI(a, CV_KH);
  const KW = argI(a, CV_KW);
  const OH = argI(a, CV_OH);
  const OW = argI(a, CV_OW);
  const khw = KH * KW;
  const Cg = C / G;
  const Og = O / G;
  // Rows (output channels), pixels and source volume of one (n, g) product.
  const rows = backward ? Cg : Og;
  const depth = backward ? Og : Cg;
  const P = backward ? H * W : OH * OW;
  const srcH = backward ? OH : H;
  const srcW = backward ? OW : W;
  const K = depth * khw;
  const chunk = argI(a, CV_CHUNK);
  const chunks = (P + chunk - 1) / chunk;
  const total = <i64>N * G * chunks;
  const sd = <usize>argI(a, CV_IN1_DESC);
  const wd = <usize>argI(a, CV_IN2_DESC);
  const enc = <usize>argI(a, CV_OUT_ENC);
  const ws = word(sd, D_WIDTH);
  const ww = word(wd, D_WIDTH);
  const wo = enc == 0 ? 4 : word(enc, E_WIDTH);
  const work = workOf(a, tid);
  const vol = scratchOf(work, max(Og, Cg)); // decoded source volume (depth x srcH x srcW)
  const wt = vol + (<usize>depth * srcH * srcW << 2); // data gradient: w[g] rearranged (Cg x Og*khw)
  const gArgs = work + TLS_ARGS;
  const fd = work + TLS_F32_DESC;
  const ic = work + TLS_IM2COL;
  store<i32>(fd, 4);
  const SH = argI(a, CV_SH);
  const SW = argI(a, CV_SW);
  const PH = argI(a, CV_PH);
  const PW = argI(a, CV_PW);
  const DH = argI(a, CV_DH);
  const DW = argI(a, CV_DW);
  if (backward) setIm2col(ic, 0, srcH, srcW, W, KH, KW, 1, PH, -DH, SH, 1, PW, -DW, SW);
  else setIm2col(ic, 0, srcH, srcW, OW, KH, KW, SH, -PH, DH, 1, SW, -PW, DW, 1);
  let volumeOf = -1;
  let weightsOf = -1;
  // Unit-stride taps over whole images: the direct kernel (direct-conv.ts), scratch after wt.
  const direct = SH == 1 && SW == 1 && chunks == 1;
  const gridH = P / (backward ? W : OW);
  const pad = wt + (backward ? <usize>Cg * K << 2 : 0);
  const ap = pad + (<usize>depth * paddedRows(ic, gridH) * paddedCols(ic) << 2);
  const cbuf = ap + (<usize>((rows + 3) >> 2) * 4 * K << 2);
  for (let t = <i32>((total * tid) / nt); t < <i32>((total * (tid + 1)) / nt); t++) {
    const n = t / (G * chunks);
    const g = (t / chunks) % G;
    const p0 = (t % chunks) * chunk;
    const pc = min(chunk, P - p0);
    const src = <usize>argI(a, CV_IN1) + <usize>((n * G + g) * depth) * srcH * srcW * ws;
    if (volumeOf != t / chunks) setArg(ic, IC_SRC, <f64>floatsOf(src, sd, depth * srcH * srcW, vol, work));
    volumeOf = t / chunks;
    let A = <usize>argI(a, CV_IN2) + <usize>(g * Og) * Cg * khw * ww;
    let aDesc = wd;
    if (backward) {
      if (weightsOf != g) {
        // wt[c][(o, ky, kx)] = w[g*Og + o][c][ky][kx], decoded.
        for (let c = 0; c < Cg; c++) {
          for (let o = 0; o < Og; o++) {
            for (let q = 0; q < khw; q++) {
              const code = codeAt(A + (<usize>((o * Cg + c) * khw + q)) * ww, ww);
              store<f32>(wt + (<usize>(c * K + o * khw + q) << 2), decodeScalar(code, wd));
            }
          }
        }
      }
      A = wt;
      aDesc = fd;
    }
    const off = (<f64>n * G + <f64>g) * rows * P + p0;
    const out = <usize>(argF(a, CV_OUT) + off * wo);
    if (direct) {
      if (weightsOf != g) packRows(A, aDesc, word(aDesc, D_WIDTH), rows, K, ap);
      weightsOf = g;
      padVolume(<usize>argI(ic, IC_SRC), depth, ic, gridH, pad);
      directConv(pad, depth, ic, gridH, ap, rows, K, cbuf);
      for (let r = 0; r < rows; r++) {
        const from = cbuf + (<usize>r * (P + 8) << 2);
        const to = out + <usize>r * P * wo;
        if (enc == 0) memory.copy(to, from, <usize>P << 2);
        else encodeRange(from, to, P, enc, argF(a, CV_INDEX) + off + <f64>r * P, work);
      }
      continue;
    }
    weightsOf = g;
    setArg(ic, IC_P0, p0);
    setGemm(gArgs, rows, pc, K, A, aDesc, 0, K, 0, fd, 0, 0, out, enc, P, argF(a, CV_INDEX) + off, 0, ic);
    gemmRange(gArgs, 0, 0, rows, 0, pc, work);
  }
}

/** Forward: y (n, o, oh, ow) from x and w; items (image, group, output pixel chunk). */
export function convForward(a: usize, tid: i32, nt: i32): void {
  implicitConv(a, tid, nt, false);
}

/** Data gradient: dx (n, c, h, w) from dy and w; items (image, group, input pixel chunk). */
export function convBackwardData(a: usize, tid: i32, nt: i32): void {
  implicitConv(a, tid, nt, true);
}

/** Filter gradient: dw[g] (Og x K) = sum over n of dy[n, g] (Og x P) col(x[n, g])^T (P x K), one float32
 * accumulation across images; items (g, filter column chunk). */
export function convBackwardFilter(a: usize, tid: i32, nt: i32): void {
  const N = argI(a, CV_N);
  const C = argI(a, CV_C);
  const O = argI(a, CV_O);
  const G = argI(a, CV_GROUPS);
  const HW = argI(a, CV_H) * argI(a, CV_W);
  const P = argI(a, CV_OH) * argI(a, CV_OW);
  const Cg = C / G;
  const Og = O / G;
  const K = Cg * argI(a, CV_KH) * argI(a, CV_KW);
  const chunk = argI(a, CV_CHUNK);
  const chunks = (K + chunk - 1) / chunk;
  const total = <i64>G * chunks;
  const xd = <usize>argI(a, CV_IN1_DESC);
  const dyd = <usize>argI(a, CV_IN2_DESC);
  const enc = <usize>argI(a, CV_OUT_ENC);
  const wx = word(xd, D_WIDTH);
  const wdy = word(dyd, D_WIDTH);
  const wo = enc == 0 ? 4 : word(enc, E_WIDTH);
  const work = workOf(a, tid);
  const col = scratchOf(work, max(Og, Cg));
  const acc = col + (<usize>chunk * P << 2);
  const xf = acc + (<usize>Og * chunk << 2); // one image's channel group, decoded
  const gArgs = work + TLS_ARGS;
  const fd = work + TLS_F32_DESC;
  store<i32>(fd, 4);
  // Direct for unit strides and up to 16 filters per group (LeNet: 1.4x the GEMM path); with more the
  // GEMM reuses its packed panels enough to be faster (VGG's 32-filter layers: 0.7x).
  if (argI(a, CV_SH) == 1 && argI(a, CV_SW) == 1 && Og <= 16) {
    filterDirect(a, work, xf + (<usize>Cg * HW << 2), tid, nt);
    return;
  }
  for (let t = <i32>((total * tid) / nt); t < <i32>((total * (tid + 1)) / nt); t++) {
    const g = t / chunks;
    const k0 = (t % chunks) * chunk;
    const kc = min(chunk, K - k0);
    for (let n = 0; n < N; n++) {
      const x = <usize>argI(a, CV_IN1) + <usize>(n * C + g * Cg) * HW * wx;
      im2col(floatsOf(x, xd, Cg * HW, xf, work), a, k0, k0 + kc, 0, P, col);
      const dy = <usize>argI(a, CV_IN2) + <usize>(n * O + g * Og) * P * wdy;
      setGemm(gArgs, Og, kc, P, dy, dyd, 0, P, col, fd, 1, P, acc, 0, kc, 0, n > 0 ? 1 : 0, 0);
      gemmRange(gArgs, 0, 0, Og, 0, kc, work);
    }
    if (N == 0) memory.fill(acc, 0, <usize>Og * kc << 2);
    for (let o = 0; o < Og; o++) {
      const off = <f64>(g * Og + o) * K + k0;
      const dw = <usize>(argF(a, CV_OUT) + off * wo);
      const src = acc + (<usize>o * kc << 2);
      if (enc == 0) memory.copy(dw, src, <usize>kc << 2);
      else encodeRange(src, dw, kc, enc, argF(a, CV_INDEX) + off, work);
    }
  }
}

/** The filter gradient of a unit-stride convolution by directFilter (direct-conv.ts), scratch at `sc`:
 * the padded image group, dy decoded, dy transposed, the slot-major accumulators and one output row.
 * Same items, order of sums and rounding as the GEMM path above. */
function filterDirect(a: usize, work: usize, sc: usize, tid: i32, nt: i32): void {
  const N = argI(a, CV_N);
  const C = argI(a, CV_C);
  const H = argI(a, CV_H);
  const W = argI(a, CV_W);
  const O = argI(a, CV_O);
  const G = argI(a, CV_GROUPS);
  const KH = argI(a, CV_KH);
  const KW = argI(a, CV_KW);
  const OH = argI(a, CV_OH);
  const OW = argI(a, CV_OW);
  const P = OH * OW;
  const Cg = C / G;
  const Og = O / G;
  const K = Cg * KH * KW;
  const R4 = (Og + 3) & ~3;
  const chunk = argI(a, CV_CHUNK);
  const chunks = (K + chunk - 1) / chunk;
  const total = <i64>G * chunks;
  const xd = <usize>argI(a, CV_IN1_DESC);
  const dyd = <usize>argI(a, CV_IN2_DESC);
  const enc = <usize>argI(a, CV_OUT_ENC);
  const wx = word(xd, D_WIDTH);
  const wdy = word(dyd, D_WIDTH);
  const wo = enc == 0 ? 4 : word(enc, E_WIDTH);
  const ic = work + TLS_IM2COL;
  setIm2col(ic, 0, H, W, OW, KH, KW, 1, -argI(a, CV_PH), argI(a, CV_DH), 1, 1, -argI(a, CV_PW), argI(a, CV_DW), 1);
  const xf = sc - (<usize>Cg * H * W << 2); // the GEMM path's decode buffer, just below
  const xpad = sc;
  const dyf = xpad + (<usize>Cg * paddedRows(ic, OH) * paddedCols(ic) << 2);
  const dyT = dyf + (<usize>Og * P << 2);
  const acc = dyT + (<usize>P * R4 << 2);
  const row = acc + (<usize>((chunk + 7) & ~7) * R4 << 2);
  for (let t = <i32>((total * tid) / nt); t < <i32>((total * (tid + 1)) / nt); t++) {
    const g = t / chunks;
    const k0 = (t % chunks) * chunk;
    const kc = min(chunk, K - k0);
    const kc8 = (kc + 7) & ~7;
    memory.fill(acc, 0, <usize>kc8 * R4 << 2);
    for (let n = 0; n < N; n++) {
      const x = <usize>argI(a, CV_IN1) + <usize>(n * C + g * Cg) * H * W * wx;
      padVolume(floatsOf(x, xd, Cg * H * W, xf, work), Cg, ic, OH, xpad);
      const dy = <usize>argI(a, CV_IN2) + <usize>(n * O + g * Og) * P * wdy;
      transposeRows(floatsOf(dy, dyd, Og * P, dyf, work), Og, P, dyT);
      directFilter(xpad, ic, OH, dyT, R4, k0, kc8, K, acc);
    }
    for (let o = 0; o < Og; o++) {
      for (let s = 0; s < kc; s++) store<f32>(row + (<usize>s << 2), load<f32>(acc + ((<usize>s * R4 + o) << 2)));
      const off = <f64>(g * Og + o) * K + k0;
      const dw = <usize>(argF(a, CV_OUT) + off * wo);
      if (enc == 0) memory.copy(dw, row, <usize>kc << 2);
      else encodeRange(row, dw, kc, enc, argF(a, CV_INDEX) + off, work);
    }
  }
}
