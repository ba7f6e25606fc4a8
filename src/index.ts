/**
 * minifloat's public API: bit-exact low-precision number formats, tensors with real low-precision
 * storage, ops on the simulated FPU with js and wasm kernels, and autograd (training, analysis and
 * quantization arrive as the layers of DESIGN.md are built).
 */
export * from "./errors.js";
export * from "./formats/index.js";
export * from "./tensor/index.js";
export {
  BINARY_OPS,
  COMPARE_OPS,
  REDUCE_OPS,
  UNARY_OPS,
  kernelsFor,
  ownKernelNames,
  registerKernels,
  type Accumulate,
  type Kernels,
  type OpRounding,
} from "./kernels/index.js";
export * from "./ops/index.js";
export * from "./autograd/index.js";
export * from "./data/index.js";
export * from "./nn/index.js";
export * from "./optim/index.js";
export * from "./precision/index.js";
export * from "./analysis/index.js";
export * from "./io/index.js";
export * from "./experiment/index.js";
