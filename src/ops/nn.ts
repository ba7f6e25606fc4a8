/**
 * Neural-network ops over NCHW tensors: conv2d (stride, padding, dilation, groups, optional bias added
 * inside the kernel before its one rounding) and 2-D max/average pooling. Each checks its arguments,
 * naming the op, the argument and both shapes, and records its creator for autograd. Normalization,
 * embedding and dropout live in nn-norm.ts and are re-exported here.
 */
import { MinifloatError } from "../errors.js";
import type { Accumulate, Conv2dAttrs, Pool2dAttrs } from "../kernels/index.js";
import { formatShape, type Tensor } from "../tensor/index.js";
import { operand, runOp, type OpOptions } from "./dispatch.js";

export * from "./nn-norm.js";

/** A size given once for both spatial dimensions or as (height, width). */
export type Pair = number | readonly [number, number];

/** Options of conv2d. */
export interface Conv2dOptions extends OpOptions {
  /** Default 1. */
  readonly stride?: Pair;
  /** Zero padding on each side; default 0. */
  readonly padding?: Pair;
  /** Default 1. */
  readonly dilation?: Pair;
  /** Default 1; must divide both the input and the output channels. */
  readonly groups?: number;
  /** How each output's dot product accumulates (DESIGN.md rule 4); default "float32". */
  readonly accumulate?: Accumulate;
}

/** Options of 2-D pooling. */
export interface Pool2dOptions extends OpOptions {
  readonly kernel: Pair;
  /** Default: the kernel size. */
  readonly stride?: Pair;
  /** Implicit padding on each side (-infinity for max, zeros for average); at most half the kernel. */
  readonly padding?: Pair;
}

/** A pair option as [height, width], checked to be integers of at least `min`. */
export function pairOf(op: string, arg: string, value: Pair, min: number): [number, number] {
  const p: [number, number] = typeof value === "number" ? [value, value] : [value[0], value[1]];
  if (!p.every((v) => Number.isInteger(v) && v >= min)) {
    const got = typeof value === "number" ? String(value) : `(${value.join(", ")})`;
    throw new MinifloatError("argument", `${op}: ${arg} must be integers >= ${min}, got ${got}`);
  }
  return p;
}

/** Output length of a sliding window: floor((n + 2p - d (k - 1) - 1) / s) + 1. */
function outLength(n: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
}

function checkNchw(op: string, x: Tensor): [number, number, number, number] {
  if (x.rank !== 4) {
    throw new MinifloatError("shape", `${op}: input expected (N, C, H, W), got ${formatShape(x.shape)}`);
  }
  return x.shape as unknown as [number, number, number, number];
}

function checkNonEmpty(op: string, x: Tensor, what: string, oh: number, ow: number): void {
  if (oh < 1 || ow < 1) {
    throw new MinifloatError(
      "shape",
      `${op}: input ${formatShape(x.shape)} is too small for ${what} (output would be ${oh} x ${ow})`,
    );
  }
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch): x (N, Cin, H, W), weight (Cout, Cin/groups, KH, KW),
 * optional bias (Cout) -> (N, Cout, OH, OW).
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const [n, cin, h, w] = checkNchw("conv2d", x);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1 || cin % groups !== 0) {
    throw new MinifloatError(
      "argument",
      `conv2d: groups must be a positive integer dividing the ${cin} input channels of ${formatShape(x.shape)}, got ${groups}`,
    );
  }
  const cout = weight.shape[0] ?? 0;
  if (weight.rank !== 4 || weight.shape[1] !== cin / groups || cout % groups !== 0) {
    throw new MinifloatError(
      "shape",
      `conv2d: weight expected (Cout, ${cin / groups}, KH, KW) with Cout divisible by ${groups} for input ${formatShape(x.shape)} with groups ${groups}, got ${formatShape(weight.shape)}`,
    );
  }
  if (bias != null && (bias.rank !== 1 || bias.shape[0] !== cout)) {
    throw new MinifloatError(
      "shape",
      `conv2d: bias expected (${cout}) for weight ${formatShape(weight.shape)}, got ${formatShape(bias.shape)}`,
    );
  }
  const attrs: Conv2dAttrs = {
    stride: pairOf("conv2d", "stride", options.stride ?? 1, 1),
    padding: pairOf("conv2d", "padding", options.padding ?? 0, 0),
    dilation: pairOf("conv2d", "dilation", options.dilation ?? 1, 1),
    groups,
    accumulate: options.accumulate ?? "float32",
  };
  const [kh, kw] = [weight.shape[2] ?? 0, weight.shape[3] ?? 0];
  const oh = outLength(h, kh, attrs.stride[0], attrs.padding[0], attrs.dilation[0]);
  const ow = outLength(w, kw, attrs.stride[1], attrs.padding[1], attrs.dilation[1]);
  checkNonEmpty(
    "conv2d",
    x,
    `kernel (${kh}, ${kw}) with padding (${attrs.padding.join(", ")}) and dilation (${attrs.dilation.join(", ")})`,
    oh,
    ow,
  );
  const inputs = bias == null ? [x, weight] : [x, weight, bias];
  return runOp("conv2d", inputs, [n, cout, oh, ow], options, attrs, (k, out, r) => {
    k.conv2d(operand(x), operand(weight), bias == null ? null : operand(bias), attrs, out, r);
  });
}

function poolAttrs(op: string, x: Tensor, options: Pool2dOptions): { attrs: Pool2dAttrs; shape: number[] } {
  const [n, c, h, w] = checkNchw(op, x);
  const kernel = pairOf(op, "kernel", options.kernel, 1);
  const stride = pairOf(op, "stride", options.stride ?? kernel, 1);
  const padding = pairOf(op, "padding", options.padding ?? 0, 0);
  if (padding[0] * 2 > kernel[0] || padding[1] * 2 > kernel[1]) {
    throw new MinifloatError(
      "argument",
      `${op}: padding (${padding.join(", ")}) must be at most half of kernel (${kernel.join(", ")})`,
    );
  }
  const oh = outLength(h, kernel[0], stride[0], padding[0], 1);
  const ow = outLength(w, kernel[1], stride[1], padding[1], 1);
  checkNonEmpty(op, x, `kernel (${kernel.join(", ")}) with padding (${padding.join(", ")})`, oh, ow);
  return { attrs: { kernel, stride, padding }, shape: [n, c, oh, ow] };
}

/** Max over each KH x KW window of x (N, C, H, W) -> (N, C, OH, OW); gradients go to the first maximum. */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const { attrs, shape } = poolAttrs("maxPool2d", x, options);
  const argmax = new Int32Array(shape.reduce((a, b) => a * b, 1));
  return runOp("max_pool2d", [x], shape, options, { ...attrs, argmax }, (k, out, r) => {
    k.maxPool2d(operand(x), attrs, out, argmax, r);
  });
}

/** Mean over each KH x KW window of x (N, C, H, W) -> (N, C, OH, OW); padding counts as zeros. */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const { attrs, shape } = poolAttrs("avgPool2d", x, options);
  return runOp("avg_pool2d", [x], shape, options, attrs, (k, out, r) => {
    k.avgPool2d(operand(x), attrs, out, r);
  });
}

/** Mean over H and W of x (N, C, H, W) -> (N, C, 1, 1) (average pooling with the whole plane as kernel). */
export function globalAvgPool2d(x: Tensor, options: OpOptions = {}): Tensor {
  const [, , h, w] = checkNchw("globalAvgPool2d", x);
  return avgPool2d(x, { ...options, kernel: [h, w] });
}
