/**
 * Every kernel's name and signature, by family. `Kernels` is the full table: the `js` backend must
 * implement all of it (a missing kernel is a compile error), the `wasm` backend any part of it, and the
 * registry falls back to `js` for the rest. Shapes of buffers in comments use (N, C, H, W), (B, M, K).
 */
import type { Accumulate, Operand, OutputRounding } from "./types.js";

/** Elementwise functions of one input. */
export const UNARY_OPS = [
  "neg",
  "abs",
  "exp",
  "log",
  "sqrt",
  "rsqrt",
  "tanh",
  "sigmoid",
  "relu",
  "gelu_erf",
  "gelu_tanh",
  "sign",
] as const;
/** An elementwise function of one input. */
export type UnaryOp = (typeof UNARY_OPS)[number];

/** Elementwise functions of two inputs (NumPy broadcasting). */
export const BINARY_OPS = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"] as const;
/** An elementwise function of two inputs. */
export type BinaryOp = (typeof BINARY_OPS)[number];

/** Elementwise comparisons: 1 where true, 0 where false, in the output format. */
export const COMPARE_OPS = ["eq", "ne", "lt", "le", "gt", "ge"] as const;
/** An elementwise comparison. */
export type CompareOp = (typeof COMPARE_OPS)[number];

/** Reductions along axes. */
export const REDUCE_OPS = ["sum", "mean", "max"] as const;
/** A reduction along axes. */
export type ReduceOp = (typeof REDUCE_OPS)[number];

/** Attributes of (batched) matmul: out (..., M, N) = op(a) (..., M, K) x op(b) (..., K, N). */
export interface MatmulAttrs {
  readonly transA: boolean;
  readonly transB: boolean;
  readonly accumulate: Accumulate;
}

/** Attributes of conv2d over NCHW input and (Cout, Cin/groups, KH, KW) weights. */
export interface Conv2dAttrs {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
  readonly accumulate: Accumulate;
}

/** Attributes of 2-D pooling over NCHW input. */
export interface Pool2dAttrs {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}

/** Attributes of batch normalization over axis 1 of (N, C, ...) input. */
export interface BatchNormAttrs {
  readonly training: boolean;
  readonly momentum: number;
  readonly eps: number;
}

/** Attributes of layer normalization over the last `normalizedSize` elements. */
export interface LayerNormAttrs {
  readonly eps: number;
}

/** Attributes of the fused softmax cross-entropy. */
export interface CrossEntropyAttrs {
  readonly labelSmoothing: number;
}

/** Elementwise kernels; `out.shape` is the broadcast shape. */
export interface ElementwiseKernels {
  unary(op: UnaryOp, x: Operand, out: Operand, r: OutputRounding): void;
  binary(op: BinaryOp, a: Operand, b: Operand, out: Operand, r: OutputRounding): void;
  compare(op: CompareOp, a: Operand, b: Operand, out: Operand, r: OutputRounding): void;
  where(cond: Operand, a: Operand, b: Operand, out: Operand, r: OutputRounding): void;
  /** Convert between formats: decode exactly, round once into out.format. */
  cast(x: Operand, out: Operand, r: OutputRounding): void;
}

/** Reductions; `out.shape` keeps the reduced axes as 1. */
export interface ReduceKernels {
  reduce(
    op: ReduceOp,
    x: Operand,
    axes: readonly number[],
    out: Operand,
    r: OutputRounding,
    accumulate: Accumulate,
  ): void;
}

/** Matrix products. */
export interface MatmulKernels {
  /** Batch dims of a and b broadcast; a (..., M, K) or (..., K, M) with transA; b likewise. */
  matmul(a: Operand, b: Operand, out: Operand, attrs: MatmulAttrs, r: OutputRounding): void;
}

/** Softmax and the fused cross-entropy. */
export interface SoftmaxKernels {
  /** Softmax (or log-softmax) along `axis`. */
  softmax(x: Operand, axis: number, log: boolean, out: Operand, r: OutputRounding): void;
  /** Mean over N of the cross-entropy of logits (N, C) against class indices, with label smoothing. */
  crossEntropy(
    logits: Operand,
    labels: Int32Array,
    attrs: CrossEntropyAttrs,
    out: Operand,
    r: OutputRounding,
  ): void;
  /** d loss / d logits (N, C) for an upstream gradient `grad` of the mean loss. */
  crossEntropyBackward(
    logits: Operand,
    labels: Int32Array,
    grad: number,
    attrs: CrossEntropyAttrs,
    dLogits: Operand,
    r: OutputRounding,
  ): void;
}

