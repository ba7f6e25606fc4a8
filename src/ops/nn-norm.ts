/**
 * Normalization, embedding and dropout ops. Batch and layer norm compute statistics in float64 and round
 * their output once; batch norm's running statistics are float32 arrays owned by the caller (the seam a
 * precision policy uses to keep them in another format). Dropout masks come from Philox keyed by
 * (engine seed, stream, engine step), so a run is reproducible.
 */
import { MinifloatError } from "../errors.js";
import { fillRandomWords, floatFormat } from "../formats/index.js";
import { formatShape, sizeOf, type Shape, type Tensor } from "../tensor/index.js";
import {
  allocOutput,
  kernelsOf,
  operand,
  outputFormat,
  record,
  roundingFor,
  runOp,
  type OpOptions,
} from "./dispatch.js";

/**
 * Running statistics of a batch-norm layer, updated in place in training mode. They are float32 arrays
 * whatever the tensors' formats (as the Keras models of the standalone-16-bit study kept them); a
 * precision policy that wants them in another format rounds them after each call (DESIGN.md rule 5).
 */
export interface BatchNormState {
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
}

/** Options of batchNorm. */
export interface BatchNormOptions extends OpOptions {
  /** Batch statistics (and running-stat updates) when true, running statistics when false; default true. */
  readonly training?: boolean;
  /** Weight of the new batch statistic in the running average; default 0.1. */
  readonly momentum?: number;
  /** Default 1e-5. */
  readonly eps?: number;
}

/** Options of layerNorm. */
export interface LayerNormOptions extends OpOptions {
  /** Default 1e-5. */
  readonly eps?: number;
}

/** Options of dropout. */
export interface DropoutOptions extends OpOptions {
  /** Default true; false makes dropout the identity. */
  readonly training?: boolean;
  /** Philox stream of the mask (e.g. a fixed id per layer); default the output tensor's id. */
  readonly stream?: number;
}

/** Dropout draws its mask from this counter offset of its stream: stochastic rounding of a tensor uses
 * offsets below its size, so the two never share random words. */
const DROPOUT_OFFSET = 2 ** 48;

function checkVector(op: string, arg: string, t: Tensor, n: number, of: string, x: Tensor): void {
  if (t.rank !== 1 || t.shape[0] !== n) {
    throw new MinifloatError(
      "shape",
      `${op}: ${arg} expected (${n}) for ${of} of ${formatShape(x.shape)}, got ${formatShape(t.shape)}`,
    );
  }
}

function checkEps(op: string, eps: number): void {
  if (!(eps > 0)) throw new MinifloatError("argument", `${op}: eps must be positive, got ${eps}`);
}

/** Batch normalization over axis 1 of x (N, C) or (N, C, H, W, ...), with per-channel gamma and beta (C). */
export function batchNorm(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  state: BatchNormState,
  options: BatchNormOptions = {},
): Tensor {
  if (x.rank < 2) {
    throw new MinifloatError("shape", `batchNorm: input expected (N, C, ...), got ${formatShape(x.shape)}`);
  }
  const c = x.shape[1] ?? 0;
  checkVector("batchNorm", "gamma", gamma, c, "the channels", x);
  checkVector("batchNorm", "beta", beta, c, "the channels", x);
  if (state.runningMean.length !== c || state.runningVar.length !== c) {
    throw new MinifloatError(
      "shape",
      `batchNorm: running statistics expected ${c} channels for input ${formatShape(x.shape)}, got mean ${state.runningMean.length} and variance ${state.runningVar.length}`,
    );
  }
  const momentum = options.momentum ?? 0.1;
  if (!(momentum >= 0 && momentum <= 1)) {
    throw new MinifloatError("argument", `batchNorm: momentum must be in [0, 1], got ${momentum}`);
  }
  const eps = options.eps ?? 1e-5;
  checkEps("batchNorm", eps);
  const training = options.training ?? true;
  if (training && x.size / Math.max(1, c) < 2) {
    throw new MinifloatError(
      "shape",
      `batchNorm: training needs more than one value per channel, got input ${formatShape(x.shape)}`,
    );
  }
  const attrs = { training, momentum, eps, saved: new Float32Array(2 * c) };
  const running = { mean: state.runningMean, variance: state.runningVar };
  return runOp("batch_norm", [x, gamma, beta], x.shape, options, attrs, (k, out, r) => {
    k.batchNorm(operand(x), operand(gamma), operand(beta), running, attrs, out, attrs.saved, r);
  });
}

