/**
 * Reductions (sum, mean, max, sumTo), matmul, softmax, log-softmax and the fused cross-entropy. Dot
 * products and sums take an `accumulate` option (DESIGN.md rule 4): "float32" (default: float32 sums,
 * one rounding at the end) or "output" (every partial sum rounded to the output format). Errors name the
 * op, the argument and both shapes.
 */
import { MinifloatError } from "../errors.js";
import type { Accumulate, MatmulAttrs } from "../kernels/index.js";
import { formatShape, normalizeAxis, sameShape, type Shape, type Tensor } from "../tensor/index.js";
import { operand, outputFormat, runOp, type OpOptions } from "./dispatch.js";
import { cast, broadcastAll } from "./elementwise.js";
import type { ReduceAttrs } from "./op-attrs.js";
import { reshape } from "./views.js";

/** Options of sums and dot products. */
export interface AccumulateOptions extends OpOptions {
  /** "float32" (default) or "output". */
  readonly accumulate?: Accumulate;
}

function checkAccumulate(op: string, a: Accumulate | undefined): Accumulate {
  const acc: string = a ?? "float32";
  if (acc === "float32" || acc === "output") return acc;
  throw new MinifloatError("argument", `${op}: accumulate must be "float32" or "output", got ${acc}`);
}

