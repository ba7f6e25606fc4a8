/**
 * Layer `kernels`: op kernels as pure functions over typed arrays, per backend. `js/` is the reference
 * backend (every kernel); every other backend is a record in its own folder that registers itself
 * (registry.ts); `wasm/` holds the WebAssembly SIMD runtime and, in wasm/backend/, its record. Must not
 * know about tensors' autograd or anything above; imports formats and tensor (for types and storage).
 */
export * from "./types.js";
export * from "./signatures.js";
export * from "./registry.js";
// The built-in backends besides js, each registering itself from its own folder.
import "./wasm/backend/index.js";
