/**
 * The wasm backend's matmul: batched GEMM over storage formats with float32 accumulation and one
 * rounding, where the operands' ranks and batch broadcasting are ones the wasm GEMM handles.
 */
import { sizeOf } from "../../../tensor/index.js";
import type { Kernels } from "../../signatures.js";
import type { WasmKernels } from "../index.js";
import { encodeOptions, formatsFit, wasmOr } from "./shared.js";

/** matmul in wasm where it fits, else js. */
export function gemmKernels(w: WasmKernels): Pick<Kernels, "matmul"> {
  return {
    matmul: wasmOr(
      "matmul",
      (a, b, out, attrs) => {
        const batch = sizeOf(out.shape.slice(0, -2));
        const batchA = sizeOf(a.shape.slice(0, -2));
        const batchB = sizeOf(b.shape.slice(0, -2));
        return (
          a.shape.length >= 2 &&
          b.shape.length >= 2 &&
          attrs.accumulate === "float32" &&
          (batchA === batch || batchA === 1) &&
          (batchB === batch || batchB === 1) &&
          formatsFit(a, b, out)
        );
      },
      (a, b, out, attrs, r) => {
        const ra = a.shape.length;
        const batchA = sizeOf(a.shape.slice(0, -2));
        const batchB = sizeOf(b.shape.slice(0, -2));
        const m = out.shape[out.shape.length - 2] ?? 1;
        const n = out.shape[out.shape.length - 1] ?? 1;
        const k = attrs.transA ? (a.shape[ra - 2] ?? 1) : (a.shape[ra - 1] ?? 1);
        w.gemm({
          m,
          n,
          k,
          a: a.data,
          aFormat: a.format,
          transA: attrs.transA,
          b: b.data,
          bFormat: b.format,
          transB: attrs.transB,
          outFormat: out.format,
          rounding: encodeOptions(r),
          batch: sizeOf(out.shape.slice(0, -2)),
          strideA: batchA === 1 ? 0 : m * k,
          strideB: batchB === 1 ? 0 : k * n,
          out: out.data,
        });
      },
    ),
  };
}