/** Axes normalized, sorted and deduplicated (all axes when none are given). */
function reduceAxes(op: string, x: Tensor, axes: number | readonly number[] | undefined): number[] {
  if (axes === undefined) return x.shape.map((_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  const norm = list.map((a) => normalizeAxis(op, "axes", a, x.rank));
  if (new Set(norm).size !== norm.length) {
    throw new MinifloatError(
      "shape",
      `${op}: axes [${list.join(", ")}] repeat an axis of ${formatShape(x.shape)}`,
    );
  }
  return norm.sort((p, q) => p - q);
}

/** The shape of a reduction: reduced axes kept as 1, or dropped. */
export function reducedShape(shape: Shape, attrs: ReduceAttrs, keepDims = attrs.keepDims): number[] {
  return keepDims
    ? shape.map((d, i) => (attrs.axes.includes(i) ? 1 : d))
    : shape.filter((_, i) => !attrs.axes.includes(i));
}

function reduceOp(
  op: "sum" | "mean" | "max",
  x: Tensor,
  axes: number | readonly number[] | undefined,
  keepDims: boolean,
  options: AccumulateOptions | undefined,
): Tensor {
  const attrs: ReduceAttrs = { axes: reduceAxes(op, x, axes), keepDims };
  const accumulate = checkAccumulate(op, options?.accumulate);
  const kept = reducedShape(x.shape, attrs, true);
  if (op === "max" && attrs.axes.some((a) => x.shape[a] === 0)) {
    throw new MinifloatError("shape", `max: cannot reduce the empty axes of ${formatShape(x.shape)}`);
  }
  return runOp(op, [x], reducedShape(x.shape, attrs), options, attrs, (k, out, r) => {
    k.reduce(op, operand(x), attrs.axes, { ...out, shape: kept }, r, accumulate);
  });
}

/** Sum over `axes` (default all), in a fixed order (row-major over the reduced axes). */
export function sum(
  x: Tensor,
  axes?: number | readonly number[],
  keepDims = false,
  options?: AccumulateOptions,
): Tensor {
  return reduceOp("sum", x, axes, keepDims, options);
}

/** Mean over `axes` (default all): the sum divided by the count, rounded once. */
export function mean(
  x: Tensor,
  axes?: number | readonly number[],
  keepDims = false,
  options?: AccumulateOptions,
): Tensor {
  return reduceOp("mean", x, axes, keepDims, options);
}

/** Maximum over `axes` (default all); NaN if any element is NaN. Gradient: split evenly among ties. */
export function max(
  x: Tensor,
  axes?: number | readonly number[],
  keepDims = false,
  options?: OpOptions,
): Tensor {
  return reduceOp("max", x, axes, keepDims, options);
}

/** x summed over the axes that broadcasting `shape` to x.shape expanded, so the result has `shape`. */
export function sumTo(x: Tensor, shape: Shape, options?: AccumulateOptions): Tensor {
  const b = broadcastAll("sumTo", [
    ["x", x.shape],
    ["shape", shape],
  ]);
  if (!sameShape(b, x.shape)) {
    throw new MinifloatError(
      "shape",
      `sumTo: shape ${formatShape(shape)} does not broadcast to x ${formatShape(x.shape)}`,
    );
  }
  if (sameShape(shape, x.shape)) {
    const f = outputFormat([x], options);
    return f === x.format ? x : cast(x, f, options?.rounding);
  }
  const lead = x.rank - shape.length;
  const axes = x.shape.flatMap((d, i) => (i < lead || (shape[i - lead] === 1 && d !== 1) ? [i] : []));
  return reshape(sum(x, axes, false, options), shape);
}

/** Options of matmul: transposed operands and the accumulation. */
export interface MatmulOptions extends AccumulateOptions {
  readonly transA?: boolean;
  readonly transB?: boolean;
}

function matmulShape(a: Tensor, b: Tensor, attrs: MatmulAttrs): number[] {
  const sides = `a ${formatShape(a.shape)} and b ${formatShape(b.shape)}`;
  if (a.rank < 2 || b.rank < 2) {
    throw new MinifloatError("shape", `matmul: ${sides}: both need rank >= 1`);
  }
  const [a0 = 0, a1 = 0] = a.shape.slice(-2);
  const [b0 = 0, b1 = 0] = b.shape.slice(-2);
  const [m, ka] = attrs.transA ? [a1, a0] : [a0, a1];
  const [kb, n] = attrs.transB ? [b1, b0] : [b0, b1];
  if (ka !== kb)
    throw new MinifloatError("shape", `matmul: ${sides}: inner dimensions ${ka} and ${kb} differ`);
  const ba = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const batch = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = ba[ba.length - rank + i] ?? 1;
    const db = bb[bb.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new MinifloatError(
        "shape",
        `matmul: ${sides}: batch dimensions ${formatShape(ba)} and ${formatShape(bb)} do not broadcast`,
      );
    }
    batch[i] = da === 1 ? db : da;
  }
  return [...batch, m, n];
}

/**
 * Matrix product op(a) x op(b) over the last two axes, batch axes broadcast. A 1-D a is a row (1, K) and a
 * 1-D b a column (K, 1); the added axis is removed from the result (as in NumPy).
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const { transA = false, transB = false, accumulate, ...rest } = options;
  const attrs: MatmulAttrs = { transA, transB, accumulate: checkAccumulate("matmul", accumulate) };
  if (a.rank === 1 || b.rank === 1) {
    const a2 = a.rank === 1 ? reshape(a, [1, a.size]) : a;
    const b2 = b.rank === 1 ? reshape(b, [b.size, 1]) : b;
    // A 1-D operand has no transpose: its flag is ignored (as NumPy has none).
    const y = matmul(a2, b2, {
      ...options,
      transA: a.rank === 1 ? false : transA,
      transB: b.rank === 1 ? false : transB,
    });
    const shape = y.shape.filter(
      (_, i) => !(a.rank === 1 && i === y.rank - 2) && !(b.rank === 1 && i === y.rank - 1),
    );
    return reshape(y, shape);
  }
  const shape = matmulShape(a, b, attrs);
  return runOp("matmul", [a, b], shape, rest, attrs, (k, out, r) => {
    k.matmul(operand(a), operand(b), out, attrs, r);
  });
}

/** Softmax along `axis` (default last), in float64 with the maximum subtracted, rounded once. */
export function softmax(x: Tensor, axis = -1, options?: OpOptions): Tensor {
  const ax = normalizeAxis("softmax", "axis", axis, x.rank);
  return runOp("softmax", [x], x.shape, options, { axis: ax }, (k, out, r) => {
    k.softmax(operand(x), ax, false, out, r);
  });
}

/** Log-softmax along `axis` (default last): x - max - log(sum(exp(x - max))) in float64, rounded once. */
export function logSoftmax(x: Tensor, axis = -1, options?: OpOptions): Tensor {
  const ax = normalizeAxis("logSoftmax", "axis", axis, x.rank);
  return runOp("log_softmax", [x], x.shape, options, { axis: ax }, (k, out, r) => {
    k.softmax(operand(x), ax, true, out, r);
  });
}

/** Options of crossEntropy. */
export interface CrossEntropyOptions extends OpOptions {
  /** Weight eps of the uniform target: (1 - eps) one-hot + eps / C; default 0. */
  readonly labelSmoothing?: number;
}

/** Labels as checked Int32Array class indices in [0, classes). */
function checkLabels(labels: Int32Array | readonly number[], rows: number, classes: number): Int32Array {
  if (labels.length !== rows) {
    throw new MinifloatError(
      "shape",
      `crossEntropy: labels expected ${rows} entries (one per row of logits), got ${labels.length}`,
    );
  }
  const out = Int32Array.from(labels);
  labels.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new MinifloatError(
        "argument",
        `crossEntropy: labels[${i}] must be a class in [0, ${classes}), got ${c}`,
      );
    }
  });
  return out;
}

/** Mean softmax cross-entropy of logits (N, C) against class indices: a scalar, fused and rounded once. */
export function crossEntropy(
  logits: Tensor,
  labels: Int32Array | readonly number[],
  options: CrossEntropyOptions = {},
): Tensor {
  const { labelSmoothing = 0, ...rest } = options;
  if (logits.rank !== 2) {
    throw new MinifloatError(
      "shape",
      `crossEntropy: logits expected (N, C), got ${formatShape(logits.shape)}`,
    );
  }
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new MinifloatError(
      "argument",
      `crossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}`,
    );
  }
  const [rows = 0, classes = 0] = logits.shape;
  const attrs = { labelSmoothing, labels: checkLabels(labels, rows, classes) };
  return runOp("cross_entropy", [logits], [], rest, attrs, (k, out, r) => {
    k.crossEntropy(operand(logits), attrs.labels, { labelSmoothing }, out, r);
  });
}
