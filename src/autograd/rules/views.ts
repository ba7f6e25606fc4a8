/**
 * Gradient rules of the shape and data-movement ops: each moves dy back to where the forward op took its
 * values from (inverse permutation, scatter of a slice, sum over broadcast axes). No value is rounded:
 * gradients keep their codes, except where broadcast_to's sum adds them up.
 */
import { contiguous, permute, reshape, slice, sumTo, type ViewOpAttrs } from "../../ops/index.js";
import { allocStorage, contiguousStrides, tensorFromStorage, type Tensor } from "../../tensor/index.js";
import type { GradRules } from "../rule.js";

/** dy of a slice written into zeros of the input's shape (in dy's format). */
function scatterSlice(dy: Tensor, shape: readonly number[], a: ViewOpAttrs["slice"]): Tensor {
  const dx = allocStorage(
    dy.format,
    shape.reduce((p, d) => p * d, 1),
  );
  const src = contiguous(dy).data;
  const strides = contiguousStrides(shape);
  const index = new Array<number>(dy.rank).fill(0);
  for (let i = 0; i < dy.size; i++) {
    let at = 0;
    for (let d = 0; d < dy.rank; d++) {
      at += ((a.starts[d] ?? 0) + (index[d] ?? 0) * (a.steps[d] ?? 1)) * (strides[d] ?? 0);
    }
    dx[at] = src[i] ?? 0;
    for (let d = dy.rank - 1; d >= 0; d--) {
      index[d] = (index[d] ?? 0) + 1;
      if ((index[d] ?? 0) < (dy.shape[d] ?? 0)) break;
      index[d] = 0;
    }
  }
  return tensorFromStorage(dy.engine, dy.format, dx, shape);
}

/** Rules of the view family. */
export const viewRules: GradRules<keyof ViewOpAttrs> = {
  reshape: (ctx, dy) => [reshape(dy, ctx.inputs[0]?.shape ?? [])],
  permute: (ctx, dy) => {
    const inverse = new Array<number>(ctx.attrs.axes.length);
    ctx.attrs.axes.forEach((a, i) => (inverse[a] = i));
    return [permute(dy, inverse)];
  },
  slice: (ctx, dy) => [scatterSlice(dy, ctx.inputs[0]?.shape ?? [], ctx.attrs)],
  concat: (ctx, dy) => {
    const ax = ctx.attrs.axis;
    let at = 0;
    return ctx.inputs.map((x) => {
      const len = x.shape[ax] ?? 0;
      const starts = dy.shape.map((_, d) => (d === ax ? at : 0));
      const ends = dy.shape.map((n, d) => (d === ax ? at + len : n));
      at += len;
      return contiguous(slice(dy, starts, ends));
    });
  },
  pad: (ctx, dy) => {
    const starts = ctx.attrs.pads.map(([before]) => before);
    const ends = ctx.attrs.pads.map(([before], d) => before + (ctx.inputs[0]?.shape[d] ?? 0));
    return [contiguous(slice(dy, starts, ends))];
  },
  broadcast_to: (ctx, dy) => {
    return [sumTo(dy, ctx.inputs[0].shape, ctx.options)];
  },
  contiguous: (_ctx, dy) => [dy],
};
