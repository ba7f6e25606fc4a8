// SGD with momentum and Nesterov momentum against hand-computed values (float32 state), weight decay
// against a float64 reference, and master weights: amp-bf16 accumulates updates that pure-bf16 cancels.
import { describe, expect, it } from "vitest";
import { PRESETS } from "../precision/index.js";
import { fromValues } from "../tensor/index.js";
import { Sgd } from "./sgd.js";

const param = (values: number[], format = "float32") => ({
  name: "w",
  tensor: fromValues(values, [values.length], { format }),
});

function runSgd(config: ConstructorParameters<typeof Sgd>[1], steps: number, lr = 0.1): number[] {
  const p = param([1]);
  const opt = new Sgd([p], config);
  for (let i = 0; i < steps; i++) opt.step(lr, { grads: [new Float32Array([1])] });
  return p.tensor.toArray();
}

describe("Sgd", () => {
  it("plain SGD: w = 1 - 3 * 0.1 * 1", () => {
    expect(runSgd({}, 3)[0]).toBeCloseTo(0.7, 6);
  });

  it("momentum 0.9, g = 1: buffers 1, 1.9, 2.71 give w = 0.9, 0.71, 0.439", () => {
    expect(runSgd({ momentum: 0.9 }, 1)[0]).toBeCloseTo(0.9, 6);
    expect(runSgd({ momentum: 0.9 }, 2)[0]).toBeCloseTo(0.71, 6);
    expect(runSgd({ momentum: 0.9 }, 3)[0]).toBeCloseTo(0.439, 6);
  });

  it("Nesterov 0.9, g = 1: steps 1.9, 2.71, 3.439 give w = 0.81, 0.539, 0.1951", () => {
    const c = { momentum: 0.9, nesterov: true };
    expect(runSgd(c, 1)[0]).toBeCloseTo(0.81, 6);
    expect(runSgd(c, 2)[0]).toBeCloseTo(0.539, 6);
    expect(runSgd(c, 3)[0]).toBeCloseTo(0.1951, 6);
  });

  it("weight decay and dampening against a float64 reference with varying gradients", () => {
    const grads = [
      [0.5, -1.25],
      [0.25, 0.75],
      [-1, 0.125],
      [2, -0.5],
    ];
    const [mu, damp, wd, lr] = [0.8, 0.1, 0.05, 0.2];
    const w = [1.5, -0.75];
    const b = [0, 0];
    grads.forEach((g, t) => {
      for (let j = 0; j < 2; j++) {
        const gj = (g[j] ?? 0) + wd * (w[j] ?? 0);
        b[j] = t === 0 ? gj : mu * (b[j] ?? 0) + (1 - damp) * gj;
        w[j] = (w[j] ?? 0) - lr * (b[j] ?? 0);
      }
    });
    const p = param([1.5, -0.75]);
    const opt = new Sgd([p], { momentum: mu, dampening: damp, weightDecay: wd });
    for (const g of grads) opt.step(lr, { grads: [new Float32Array(g)] });
    const got = p.tensor.toArray();
    expect(got[0]).toBeCloseTo(w[0] ?? NaN, 6);
    expect(got[1]).toBeCloseTo(w[1] ?? NaN, 6);
  });

  it("gradScale undoes loss scaling; a tensor's grad is used when none is given", () => {
    const p = param([1]);
    p.tensor.grad = fromValues([1024]);
    new Sgd([p]).step(0.5, { gradScale: 1 / 1024 });
    expect(p.tensor.toArray()).toEqual([0.5]);
  });

  it("rejects Nesterov without momentum, a parameter in the wrong format and a missing gradient", () => {
    expect(() => new Sgd([param([1])], { nesterov: true })).toThrow(/nesterov needs momentum/);
    expect(() => new Sgd([param([1])], {}, PRESETS["pure-bf16"])).toThrow(
      /expected format bfloat16.*got float32/,
    );
    expect(() => {
      new Sgd([param([1])]).step(0.1);
    }).toThrow(/"w" has no gradient/);
  });

  it("amp-bf16 master weights keep 1000 updates of 0.001 that pure-bf16 cancels", () => {
    const run = (policy: (typeof PRESETS)["amp-bf16"]) => {
      const p = param([1], "bfloat16");
      const opt = new Sgd([p], {}, policy);
      let cancelled = 0;
      for (let i = 0; i < 1000; i++)
        cancelled += opt.step(0.001, { grads: [new Float32Array([-1])] }).cancelled;
      return { w: p.tensor.toArray()[0], cancelled, data: p.tensor.data };
    };
    const pure = run(PRESETS["pure-bf16"]);
    expect(pure.w).toBe(1);
    expect(pure.cancelled).toBe(1000);
    const amp = run(PRESETS["amp-bf16"]);
    expect(amp.w).toBe(2);
    expect(amp.cancelled).toBe(0);
    expect(amp.data).toBeInstanceOf(Uint16Array);
    const kahan = run(PRESETS["pure-bf16-kahan"]);
    expect(Math.abs(kahan.w - 2)).toBeLessThan(0.01);
  });
});
