/**
 * Softmax, log-softmax and the fused softmax cross-entropy of the `js` backend. Each is computed in
 * float64 from the exactly decoded inputs, with the row maximum subtracted before exp (so exp never
 * overflows), and rounded once into the output format (DESIGN.md rule 4: float64 for transcendental
 * functions). Label smoothing follows Szegedy et al. 2016 (arXiv:1512.00567, section 7): the target is
 * (1 - eps) one-hot + eps / C.
 */
import { sizeOf } from "../../tensor/index.js";
import type { SoftmaxKernels } from "../signatures.js";
import { decoded, store } from "../types.js";

/** Max and log-sum-exp of n values at v[base + i * stride], in float64. */
function logSumExp(v: Float32Array, base: number, n: number, stride: number): { max: number; lse: number } {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, v[base + i * stride]);
  if (max === -Infinity) max = 0; // every entry -inf (or n = 0): exp(-inf - 0) = 0
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(v[base + i * stride] - max);
  return { max, lse: max + Math.log(s) };
}

/** The reference softmax kernels. */
export const softmaxKernels: SoftmaxKernels = {
  softmax(x, axis, log, out, r) {
    const v = decoded(x);
    const n = x.shape[axis] ?? 1;
    const inner = sizeOf(x.shape.slice(axis + 1));
    const outer = sizeOf(x.shape.slice(0, axis));
    const res = new Float64Array(v.length);
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < inner; c++) {
        const base = o * n * inner + c;
        const { lse } = logSumExp(v, base, n, inner);
        for (let i = 0; i < n; i++) {
          const at = base + i * inner;
          res[at] = log ? v[at] - lse : Math.exp(v[at] - lse);
        }
      }
    }
    store(out, res, r);
  },
  crossEntropy(logits, labels, attrs, out, r) {
    const v = decoded(logits);
    const [rows = 0, classes = 0] = logits.shape;
    const eps = attrs.labelSmoothing;
    let total = 0;
    for (let i = 0; i < rows; i++) {
      const base = i * classes;
      const { lse } = logSumExp(v, base, classes, 1);
      let mean = 0;
      for (let c = 0; c < classes; c++) mean += v[base + c];
      mean /= classes;
      // -sum_c target_c log p_c with target = (1 - eps) onehot + eps / C, and log p_c = x_c - lse.
      total += lse - (1 - eps) * v[base + labels[i]] - (eps === 0 ? 0 : eps * mean);
    }
    store(out, Float64Array.of(rows === 0 ? NaN : total / rows), r);
  },
  crossEntropyBackward(logits, labels, grad, attrs, dLogits, r) {
    const v = decoded(logits);
    const [rows = 0, classes = 0] = logits.shape;
    const eps = attrs.labelSmoothing;
    const scale = grad / rows;
    const res = new Float64Array(v.length);
    for (let i = 0; i < rows; i++) {
      const base = i * classes;
      const { lse } = logSumExp(v, base, classes, 1);
      for (let c = 0; c < classes; c++) {
        const target = (c === labels[i] ? 1 - eps : 0) + eps / classes;
        res[base + c] = (Math.exp(v[base + c] - lse) - target) * scale;
      }
    }
    store(dLogits, res, r);
  },
};
