/**
 * GEMM C = op(A) op(B) over storage formats: BLIS-style blocking (NC columns, KC of k, MC rows), panels
 * decoded to float32 while packing, a 4 x 8 register tile of f32x4 accumulators, and rounding to the
 * output format in the epilogue. Summation order: every C[i][j] is ((0 + a0 b0) + a1 b1) + ... with k
 * increasing, each product and each sum rounded to float32 (never fused), whatever the blocking, tile
 * position or thread; K blocks resume from the float32 partial sums.
 */
import {
  D_WIDTH, E_WIDTH, G_A, G_A_DESC, G_ACCUMULATE, G_B, G_B_DESC, G_BATCH, G_C, G_C_ENC, G_INDEX, G_K, G_LDA,
  G_LDB, G_LDC, G_M, G_N, G_STRIDE_A, G_STRIDE_B, G_STRIDE_C, G_TILE_M, G_TILE_N, G_TRANS_A, G_TRANS_B,
  G_WORK, G_WORK_STRIDE, G_B_CONV, KC, MC, MR, NC, NR, PACK_A_BYTES, PACK_B_BYTES, TLS_BYTES, TLS_EDGE, TLS_LINES,
  argF, argI, word,
} from "./layout";
import { encodeRange } from "./codec";
import { packConvPanel } from "./im2col";
import { packPanel } from "./pack";

/** The 4 x 8 register tile: C (+)= Ap Bp over kc, acc = acc + a * b with k increasing. `first` starts
 * from zero instead of loading C; ldcb is C's row stride in bytes. */
function kernel(kc: i32, ap: usize, bp: usize, c: usize, ldcb: usize, first: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  if (!first) {
    c00 = v128.load(c);
    c01 = v128.load(c, 16);
    c10 = v128.load(c + ldcb);
    c11 = v128.load(c + ldcb, 16);
    c20 = v128.load(c + 2 * ldcb);
    c21 = v128.load(c + 2 * ldcb, 16);
    c30 = v128.load(c + 3 * ldcb);
    c31 = v128.load(c + 3 * ldcb, 16);
  }
  const end = ap + (<usize>kc << 4);
  while (ap < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += 16;
    bp += 32;
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldcb, c10);
  v128.store(c + ldcb, c11, 16);
  v128.store(c + 2 * ldcb, c20);
  v128.store(c + 2 * ldcb, c21, 16);
  v128.store(c + 3 * ldcb, c30);
  v128.store(c + 3 * ldcb, c31, 16);
}

/** A partial tile (mr < MR or nr < NR) through the thread's edge buffer. */
function edgeKernel(kc: i32, ap: usize, bp: usize, c: usize, ldcb: usize, first: bool, mr: i32, nr: i32, e: usize): void {
  if (!first) {
    for (let r = 0; r < mr; r++) memory.copy(e + <usize>(r * NR * 4), c + <usize>r * ldcb, <usize>nr << 2);
  }
  kernel(kc, ap, bp, e, NR * 4, first);
  for (let r = 0; r < mr; r++) memory.copy(c + <usize>r * ldcb, e + <usize>(r * NR * 4), <usize>nr << 2);
}

/** K = 0: C is the empty sum, +0 (rounded into the output format), unless accumulating. */
function emptySum(c: usize, ldc: i32, wc: i32, cEnc: usize, index: f64, i0: i32, i1: i32, j0: i32, j1: i32, cf: usize, tls: usize): void {
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    memory.fill(cf, 0, <usize>nc << 2);
    for (let i = i0; i < i1; i++) {
      const row = c + (<usize>i * ldc + jc) * wc;
      if (cEnc == 0) memory.fill(row, 0, <usize>nc << 2);
      else encodeRange(cf, row, nc, cEnc, index + <f64>i * ldc + jc, tls);
    }
  }
}

/**
 * Rows i0..i1-1 and columns j0..j1-1 of batch `bat` of the GEMM described by the argument block at
 * `args`, on one thread with the work area at `work` (TLS, packed A, packed B, float32 C rows).
 */
