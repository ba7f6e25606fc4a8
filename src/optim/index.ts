/**
 * Layer `optim`: SGD, Adam and AdamW with state in the precision policy's formats, the weight-update
 * rules (nearest, stochastic, kahan) with their cancellation counts, learning-rate schedules and
 * warnings for hyper-parameters the state format cannot hold. Takes parameter tensors, not modules:
 * imports tensor, formats and ../errors only, never nn (its row-mate), precision or anything above.
 */
export * from "./update.js";
export * from "./optimizer.js";
export * from "./sgd.js";
export * from "./adam.js";
export * from "./warnings.js";
export * from "./schedule.js";
