/**
 * analyzeTolerance on a small trained run: float32 against itself is exact, lower formats lose
 * guarantees in order of precision, the per-layer table covers every leaf module, policies work as
 * targets, artifacts are written, and bad input is refused with a clear message.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { gammaN } from "../analysis/index.js";
import { expectError } from "../../test/support/expect-error.js";
import { tinyImages } from "../../test/support/tiny-images.js";
import { makeTrainConfig } from "./config.js";
import { analyzeTolerance } from "./tolerance-run.js";
import { writeToleranceArtifacts } from "./tolerance-report.js";
import { trainRun } from "./trainer.js";

const data = { train: tinyImages(96, 1), test: tinyImages(48, 2) };
let run = "";

beforeAll(() => {
  run = mkdtempSync(join(tmpdir(), "minifloat-tol-"));
  const config = makeTrainConfig({
    model: "mlp",
    modelOptions: { hidden: [16] },
    data: "tiny",
    epochs: 2,
    batchSize: 16,
    lr: 0.1,
    backend: "js",
  });
  trainRun(config, { out: run, data });
});

describe("analyzeTolerance", () => {
  it("float32 against itself is exact; fewer mantissa bits, larger errors", () => {
    const r = analyzeTolerance(run, {
      testSet: data.test,
      formats: ["float32", "float16", "bfloat16", "float8_e5m2"],
    });
    expect(r.samples).toBe(48);
    const [f32, f16, bf16, e5m2] = r.formats;
    expect(f32).toMatchObject({ guaranteed: 1, disagreement: 0, medianDelta: 0, lemmaViolations: 0 });
    expect(f32.accuracyLow).toBe(f32.accuracy32);
    expect(f16.medianDelta).toBeGreaterThan(0);
    expect(bf16.medianDelta).toBeGreaterThan(f16.medianDelta);
    expect(e5m2.medianDelta).toBeGreaterThan(bf16.medianDelta);
    for (const s of r.formats) {
      expect(s.disagreement).toBeLessThanOrEqual(1 - s.guaranteed);
      expect(Math.abs(s.accuracyLow - s.accuracy32)).toBeLessThanOrEqual(s.accuracyChangeBound + 1e-12);
    }
    const rows = r.layers[1]?.rows ?? [];
    expect(rows.map((l) => [l.layer, l.kind, l.fanIn])).toEqual([
      ["0", "flatten", 0],
      ["1", "linear", 64],
      ["2", "relu", 0],
      ["3", "linear", 16],
    ]);
    const fc = rows[1];
    // float16 with float32 sums: input and weights rounded (u each, relative to |W||x|), float32 sums, the
    // product and the bias add rounded (u each): first order, error <= 2u ratio + 2u, ratio = ||W||x|| / ||Wx||.
    const u = 2 ** -11;
    const ratio = (fc.boundStrict as number) / gammaN(64, u);
    expect(fc.relativeError).toBeGreaterThan(0);
    expect(fc.relativeError).toBeLessThan(2 * u * ratio + 2 * u);
    expect(r.layers[0]?.rows.every((l) => l.relativeError === 0)).toBe(true);
  });

  it("takes policies, writes its artifacts", () => {
    const r = analyzeTolerance(run, { testSet: data.test, policies: ["pure-bf16", "amp-fp16"] });
    expect(r.formats.map((s) => s.format)).toEqual(["pure-bf16", "amp-fp16"]);
    const out = join(run, "tolerance");
    writeToleranceArtifacts(r, out);
    const json = JSON.parse(readFileSync(join(out, "tolerance.json"), "utf8")) as { histograms: unknown[] };
    expect(json.histograms).toHaveLength(2);
    expect(readFileSync(join(out, "samples.csv"), "utf8").trim().split("\n")).toHaveLength(1 + 2 * 48);
    expect(existsSync(join(out, "tolerance.md"))).toBe(true);
  });

  it("refuses what it cannot analyse", () => {
    expectError(
      () => analyzeTolerance(run, { testSet: data.test, formats: ["int8"] }),
      "argument",
      /int8 is an integer format/,
    );
    expectError(
      () => analyzeTolerance(run, { testSet: data.test, formats: ["float61"] }),
      "argument",
      /unknown format "float61"/,
    );
    expectError(() => analyzeTolerance(join(run, "nope")), "io", /is not a run directory of minifloat train/);
    expectError(
      () => analyzeTolerance(run, { testSet: data.test, formats: ["float16"], policies: ["fp32"] }),
      "argument",
      /--formats or --policies, not both/,
    );
  });
});
