/**
 * The studies report their progress (issue 14: `reproduce --json` printed nothing while it ran): a tiny
 * plan run through reproduceStudies gives a stage line per study, training events for every run of every
 * part, and progress steps with results for the tolerance analysis and the quantization; the CLI turns
 * these into stderr lines (src/cli/reproduce-command.ts, src/cli/progress.ts).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reproduceStudies, type Progress, type ScalePlan } from "../src/experiment/index.js";
import { trainTinyTextModel } from "./support/text-task.js";

const TINY = {
  model: "mlp",
  modelOptions: { hidden: [8] },
  data: "mnist",
  epochs: 1,
  trainLimit: 256,
  testLimit: 64,
  backend: "js",
};

const PLAN: ScalePlan = {
  mnist: { config: TINY, seeds: 1 },
  fashion: null,
  bf16: { config: { ...TINY, lr: 0.01, momentum: 0 }, seeds: 1 },
  toleranceLimit: 32,
  quant: { limit: undefined, configs: [{ format: "int8", calibration: "max", granularity: "tensor" }] },
};

describe("reproduceStudies' progress", () => {
  it("logs each study, gives every run its events and reports the analysis and quantization steps", async () => {
    const { run } = await trainTinyTextModel(2);
    const logs: string[] = [];
    const runs: string[] = [];
    const steps: Progress[] = [];
    const r = await reproduceStudies({
      out: mkdtempSync(join(tmpdir(), "minifloat-reproduce-")),
      scale: "demo",
      plan: PLAN,
      modelDir: join(run, "model"),
      log: (line) => logs.push(line),
      eventsFor: (part, policy, seed, i, n) => {
        runs.push(`${part} ${i + 1}/${n} ${policy} ${seed}`);
        return {};
      },
      onProgress: (p) => steps.push(p),
    });
    expect(r.notes).toEqual([]);
    expect(logs.map((l) => l.slice(0, 8))).toEqual(["study 1:", "study 1:", "study 2:", "study 3:"]);
    expect(runs).toEqual([
      "mnist 1/4 fp32 0",
      "mnist 2/4 amp-fp16 0",
      "mnist 3/4 pure-fp16 0",
      "mnist 4/4 pure-bf16 0",
      "bf16-updates 1/4 fp32 0",
      "bf16-updates 2/4 pure-bf16 0",
      "bf16-updates 3/4 pure-bf16-sr 0",
      "bf16-updates 4/4 pure-bf16-kahan 0",
    ]);
    const results = steps
      .filter((p) => p.result !== undefined)
      .map((p) => `${p.step}/${p.steps} ${p.label}: ${p.result}`);
    expect(results).toEqual([
      "1/1 tolerance float16, bfloat16: 32 samples compared",
      expect.stringMatching(/^1\/2 float32: accuracy \d+\.\d\d%$/) as string,
      expect.stringMatching(/^2\/2 int8 max tensor: accuracy \d+\.\d\d%$/) as string,
    ]);
    // Counts before each result: the tolerance analysis batch by batch.
    expect(steps.some((p) => p.result === undefined && p.label.startsWith("tolerance"))).toBe(true);
  }, 120_000);
});
