/**
 * Layer `ops`: the public tensor functions. Each validates its arguments (naming the op, the argument
 * and both shapes), chooses the output format, dispatches to the engine's kernels and records its
 * creator for autograd. Imports kernels, tensor and formats; never autograd or anything above.
 */
export * from "./op-attrs.js";
export * from "./dispatch.js";
export * from "./views.js";
export * from "./elementwise.js";
export * from "./math.js";
export * from "./nn.js";
