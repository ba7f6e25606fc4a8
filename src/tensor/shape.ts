/**
 * Shapes and strides: sizes, row-major strides, broadcasting (NumPy rules) and axis normalization, with
 * errors that name the op, the argument and both shapes, e.g. `matmul: a expected (B, 784), got (32, 783)`.
 */
import { MinifloatError } from "../errors.js";

/** A tensor shape: one non-negative integer per dimension. */
export type Shape = readonly number[];

/** Number of elements of a shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-contiguous) strides of a shape, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i] ?? 1;
  }
  return strides;
}

/** A shape as text: `(32, 784)`, `()` for a scalar. */
export function formatShape(shape: Shape): string {
  return `(${shape.join(", ")})`;
}

/** True when both shapes are equal. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Check that `shape` is a valid shape (non-negative integers); `what` names it in the error. */
export function checkShape(shape: Shape, what: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new MinifloatError(
        "shape",
        `${what}: dimensions must be non-negative integers, got ${formatShape(shape)}`,
      );
    }
  }
}

/** The broadcast of two shapes (NumPy rules); throws a "shape" error naming `op` otherwise. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new MinifloatError(
        "shape",
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (dimension ${i}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of `shape` (with `strides`) as if broadcast to `target`: 0 where expanded. */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[lead + i] = shape[i] === 1 && target[lead + i] !== 1 ? 0 : (strides[i] ?? 0);
  }
  return out;
}

/** An axis in [-rank, rank) as a non-negative index; throws naming `op` and `arg` otherwise. */
export function normalizeAxis(op: string, arg: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new MinifloatError("shape", `${op}: ${arg} must be an integer in [${-rank}, ${rank}), got ${axis}`);
  }
  return axis < 0 ? axis + rank : axis;
}
