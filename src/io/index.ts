/**
 * Layer `io`: file formats and writing files safely: atomic writes, JSONL appends, paths kept inside a
 * root, safetensors read/write with the conversion between its dtypes and minifloat tensors, and Hugging
 * Face checkpoint directories (config.json + model.safetensors, sharded or not), the output rule every
 * command that writes follows (output.ts) and the lock on a folder one process writes (lock.ts).
 * Imports formats, tensor, nn (ONNX export walks a BERT model) and ../errors; must not import data (data
 * reads through io), quant, experiment, report or cli (they use io).
 */
export * from "./atomic.js";
export * from "./safetensors.js";
export * from "./safetensors-tensor.js";
export * from "./hf-checkpoint.js";
export * from "./onnx/index.js";
export * from "./package-root.js";
export * from "./hf-convert.js";
export * from "./bounded-read.js";
export * as schema from "./schema.js";
export type { Infer, Schema } from "./schema.js";
export * from "./output.js";
export * from "./lock.js";
export * from "./fs-error.js";
