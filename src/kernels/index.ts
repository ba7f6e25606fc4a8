/**
 * Layer `kernels`: op kernels as pure functions over typed arrays, registered per backend. `js/` is the
 * reference backend (every kernel); `wasm/` holds the WebAssembly SIMD kernels for the hot ops. Must not
 * know about tensors' autograd or anything above; imports formats and tensor (for types and storage).
 */
export * from "./types.js";
export * from "./signatures.js";
export * from "./registry.js";
// The built-in backends besides js, each registering itself from its own folder.
import "./wasm/backend/index.js";
