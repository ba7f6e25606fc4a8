/**
 * Layer `quant`: post-training quantization of a model's matmul inputs (FP8-BERT, Li et al. 2023) by fake
 * quantization: quantizers (float casts, scaled FP8/FP6/FP4, ONNX-style int8, MX blocks; per tensor,
 * output channel, token or block) with their cost (SQNR, saturation, underflow), streaming observers and
 * calibration (max, percentile, MSE, entropy), PTQ of any model whose modules declare matmul sites
 * (nn/module.ts MatmulSite: every Linear, BERT's attention products), SmoothQuant, and accuracy-driven
 * fallback to float32. Imports formats, tensor and nn (ops run inside the modules it hooks, never called
 * here); never precision, experiment, cli, data or io.
 *
 * Typical use:
 *   const cal = calibrate(model, calibrationBatches, { method: "percentile", percentile: 99.99 });
 *   const q = quantizeModel(model, { weights: { format: "float8_e4m3fn", granularity: "channel" },
 *     activations: { format: "float8_e4m3fn" } }, cal, calibrationBatches);
 *   ... evaluate model ...; q.report() lists every quantized site with scales and costs; q.restore().
 * Or quantizeWithFallback(model, config, cal, { evaluate, maxDrop }) to keep sensitive sites in float32,
 * and smoothQuant(model, cal, { alpha }) before calibrating again and quantizing.
 * stored.ts turns a report into codes and back (bit-identical to fakeQuantize) and reinstalls activation
 * hooks from stored scales, for quantized checkpoints (experiment/quant-save.ts).
 * Hooked forwards make new tensors without a tape: this is inference-only (no QAT).
 */
export * from "./quantizer.js";
export * from "./observers.js";
export * from "./calibrate.js";
export * from "./ptq.js";
export * from "./smooth.js";
export * from "./fallback.js";
export * from "./stored.js";
