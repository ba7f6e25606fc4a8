/**
 * Entry points of minifloat's WebAssembly kernels (AssemblyScript, SIMD128, imported shared memory, no
 * runtime: every buffer is a pointer the TypeScript loader in src/kernels/wasm hands in). Threaded
 * entries take (args, tid, nt) and do thread tid's share of the work described at args.
 */
export { decodeRange, encodeRange } from "./codec";
export { fillRandom } from "./philox";
export { gemm } from "./gemm";
export { binary, relu } from "./elementwise";
export { convForward, convBackwardData, convBackwardFilter } from "./conv";
export { maxPool, maxPoolBackward, channelSum } from "./pool";
export { batchNorm, batchNormBackward } from "./norm";

export { MR, NR, MC, KC, NC, RCHUNK, TLS_BYTES, PACK_A_BYTES, PACK_B_BYTES, G_FIELDS, CV_FIELDS } from "./layout";
