/**
 * Modules through their public API: seeded initialization (reproducible, seed-dependent, format-
 * independent, within PyTorch's bounds), parameter and activation formats, batch-norm running statistics
 * in train and eval mode, gradients of a Linear-ReLU-Linear stack against finite differences, and a tiny
 * overfit run of an mlp with a hand-written SGD step.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { checkGradients, backward } from "../autograd/index.js";
import { floatFormat, quantizeArray } from "../formats/index.js";
import { crossEntropy, mul, sub } from "../ops/index.js";
import { fromValues, type Tensor } from "../tensor/index.js";
import { BatchNorm, Conv2d, Dropout, Embedding, Linear, ReLU, Sequential } from "./layers.js";
import { createContext, uniformValues, type ModuleContext } from "./module.js";
import { lenet5, mlp } from "./models.js";

function values(t: Tensor): number[] {
  return t.toArray();
}

function input(ctx: ModuleContext, shape: number[], scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => scale * Math.sin(i * 1.7 + 0.3));
  return fromValues(v, shape, { engine: ctx.engine });
}

describe("seeded initialization", () => {
  it("is reproducible for a seed and different for another", () => {
    const a = [...lenet5(createContext({ seed: 5 })).namedParameters()];
    const b = [...lenet5(createContext({ seed: 5 })).namedParameters()];
    const c = [...lenet5(createContext({ seed: 6 })).namedParameters()];
    a.forEach(([name, t], i) => {
      expect(b[i]?.[0]).toBe(name);
      expect(values(b[i]?.[1] ?? t)).toEqual(values(t));
    });
    expect(values(c[0]?.[1] ?? a[0][1])).not.toEqual(values(a[0][1]));
  });

  it("gives the same values in every parameter format (up to the format's rounding)", () => {
    const f32 = mlp(createContext({ seed: 1 })).parameters();
    const bf16 = mlp(createContext({ seed: 1, paramFormat: "bfloat16" })).parameters();
    let worst = 0;
    f32.forEach((t, i) => {
      const b = bf16[i].toFloat32Array();
      t.toFloat32Array().forEach((v, j) => {
        worst = Math.max(worst, Math.abs((b[j] ?? 0) - v) / Math.abs(v));
      });
    });
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(2 ** -8);
  });

  it("draws Linear weights and biases from U(-1/sqrt(fan_in), 1/sqrt(fan_in))", () => {
    const lin = new Linear(createContext(), 100, 50);
    const w = values(lin.weight);
    expect(Math.max(...w.map(Math.abs))).toBeLessThan(0.1);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.099);
    expect(Math.abs(w.reduce((a, b) => a + b, 0) / w.length)).toBeLessThan(0.005);
    const bias = lin.bias?.toArray() ?? [];
    expect(bias).toHaveLength(50);
    expect(Math.max(...bias.map(Math.abs))).toBeLessThan(0.1);
    expect(bias).not.toEqual(w.slice(0, 50));
  });

  it("uses fan_in = Cin/groups * KH * KW for Conv2d, and rejects a bad seed", () => {
    const conv = new Conv2d(createContext(), 4, 8, 3, { groups: 2, bias: false });
    expect(conv.weight.shape).toEqual([8, 2, 3, 3]);
    expect(conv.bias).toBeNull();
    const w = conv.weight.toArray().map(Math.abs);
    expect(Math.max(...w)).toBeLessThan(1 / Math.sqrt(18));
    expect(Math.max(...w)).toBeGreaterThan(0.9 / Math.sqrt(18));
    expectError(() => createContext({ seed: -1 }), "config", /seed must be a non-negative integer, got -1/);
  });
});

describe("formats", () => {
  it("stores parameters in paramFormat and computes activations in activationFormat", () => {
    const ctx = createContext({ paramFormat: "bfloat16", activationFormat: "float16" });
    const lin = new Linear(ctx, 4, 3);
    expect(lin.weight.data).toBeInstanceOf(Uint16Array);
    expect(lin.weight.format.name).toBe("bfloat16");
    expect(lin.weight.requiresGrad).toBe(true);
    const y = lin.forward(input(ctx, [2, 4]));
    expect(y.format.name).toBe("float16");
    expect(y.data).toBeInstanceOf(Uint16Array);
    const e = new Embedding(createContext({ paramFormat: "float8_e4m3fn" }), 10, 4);
    expect(e.weight.data).toBeInstanceOf(Uint8Array);
    expect(e.forward({ ids: [1, 2, 3, 4, 5, 6], shape: [2, 3] }).shape).toEqual([2, 3, 4]);
  });
});

describe("BatchNorm", () => {
  it("updates running statistics in train mode only, and uses them in eval mode", () => {
    const ctx = createContext();
    const bn = new BatchNorm(ctx, 3);
    const x = input(ctx, [4, 3, 2, 2], 3);
    const trainOut = bn.forward(x);
    const mean = Float32Array.from(bn.state.runningMean);
    const variance = Float32Array.from(bn.state.runningVar);
    expect(mean.some((m) => m !== 0)).toBe(true);
    expect(variance.some((v) => v !== 1)).toBe(true);
    bn.eval();
    const evalOut = bn.forward(x);
    expect(bn.state.runningMean).toEqual(mean);
    expect(bn.state.runningVar).toEqual(variance);
    expect(values(evalOut)).not.toEqual(values(trainOut));
    bn.train();
    bn.forward(x);
    expect(bn.state.runningMean).not.toEqual(mean);
  });

  it("rounds running statistics to bnStatsFormat", () => {
    const bf16 = floatFormat("bfloat16");
    const run = (ctx: ModuleContext): Float32Array => {
      const bn = new BatchNorm(ctx, 3);
      bn.forward(input(ctx, [4, 3, 2, 2], 3));
      return Float32Array.from([...bn.state.runningMean, ...bn.state.runningVar]);
    };
    const rounded = run(createContext({ bnStatsFormat: "bfloat16" }));
    expect(quantizeArray(bf16, rounded.slice())).toEqual(rounded);
    const exact = run(createContext());
    expect(quantizeArray(bf16, exact.slice())).not.toEqual(exact);
  });
});

describe("Module", () => {
  it("switches train/eval recursively and dropout follows it", () => {
    const ctx = createContext();
    const drop = new Dropout(ctx, 0.5);
    const net = new Sequential([new Linear(ctx, 8, 8), drop]);
    const x = input(ctx, [4, 8]);
    expect(values(net.forward(x)).filter((v) => v === 0).length).toBeGreaterThan(4);
    net.eval();
    expect(drop.training).toBe(false);
    expect(values(net.forward(x)).filter((v) => v === 0).length).toBe(0);
  });

  it("replaces a parameter by dotted name, checking its shape", () => {
    const ctx = createContext();
    const net = new Sequential([new Linear(ctx, 3, 2)]);
    const w = fromValues([1, 2, 3, 4, 5, 6], [2, 3], { engine: ctx.engine });
    net.setParameter("0.weight", w);
    expect(net.parameters()[0]).toBe(w);
    expectError(
      () => {
        net.setParameter("0.weight", fromValues([1, 2], [2]));
      },
      "shape",
      /expected \(2, 3\), got \(2\)/,
    );
    expectError(
      () => {
        net.setParameter("1.weight", w);
      },
      "argument",
      /no module "1"/,
    );
  });

  it("gives Linear-ReLU-Linear gradients that match finite differences", () => {
    const build = (ctx: ModuleContext): Sequential =>
      new Sequential([new Linear(ctx, 3, 4), new ReLU(ctx), new Linear(ctx, 4, 2)]);
    const ref = build(createContext({ seed: 3 }));
    const named = [...ref.namedParameters()];
    const x = { values: [0.5, -1.2, 0.8, 1.1, 0.3, -0.7], shape: [2, 3] };
    const params = named.map(([, t]) => ({ values: t.toFloat32Array(), shape: t.shape }));
    const result = checkGradients(
      ([xs, ...ps]) => {
        const net = build(createContext({ engine: xs.engine, seed: 3 }));
        named.forEach(([name], i) => {
          net.setParameter(name, ps[i]);
        });
        return net.forward(xs);
      },
      [x, ...params],
    );
    expect(result.ok).toBe(true);
    expect(result.checked).toBe(6 + 12 + 4 + 8 + 2);
  });
});

describe("training sanity", () => {
  it("overfits 32 random samples with a hand-written SGD step", () => {
    const ctx = createContext({ seed: 2 });
    const net = mlp(ctx, { inChannels: 1, imageSize: 4, hidden: [32], classes: 4 });
    // Philox noise, so the 32 rows are linearly independent (a sine ramp would have rank 2).
    const x = fromValues(uniformValues(9, 0, 32 * 16, 1), [32, 16], { engine: ctx.engine });
    const labels = Array.from({ length: 32 }, (_, i) => (i * 7 + 3) % 4);
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      net.zeroGrad();
      const loss = crossEntropy(net.forward(x), labels);
      losses.push(loss.toArray()[0] ?? NaN);
      backward(loss);
      ctx.engine.noGrad(() => {
        for (const p of net.parameters()) {
          if (p.grad === null) throw new Error("no gradient");
          const updated = sub(p, mul(p.grad, 1), { format: p.format });
          p.data.set(updated.data);
        }
      });
    }
    expect(losses[0]).toBeGreaterThan(1);
    expect(losses.at(-1)).toBeLessThan((losses[0] ?? 0) / 5);
  });
});
