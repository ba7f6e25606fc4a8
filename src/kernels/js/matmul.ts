/**
 * Batched matmul of the `js` backend: out (..., M, N) = op(a) (..., M, K) x op(b) (..., K, N), batch dims
 * broadcast (NumPy). Order (the wasm GEMM matches it): for each output element, k = 0, 1, ..., K-1;
 * each product is rounded to float32 (exact for bf16/fp16/fp8 inputs, DESIGN.md Engine) and added to the
 * accumulator. Accumulate "float32": Math.fround after every addition, one rounding into the output at the
 * end; "output": every partial sum rounded to the output format (nearest-even, TwoSum: one rounding each).
 */
import { nearestAdd } from "../../formats/index.js";
import { sizeOf } from "../../tensor/index.js";
import type { MatmulAttrs, MatmulKernels } from "../signatures.js";
import { decoded, resultBuffer, store, type Operand } from "../types.js";
import { broadcastIndex } from "../broadcast.js";

/** The matrices of a batched operand packed so the K axis is contiguous: (batch, rows, K). */
function packRowsByK(v: Float32Array, batch: number, rows: number, k: number, kFirst: boolean): Float32Array {
  if (!kFirst) return v;
  // v is (batch, K, rows): transpose every matrix to (rows, K).
  const out = new Float32Array(batch * rows * k);
  for (let b = 0; b < batch; b++) {
    const base = b * rows * k;
    for (let i = 0; i < k; i++) for (let j = 0; j < rows; j++) out[base + j * k + i] = v[base + i * rows + j];
  }
  return out;
}

/** The dimensions of one side: batch count, and the rows (M or N) and K of each matrix. */
function dims(x: Operand, transposed: boolean, isB: boolean): { batch: number; rows: number; k: number } {
  const r = x.shape.length;
  const d0 = x.shape[r - 2] ?? 1;
  const d1 = x.shape[r - 1] ?? 1;
  // a: (M, K), transA (K, M); b: (K, N), transB (N, K). Rows-by-K means K is the last axis.
  const kLast = isB ? transposed : !transposed;
  return { batch: sizeOf(x.shape.slice(0, -2)), rows: kLast ? d0 : d1, k: kLast ? d1 : d0 };
}

/** Dot product of two K-vectors at offsets, in the documented order and accumulation ("output": partial
 * sums nearest-even, so an op's stochastic rounding has nothing left to round). */
function dot(
  a: Float32Array,
  ai: number,
  b: Float32Array,
  bi: number,
  k: number,
  out: Operand,
  attrs: MatmulAttrs,
): number {
  let acc = 0;
  if (attrs.accumulate === "float32") {
    for (let i = 0; i < k; i++) acc = Math.fround(acc + Math.fround(a[ai + i] * b[bi + i]));
  } else {
    for (let i = 0; i < k; i++) acc = nearestAdd(out.format, acc, Math.fround(a[ai + i] * b[bi + i]));
  }
  return acc;
}

/** The reference matmul kernel. */
export const matmulKernels: MatmulKernels = {
  matmul(a, b, out, attrs, r) {
    const da = dims(a, attrs.transA, false);
    const db = dims(b, attrs.transB, true);
    const { k } = da;
    const m = da.rows;
    const n = db.rows;
    const pa = packRowsByK(decoded(a), da.batch, m, k, attrs.transA);
    const pb = packRowsByK(decoded(b), db.batch, n, k, !attrs.transB);
    const outBatch = out.shape.slice(0, -2);
    const batch = sizeOf(outBatch);
    const mapA = broadcastIndex(a.shape.slice(0, -2), outBatch);
    const mapB = broadcastIndex(b.shape.slice(0, -2), outBatch);
    const res = resultBuffer(out, batch * m * n);
    for (let t = 0; t < batch; t++) {
      const baseA = (mapA === null ? t : mapA[t]) * m * k;
      const baseB = (mapB === null ? t : mapB[t]) * n * k;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          res[(t * m + i) * n + j] = dot(pa, baseA + i * k, pb, baseB + j * k, k, out, attrs);
        }
      }
    }
    store(out, res, r);
  },
};
