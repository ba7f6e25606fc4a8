/**
 * Layer `nn`: modules (parameters, buffers, train/eval), layers and models, built with a ModuleContext
 * that carries the formats a precision policy chooses. Imports ops, kernels (op rounding and accumulation
 * types), tensor and formats; never autograd (backward runs from outside), optim, precision or above.
 */
export * from "./module.js";
export * from "./layers.js";
export * from "./models.js";
export * from "./transformer.js";
export * from "./registry.js";
export * from "./bert.js";
export * from "./bert-heads.js";
export * from "./bert-limits.js";
