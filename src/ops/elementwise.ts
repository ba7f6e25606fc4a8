/**
 * Elementwise ops: arithmetic and transcendental functions, comparisons, where and cast, with NumPy
 * broadcasting. A plain number operand becomes a float32 scalar constant (exact for every float32 value),
 * and does not take part in the output-format rule: `mul(x_bf16, 0.1)` is bfloat16, computed from the
 * float32 value of 0.1 and rounded once. Errors name the op, the argument and both shapes.
 */
import { MinifloatError } from "../errors.js";
import type { FloatFormat } from "../formats/index.js";
import type { BinaryOp, CompareOp, OpRounding, UnaryOp } from "../kernels/index.js";
import { formatShape, fromValues, resolveFormat, type Shape, type Tensor } from "../tensor/index.js";
import { operand, runOp, type OpOptions } from "./dispatch.js";

/** A tensor, or a number taken as a float32 scalar constant. */
export type TensorLike = Tensor | number;

/** The NumPy broadcast of the named operands' shapes; throws naming the op and every shape. */
export function broadcastAll(op: string, named: readonly (readonly [string, Shape])[]): number[] {
  const rank = Math.max(0, ...named.map(([, s]) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (let i = 0; i < rank; i++) {
    for (const [, s] of named) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1 || d === out[i]) continue;
      if (out[i] !== 1) {
        const shapes = named.map(([n, sh]) => `${n} ${formatShape(sh)}`).join(" and ");
        throw new MinifloatError(
          "shape",
          `${op}: ${shapes} do not broadcast (dimension ${i} of the result: ${out[i]} vs ${d})`,
        );
      }
      out[i] = d;
    }
  }
  return out;
}

/** Tensor-like arguments as tensors, with the options resolved so numbers do not affect the format. */
function asTensors(
  op: string,
  args: readonly TensorLike[],
  options: OpOptions | undefined,
  fallback?: Tensor,
): { tensors: Tensor[]; options: OpOptions } {
  const real = args.filter((x): x is Tensor => typeof x !== "number");
  const first = (real[0] as Tensor | undefined) ?? fallback;
  if (first === undefined) throw new MinifloatError("argument", `${op}: needs at least one tensor argument`);
  const common: FloatFormat =
    real.length > 0 && real.every((t) => t.format === first.format) ? first.format : resolveFormat("float32");
  const format = options?.format ?? common;
  const tensors = args.map((x) =>
    typeof x === "number" ? fromValues([x], [], { engine: first.engine }) : x,
  );
  return { tensors, options: { ...options, format } };
}

function binaryOp(op: BinaryOp, a: TensorLike, b: TensorLike, options: OpOptions | undefined): Tensor {
  const { tensors, options: o } = asTensors(op, [a, b], options);
  const [ta, tb] = tensors as [Tensor, Tensor];
  const shape = broadcastAll(op, [
    ["a", ta.shape],
    ["b", tb.shape],
  ]);
  return runOp(op, [ta, tb], shape, o, {}, (k, out, r) => {
    k.binary(op, operand(ta), operand(tb), out, r);
  });
}

function unaryOp(op: UnaryOp, x: Tensor, options: OpOptions | undefined): Tensor {
  return runOp(op, [x], x.shape, options, {}, (k, out, r) => {
    k.unary(op, operand(x), out, r);
  });
}

function compareOp(op: CompareOp, a: TensorLike, b: TensorLike, options: OpOptions | undefined): Tensor {
  const { tensors, options: o } = asTensors(op, [a, b], options);
  const [ta, tb] = tensors as [Tensor, Tensor];
  const shape = broadcastAll(op, [
    ["a", ta.shape],
    ["b", tb.shape],
  ]);
  return runOp(op, [ta, tb], shape, o, {}, (k, out, r) => {
    k.compare(op, operand(ta), operand(tb), out, r);
  });
}

/** a + b, broadcast; computed in float32, rounded once. */
export function add(a: TensorLike, b: TensorLike, options?: OpOptions): Tensor {
  return binaryOp("add", a, b, options);
}
/** a - b, broadcast; computed in float32, rounded once. */
export function sub(a: TensorLike, b: TensorLike, options?: OpOptions): Tensor {
  return binaryOp("sub", a, b, options);
}
/** a * b, broadcast; computed in float32, rounded once. */
export function mul(a: TensorLike, b: TensorLike, options?: OpOptions): Tensor {
  return binaryOp("mul", a, b, options);
}
/** a / b, broadcast; computed in float32, rounded once. */
export function div(a: TensorLike, b: TensorLike, options?: OpOptions): Tensor {
  return binaryOp("div", a, b, options);
}
/** a ** b, broadcast; computed in float64, rounded once. */
export function pow(a: TensorLike, b: TensorLike, options?: OpOptions): Tensor {
  return binaryOp("pow", a, b, options);
}
/** The larger of a and b (NaN if either is NaN), broadcast. */
export function maximum(a: TensorLike, b: TensorLike, options?: OpOptions): Tensor {
  return binaryOp("maximum", a, b, options);
}
/** The smaller of a and b (NaN if either is NaN), broadcast. */
export function minimum(a: TensorLike, b: TensorLike, options?: OpOptions): Tensor {
  return binaryOp("minimum", a, b, options);
}

