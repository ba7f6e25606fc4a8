/**
 * The kernel registry: per backend, a table of kernels. `js` implements every kernel (the reference);
 * other backends register whatever subset they implement and fall back to `js` for the rest. The seam
 * is narrow on purpose (DESIGN.md: a WebGPU backend must fit without touching the layers above).
 */
import type { BackendName } from "../tensor/index.js";
import { jsKernels } from "./js/index.js";
import type { Kernels } from "./signatures.js";
import { wasmBackendKernels } from "./wasm-backend.js";
import { wasmKernels } from "./wasm/index.js";

const overlays = new Map<BackendName, Partial<Kernels>>();
const resolved = new Map<BackendName, Kernels>();

/** Register (or replace) the kernels a backend implements; the rest fall back to `js`. */
export function registerKernels(backend: BackendName, kernels: Partial<Kernels>): void {
  overlays.set(backend, kernels);
  resolved.delete(backend);
}

/** The full kernel table of a backend: its own kernels over the `js` ones. */
export function kernelsFor(backend: BackendName): Kernels {
  if (backend === "js") return jsKernels;
  let k = resolved.get(backend);
  if (k === undefined) {
    if (!overlays.has("wasm")) {
      // Built on first use; without a compiled module (or WebAssembly threads) every kernel runs on js.
      const w = wasmKernels();
      overlays.set("wasm", w === null ? {} : wasmBackendKernels(w));
    }
    k = { ...jsKernels, ...(overlays.get(backend) ?? {}) };
    resolved.set(backend, k);
  }
  return k;
}

/** Which kernels a backend implements itself (the others run on `js`). */
export function ownKernelNames(backend: BackendName): (keyof Kernels)[] {
  if (backend === "js") return Object.keys(jsKernels) as (keyof Kernels)[];
  return Object.keys(overlays.get(backend) ?? {}) as (keyof Kernels)[];
}
