/**
 * The layers' fast paths on the `wasm` backend against the `js` reference, through the public ops and
 * autograd: max pooling and its gradient, the conv bias gradient, broadcast elementwise ops and
 * comparisons (a bias row, a scalar), ReLU's gradient, batch norm (its float64 results rounded through
 * round-to-odd and the wasm encoder) and float64 outputs of every width. Bit-identical, NaN, infinities
 * and stochastic rounding included. Needs the module built by `npm run build`.
 */
import { describe, expect, it } from "vitest";
import { randomWord } from "../formats/index.js";
import { backward } from "../autograd/index.js";
import {
  add,
  batchNorm,
  conv2d,
  exp,
  gt,
  maxPool2d,
  mul,
  relu,
  reshape,
  sum,
  type OpOptions,
} from "../ops/index.js";
import { Engine, fromValues, type Tensor } from "../tensor/index.js";

function values(n: number, seed: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => ((randomWord(seed, 3, 0, i) / 2 ** 32) * 2 - 1) * scale);
}

/** values with NaN, infinities, signed zeros and ties sprinkled in. */
function special(n: number, seed: number): Float32Array {
  const v = values(n, seed, 4);
  const s = [NaN, Infinity, -Infinity, 0, -0, 1, 1];
  for (let i = 3; i < n; i += 11) v[i] = s[(i / 11) % s.length] ?? 0;
  return v;
}

function codes(t: Tensor | null): number[] {
  if (t === null) throw new Error("missing gradient");
  return Array.from(t.data instanceof Float32Array ? new Uint32Array(t.data.buffer) : t.data);
}

/** Run `build` on a fresh engine of each backend (same seed, so stochastic streams agree). */
function both(build: (e: Engine) => (Tensor | null)[]): void {
  const js = build(new Engine({ backend: "js", seed: 5 }));
  const wasm = build(new Engine({ backend: "wasm", seed: 5 }));
  js.forEach((t, i) => {
    expect(codes(wasm[i] ?? null)).toEqual(codes(t));
  });
}

const FORMATS = ["float32", "bfloat16", "float16", "float8_e4m3fn"] as const;
const ROUNDINGS = ["nearest-even", "stochastic"] as const;

describe("wasm backend layers against the js kernels", () => {
  it.each(FORMATS)("%s: max pooling, ReLU and the conv bias, forward and backward", (format) => {
    for (const rounding of ROUNDINGS) {
      const o: OpOptions = { format, rounding };
      both((e) => {
        const x = fromValues(special(2 * 3 * 10 * 9, 1), [2, 3, 10, 9], {
          engine: e,
          format,
          requiresGrad: true,
        });
        const w = fromValues(values(4 * 3 * 3 * 3, 2), [4, 3, 3, 3], {
          engine: e,
          format,
          requiresGrad: true,
        });
        const b = fromValues(values(4, 3), [4], { engine: e, format, requiresGrad: true });
        const y = relu(conv2d(x, w, b, { ...o, padding: 1 }), o);
        const p = maxPool2d(y, { ...o, kernel: 2 }); // (2, 4, 5, 4): the last row and column dropped
        const q = maxPool2d(p, { ...o, kernel: 3, stride: 2, padding: 1 }); // overlapping, padded
        backward(sum(mul(q, q, o)), { gradFormat: format, rounding });
        return [y, p, q, x.grad, w.grad, b.grad];
      });
    }
  });

  it.each(FORMATS)("%s: 2 x 2 max pooling of NaN, infinities, signed zeros and ties", (format) => {
    both((e) => {
      const x = fromValues(special(2 * 3 * 8 * 19, 10), [2, 3, 8, 19], {
        engine: e,
        format,
        requiresGrad: true,
      });
      const y = maxPool2d(x, { kernel: 2 }); // 9 columns: two 4-wide steps and one scalar
      backward(sum(mul(y, y)), { gradFormat: format });
      return [y, x.grad];
    });
  });

  it.each(FORMATS)("%s: broadcast add (bias row, scalar) and comparisons with NaN and ties", (format) => {
    for (const rounding of ROUNDINGS) {
      const o: OpOptions = { format, rounding };
      both((e) => {
        const x = fromValues(special(6 * 7, 4), [6, 7], { engine: e, format, requiresGrad: true });
        const bias = fromValues(special(7, 5), [7], { engine: e, format, requiresGrad: true });
        const col = fromValues(special(6, 6), [6, 1], { engine: e, format });
        const y = add(add(x, bias, o), 0.5, o);
        backward(sum(mul(y, y, o)), { gradFormat: format, rounding });
        return [y, add(x, col, o), gt(x, bias, o), gt(x, 0, o), gt(col, x, o), x.grad, bias.grad];
      });
    }
  });

  it.each(FORMATS)("%s: batch norm forward and backward, and float64 results (exp)", (format) => {
    for (const rounding of ROUNDINGS) {
      const o: OpOptions = { format, rounding };
      both((e) => {
        const x = fromValues(values(4 * 3 * 5 * 5, 7, 3), [4, 3, 5, 5], {
          engine: e,
          format,
          requiresGrad: true,
        });
        const gamma = fromValues(values(3, 8), [3], { engine: e, format, requiresGrad: true });
        const beta = fromValues(values(3, 9), [3], { engine: e, format, requiresGrad: true });
        const state = { runningMean: new Float32Array(3), runningVar: new Float32Array(3).fill(1) };
        const y = reshape(batchNorm(x, gamma, beta, state, o), [4, 75]);
        const z = exp(y, o);
        backward(sum(mul(z, y, o)), { gradFormat: format, rounding });
        return [y, z, x.grad, gamma.grad, beta.grad];
      });
    }
  });
});
