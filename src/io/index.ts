/**
 * Layer `io`: file formats and writing files safely: atomic writes, JSONL appends, paths kept inside a
 * root, and safetensors read/write with the conversion between its dtypes and minifloat tensors.
 * Imports formats, tensor and ../errors only; must not import experiment, report or cli (they use io).
 */
export * from "./atomic.js";
export * from "./safetensors.js";
export * from "./safetensors-tensor.js";
