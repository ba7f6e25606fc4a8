/**
 * Reductions (sum, mean, max) of the `js` backend. Order is fixed (DESIGN.md rule 6): each output element
 * adds its inputs in row-major order over the reduced axes. Accumulation (rule 4): "float32" sums in
 * float32 (Math.fround after every addition) and rounds once into the output; "output" rounds every
 * partial sum to the output format (nearest-even, one rounding per addition via TwoSum). The mean divides
 * the final sum by n in float64 and rounds once. Max is exact (a comparison), so it only rounds on store.
 */
import { nearestAdd } from "../../formats/index.js";
import { contiguousStrides, sizeOf, type Shape } from "../../tensor/index.js";
import type { ReduceKernels } from "../signatures.js";
import { decoded, resultBuffer, store, type Operand } from "../types.js";

/** Flat offsets of every element of a sub-grid (the given dims, with strides), row-major. */
export function gridOffsets(dims: readonly number[], strides: readonly number[]): Int32Array {
  const n = sizeOf(dims);
  const out = new Int32Array(n);
  const index = new Array<number>(dims.length).fill(0);
  let at = 0;
  for (let i = 0; i < n; i++) {
    out[i] = at;
    for (let d = dims.length - 1; d >= 0; d--) {
      index[d]++;
      at += strides[d];
      if (index[d] < dims[d]) break;
      at -= strides[d] * dims[d];
      index[d] = 0;
    }
  }
  return out;
}

/** Offsets of the kept (outer) and reduced (inner) elements of x for a reduction over `axes`. */
function reductionGrid(shape: Shape, axes: readonly number[]): { kept: Int32Array; reduced: Int32Array } {
  const strides = contiguousStrides(shape);
  const isReduced = (i: number): boolean => axes.includes(i);
  const pick = (want: boolean): [number[], number[]] => {
    const dims: number[] = [];
    const st: number[] = [];
    shape.forEach((d, i) => {
      if (isReduced(i) === want) {
        dims.push(d);
        st.push(strides[i]);
      }
    });
    return [dims, st];
  };
  return { kept: gridOffsets(...pick(false)), reduced: gridOffsets(...pick(true)) };
}

function sumFloat32(v: Float32Array, base: number, reduced: Int32Array): number {
  let acc = 0;
  for (let j = 0; j < reduced.length; j++) acc = Math.fround(acc + v[base + reduced[j]]);
  return acc;
}

/** Partial sums rounded nearest-even to the output format; the op's own rounding then has nothing left to
 * round (so stochastic rounding is not applied to accumulate "output" sums). */
function sumRounded(out: Operand, v: Float32Array, base: number, reduced: Int32Array): number {
  let acc = 0;
  for (let j = 0; j < reduced.length; j++) acc = nearestAdd(out.format, acc, v[base + reduced[j]]);
  return acc;
}

function maxOf(v: Float32Array, base: number, reduced: Int32Array): number {
  let m = -Infinity;
  for (let j = 0; j < reduced.length; j++) {
    const x = v[base + reduced[j]];
    if (x !== x) return NaN;
    if (x > m) m = x;
  }
  return m;
}

/** Whether `axes` are the leading axes 0..k-1 (a bias gradient's (B, T, C) -> (C), for instance). */
function leadingAxes(axes: readonly number[]): boolean {
  return axes.every((a, i) => a === i);
}

/** A float32 sum over the leading axes, row by row into one accumulator per kept element: the same
 * additions in the same order as sumFloat32 on each output element, read contiguously. */
function sumLeadingFloat32(v: Float32Array, kept: number, out: Float32Array | Float64Array): void {
  const acc = new Float32Array(kept); // Float32Array stores round every partial sum to float32
  for (let at = 0; at < v.length; at += kept) {
    for (let i = 0; i < kept; i++) acc[i] += v[at + i];
  }
  out.set(acc);
}

/** The reference reduction kernels. */
export const reduceKernels: ReduceKernels = {
  reduce(op, x, axes, out, r, accumulate) {
    const v = decoded(x);
    const { kept, reduced } = reductionGrid(x.shape, axes);
    if (op === "max") {
      const res = resultBuffer(out, kept.length);
      for (let i = 0; i < kept.length; i++) res[i] = maxOf(v, kept[i], reduced);
      store(out, res, r);
      return;
    }
    const sumOne = accumulate === "float32" ? sumFloat32 : sumRounded.bind(null, out);
    if (op === "sum" && accumulate === "float32") {
      const res = resultBuffer(out, kept.length);
      if (leadingAxes(axes)) sumLeadingFloat32(v, kept.length, res);
      else for (let i = 0; i < kept.length; i++) res[i] = sumOne(v, kept[i], reduced);
      store(out, res, r);
      return;
    }
    // mean, or a sum whose partial sums are values of the output format: float64, rounded once on store.
    const n = op === "mean" ? reduced.length : 1;
    const res = new Float64Array(kept.length);
    for (let i = 0; i < kept.length; i++) res[i] = sumOne(v, kept[i], reduced) / n;
    store(out, res, r);
  },
};
