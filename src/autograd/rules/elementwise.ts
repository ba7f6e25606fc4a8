/**
 * Gradient rules of the elementwise ops, computed with the public ops in the gradient format
 * (`ctx.options`). Broadcast inputs get sumTo(dy-term, input shape). Ties of maximum/minimum split the
 * gradient evenly (as PyTorch does); abs and relu have derivative 0 at 0; comparisons have none. GELU's
 * derivative (no erf op exists) is evaluated in float64 and rounded once, like the forward op.
 */
import { MinifloatError } from "../../errors.js";
import { GELU_TANH_C, normalCdf } from "../../kernels/js/elementwise.js";
import {
  add,
  div,
  eq,
  gt,
  log,
  lt,
  mul,
  neg,
  pow,
  sign,
  sub,
  sumTo,
  where,
  type ElementwiseOpAttrs,
  type OpOptions,
} from "../../ops/index.js";
import { fromValues, resolveFormat, zeros, type Tensor } from "../../tensor/index.js";
import type { GradContext, GradRules } from "../rule.js";

function input(ctx: { readonly inputs: readonly Tensor[] }, i: number): Tensor {
  const x = ctx.inputs[i] as Tensor | undefined;
  if (x === undefined) throw new MinifloatError("argument", `gradient rule: missing input ${i}`);
  return x;
}

/** sumTo(g(), x.shape) when x wants a gradient, else null (skips constants such as number operands). */
function toInput(x: Tensor, o: OpOptions, g: () => Tensor): Tensor | null {
  return x.requiresGrad ? sumTo(g(), x.shape, o) : null;
}

/** dy * f'(x) evaluated in float64 from the decoded values and rounded once into the gradient format. */
function pointwise(x: Tensor, dy: Tensor, o: OpOptions, derivative: (v: number) => number): Tensor {
  const xv = x.toFloat32Array();
  const gv = dy.toFloat32Array();
  const res = new Float64Array(xv.length);
  for (let i = 0; i < res.length; i++) res[i] = gv[i] * derivative(xv[i]);
  return fromValues(res, x.shape, { engine: x.engine, format: resolveFormat(o.format) });
}

/** Weights of a in maximum(a, b) (or minimum with `better` = lt): 1 where a wins, 1/2 on ties. */
function winnerWeight(a: Tensor, b: Tensor, o: OpOptions, better: typeof gt): Tensor {
  return add(better(a, b, o), mul(eq(a, b, o), 0.5, o), o);
}

function unary<P extends keyof ElementwiseOpAttrs>(
  f: (x: Tensor, y: Tensor, dy: Tensor, o: OpOptions) => Tensor,
): (ctx: GradContext<P>, dy: Tensor) => [Tensor] {
  return (ctx, dy) => [f(input(ctx, 0), ctx.output, dy, ctx.options)];
}

const none = (): [null, null] => [null, null];

/** Rules of the elementwise family. */
export const elementwiseRules: GradRules<keyof ElementwiseOpAttrs> = {
  add: (ctx, dy) => {
    const [a, b] = [input(ctx, 0), input(ctx, 1)];
    return [toInput(a, ctx.options, () => dy), toInput(b, ctx.options, () => dy)];
  },
  sub: (ctx, dy) => {
    const [a, b] = [input(ctx, 0), input(ctx, 1)];
    return [toInput(a, ctx.options, () => dy), toInput(b, ctx.options, () => neg(dy, ctx.options))];
  },
  mul: (ctx, dy) => {
    const [a, b, o] = [input(ctx, 0), input(ctx, 1), ctx.options];
    return [toInput(a, o, () => mul(dy, b, o)), toInput(b, o, () => mul(dy, a, o))];
  },
  div: (ctx, dy) => {
    // y = a / b: da = dy / b, db = -dy a / b^2 = -(dy / b) y.
    const [a, b, o] = [input(ctx, 0), input(ctx, 1), ctx.options];
    const da = div(dy, b, o);
    return [toInput(a, o, () => da), toInput(b, o, () => neg(mul(da, ctx.output, o), o))];
  },
  pow: (ctx, dy) => {
    // y = a^b: da = dy b a^(b-1), db = dy y log(a).
    const [a, b, o] = [input(ctx, 0), input(ctx, 1), ctx.options];
    return [
      toInput(a, o, () => mul(dy, mul(b, pow(a, sub(b, 1, o), o), o), o)),
      toInput(b, o, () => mul(dy, mul(ctx.output, log(a, o), o), o)),
    ];
  },
  maximum: (ctx, dy) => {
    const [a, b, o] = [input(ctx, 0), input(ctx, 1), ctx.options];
    return [
      toInput(a, o, () => mul(dy, winnerWeight(a, b, o, gt), o)),
      toInput(b, o, () => mul(dy, winnerWeight(b, a, o, gt), o)),
    ];
  },
  minimum: (ctx, dy) => {
    const [a, b, o] = [input(ctx, 0), input(ctx, 1), ctx.options];
    return [
      toInput(a, o, () => mul(dy, winnerWeight(a, b, o, lt), o)),
      toInput(b, o, () => mul(dy, winnerWeight(b, a, o, lt), o)),
    ];
  },
  neg: unary((_x, _y, dy, o) => neg(dy, o)),
  abs: unary((x, _y, dy, o) => mul(dy, sign(x, o), o)),
  exp: unary((_x, y, dy, o) => mul(dy, y, o)),
  log: unary((x, _y, dy, o) => div(dy, x, o)),
  // y = sqrt(x): dx = dy / (2 y).
  sqrt: unary((_x, y, dy, o) => div(dy, mul(y, 2, o), o)),
  // y = x^(-1/2): dx = -dy y / (2 x).
  rsqrt: unary((x, y, dy, o) => mul(dy, div(y, mul(x, -2, o), o), o)),
  // 1 - tanh^2.
  tanh: unary((_x, y, dy, o) => mul(dy, sub(1, mul(y, y, o), o), o)),
  // sigma (1 - sigma).
  sigmoid: unary((_x, y, dy, o) => mul(dy, mul(y, sub(1, y, o), o), o)),
  relu: unary((x, _y, dy, o) => mul(dy, gt(x, 0, o), o)),
  // d/dx x Phi(x) = Phi(x) + x phi(x).
  gelu_erf: unary((x, _y, dy, o) =>
    pointwise(x, dy, o, (v) => normalCdf(v) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI)),
  ),
  // d/dx x (1 + tanh u) / 2 with u = c (x + 0.044715 x^3).
  gelu_tanh: unary((x, _y, dy, o) =>
    pointwise(x, dy, o, (v) => {
      const t = Math.tanh(GELU_TANH_C * (v + 0.044715 * v * v * v));
      return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_TANH_C * (1 + 3 * 0.044715 * v * v);
    }),
  ),
  sign: unary((x, _y, _dy, o) => zeros(x.shape, { engine: x.engine, format: resolveFormat(o.format) })),
  eq: none,
  ne: none,
  lt: none,
  le: none,
  gt: none,
  ge: none,
  where: (ctx, dy) => {
    const [cond, a, b, o] = [input(ctx, 0), input(ctx, 1), input(ctx, 2), ctx.options];
    return [null, toInput(a, o, () => where(cond, dy, 0, o)), toInput(b, o, () => where(cond, 0, dy, o))];
  },
  cast: (_ctx, dy) => [dy],
};
