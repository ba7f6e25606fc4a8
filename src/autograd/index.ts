/**
 * Layer `autograd`: the reverse pass over the graph of creators, one gradient rule per op, and the
 * float64 finite-difference checker every rule is tested with. Imports ops and below, never above.
 */
export * from "./rule.js";
export * from "./backward.js";
export * from "./gradcheck.js";
export { GRAD_RULES } from "./rules/index.js";