export function gemmRange(args: usize, bat: i32, i0: i32, i1: i32, j0: i32, j1: i32, work: usize): void {
  const K = argI(args, G_K);
  const aDesc = <usize>argI(args, G_A_DESC);
  const bDesc = <usize>argI(args, G_B_DESC);
  const cEnc = <usize>argI(args, G_C_ENC);
  const wa = word(aDesc, D_WIDTH);
  const wb = word(bDesc, D_WIDTH);
  const raw = cEnc == 0;
  const wc = raw ? 4 : word(cEnc, E_WIDTH);
  const lda = argI(args, G_LDA);
  const ldb = argI(args, G_LDB);
  const ldc = argI(args, G_LDC);
  const transA = argI(args, G_TRANS_A) != 0;
  const transB = argI(args, G_TRANS_B) != 0;
  // A(i, k) is code i * ars + k * aks; B(k, j) is code j * brs + k * bks (panel lines are rows of A,
  // columns of B).
  const ars = transA ? 1 : lda;
  const aks = transA ? lda : 1;
  const brs = transB ? ldb : 1;
  const bks = transB ? 1 : ldb;
  const a = <usize>(argF(args, G_A) + <f64>bat * argF(args, G_STRIDE_A) * wa);
  const b = <usize>(argF(args, G_B) + <f64>bat * argF(args, G_STRIDE_B) * wb);
  const c = <usize>(argF(args, G_C) + <f64>bat * argF(args, G_STRIDE_C) * wc);
  const index = argF(args, G_INDEX) + <f64>bat * argF(args, G_STRIDE_C);
  const accumulate = argI(args, G_ACCUMULATE) != 0;
  const bConv = <usize>argI(args, G_B_CONV);
  const tls = work;
  const pa = work + TLS_BYTES;
  const pb = pa + PACK_A_BYTES;
  const cf = pb + PACK_B_BYTES;
  if (K == 0) {
    if (!accumulate) emptySum(c, ldc, wc, cEnc, index, i0, i1, j0, j1, cf, tls);
    return;
  }
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const first = pc == 0 && !accumulate;
      for (let jr = 0; jr < nc; jr += NR) {
        const dst = pb + <usize>jr * kc * 4;
        if (bConv != 0) packConvPanel(dst, bConv, pc, kc, jc + jr, min(NR, nc - jr), tls + TLS_LINES);
        else packPanel(dst, b + (<usize>(jc + jr) * brs + <usize>pc * bks) * wb, brs, bks, NR, min(NR, nc - jr), kc, bDesc);
      }
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        for (let ir = 0; ir < mc; ir += MR) {
          const src = a + (<usize>(ic + ir) * ars + <usize>pc * aks) * wa;
          packPanel(pa + <usize>ir * kc * 4, src, ars, aks, MR, min(MR, mc - ir), kc, aDesc);
        }
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = pb + <usize>jr * kc * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const ap = pa + <usize>ir * kc * 4;
            const cp = raw
              ? c + ((<usize>(ic + ir) * ldc + jc + jr) << 2)
              : cf + ((<usize>(ic + ir - i0) * NC + jr) << 2);
            const ldcb: usize = raw ? <usize>ldc << 2 : NC << 2;
            if (mr == MR && nr == NR) kernel(kc, ap, bp, cp, ldcb, first);
            else edgeKernel(kc, ap, bp, cp, ldcb, first, mr, nr, tls + TLS_EDGE);
          }
        }
        if (!raw && pc + kc >= K) {
          // Epilogue: round the finished float32 rows of this block into the output format.
          for (let i = ic; i < ic + mc; i++) {
            const src = cf + ((<usize>(i - i0) * NC) << 2);
            encodeRange(src, c + (<usize>i * ldc + jc) * wc, nc, cEnc, index + <f64>i * ldc + jc, tls);
          }
        }
      }
    }
  }
}

/**
 * Thread `tid` of `nt`'s share of a (batched) GEMM: the output is cut into tiles of G_TILE_M x G_TILE_N
 * per batch, and each thread takes a contiguous run of tiles, so every element is computed whole by
 * one thread in the order above, whatever the thread count.
 */
export function gemm(args: usize, tid: i32, nt: i32): void {
  const M = argI(args, G_M);
  const N = argI(args, G_N);
  if (M == 0 || N == 0) return;
  const tileM = argI(args, G_TILE_M);
  const tileN = argI(args, G_TILE_N);
  const tm = (M + tileM - 1) / tileM;
  const tn = (N + tileN - 1) / tileN;
  const total = <i64>argI(args, G_BATCH) * tm * tn;
  const start = <i32>((total * tid) / nt);
  const end = <i32>((total * (tid + 1)) / nt);
  const work = <usize>(argF(args, G_WORK) + <f64>tid * argF(args, G_WORK_STRIDE));
  for (let t = start; t < end; t++) {
    const bat = t / (tm * tn);
    const rest = t % (tm * tn);
    const i0 = (rest / tn) * tileM;
    const j0 = (rest % tn) * tileN;
    gemmRange(args, bat, i0, min(M, i0 + tileM), j0, min(N, j0 + tileN), work);
  }
}
