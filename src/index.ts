/**
 * minifloat's public API: bit-exact low-precision number formats (and, as the layers of DESIGN.md
 * arrive, tensors, training, analysis and quantization).
 */
export * from "./errors.js";
export * from "./formats/index.js";