/** Convolution and pooling over NCHW tensors. */
export interface ConvKernels {
  /** x (N, Cin, H, W), w (Cout, Cin/groups, KH, KW), bias (Cout) or null -> out (N, Cout, OH, OW);
   * the bias is added after the dot product, before the one rounding (a fused epilogue). */
  conv2d(
    x: Operand,
    w: Operand,
    bias: Operand | null,
    attrs: Conv2dAttrs,
    out: Operand,
    r: OutputRounding,
  ): void;
  /** dy (N, Cout, OH, OW), w -> dx (N, Cin, H, W). */
  conv2dBackwardData(dy: Operand, w: Operand, attrs: Conv2dAttrs, dx: Operand, r: OutputRounding): void;
  /** x, dy -> dw (Cout, Cin/groups, KH, KW). */
  conv2dBackwardFilter(x: Operand, dy: Operand, attrs: Conv2dAttrs, dw: Operand, r: OutputRounding): void;
  /** dy (N, Cout, OH, OW) -> dBias (Cout): the sum over N, OH, OW. */
  conv2dBackwardBias(dy: Operand, attrs: Conv2dAttrs, dBias: Operand, r: OutputRounding): void;
  /** Max pooling; `argmax` receives, per output element, the flat input index of the maximum. */
  maxPool2d(x: Operand, attrs: Pool2dAttrs, out: Operand, argmax: Int32Array, r: OutputRounding): void;
  maxPool2dBackward(dy: Operand, argmax: Int32Array, dx: Operand, r: OutputRounding): void;
  /** Average pooling (padding counts as zeros in the window, divisor = window size). */
  avgPool2d(x: Operand, attrs: Pool2dAttrs, out: Operand, r: OutputRounding): void;
  avgPool2dBackward(dy: Operand, attrs: Pool2dAttrs, dx: Operand, r: OutputRounding): void;
}

/** Normalization, embedding and dropout. Statistics are computed in float64 and saved as float32. */
export interface NormKernels {
  /**
   * Batch norm over axis 1 of x (N, C, ...). Training: batch statistics, saved mean and 1/sqrt(var+eps)
   * written to `saved` (2C float32), running stats (C each, float32 arrays) updated with momentum.
   * Inference: running statistics (still written to `saved`, for the backward pass).
   */
  batchNorm(
    x: Operand,
    gamma: Operand,
    beta: Operand,
    running: { mean: Float32Array; variance: Float32Array },
    attrs: BatchNormAttrs,
    out: Operand,
    saved: Float32Array,
    r: OutputRounding,
  ): void;
  /** Gradients of batch norm: dx, and dGamma, dBeta (C each); training mode differentiates through the
   * batch statistics, inference mode is affine in x with the saved (running) statistics. */
  batchNormBackward(
    x: Operand,
    gamma: Operand,
    dy: Operand,
    saved: Float32Array,
    attrs: BatchNormAttrs,
    dx: Operand,
    dGamma: Operand,
    dBeta: Operand,
    r: OutputRounding,
  ): void;
  /** Layer norm over the last gamma.length elements; saved gets mean and 1/std per row (2 * rows). */
  layerNorm(
    x: Operand,
    gamma: Operand,
    beta: Operand,
    attrs: LayerNormAttrs,
    out: Operand,
    saved: Float32Array,
    r: OutputRounding,
  ): void;
  layerNormBackward(
    x: Operand,
    gamma: Operand,
    dy: Operand,
    saved: Float32Array,
    dx: Operand,
    dGamma: Operand,
    dBeta: Operand,
    r: OutputRounding,
  ): void;
  /** Rows of table (V, D) at indices -> out (..., D). */
  embedding(table: Operand, indices: Int32Array, out: Operand, r: OutputRounding): void;
  /** Scatter-add of dy (..., D) rows into dTable (V, D) (zeroed first), float32 sums, one rounding. */
  embeddingBackward(dy: Operand, indices: Int32Array, dTable: Operand, r: OutputRounding): void;
  /** out = x * mask elementwise (same shapes; mask is 0 or 1/(1-p)): dropout forward and backward. */
  dropout(x: Operand, mask: Operand, out: Operand, r: OutputRounding): void;
}

/** The full kernel table. */
export type Kernels = ElementwiseKernels &
  ReduceKernels &
  MatmulKernels &
  SoftmaxKernels &
  ConvKernels &
  NormKernels;
