/**
 * The shape of a gradient rule: given what the forward op saw (inputs, output, attributes, saved
 * tensors) and the gradient of the output, return one gradient per input (null where none flows).
 * Rules compute with the public ops, in the gradient format the caller chose (`ctx.options`).
 */
import type { OpAttrs, OpName, OpOptions } from "../ops/index.js";
import type { Tensor } from "../tensor/index.js";

/** What a gradient rule sees of its forward op. */
export interface GradContext<P extends OpName> {
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: OpAttrs[P];
  readonly saved: readonly Tensor[];
  /** Options for the ops the rule runs: the gradient format and rounding. */
  readonly options: OpOptions;
}

/** The gradient rule of op P: dy -> one gradient per input, shaped like that input. */
export type GradRule<P extends OpName> = (ctx: GradContext<P>, dy: Tensor) => readonly (Tensor | null)[];

/** A table with one rule for each op in K. */
export type GradRules<K extends OpName> = { readonly [P in K]: GradRule<P> };
