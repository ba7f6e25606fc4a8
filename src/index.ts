/**
 * minifloat's public API, one export per layer of docs/design.md a user scripts against: formats, tensor,
 * the kernel registry's names, ops, autograd, nn, optim, precision, quant, analysis, io, data,
 * experiment and report, as named exports (tsc refuses a name two layers export). Only cli stays out:
 * it is the `minifloat` command. README "Library" shows one example per layer.
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
  backendNames,
  ownKernelNames,
  registerBackend,
  type Backend,
  type Accumulate,
  type Kernels,
  type OpRounding,
} from "./kernels/index.js";
export * from "./ops/index.js";
export * from "./autograd/index.js";
export * from "./nn/index.js";
export * from "./optim/index.js";
export * from "./precision/index.js";
export * from "./quant/index.js";
export * from "./analysis/index.js";
export * from "./io/index.js";
export * from "./data/index.js";
export * from "./experiment/index.js";
export * from "./report/index.js";
