/**
 * Shape and data-movement ops: reshape, permute, transpose, slice and broadcast_to are views (they share
 * storage; no value changes, so no rounding); concat, pad and contiguous copy codes as they are. Every op
 * checks its arguments and names the op and both shapes in errors.
 */
import { MinifloatError } from "../errors.js";
import {
  codeOf,
  codesOf,
  broadcastShapes,
  broadcastStrides,
  contiguousStrides,
  formatShape,
  normalizeAxis,
  sameShape,
  sizeOf,
  Tensor,
  type Shape,
} from "../tensor/index.js";
import { allocOutput, engineOf, operand, record } from "./dispatch.js";

function view(x: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  return new Tensor(x.storage, shape, strides, offset);
}

/** The same values in a new shape (one dimension may be -1); a view when x is contiguous. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const holes = shape.filter((d) => d === -1).length;
  const resolved = shape.map((d) => (d === -1 ? x.size / Math.max(known, 1) : d));
  if (holes > 1 || !resolved.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(resolved) !== x.size) {
    throw new MinifloatError(
      "shape",
      `reshape: cannot view ${formatShape(x.shape)} (${x.size} elements) as ${formatShape(shape)}`,
    );
  }
  const base = x.isContiguous() ? x : contiguous(x);
  const out = view(base, resolved, contiguousStrides(resolved), base.offset);
  return record(out, "reshape", [x], { shape: resolved });
}

/** Dimensions reordered: out.shape[i] = x.shape[axes[i]] (a view). */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  const norm = axes.map((a) => normalizeAxis("permute", "axes", a, x.rank));
  if (norm.length !== x.rank || new Set(norm).size !== x.rank) {
    throw new MinifloatError(
      "shape",
      `permute: axes must be a permutation of 0..${x.rank - 1} for ${formatShape(x.shape)}, got [${axes.join(", ")}]`,
    );
  }
  const shape = norm.map((a) => x.shape[a] ?? 1);
  const strides = norm.map((a) => x.strides[a] ?? 0);
  return record(view(x, shape, strides, x.offset), "permute", [x], { axes: norm });
}

/** The last two dimensions swapped (a view). */
export function transpose(x: Tensor): Tensor {
  if (x.rank < 2)
    throw new MinifloatError("shape", `transpose: needs rank >= 2, got ${formatShape(x.shape)}`);
  const axes = x.shape.map((_, i) => i);
  axes[x.rank - 1] = x.rank - 2;
  axes[x.rank - 2] = x.rank - 1;
  return permute(x, axes);
}

/** x[starts[i]:ends[i]:steps[i]] along every axis (a view); missing axes are taken whole. */
export function slice(
  x: Tensor,
  starts: readonly number[],
  ends: readonly number[],
  steps: readonly number[] = [],
): Tensor {
  const s: number[] = [];
  const e: number[] = [];
  const st: number[] = [];
  const shape: number[] = [];
  const strides: number[] = [];
  let offset = x.offset;
  for (let i = 0; i < x.rank; i++) {
    const dim = x.shape[i] ?? 1;
    const step = steps[i] ?? 1;
    const clamp = (v: number): number => Math.min(dim, Math.max(0, v < 0 ? v + dim : v));
    const a = clamp(starts[i] ?? 0);
    const b = clamp(ends[i] ?? dim);
    if (!Number.isInteger(step) || step < 1) {
      throw new MinifloatError("argument", `slice: steps[${i}] must be a positive integer, got ${step}`);
    }
    const len = b > a ? Math.ceil((b - a) / step) : 0;
    s.push(a);
    e.push(Math.max(a, b));
    st.push(step);
    shape.push(len);
    strides.push((x.strides[i] ?? 0) * step);
    offset += a * (x.strides[i] ?? 0);
  }
  return record(view(x, shape, strides, offset), "slice", [x], { starts: s, ends: e, steps: st });
}

/** x read as if broadcast to `shape` (NumPy rules; a view with zero strides). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const b = broadcastShapes("broadcastTo", x.shape, shape);
  if (!sameShape(b, shape)) {
    throw new MinifloatError(
      "shape",
      `broadcastTo: cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`,
    );
  }
  if (sameShape(x.shape, shape)) return x;
  const out = view(x, shape, broadcastStrides(x.shape, x.strides, shape), x.offset);
  return record(out, "broadcast_to", [x], { shape });
}

/** A contiguous copy of x (x itself when already contiguous). */
export function contiguous(x: Tensor): Tensor {
  if (x.isContiguous()) return x;
  const { tensor, out } = allocOutput(x.engine, x.format, x.shape);
  out.data.set(operand(x).data);
  return record(tensor, "contiguous", [x], {});
}

/** Tensors joined along `axis` (all of one format; other dimensions equal). */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  const engine = engineOf("concat", xs);
  const first = xs[0];
  const ax = normalizeAxis("concat", "axis", axis, first.rank);
  xs.forEach((t, i) => {
    const ok = t.rank === first.rank && t.shape.every((d, j) => j === ax || d === first.shape[j]);
    if (!ok) {
      throw new MinifloatError(
        "shape",
        `concat: input ${i} expected ${formatShape(first.shape.map((d, j) => (j === ax ? -1 : d)))} (any size on axis ${ax}), got ${formatShape(t.shape)}`,
      );
    }
    if (t.format !== first.format) {
      throw new MinifloatError(
        "format",
        `concat: input ${i} is ${t.format.name}, expected ${first.format.name}`,
      );
    }
  });
  const shape = first.shape.map((d, j) => (j === ax ? xs.reduce((a, t) => a + (t.shape[ax] ?? 0), 0) : d));
  const { tensor, out } = allocOutput(engine, first.format, shape);
  const outer = sizeOf(first.shape.slice(0, ax));
  const inner = sizeOf(first.shape.slice(ax + 1));
  const rowOut = (shape[ax] ?? 0) * inner;
  let at = 0;
  for (const t of xs) {
    const src = operand(t).data;
    const row = (t.shape[ax] ?? 0) * inner;
    for (let o = 0; o < outer; o++) out.data.set(src.subarray(o * row, (o + 1) * row), o * rowOut + at);
    at += row;
  }
  return record(tensor, "concat", xs, { axis: ax });
}

/** x padded with `value` by pads[i] = [before, after] elements on axis i (missing axes: none). */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  const full = x.shape.map((_, i) => pads[i] ?? ([0, 0] as const));
  full.forEach(([a, b], i) => {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0) {
      throw new MinifloatError(
        "argument",
        `pad: pads[${i}] must be two non-negative integers, got [${a}, ${b}]`,
      );
    }
  });
  const shape = x.shape.map((d, i) => d + (full[i]?.[0] ?? 0) + (full[i]?.[1] ?? 0));
  const { tensor, out } = allocOutput(x.engine, x.format, shape);
  if (value !== 0) codesOf(out.data).fill(codeOf(x.format, value));
  const src = operand(x).data;
  const outStrides = contiguousStrides(shape);
  const index = new Array<number>(x.rank).fill(0);
  for (let i = 0; i < x.size; i++) {
    let dst = 0;
    for (let d = 0; d < x.rank; d++) dst += ((index[d] ?? 0) + (full[d]?.[0] ?? 0)) * (outStrides[d] ?? 0);
    out.data[dst] = src[i] ?? 0;
    for (let d = x.rank - 1; d >= 0; d--) {
      index[d] = (index[d] ?? 0) + 1;
      if ((index[d] ?? 0) < (x.shape[d] ?? 0)) break;
      index[d] = 0;
    }
  }
  return record(tensor, "pad", [x], { pads: full, value });
}
