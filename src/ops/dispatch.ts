/**
 * The machinery every op shares: choose the output format, make contiguous operands, allocate the
 * output, key its stochastic rounding, pick the engine's kernels and record the creator for autograd.
 */
import { MinifloatError } from "../errors.js";
import { floatFormat, type FloatFormat } from "../formats/index.js";
import {
  kernelsFor,
  type Kernels,
  type OpRounding,
  type Operand,
  type OutputRounding,
} from "../kernels/index.js";
import {
  allocStorage,
  gatherStrided,
  tensorFromStorage,
  type Engine,
  type Shape,
  type Tensor,
} from "../tensor/index.js";
import type { OpAttrs, OpName } from "./op-attrs.js";

/** Options every op takes. */
export interface OpOptions {
  /** Output format (record or canonical name); default: the inputs' format when they agree, float32
   * when they do not. */
  readonly format?: FloatFormat | string;
  /** Rounding of the output; default nearest-even. */
  readonly rounding?: OpRounding;
  /** Random bits per stochastic rounding; default 32. */
  readonly randomBits?: number;
}

/** The kernels of the engine's backend. */
export function kernelsOf(engine: Engine): Kernels {
  return kernelsFor(engine.backend);
}

/** The engine shared by `inputs`; throws when tensors of different engines are mixed. */
export function engineOf(op: string, inputs: readonly Tensor[]): Engine {
  const first = inputs.at(0);
  if (first === undefined) throw new MinifloatError("argument", `${op}: needs at least one input`);
  for (const t of inputs) {
    if (t.engine !== first.engine) {
      throw new MinifloatError("argument", `${op}: inputs belong to different engines`);
    }
  }
  return first.engine;
}

/** The output format of an op from its options and inputs. */
export function outputFormat(inputs: readonly Tensor[], options: OpOptions | undefined): FloatFormat {
  const f = options?.format;
  if (f !== undefined) return typeof f === "string" ? floatFormat(f) : f;
  const first = inputs[0]?.format ?? floatFormat("float32");
  return inputs.every((t) => t.format === first) ? first : floatFormat("float32");
}

/** The tensor as a contiguous kernel operand (a copy only when it is a strided view). */
export function operand(t: Tensor): Operand {
  const data = t.data;
  if (t.isContiguous()) {
    const view = t.offset === 0 && data.length === t.size ? data : data.subarray(t.offset, t.offset + t.size);
    return { data: view, format: t.format, shape: t.shape };
  }
  return { data: gatherStrided(data, t.shape, t.strides, t.offset), format: t.format, shape: t.shape };
}

/** A new contiguous output tensor and its operand. */
export function allocOutput(
  engine: Engine,
  format: FloatFormat,
  shape: Shape,
): { tensor: Tensor; out: Operand } {
  const data = allocStorage(
    format,
    shape.reduce((a, b) => a * b, 1),
  );
  const tensor = tensorFromStorage(engine, format, data, shape);
  return { tensor, out: { data, format, shape } };
}

/** The rounding of an output: stochastic rounding draws from stream (engine seed, output id, step). */
export function roundingFor(output: Tensor, options: OpOptions | undefined): OutputRounding {
  const rounding = options?.rounding ?? "nearest-even";
  const randomBits = options?.randomBits ?? 32;
  if (rounding === "nearest-even") return { rounding, random: null, randomBits };
  const e = output.engine;
  return { rounding, random: { seed: e.seed, stream: output.id, step: e.step, offset: 0 }, randomBits };
}

/** Record `op` as the creator of `output` when gradients are on and an input wants one. */
export function record<P extends OpName>(
  output: Tensor,
  op: P,
  inputs: readonly Tensor[],
  attrs: OpAttrs[P],
  saved?: readonly Tensor[],
): Tensor {
  if (output.engine.gradEnabled && inputs.some((t) => t.requiresGrad)) {
    output.requiresGrad = true;
    output.creator = saved === undefined ? { op, inputs, attrs } : { op, inputs, attrs, saved };
  }
  return output;
}

/**
 * Run a kernel into a fresh output: validate nothing (the caller did), allocate `shape` in the output
 * format, call `run` with the output operand and its rounding, and record the creator.
 */
export function runOp<P extends OpName>(
  op: P,
  inputs: readonly Tensor[],
  shape: Shape,
  options: OpOptions | undefined,
  attrs: OpAttrs[P],
  run: (k: Kernels, out: Operand, r: OutputRounding) => void,
  saved?: readonly Tensor[],
): Tensor {
  const engine = engineOf(op, inputs);
  const { tensor, out } = allocOutput(engine, outputFormat(inputs, options), shape);
  run(kernelsOf(engine), out, roundingFor(tensor, options));
  return record(tensor, op, inputs, attrs, saved);
}
