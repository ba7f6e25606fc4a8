// Adam and AdamW against a hand-written float64 reference (float32 state, so agreement to float32
// precision), and the start-of-run warning for an epsilon that a 16-bit state format cannot hold.
import { describe, expect, it } from "vitest";
import { PRESETS } from "../precision/index.js";
import { fromValues } from "../tensor/index.js";
import { Adam, AdamW } from "./adam.js";
import { optimizerWarnings } from "./warnings.js";

const GRADS = [
  [0.5, -1.25, 3e-3],
  [0.25, 0.75, -2e-3],
  [-1, 0.125, 1e-3],
  [2, -0.5, 4e-3],
  [0.1, 0.2, -0.3],
];
const W0 = [1.5, -0.75, 0.25];

/** Adam / AdamW in float64, written out from Kingma & Ba algorithm 1 and Loshchilov & Hutter. */
function reference(
  lr: number,
  b1: number,
  b2: number,
  eps: number,
  wd: number,
  decoupled: boolean,
): number[] {
  const w = [...W0];
  const m = [0, 0, 0];
  const v = [0, 0, 0];
  GRADS.forEach((g, k) => {
    const t = k + 1;
    for (let j = 0; j < 3; j++) {
      const wj = w[j] ?? 0;
      const gj = (g[j] ?? 0) + (decoupled ? 0 : wd * wj);
      m[j] = b1 * (m[j] ?? 0) + (1 - b1) * gj;
      v[j] = b2 * (v[j] ?? 0) + (1 - b2) * gj * gj;
      const mhat = (m[j] ?? 0) / (1 - b1 ** t);
      const vhat = (v[j] ?? 0) / (1 - b2 ** t);
      w[j] = wj - lr * (mhat / (Math.sqrt(vhat) + eps) + (decoupled ? wd * wj : 0));
    }
  });
  return w;
}

function run(opt: "adam" | "adamw", lr: number, wd: number): number[] {
  const p = { name: "w", tensor: fromValues(W0) };
  const o =
    opt === "adam"
      ? new Adam([p], { weightDecay: wd, eps: 1e-6 })
      : new AdamW([p], { weightDecay: wd, eps: 1e-6 });
  for (const g of GRADS) o.step(lr, { grads: [new Float32Array(g)] });
  return p.tensor.toArray();
}

describe("Adam and AdamW", () => {
  it.each([
    ["adam", 0],
    ["adam", 0.1],
    ["adamw", 0.1],
  ] as const)("%s (weight decay %s) matches the float64 reference over 5 steps", (opt, wd) => {
    const want = reference(0.01, 0.9, 0.999, 1e-6, wd, opt === "adamw");
    const got = run(opt, 0.01, wd);
    for (let j = 0; j < 3; j++) expect(Math.abs((got[j] ?? 0) - (want[j] ?? 0))).toBeLessThan(1e-6);
  });

  it("Adam with L2 decay and AdamW differ (decay coupled vs decoupled)", () => {
    const a = run("adam", 0.01, 0.1);
    const b = run("adamw", 0.01, 0.1);
    expect(Math.abs((a[2] ?? 0) - (b[2] ?? 0))).toBeGreaterThan(1e-4);
  });

  it("first step moves every weight by about lr (m_hat / sqrt(v_hat) = sign g)", () => {
    const p = { name: "w", tensor: fromValues([0, 0]) };
    new Adam([p]).step(0.01, { grads: [new Float32Array([3, -0.001])] });
    const w = p.tensor.toArray();
    expect(w[0]).toBeCloseTo(-0.01, 6);
    expect(w[1]).toBeCloseTo(0.01, 4);
  });

  it("keeps m and v in the state format: float16 state stores Uint16 codes", () => {
    const p = { name: "w", tensor: fromValues([1], [1], { format: "float16" }) };
    const o = new Adam([p], { eps: 1e-4 }, PRESETS["pure-fp16"]);
    o.step(0.01, { grads: [new Float32Array([0.5])] });
    expect(p.tensor.data).toBeInstanceOf(Uint16Array);
    expect(p.tensor.toArray()[0]).toBeCloseTo(0.99, 3);
  });
});

describe("Adam in float16 state: why the warning matters", () => {
  const run = (eps: number) => {
    const p = { name: "w", tensor: fromValues([1], [1], { format: "float16" }) };
    new Adam([p], { eps }, PRESETS["pure-fp16"]).step(0.01, { grads: [new Float32Array([1e-4])] });
    return p.tensor.toArray()[0] ?? NaN;
  };

  it("eps = 1e-8 vanishes: v = 1e-11 underflows to 0, the denominator is 0 and the weight blows up", () => {
    expect(Number.isFinite(run(1e-8))).toBe(false);
  });

  it("eps = 1e-4 (above float16's smallest normal) keeps the step finite", () => {
    expect(Number.isFinite(run(1e-4))).toBe(true);
  });
});

describe("optimizerWarnings", () => {
  it("Adam epsilon 1e-8 in float16 state rounds to 0, with the safe choice", () => {
    const w = optimizerWarnings({ kind: "adam", eps: 1e-8 }, PRESETS["pure-fp16"]);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(
      /^Adam epsilon 1e-8 rounds to 0 in float16 \(state format\); use epsilon >= 5\.96e-8 \(the smallest subnormal of float16; >= 0\.0000610, its smallest normal.*or keep optimizer state in float32$/,
    );
  });

  it("no warning for float32 state (amp presets) or a safe epsilon", () => {
    expect(optimizerWarnings({ kind: "adam" }, PRESETS["amp-fp16"])).toEqual([]);
    expect(optimizerWarnings({ kind: "adamw", eps: 1e-4 }, PRESETS["pure-fp16"])).toEqual([]);
    expect(optimizerWarnings({ kind: "sgd", momentum: 0.9 }, PRESETS["pure-bf16"])).toEqual([]);
  });

  it("bfloat16 state: beta2 = 0.999 rounds to 1", () => {
    const w = optimizerWarnings({ kind: "adamw" }, PRESETS["pure-bf16"]);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/^AdamW beta2 0\.999 rounds to 1 in bfloat16/);
  });
});
