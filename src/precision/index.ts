/**
 * Layer `precision`: precision policies (roles -> formats and rounding, DESIGN.md rule 5), their presets
 * and JSON form, and loss scaling. Decides formats; computes nothing but the loss scale. Imports formats,
 * tensor, optim (the update rules a policy names) and ../errors; never nn, quant or anything above.
 */
export * from "./policy.js";
export * from "./parse-policy.js";
export * from "./loss-scaler.js";
