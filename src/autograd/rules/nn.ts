/**
 * Gradient rules of the neural-network ops. Each calls its backward kernel directly (backward runs with
 * recording off), writing every gradient in the gradient format `ctx.options.format` with one rounding;
 * gradients no input asks for are not computed (null). The conv backward kernels reuse the forward op's
 * accumulation mode; batch and layer norm round dx, dGamma and dBeta with one OutputRounding (one stream).
 */
import { MinifloatError } from "../../errors.js";
import type { Operand, OutputRounding } from "../../kernels/index.js";
import {
  allocOutput,
  kernelsOf,
  operand,
  outputFormat,
  roundingFor,
  type NnOpAttrs,
} from "../../ops/index.js";
import type { Shape, Tensor } from "../../tensor/index.js";
import type { GradContext, GradRules } from "../rule.js";

/** A fresh gradient tensor of `shape` in the gradient format, its operand and rounding. */
function gradBuffer(
  ctx: GradContext<keyof NnOpAttrs>,
  dy: Tensor,
  shape: Shape,
): { tensor: Tensor; out: Operand; r: OutputRounding } {
  const { tensor, out } = allocOutput(dy.engine, outputFormat([dy], ctx.options), shape);
  return { tensor, out, r: roundingFor(tensor, ctx.options) };
}

/** The i-th input of the forward op (always present: the op recorded it). */
function input(ctx: GradContext<keyof NnOpAttrs>, i: number): Tensor {
  const t = ctx.inputs.at(i);
  if (t === undefined) throw new MinifloatError("argument", `backward: input ${i} of an nn op is missing`);
  return t;
}

/** Gradient of `fill` into a new buffer shaped like `like`, or null when `like` needs none. */
function gradFor(
  ctx: GradContext<keyof NnOpAttrs>,
  dy: Tensor,
  like: Tensor | undefined,
  fill: (out: Operand, r: OutputRounding) => void,
): Tensor | null {
  if (like === undefined || !like.requiresGrad) return null;
  const g = gradBuffer(ctx, dy, like.shape);
  fill(g.out, g.r);
  return g.tensor;
}

/** Rules of the neural-network family. */
export const nnRules: GradRules<keyof NnOpAttrs> = {
  conv2d: (ctx, dy) => {
    const k = kernelsOf(dy.engine);
    const [x, w, bias] = [input(ctx, 0), input(ctx, 1), ctx.inputs.at(2)];
    const g = operand(dy);
    return [
      gradFor(ctx, dy, x, (out, r) => {
        k.conv2dBackwardData(g, operand(w), ctx.attrs, out, r);
      }),
      gradFor(ctx, dy, w, (out, r) => {
        k.conv2dBackwardFilter(operand(x), g, ctx.attrs, out, r);
      }),
      gradFor(ctx, dy, bias, (out, r) => {
        k.conv2dBackwardBias(g, ctx.attrs, out, r);
      }),
    ];
  },
  max_pool2d: (ctx, dy) => [
    gradFor(ctx, dy, input(ctx, 0), (out, r) => {
      kernelsOf(dy.engine).maxPool2dBackward(operand(dy), ctx.attrs.argmax, out, r);
    }),
  ],
  avg_pool2d: (ctx, dy) => [
    gradFor(ctx, dy, input(ctx, 0), (out, r) => {
      kernelsOf(dy.engine).avgPool2dBackward(operand(dy), ctx.attrs, out, r);
    }),
  ],
  batch_norm: (ctx, dy) => {
    const [x, gamma, beta] = [input(ctx, 0), input(ctx, 1), input(ctx, 2)];
    const dx = gradBuffer(ctx, dy, x.shape);
    const dGamma = gradBuffer(ctx, dy, gamma.shape);
    const dBeta = gradBuffer(ctx, dy, beta.shape);
    const { saved, ...attrs } = ctx.attrs;
    const [ox, og, odx] = [operand(x), operand(gamma), dx.out];
    kernelsOf(dy.engine).batchNormBackward(
      ox,
      og,
      operand(dy),
      saved,
      attrs,
      odx,
      dGamma.out,
      dBeta.out,
      dx.r,
    );
    return [dx.tensor, dGamma.tensor, dBeta.tensor];
  },
  layer_norm: (ctx, dy) => {
    const [x, gamma, beta] = [input(ctx, 0), input(ctx, 1), input(ctx, 2)];
    const dx = gradBuffer(ctx, dy, x.shape);
    const dGamma = gradBuffer(ctx, dy, gamma.shape);
    const dBeta = gradBuffer(ctx, dy, beta.shape);
    const [ox, og, odx] = [operand(x), operand(gamma), dx.out];
    kernelsOf(dy.engine).layerNormBackward(
      ox,
      og,
      operand(dy),
      ctx.attrs.saved,
      odx,
      dGamma.out,
      dBeta.out,
      dx.r,
    );
    return [dx.tensor, dGamma.tensor, dBeta.tensor];
  },
  embedding: (ctx, dy) => [
    gradFor(ctx, dy, input(ctx, 0), (out, r) => {
      kernelsOf(dy.engine).embeddingBackward(operand(dy), ctx.attrs.indices, out, r);
    }),
  ],
  dropout: (ctx, dy) => {
    const mask = ctx.saved.at(0);
    if (mask === undefined) throw new MinifloatError("argument", "backward: dropout's mask was not saved");
    return [
      gradFor(ctx, dy, input(ctx, 0), (out, r) => {
        kernelsOf(dy.engine).dropout(operand(dy), operand(mask), out, r);
      }),
    ];
  },
};
