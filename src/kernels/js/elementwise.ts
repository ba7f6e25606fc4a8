/**
 * Elementwise kernels of the `js` backend: the simulated FPU of DESIGN.md rule 4. Inputs are decoded
 * exactly into float32; + - x / sqrt, max/min, abs, sign and relu are computed in float32 (float64
 * arithmetic stored into a Float32Array, correctly rounded since 53 >= 2 * 24 + 2); transcendental
 * functions (exp, log, rsqrt, tanh, sigmoid, gelu, pow) are computed in float64 and rounded once into the
 * output format, never through float32 first. Broadcasting follows NumPy (../broadcast.ts).
 */
import { sizeOf, type Shape } from "../../tensor/index.js";
import { broadcastArray } from "../broadcast.js";
import type { BinaryOp, CompareOp, ElementwiseKernels, UnaryOp } from "../signatures.js";
import { decoded, resultBuffer, store, type Operand } from "../types.js";
import { normalCdf } from "./erf.js";

export { normalCdf } from "./erf.js";

/** The operand's values read at every element of the output shape (broadcast). */
function broadcastValues(x: Operand, outShape: Shape): Float32Array {
  return broadcastArray(decoded(x), x.shape, outShape);
}

/** sqrt(2 / pi), the constant of the tanh form of GELU (Hendrycks and Gimpel, arXiv:1606.08415). */
export const GELU_TANH_C = Math.sqrt(2 / Math.PI);

/** Unary functions, and whether each is transcendental (computed in float64, rounded once). */
const UNARY: { readonly [P in UnaryOp]: { readonly f: (x: number) => number; readonly f64: boolean } } = {
  neg: { f: (x) => -x, f64: false },
  abs: { f: Math.abs, f64: false },
  sqrt: { f: Math.sqrt, f64: false },
  relu: { f: (x) => (x > 0 || x !== x ? x : 0), f64: false },
  sign: { f: Math.sign, f64: false },
  exp: { f: Math.exp, f64: true },
  log: { f: Math.log, f64: true },
  rsqrt: { f: (x) => 1 / Math.sqrt(x), f64: true },
  tanh: { f: Math.tanh, f64: true },
  sigmoid: { f: (x) => 1 / (1 + Math.exp(-x)), f64: true },
  gelu_erf: { f: (x) => x * normalCdf(x), f64: true },
  gelu_tanh: {
    f: (x) => 0.5 * x * (1 + Math.tanh(GELU_TANH_C * (x + 0.044715 * x * x * x))),
    f64: true,
  },
};

/** Binary functions, and whether each is transcendental. */
const BINARY: {
  readonly [P in BinaryOp]: { readonly f: (a: number, b: number) => number; readonly f64: boolean };
} = {
  add: { f: (a, b) => a + b, f64: false },
  sub: { f: (a, b) => a - b, f64: false },
  mul: { f: (a, b) => a * b, f64: false },
  div: { f: (a, b) => a / b, f64: false },
  maximum: { f: Math.max, f64: false },
  minimum: { f: Math.min, f64: false },
  pow: { f: Math.pow, f64: true },
};

const COMPARE: { readonly [P in CompareOp]: (a: number, b: number) => boolean } = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
};

/** The reference elementwise kernels. */
export const elementwiseKernels: ElementwiseKernels = {
  unary(op, x, out, r) {
    const { f, f64 } = UNARY[op];
    const v = decoded(x);
    const res = f64 ? new Float64Array(v.length) : resultBuffer(out, v.length);
    for (let i = 0; i < v.length; i++) res[i] = f(v[i]);
    store(out, res, r);
  },
  binary(op, a, b, out, r) {
    const { f, f64 } = BINARY[op];
    const va = broadcastValues(a, out.shape);
    const vb = broadcastValues(b, out.shape);
    const n = sizeOf(out.shape);
    const res = f64 ? new Float64Array(n) : resultBuffer(out, n);
    for (let i = 0; i < n; i++) res[i] = f(va[i], vb[i]);
    store(out, res, r);
  },
  compare(op, a, b, out, r) {
    const f = COMPARE[op];
    const va = broadcastValues(a, out.shape);
    const vb = broadcastValues(b, out.shape);
    const res = resultBuffer(out, va.length);
    for (let i = 0; i < va.length; i++) res[i] = f(va[i], vb[i]) ? 1 : 0;
    store(out, res, r);
  },
  where(cond, a, b, out, r) {
    const c = broadcastValues(cond, out.shape);
    const va = broadcastValues(a, out.shape);
    const vb = broadcastValues(b, out.shape);
    const res = resultBuffer(out, c.length);
    for (let i = 0; i < c.length; i++) res[i] = c[i] !== 0 ? va[i] : vb[i];
    store(out, res, r);
  },
  cast(x, out, r) {
    const v = decoded(x);
    if (out.data instanceof Float32Array) out.data.set(v);
    else store(out, v, r);
  },
};
