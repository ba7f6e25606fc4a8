/**
 * The `js` backend: every kernel, written to be obviously correct. It is the reference every other
 * backend is tested against. Each family lives in its own file.
 */
import type { Kernels } from "../signatures.js";
import { convKernels } from "./conv.js";
import { elementwiseKernels } from "./elementwise.js";
import { matmulKernels } from "./matmul.js";
import { normKernels } from "./norm.js";
import { reduceKernels } from "./reduce.js";
import { softmaxKernels } from "./softmax.js";

/** The reference kernels. */
export const jsKernels: Kernels = Object.freeze({
  ...elementwiseKernels,
  ...reduceKernels,
  ...matmulKernels,
  ...softmaxKernels,
  ...convKernels,
  ...normKernels,
});
