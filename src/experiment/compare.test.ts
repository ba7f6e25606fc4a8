/**
 * compareRuns: one run directory per (policy, seed), the summary's statistics against a hand computation,
 * reuse of finished runs, and the Markdown table.
 */
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyImages } from "../../test/support/tiny-images.js";
import { compareRuns, policyFolder, sampleStd, summaryMarkdown, type CompareResults } from "./compare.js";
import { makeTrainConfig } from "./config.js";
import { loadRunData } from "./setup.js";

describe("sampleStd and policyFolder", () => {
  it("uses n - 1", () => {
    expect(sampleStd([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(sampleStd([0.5])).toBe(0);
  });
  it("turns a policy file into a folder name", () => {
    expect(policyFolder("policies/my policy.json")).toBe("my_policy");
    // A folder name never climbs out: "...json" is not "..", a hidden ".x.json" is "_x".
    expect(policyFolder("p/...json")).toBe("__");
    expect(policyFolder(".x.json")).toBe("_x");
    expect(policyFolder("pure-bf16-sr")).toBe("pure-bf16-sr");
  });
});

describe("compareRuns", () => {
  it("trains each policy and seed once, summarizes, and reuses finished runs", async () => {
    const out = mkdtempSync(join(tmpdir(), "minifloat-compare-"));
    const base = makeTrainConfig({
      model: "mlp",
      modelOptions: { hidden: [8] },
      data: "tiny",
      epochs: 1,
      batchSize: 16,
      backend: "js",
    });
    const data = { train: tinyImages(64, 1), test: tinyImages(32, 2) };
    // compareRuns loads data by name; give it the tiny set through the run options.
    expect(() => loadRunData(base)).toThrow(/unknown dataset "tiny"/);
    const run = (): Promise<CompareResults> =>
      compareRuns(base, { out, policies: ["fp32", "pure-bf16"], seeds: 2, data });
    const c = await run();
    expect(c.runs.map((r) => [r.policy, r.seed])).toEqual([
      ["fp32", 0],
      ["fp32", 1],
      ["pure-bf16", 0],
      ["pure-bf16", 1],
    ]);
    const fp32 = c.runs.filter((r) => r.policy === "fp32").map((r) => r.testAccuracy);
    const bf16 = c.runs.filter((r) => r.policy === "pure-bf16").map((r) => r.testAccuracy);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(c.summary[0]).toMatchObject({ policy: "fp32", runs: 2, meanAccuracy: mean(fp32), deltaVsFp32: 0 });
    expect(c.summary[1]?.deltaVsFp32).toBeCloseTo(mean(bf16) - mean(fp32), 12);
    expect(c.summary[1]?.stdAccuracy).toBeCloseTo(sampleStd(bf16), 12);
    expect(c.summary[1]?.peakBytes).toBeLessThan(c.summary[0]?.peakBytes ?? 0);
    // Two seeds: Student t over the per-seed differences, 1 degree of freedom (t 0.975 = 12.7062).
    const d = [bf16[0] - fp32[0], bf16[1] - fp32[1]];
    const vs = c.summary[1]?.vsFp32;
    expect(c.summary[0]?.vsFp32).toBeNull();
    expect(vs?.method).toBe("seeds");
    expect(vs?.difference).toBeCloseTo(mean(d), 12);
    expect(vs?.high).toBeCloseTo(mean(d) + (12.7062047 * sampleStd(d)) / Math.sqrt(2), 6);
    const checkpoint = join(out, "fp32", "seed-0", "checkpoints", "step-000000004.safetensors");
    const before = statSync(checkpoint).mtimeMs;
    const again = await run();
    expect(statSync(checkpoint).mtimeMs).toBe(before);
    expect(again.summary).toEqual(c.summary);
    expect(readFileSync(join(out, "compare.md"), "utf8")).toBe(summaryMarkdown(again));
    expect(summaryMarkdown(c)).toMatch(
      /\| pure-bf16 \| 2 \| \d+\.\d\d ± \d+\.\d\d \| -?\d+\.\d\d \| [-+]\d+\.\d\d points, 95% CI \[[-+]\d+\.\d\d, [-+]\d+\.\d\d\] \| paired t p [=<] \d\.\d{3}, 2 seeds \|/,
    );
  });
});
