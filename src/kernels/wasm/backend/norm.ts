/**
 * The wasm backend's normalization: the js norm kernels with the wasm encoder as their store, and batch
 * norm itself in wasm (float64 in the js kernel's order, rounded once to nearest-even) where the wasm code
 * decodes the input and the output is a format float64 values round into exactly through float32.
 */
import { channelDims, normKernelsWith, updateRunning } from "../../js/norm.js";
import type { NormKernels } from "../../signatures.js";
import { decoded } from "../../types.js";
import { wasmFloat64Target, type WasmKernels } from "../index.js";
import { asFloat32, formatsFit, wasmStore } from "./shared.js";

/** The normalization kernels: batch norm in wasm where it fits, the rest on js with the wasm encoder. */
export function normalizationKernels(w: WasmKernels): NormKernels {
  const round = wasmStore(w);
  const norm = normKernelsWith(round);
  const f32 = (x: Parameters<typeof asFloat32>[1]) => asFloat32(w, x);
  return {
    ...norm,
    batchNorm(x, gamma, beta, running, attrs, out, saved, r) {
      if (r.rounding !== "nearest-even" || !formatsFit(x) || !wasmFloat64Target(out.format)) {
        norm.batchNorm(f32(x), f32(gamma), f32(beta), running, attrs, out, saved, r);
        return;
      }
      const dims = channelDims(x);
      const { c } = dims;
      if (!attrs.training) {
        for (let ch = 0; ch < c; ch++) {
          saved[ch] = running.mean[ch];
          saved[c + ch] = 1 / Math.sqrt(running.variance[ch] + attrs.eps);
        }
      }
      const gv = decoded(f32(gamma));
      const bv = decoded(f32(beta));
      const { training, eps } = attrs;
      const stats = w.batchNorm({ x, dims, gamma: gv, beta: bv, training, eps, saved, out });
      if (!attrs.training) return;
      const m = dims.n * dims.s;
      for (let ch = 0; ch < c; ch++) updateRunning(running, ch, stats[ch], stats[c + ch], m, attrs.momentum);
    },
    batchNormBackward(x, gamma, dy, saved, attrs, dx, dGamma, dBeta, r) {
      if (r.rounding !== "nearest-even" || !formatsFit(x, dy) || !wasmFloat64Target(dx.format)) {
        norm.batchNormBackward(f32(x), f32(gamma), f32(dy), saved, attrs, dx, dGamma, dBeta, r);
        return;
      }
      const dims = channelDims(x);
      const gv = decoded(f32(gamma));
      const sums = w.batchNormBackward({ x, dy, dims, gamma: gv, saved, training: attrs.training, dx });
      round(dGamma, sums.subarray(dims.c), r);
      round(dBeta, sums.subarray(0, dims.c), r);
    },
  };
}
