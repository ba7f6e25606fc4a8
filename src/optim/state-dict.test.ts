/**
 * Optimizer checkpoints: stateDict names every buffer (master weights, Kahan compensation, momentum, Adam
 * moments) and loadStateDict into a fresh optimizer continues exactly as the original does.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { PRESETS } from "../precision/index.js";
import { Engine, fromValues } from "../tensor/index.js";
import { Adam } from "./adam.js";
import type { Optimizer, OptimizerPrecision } from "./optimizer.js";
import { Sgd } from "./sgd.js";

type Make = (
  params: { name: string; tensor: ReturnType<typeof fromValues> }[],
  p: OptimizerPrecision,
) => Optimizer;

function params(format: string): { name: string; tensor: ReturnType<typeof fromValues> }[] {
  const engine = new Engine({ seed: 3 });
  return [
    { name: "w", tensor: fromValues([0.5, -1.25, 2, 0.001], [2, 2], { engine, format }) },
    { name: "b", tensor: fromValues([0.1, -0.2], [2], { engine, format }) },
  ];
}

const grads = (k: number): Float32Array[] => [
  Float32Array.of(0.1 * k, -0.3, 0.02, 1e-4),
  Float32Array.of(-0.05, 0.07 * k),
];

function run(
  make: Make,
  policy: OptimizerPrecision,
  steps: number,
  format: string,
): { opt: Optimizer; values: number[][] } {
  const ps = params(format);
  const opt = make(ps, policy);
  for (let k = 1; k <= steps; k++) opt.step(0.1, { grads: grads(k) });
  return { opt, values: ps.map((p) => p.tensor.toArray()) };
}

const cases: [string, Make, OptimizerPrecision, string, string[]][] = [
  [
    "sgd momentum, amp-fp16",
    (p, pr) => new Sgd(p, { momentum: 0.9 }, pr),
    PRESETS["amp-fp16"],
    "float16",
    ["master/w", "momentum/w", "master/b", "momentum/b"],
  ],
  [
    "sgd, pure-bf16-kahan",
    (p, pr) => new Sgd(p, { momentum: 0.9 }, pr),
    PRESETS["pure-bf16-kahan"],
    "bfloat16",
    ["compensation/w", "momentum/w", "compensation/b", "momentum/b"],
  ],
  [
    "adam, pure-bf16-sr",
    (p, pr) => new Adam(p, { eps: 1e-3 }, pr),
    PRESETS["pure-bf16-sr"],
    "bfloat16",
    ["exp_avg/w", "exp_avg_sq/w", "exp_avg/b", "exp_avg_sq/b"],
  ],
];

describe("stateDict / loadStateDict", () => {
  it.each(cases)("%s: names its buffers and resumes bit-exactly", (_, make, policy, format, names) => {
    const whole = run(make, policy, 5, format);
    const half = run(make, policy, 3, format);
    expect(half.opt.stateDict().map(([n]) => n)).toEqual(names);
    const saved = new Map(
      half.opt
        .stateDict()
        .map(([n, b]) => [
          n,
          new Uint8Array(b.data.buffer.slice(b.data.byteOffset, b.data.byteOffset + b.data.byteLength)),
        ]),
    );
    // A fresh optimizer over parameters holding the values after 3 steps.
    const ps = params(format);
    ps.forEach((p, i) => {
      p.tensor.data.set(half.opt.params[i]?.tensor.data ?? []);
    });
    const fresh = make(ps, policy);
    fresh.loadStateDict((name) => saved.get(name), half.opt.stepCount);
    for (let k = 4; k <= 5; k++) fresh.step(0.1, { grads: grads(k) });
    expect(ps.map((p) => p.tensor.toArray())).toEqual(whole.values);
  });

  it("before the first step a momentum buffer is absent, and a missing master copy is an error", () => {
    const opt = new Sgd(params("float16"), { momentum: 0.9 }, PRESETS["amp-fp16"]);
    expect(opt.stateDict().map(([n]) => n)).toEqual(["master/w", "master/b"]);
    expectError(
      () => {
        opt.loadStateDict(() => undefined, 0);
      },
      "format",
      /optimizer state master\/w is missing/,
    );
  });
});
