/**
 * Layer `nn`: modules (parameters, buffers, train/eval), layers and models, built with a ModuleContext
 * that carries the formats a precision policy chooses. Imports autograd, ops, tensor and formats, never
 * optim, precision or anything above.
 */
export * from "./module.js";
export * from "./layers.js";
export * from "./models.js";
export * from "./transformer.js";
export * from "./registry.js";
export * from "./bert.js";
export * from "./bert-heads.js";
export * from "./bert-limits.js";
