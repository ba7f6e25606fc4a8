/**
 * Every recorded op's name and the attributes its creator keeps, by family. Autograd's rule table is
 * typed `{ [P in OpName]: GradRule<P> }` over this map, so adding an op without a gradient rule is a
 * compile error. Each family's map lives beside its ops; this file joins them.
 */
import type {
  BatchNormAttrs,
  BinaryOp,
  CompareOp,
  Conv2dAttrs,
  CrossEntropyAttrs,
  LayerNormAttrs,
  MatmulAttrs,
  Pool2dAttrs,
  UnaryOp,
} from "../kernels/signatures.js";
import type { Shape } from "../tensor/index.js";

/** No attributes. */
export type NoAttrs = Record<string, never>;

/** Elementwise ops: their attributes. */
export type ElementwiseOpAttrs = { [P in UnaryOp | BinaryOp]: NoAttrs } & { [P in CompareOp]: NoAttrs } & {
  where: NoAttrs;
  cast: NoAttrs;
};

/** Reductions: the reduced axes (normalized, sorted) and whether they are kept. */
export interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

/** Reductions, matmul and softmax-family ops: their attributes. */
export interface MathOpAttrs {
  sum: ReduceAttrs;
  mean: ReduceAttrs;
  max: ReduceAttrs;
  matmul: MatmulAttrs;
  softmax: { readonly axis: number };
  log_softmax: { readonly axis: number };
  /** Labels are kept on the creator for the backward pass. */
  cross_entropy: CrossEntropyAttrs & { readonly labels: Int32Array };
}

/** Neural-network ops: their attributes. */
export interface NnOpAttrs {
  conv2d: Conv2dAttrs;
  max_pool2d: Pool2dAttrs & { readonly argmax: Int32Array };
  avg_pool2d: Pool2dAttrs;
  /** `saved` holds the batch mean and 1/sqrt(var + eps) per channel (training mode only). */
  batch_norm: BatchNormAttrs & { readonly saved: Float32Array };
  layer_norm: LayerNormAttrs & { readonly saved: Float32Array };
  embedding: { readonly indices: Int32Array };
  /** Elements kept are scaled by 1 / (1 - p); the mask (1/(1-p) or 0) is saved on the creator. */
  dropout: { readonly p: number };
}

/** Shape and data-movement ops: their attributes. */
export interface ViewOpAttrs {
  reshape: { readonly shape: Shape };
  permute: { readonly axes: readonly number[] };
  /** Per-axis start and end (end exclusive) and step > 0. */
  slice: {
    readonly starts: readonly number[];
    readonly ends: readonly number[];
    readonly steps: readonly number[];
  };
  concat: { readonly axis: number };
  /** Per-axis [before, after] padding with a constant. */
  pad: { readonly pads: readonly (readonly [number, number])[]; readonly value: number };
  broadcast_to: { readonly shape: Shape };
  contiguous: NoAttrs;
}

/** Every recorded op and its attributes. */
export type OpAttrs = ElementwiseOpAttrs & MathOpAttrs & NnOpAttrs & ViewOpAttrs;

/** The name of a recorded op. */
export type OpName = keyof OpAttrs;