/** -x. */
export function neg(x: Tensor, options?: OpOptions): Tensor {
  return unaryOp("neg", x, options);
}
/** |x|. */
export function abs(x: Tensor, options?: OpOptions): Tensor {
  return unaryOp("abs", x, options);
}
/** e^x, computed in float64 and rounded once. */
export function exp(x: Tensor, options?: OpOptions): Tensor {
  return unaryOp("exp", x, options);
}
/** Natural logarithm, computed in float64 and rounded once. */
export function log(x: Tensor, options?: OpOptions): Tensor {
  return unaryOp("log", x, options);
}
/** Square root, correctly rounded. */
export function sqrt(x: Tensor, options?: OpOptions): Tensor {
  return unaryOp("sqrt", x, options);
}
/** 1 / sqrt(x), computed in float64 and rounded once. */
export function rsqrt(x: Tensor, options?: OpOptions): Tensor {
  return unaryOp("rsqrt", x, options);
}
/** Hyperbolic tangent, computed in float64 and rounded once. */
export function tanh(x: Tensor, options?: OpOptions): Tensor {
  return unaryOp("tanh", x, options);
}
/** The logistic function 1 / (1 + e^-x), computed in float64 and rounded once. */
export function sigmoid(x: Tensor, options?: OpOptions): Tensor {
  return unaryOp("sigmoid", x, options);
}
/** max(x, 0) (NaN stays NaN). */
export function relu(x: Tensor, options?: OpOptions): Tensor {
  return unaryOp("relu", x, options);
}
/** -1, 0 or 1 by the sign of x (signed zeros kept, NaN stays NaN). */
export function sign(x: Tensor, options?: OpOptions): Tensor {
  return unaryOp("sign", x, options);
}

/** Options of gelu: the exact form x Phi(x) ("erf", default) or the tanh approximation. */
export interface GeluOptions extends OpOptions {
  readonly approximate?: "erf" | "tanh";
}

/** GELU (Hendrycks and Gimpel, arXiv:1606.08415): op gelu_erf or gelu_tanh; float64, rounded once. */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  const { approximate = "erf", ...rest } = options;
  const op = (GELU_OPS as Readonly<Record<string, UnaryOp | undefined>>)[approximate];
  if (op === undefined) {
    throw new MinifloatError(
      "argument",
      `gelu: approximate must be "erf" or "tanh", got ${JSON.stringify(approximate)}`,
    );
  }
  return unaryOp(op, x, rest);
}

const GELU_OPS = { erf: "gelu_erf", tanh: "gelu_tanh" } as const;

/** 1 where a == b, else 0 (not differentiable). */
export function eq(a: TensorLike, b: TensorLike, options?: OpOptions): Tensor {
  return compareOp("eq", a, b, options);
}
/** 1 where a != b (and where either is NaN), else 0. */
export function ne(a: TensorLike, b: TensorLike, options?: OpOptions): Tensor {
  return compareOp("ne", a, b, options);
}
/** 1 where a < b, else 0. */
export function lt(a: TensorLike, b: TensorLike, options?: OpOptions): Tensor {
  return compareOp("lt", a, b, options);
}
/** 1 where a <= b, else 0. */
export function le(a: TensorLike, b: TensorLike, options?: OpOptions): Tensor {
  return compareOp("le", a, b, options);
}
/** 1 where a > b, else 0. */
export function gt(a: TensorLike, b: TensorLike, options?: OpOptions): Tensor {
  return compareOp("gt", a, b, options);
}
/** 1 where a >= b, else 0. */
export function ge(a: TensorLike, b: TensorLike, options?: OpOptions): Tensor {
  return compareOp("ge", a, b, options);
}

/** a where cond is non-zero, else b (all three broadcast); the format rule looks at a and b only
 * (float32 when both are numbers). */
export function where(cond: Tensor, a: TensorLike, b: TensorLike, options?: OpOptions): Tensor {
  const { tensors, options: o } = asTensors("where", [a, b], options, cond);
  const [ta, tb] = tensors as [Tensor, Tensor];
  if (ta.engine !== cond.engine)
    throw new MinifloatError("argument", "where: inputs belong to different engines");
  const shape = broadcastAll("where", [
    ["cond", cond.shape],
    ["a", ta.shape],
    ["b", tb.shape],
  ]);
  return runOp("where", [cond, ta, tb], shape, o, {}, (k, out, r) => {
    k.where(operand(cond), operand(ta), operand(tb), out, r);
  });
}

/** x converted to `format`: decoded exactly, rounded once with `rounding`; the gradient passes through. */
export function cast(x: Tensor, format: FloatFormat | string, rounding: OpRounding = "nearest-even"): Tensor {
  return runOp("cast", [x], x.shape, { format, rounding }, {}, (k, out, r) => {
    k.cast(operand(x), out, r);
  });
}
