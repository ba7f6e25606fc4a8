/**
 * Layer `experiment`: training runs and comparisons (configuration, the mapping of a precision policy onto
 * model, backward and optimizer, the training loop, checkpoints, run directories and resume), text-model
 * evaluation and SQuAD, post-training quantization runs with their saved models and ONNX export, the
 * tolerance study, and `reproduce`'s claims and verdicts. Uses every layer below it; must not import
 * report or cli.
 */
export * from "./config.js";
export * from "./setup.js";
export * from "./monitor.js";
export * from "./step.js";
export * from "./checkpoint.js";
export * from "./run-dir.js";
export * from "./run-schema.js";
export * from "./result-schemas.js";
export * from "./trainer.js";
export * from "./text-model.js";
export * from "./compare.js";
export * from "./tolerance-run.js";
export * from "./tolerance-report.js";
export * from "./squad-features.js";
export * from "./squad-eval.js";
export * from "./quantize-run.js";
export * from "./quant-export.js";
export * from "./quant-save.js";
export * from "./onnx-agreement.js";
export * from "./predictions.js";
export * from "./verdict.js";
export * from "./claims.js";
export * from "./reproduce.js";
export * from "./progress.js";
