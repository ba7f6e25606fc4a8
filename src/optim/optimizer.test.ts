// The optimizer base under the policies: stochastic updates reproducible per seed and unbiased over
// seeds, the float16 parameters re-cast from the float32 master copy (amp-fp16), and cancellation
// counts summed over parameters.
import { describe, expect, it } from "vitest";
import { parsePolicy, PRESETS } from "../precision/index.js";
import { fromValues } from "../tensor/index.js";
import { Sgd } from "./sgd.js";

function srRun(seed: number): Uint16Array {
  const p = { name: "w", tensor: fromValues([1, 1, 1, 1], [4], { format: "bfloat16" }) };
  const opt = new Sgd([p], {}, PRESETS["pure-bf16-sr"], seed);
  const g = new Float32Array([-1, -1, -1, -1]);
  for (let i = 0; i < 1000; i++) opt.step(0.001, { grads: [g] });
  return Uint16Array.from(p.tensor.data);
}

describe("Optimizer", () => {
  it("pure-bf16-sr: the same seed gives the same codes, another seed others, mean about 2", () => {
    expect(srRun(7)).toEqual(srRun(7));
    expect(srRun(8)).not.toEqual(srRun(7));
    let sum = 0;
    let n = 0;
    for (let seed = 0; seed < 8; seed++) {
      const t = fromValues([0], [1], { format: "bfloat16" });
      const codes = srRun(seed);
      for (const c of codes) {
        (t.data as Uint16Array)[0] = c;
        sum += t.toArray()[0] ?? 0;
        n++;
      }
    }
    expect(Math.abs(sum / n - 2)).toBeLessThan(0.05);
  });

  it("amp-fp16: the float32 master copy keeps updates below half an ulp; params are its float16 rounding", () => {
    const p = { name: "w", tensor: fromValues([1], [1], { format: "float16" }) };
    const opt = new Sgd([p], {}, PRESETS["amp-fp16"]);
    for (let i = 0; i < 100; i++) opt.step(1e-4, { grads: [new Float32Array([-1])] });
    // master: 1 + 100 * 1e-4 = 1.01 (float32); nearest float16 is 1 + 10 * 2^-10.
    expect(p.tensor.toArray()[0]).toBe(1 + 10 * 2 ** -10);
    expect(opt.lastStats.cancelled).toBe(0);
  });

  it("sums cancellation counts over parameters", () => {
    const a = { name: "a", tensor: fromValues([1, 256], [2], { format: "bfloat16" }) };
    const b = { name: "b", tensor: fromValues([4], [1], { format: "bfloat16" }) };
    const s = new Sgd([a, b], {}, PRESETS["pure-bf16"]).step(1, {
      grads: [new Float32Array([-0.001, -0.5]), new Float32Array([-1])],
    });
    expect(s).toEqual({ elements: 3, nonzero: 3, cancelled: 2, belowHalfUlp: 2 });
  });

  it("optimizer state rounded stochastically (a user policy) is reproducible per seed", () => {
    const policy = parsePolicy({
      extends: "pure-bf16",
      roles: { optimizerState: { format: "bfloat16", rounding: "stochastic" } },
    });
    const run = (seed: number) => {
      const w0 = Array.from({ length: 32 }, (_, k) => 1 + k / 8);
      const g = Float32Array.from(w0, (_, k) => 0.0123 * (k + 1));
      const p = { name: "w", tensor: fromValues(w0, [32], { format: "bfloat16" }) };
      const opt = new Sgd([p], { momentum: 0.9 }, policy, seed);
      for (let i = 0; i < 20; i++) opt.step(0.5, { grads: [g] });
      return Array.from(p.tensor.data);
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });
});
