/**
 * What a kernel sees: contiguous operands (codes + format + shape) and how to round its result. Kernels
 * are pure functions over typed arrays (DESIGN.md, Engine); the simulated FPU of rule 4 lives in the two
 * helpers here: `decoded` (inputs decoded exactly into float32) and `store` (the result, computed in
 * float32 or float64, rounded once into the output format with the op's rounding).
 */
import { decodeArray, encodeArray, type FloatFormat, type StochasticSource } from "../formats/index.js";
import { codesOf, type Shape, type StorageArray } from "../tensor/index.js";

/** A contiguous, row-major operand of a kernel. */
export interface Operand {
  readonly data: StorageArray;
  readonly format: FloatFormat;
  readonly shape: Shape;
}

/** The rounding modes an op's output may use. */
export type OpRounding = "nearest-even" | "stochastic";

/** How a result is rounded into its output: the mode and, for stochastic rounding, the stream. */
export interface OutputRounding {
  readonly rounding: OpRounding;
  /** Key of the output's random stream (seed, stream = output tensor id, step); null for nearest. */
  readonly random: Required<StochasticSource> | null;
  readonly randomBits: number;
}

/** Round to nearest-even: the default for every op. */
export const NEAREST: OutputRounding = Object.freeze({
  rounding: "nearest-even",
  random: null,
  randomBits: 32,
});

/** How dot products (matmul, conv, sums) accumulate: float32 sums rounded once at the end (default),
 * or every partial sum rounded to the output format (a strict 16-bit FPU). */
export type Accumulate = "float32" | "output";

/** The operand's values as float32: the storage itself for float32, an exact decoded copy otherwise. */
export function decoded(x: Operand): Float32Array {
  if (x.data instanceof Float32Array) return x.data;
  return decodeArray(x.format, x.data);
}

/**
 * Round `values` (the exact-as-computed result: float32, or float64 for transcendental functions) once
 * into `out` with the output rounding. For a float32 output whose storage is `values` itself, nothing to do.
 */
export function store(out: Operand, values: Float32Array | Float64Array, r: OutputRounding): void {
  if (out.data === values) return;
  if (out.data instanceof Float32Array && values instanceof Float32Array) {
    out.data.set(values);
    return;
  }
  const options =
    r.random === null
      ? { rounding: r.rounding }
      : { rounding: r.rounding, random: r.random, randomBits: r.randomBits };
  encodeArray(out.format, values, options, codesOf(out.data));
}

/** The signature of `store`, for kernels that take a backend's faster twin of it. */
export type Store = typeof store;

/** A float32 scratch buffer for a result: the output storage itself when the output is float32. */
export function resultBuffer(out: Operand, n = out.data.length): Float32Array {
  return out.data instanceof Float32Array && out.data.length === n ? out.data : new Float32Array(n);
}
