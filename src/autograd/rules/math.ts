/**
 * Gradient rules of reductions, matmul and the softmax family, computed with the public ops in the
 * gradient format (`ctx.options`). Max splits the gradient evenly among tied maxima (as PyTorch's amax);
 * matmul's gradients are matmuls with the transposes swapped, summed over broadcast batch axes; the
 * cross-entropy gradient is the fused kernel (softmax - smoothed one-hot) * dy / N.
 */
import { MinifloatError } from "../../errors.js";
import {
  allocOutput,
  broadcastTo,
  contiguous,
  div,
  eq,
  exp,
  kernelsOf,
  matmul,
  max,
  mul,
  operand,
  reducedShape,
  reshape,
  roundingFor,
  sub,
  sum,
  sumTo,
  type MathOpAttrs,
  type OpOptions,
  type ReduceAttrs,
} from "../../ops/index.js";
import { resolveFormat, sizeOf, type Tensor } from "../../tensor/index.js";
import type { GradRules } from "../rule.js";

function first(ctx: { readonly inputs: readonly Tensor[] }, i = 0): Tensor {
  const x = ctx.inputs[i] as Tensor | undefined;
  if (x === undefined) throw new MinifloatError("argument", `gradient rule: missing input ${i}`);
  return x;
}

/** dy of a reduction reshaped with the reduced axes kept as 1 and broadcast back to x's shape. */
function spread(dy: Tensor, x: Tensor, attrs: ReduceAttrs): Tensor {
  return contiguous(broadcastTo(reshape(dy, reducedShape(x.shape, attrs, true)), x.shape));
}

/** Rules of the math family. */
export const mathRules: GradRules<keyof MathOpAttrs> = {
  sum: (ctx, dy) => [spread(dy, first(ctx), ctx.attrs)],
  mean: (ctx, dy) => {
    const x = first(ctx);
    const n = sizeOf(ctx.attrs.axes.map((a) => x.shape[a] ?? 1));
    return [spread(div(dy, n, ctx.options), x, ctx.attrs)];
  },
  max: (ctx, dy) => {
    // Every position equal to the (exact) maximum gets dy / (number of such positions).
    const [x, o, axes] = [first(ctx), ctx.options, ctx.attrs.axes];
    const exact = max(x, axes, true, { format: x.format });
    const mask = eq(x, exact, o);
    const share = div(reshape(dy, exact.shape), sum(mask, axes, true, o), o);
    return [mul(mask, share, o)];
  },
  matmul: (ctx, dy) => {
    // out = A B with A = op(a), B = op(b): dA = dy B^T, dB = A^T dy; a = A^T when transA (likewise b).
    const [a, b] = [first(ctx), first(ctx, 1)];
    const { transA, transB, accumulate } = ctx.attrs;
    const o = { ...ctx.options, accumulate };
    const da = a.requiresGrad
      ? transA
        ? matmul(b, dy, { ...o, transA: transB, transB: true })
        : matmul(dy, b, { ...o, transB: !transB })
      : null;
    const db = b.requiresGrad
      ? transB
        ? matmul(dy, a, { ...o, transA: true, transB: transA })
        : matmul(a, dy, { ...o, transA: !transA })
      : null;
    return [da === null ? null : sumTo(da, a.shape, o), db === null ? null : sumTo(db, b.shape, o)];
  },
  softmax: (ctx, dy) => {
    // dx = y (dy - sum(dy y)) along the axis.
    const [y, o, axis] = [ctx.output, ctx.options, ctx.attrs.axis];
    return [mul(y, sub(dy, sum(mul(dy, y, o), axis, true, o), o), o)];
  },
  log_softmax: (ctx, dy) => {
    // dx = dy - softmax(x) sum(dy) with softmax(x) = exp(y).
    const [y, o, axis] = [ctx.output, ctx.options, ctx.attrs.axis];
    return [sub(dy, mul(exp(y, o), sum(dy, axis, true, o), o), o)];
  },
  cross_entropy: (ctx, dy) => {
    const logits = first(ctx);
    const o: OpOptions = ctx.options;
    const { tensor, out } = allocOutput(logits.engine, resolveFormat(o.format), logits.shape);
    const grad = dy.toFloat32Array()[0];
    const { labelSmoothing, labels } = ctx.attrs;
    kernelsOf(logits.engine).crossEntropyBackward(
      operand(logits),
      labels,
      grad,
      { labelSmoothing },
      out,
      roundingFor(tensor, o),
    );
    return [tensor];
  },
};
