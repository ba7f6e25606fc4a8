/**
 * The `wasm` backend: the kernel record that adapts the WebAssembly runtime of ../ (plain typed arrays,
 * resolved formats) to the Kernels signatures, one file per op family, and registers itself on import.
 * Every kernel runs in wasm only where the wasm code does exactly the js kernel's arithmetic (`wasmOr`).
 */
import { registerBackend, type Backend } from "../../registry.js";
import type { Kernels } from "../../signatures.js";
import { wasmKernels, type WasmKernels } from "../index.js";
import { convKernels } from "./conv.js";
import { elementwiseKernels } from "./elementwise.js";
import { gemmKernels } from "./gemm.js";
import { normalizationKernels } from "./norm.js";
import { poolKernels } from "./pool.js";

/** The kernels the wasm backend implements over runtime `w`; every other kernel runs on js. */
export function wasmBackendKernels(w: WasmKernels): Partial<Kernels> {
  return {
    ...normalizationKernels(w),
    ...gemmKernels(w),
    ...convKernels(w),
    ...elementwiseKernels(w),
    ...poolKernels(w),
  };
}

/** The wasm backend record: its kernels over the default runtime, or null without a compiled module
 * (or WebAssembly threads), where every kernel runs on js. */
export const wasmBackend: Backend = {
  name: "wasm",
  create() {
    const w = wasmKernels();
    return w === null ? null : wasmBackendKernels(w);
  },
};

registerBackend(wasmBackend);
