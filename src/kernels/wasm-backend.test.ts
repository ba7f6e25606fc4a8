/**
 * The same ops on the `js` and `wasm` backends, through the public ops layer: conversions, elementwise
 * ops and GEMM (same summation order) must be bit-identical, stochastic rounding included; convolution
 * forward and both gradients too (docs/wasm.md gives the orders, the same as the js kernels'). Needs
 * the module built by `npm run build` (npm test builds first).
 */
import { describe, expect, it } from "vitest";
import { randomWord } from "../formats/index.js";
import { backward } from "../autograd/index.js";
import {
  add,
  cast,
  conv2d,
  div,
  matmul,
  maximum,
  mul,
  relu,
  sub,
  sum,
  type OpOptions,
} from "../ops/index.js";
import { Engine, fromValues, type Tensor } from "../tensor/index.js";
import { kernelsFor, ownKernelNames } from "./registry.js";
import { wasmAvailable } from "./wasm/index.js";

function values(n: number, seed: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => ((randomWord(seed, 3, 0, i) / 2 ** 32) * 2 - 1) * scale);
}

/** Run `build` on a fresh engine of each backend (same seed, so stochastic streams agree). */
function both(build: (e: Engine) => Tensor): [Tensor, Tensor] {
  return [build(new Engine({ backend: "js", seed: 5 })), build(new Engine({ backend: "wasm", seed: 5 }))];
}

function codes(t: Tensor): number[] {
  return Array.from(t.data instanceof Float32Array ? new Uint32Array(t.data.buffer) : t.data);
}

const FORMATS = ["float32", "bfloat16", "float16", "float8_e4m3fn", "float8_e5m2"] as const;

describe("wasm backend against its js twin", () => {
  it("is built and implements the hot kernels itself", () => {
    expect(wasmAvailable()).toBe(true);
    kernelsFor("wasm"); // resolve the registry (the first op does this too)
    expect(ownKernelNames("wasm")).toEqual(
      expect.arrayContaining([
        "matmul",
        "conv2d",
        "conv2dBackwardData",
        "conv2dBackwardFilter",
        "binary",
        "cast",
      ]),
    );
  });

  it.each(FORMATS)("GEMM with %s storage: bit-identical, all transposes, batched, stochastic", (format) => {
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      for (const rounding of ["nearest-even", "stochastic"] as const) {
        const [m, k, n] = [13, 37, 21];
        const [a, b] = both((e) => {
          const x = fromValues(values(3 * m * k, 1), transA ? [3, k, m] : [3, m, k], { engine: e, format });
          const y = fromValues(values(k * n, 2), transB ? [n, k] : [k, n], { engine: e, format });
          return matmul(x, y, {
            transA,
            transB,
            format: format === "float32" ? "float32" : "bfloat16",
            rounding,
          });
        });
        expect(codes(b)).toEqual(codes(a));
      }
    }
  });

  it.each(FORMATS)("elementwise %s: add, sub, mul, div, maximum, relu, cast bit-identical", (format) => {
    const opts: OpOptions = { format, rounding: "stochastic" };
    for (const op of [add, sub, mul, div, maximum]) {
      const [a, b] = both((e) =>
        op(
          fromValues(values(999, 3, 4), [999], { engine: e }),
          fromValues(values(999, 4, 4), [999], { engine: e }),
          opts,
        ),
      );
      expect(codes(b)).toEqual(codes(a));
    }
    const [r1, r2] = both((e) => relu(fromValues(values(999, 5), [999], { engine: e, format })));
    expect(codes(r2)).toEqual(codes(r1));
    const [c1, c2] = both((e) =>
      cast(fromValues(values(5000, 6, 1e5), [5000], { engine: e }), format, "stochastic"),
    );
    expect(codes(c2)).toEqual(codes(c1));
  });

  const CONVS = [
    { x: [2, 3, 9, 9], w: [4, 3, 3, 3], o: {} },
    {
      x: [2, 4, 11, 10],
      w: [6, 2, 3, 2],
      o: { stride: 2, padding: 1, dilation: [2, 1] as [number, number], groups: 2 },
    },
    { x: [1, 4, 8, 8], w: [4, 1, 3, 3], o: { padding: 1, groups: 4 } },
  ];

  it.each(CONVS)("conv2d forward, data and filter gradients bit-identical: x %j", ({ x, w, o }) => {
    for (const format of ["float32", "bfloat16"] as const) {
      const run = (e: Engine): Tensor[] => {
        const xt = fromValues(
          values(
            x.reduce((p, d) => p * d, 1),
            7,
          ),
          x,
          { engine: e, format, requiresGrad: true },
        );
        const wt = fromValues(
          values(
            w.reduce((p, d) => p * d, 1),
            8,
          ),
          w,
          { engine: e, format, requiresGrad: true },
        );
        const bias = fromValues(values(w[0] ?? 1, 9), [w[0] ?? 1], { engine: e, format, requiresGrad: true });
        const y = conv2d(xt, wt, bias, o);
        backward(sum(mul(y, y)), { gradFormat: format });
        return [y, xt.grad, wt.grad, bias.grad].map((t) => t as Tensor);
      };
      const js = run(new Engine({ backend: "js" }));
      const wasm = run(new Engine({ backend: "wasm" }));
      js.forEach((t, i) => {
        expect(codes(wasm[i])).toEqual(codes(t));
      });
    }
  });
});