/** Layer normalization of x (..., D) over its last dimension, with gamma and beta (D). */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, options: LayerNormOptions = {}): Tensor {
  if (x.rank < 1) throw new MinifloatError("shape", `layerNorm: input expected (..., D), got ()`);
  const d = x.shape[x.rank - 1] ?? 0;
  checkVector("layerNorm", "gamma", gamma, d, "the last dimension", x);
  checkVector("layerNorm", "beta", beta, d, "the last dimension", x);
  const eps = options.eps ?? 1e-5;
  checkEps("layerNorm", eps);
  const attrs = { eps, saved: new Float32Array(2 * (x.size / Math.max(1, d))) };
  return runOp("layer_norm", [x, gamma, beta], x.shape, options, attrs, (k, out, r) => {
    k.layerNorm(operand(x), operand(gamma), operand(beta), attrs, out, attrs.saved, r);
  });
}

/** Rows of table (V, D) picked by integer indices of `shape` -> (...shape, D). */
export function embedding(
  table: Tensor,
  indices: Int32Array | readonly number[],
  shape: Shape = [indices.length],
  options: OpOptions = {},
): Tensor {
  if (table.rank !== 2) {
    throw new MinifloatError("shape", `embedding: table expected (V, D), got ${formatShape(table.shape)}`);
  }
  if (sizeOf(shape) !== indices.length) {
    throw new MinifloatError(
      "shape",
      `embedding: ${indices.length} indices do not fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`,
    );
  }
  const [v = 0, d = 0] = table.shape;
  const idx = Int32Array.from(indices);
  idx.forEach((i, at) => {
    if (i !== indices[at] || i < 0 || i >= v) {
      throw new MinifloatError(
        "argument",
        `embedding: indices[${at}] = ${indices[at]} is out of range for table ${formatShape(table.shape)} (expected an integer in [0, ${v}))`,
      );
    }
  });
  return runOp("embedding", [table], [...shape, d], options, { indices: idx }, (k, out, r) => {
    k.embedding(operand(table), idx, out, r);
  });
}

/**
 * Dropout: each element zeroed with probability p, the others scaled by 1 / (1 - p) (rounded once into
 * the output format); the identity when p = 0 or not training. The mask is saved for the backward pass.
 */
export function dropout(x: Tensor, p: number, options: DropoutOptions = {}): Tensor {
  if (!(p >= 0 && p <= 1)) throw new MinifloatError("argument", `dropout: p must be in [0, 1], got ${p}`);
  const stream = options.stream;
  if (stream !== undefined && !(Number.isInteger(stream) && stream >= 0 && stream < 2 ** 32)) {
    throw new MinifloatError("argument", `dropout: stream must be an integer in [0, 2^32), got ${stream}`);
  }
  const engine = x.engine;
  const format = outputFormat([x], options);
  const identity = p === 0 || options.training === false;
  if (identity && format === x.format) return x;
  const { tensor, out } = allocOutput(engine, format, x.shape);
  const mask = allocOutput(engine, floatFormat("float32"), x.shape);
  const m = mask.out.data as Float32Array;
  if (identity) m.fill(1);
  else {
    const words = new Uint32Array(x.size);
    const key = { seed: engine.seed, stream: stream ?? tensor.id, step: engine.step, offset: DROPOUT_OFFSET };
    fillRandomWords(key, words);
    // Keep with probability 1 - p: the word, uniform in [0, 2^32), is at least p * 2^32.
    const threshold = p * 2 ** 32;
    const scale = Math.fround(1 / (1 - p));
    for (let i = 0; i < words.length; i++) m[i] = words[i] >= threshold ? scale : 0;
  }
  kernelsOf(engine).dropout(operand(x), mask.out, out, roundingFor(tensor, options));
  return record(tensor, "dropout", [x], { p: identity ? 0 : p }, [mask.tensor]);
}
