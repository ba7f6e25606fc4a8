/**
 * Layer `tensor`: Tensor (shape, strides, storage format, codes in typed arrays), storage and its memory
 * accounting, the engine (configuration and state), shapes and tensor creation. Owns no math: no op
 * computes anything here. Imports only formats and ../errors.
 */
export * from "./shape.js";
export * from "./memory.js";
export * from "./engine.js";
export * from "./tensor.js";
export * from "./create.js";
