/**
 * The training loop end to end on a tiny synthetic dataset: the run directory's files, learning, a run
 * stopped mid-epoch and resumed reaching the same bits as an uninterrupted one (for every kind of state:
 * stochastic rounding, Kahan compensation, master weights with loss scaling, Adam moments, batch norm),
 * the final test-set predictions kept and rewritten alike on resume, refusing to overwrite a run, and a numerical fault stopping the run with its last good checkpoint kept.
 */
import { mkdtempSync, readdirSync, readFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { tinyImages } from "../../test/support/tiny-images.js";
import { makeTrainConfig, type TrainConfig } from "./config.js";
import { listCheckpoints, readTrainerState } from "./checkpoint.js";
import {
  checkPredictions,
  predictionsAccuracy,
  readPredictions,
  type SamplePredictions,
} from "./predictions.js";
import { readMetrics } from "./run-dir.js";
import type { RunData } from "./setup.js";
import { trainRun } from "./trainer.js";

const data: RunData = { train: tinyImages(96, 1), test: tinyImages(40, 2) };

function config(overrides: Record<string, unknown>): TrainConfig {
  return makeTrainConfig({
    model: "mlp",
    modelOptions: { hidden: [16] },
    data: "tiny",
    epochs: 2,
    batchSize: 16,
    lr: 0.1,
    backend: "js",
    ...overrides,
  });
}

const tempDir = (): string => mkdtempSync(join(tmpdir(), "minifloat-train-"));

function lastCheckpointBytes(dir: string): Buffer {
  const path = listCheckpoints(join(dir, "checkpoints")).at(-1);
  if (path === undefined) throw new Error(`no checkpoint in ${dir}`);
  return readFileSync(path);
}

describe("trainRun", () => {
  it("writes config.json, metrics.jsonl, checkpoints and results.json, and learns", () => {
    const dir = tempDir();
    const r = trainRun(config({ epochs: 3, logEvery: 2 }), { out: dir, data });
    expect(r).not.toBeNull();
    expect(existsSync(join(dir, "config.json"))).toBe(true);
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as { testAccuracy: number };
    expect(results.testAccuracy).toBe(r?.testAccuracy);
    const lines = readMetrics(join(dir, "metrics.jsonl"));
    expect(lines.filter((m) => m.type === "epoch")).toHaveLength(3);
    expect(lines.filter((m) => m.type === "step")).toHaveLength((3 * 6) / 2);
    expect(readdirSync(join(dir, "checkpoints"))).toHaveLength(3);
    // Four well-separated classes: far above chance (0.25) after three epochs.
    expect(r?.testAccuracy).toBeGreaterThan(0.9);
    const first = r?.epochs[0];
    expect(first?.memory.peakTensorBytes).toBeGreaterThan(0);
    expect(Object.keys(first?.layers ?? {})).toEqual(["0", "1", "2", "3"]);
  });

  it("counts the model's batch-norm layers: none in an MLP, one per convolution in vgg-small", () => {
    const mlp = trainRun(config({ epochs: 1 }), { out: tempDir(), data });
    expect(mlp?.batchNormLayers).toBe(0);
    const vgg = { model: "vgg-small", modelOptions: { layers: [4, "M", 4], hidden: 8 }, epochs: 1 };
    expect(trainRun(config(vgg), { out: tempDir(), data })?.batchNormLayers).toBe(2);
  });

  const resumable: [string, Record<string, unknown>][] = [
    ["fp32 with SGD momentum", { policy: "fp32" }],
    ["pure-bf16-sr (stochastic rounding keyed by step)", { policy: "pure-bf16-sr" }],
    ["pure-fp16-kahan (compensation buffers)", { policy: "pure-fp16-kahan" }],
    ["amp-fp16 (master weights, dynamic loss scale)", { policy: "amp-fp16" }],
    ["pure-bf16 with Adam", { policy: "pure-bf16", optimizer: "adam", lr: 0.01, eps: 1e-3 }],
    [
      "vgg-small with batch norm and dropout, cosine schedule",
      {
        policy: "pure-bf16-sr",
        model: "vgg-small",
        modelOptions: { layers: [4, "M"], hidden: 8, dropout: 0.25 },
        schedule: "cosine",
      },
    ],
  ];
  it.each(resumable)("%s: stopped mid-epoch and resumed, ends bit-identical to one run", (_, o) => {
    const whole = tempDir();
    trainRun(config({ ...o, checkpointEvery: 4 }), { out: whole, data });
    const cut = tempDir();
    expect(trainRun(config({ ...o, checkpointEvery: 4 }), { out: cut, data, stopAtStep: 9 })).toBeNull();
    const states = listCheckpoints(join(cut, "checkpoints")).map((p) => readTrainerState(p));
    expect(states.map((s) => s.step)).toEqual([6, 8]); // epoch end at 6, mid-epoch at 8 (4 pruned)
    trainRun(config({ ...o, checkpointEvery: 4 }), { out: cut, data, resume: true });
    expect(lastCheckpointBytes(cut).equals(lastCheckpointBytes(whole))).toBe(true);
    const strip = (m: object): unknown => ({ ...m, seconds: 0, samplesPerSecond: 0 });
    expect(readMetrics(join(cut, "metrics.jsonl")).map(strip)).toEqual(
      readMetrics(join(whole, "metrics.jsonl")).map(strip),
    );
    expect(readFileSync(join(cut, "predictions.json"), "utf8")).toBe(
      readFileSync(join(whole, "predictions.json"), "utf8"),
    );
  });

  it("keeps the final test-set predictions, and a finished run resumed without them writes the same", () => {
    const dir = tempDir();
    const r = trainRun(config({ epochs: 2 }), { out: dir, data });
    const file = join(dir, "predictions.json");
    const p = readPredictions(file);
    expect(p?.samples).toBe(40);
    expect(p?.step).toBe(12);
    expect(p?.predicted.every((c) => Number.isInteger(c) && c >= 0 && c < 4)).toBe(true);
    expect(predictionsAccuracy(p as SamplePredictions)).toBe(r?.testAccuracy);
    const written = readFileSync(file, "utf8");
    rmSync(file); // as a run finished before runs kept predictions
    trainRun(config({ epochs: 2 }), { out: dir, data, resume: true });
    expect(readFileSync(file, "utf8")).toBe(written);
    // Trained on: the predictions follow the last epoch.
    trainRun(config({ epochs: 3 }), { out: dir, data, resume: true });
    expect(readPredictions(file)?.step).toBe(18);
    expect(() =>
      checkPredictions({ samples: 2, predicted: [0], correct: "10", labels: "x" }, "p.json"),
    ).toThrow(
      /p\.json: \(top level\): expected one predicted class and one 0\/1 character per sample \(2\), got 1 classes/,
    );
  });

  it("refuses to overwrite a run without --force or resume, and to resume with another configuration", () => {
    const dir = tempDir();
    trainRun(config({ epochs: 1 }), { out: dir, data });
    expectError(
      () => trainRun(config({ epochs: 1 }), { out: dir, data }),
      "io",
      /already holds a run.*--resume.*--force/,
    );
    expectError(
      () => trainRun(config({ epochs: 1, lr: 0.2 }), { out: dir, data, resume: true }),
      "config",
      /cannot resume with a different configuration \(lr\)/,
    );
    // More epochs continue the finished run from its last checkpoint.
    const r = trainRun(config({ epochs: 2 }), { out: dir, data, resume: true });
    expect(r?.epochs.map((m) => m.epoch)).toEqual([1, 2]);
  });

  it("stops on inf/NaN with the step and where it appeared, keeping the last good checkpoint", () => {
    const dir = tempDir();
    trainRun(config({ epochs: 1 }), { out: dir, data });
    const bad = tinyImages(96, 1);
    (bad.images as Float32Array)[5] = NaN;
    expectError(
      () => trainRun(config({ epochs: 2 }), { out: dir, data: { ...data, train: bad }, resume: true }),
      "numeric",
      /^step \d+: the loss is NaN \(policy fp32\): the input batch holds inf or NaN in float32; the run stops and keeps its last good checkpoint \(step 6\)$/,
    );
    const kept = listCheckpoints(join(dir, "checkpoints"));
    expect(kept.map((p) => readTrainerState(p).step)).toEqual([6]);
  });

  it("names the layer where a float16 overflow first appears", () => {
    const huge = tinyImages(96, 1);
    (huge.images as Float32Array).fill(200, 0, 64 * 96);
    const dir = tempDir();
    expectError(
      () =>
        trainRun(config({ policy: "pure-fp16", epochs: 1 }), {
          out: dir,
          data: { train: { ...huge, mean: [0], std: [1 / 40000] }, test: data.test },
        }),
      "numeric",
      /step \d+: the loss is NaN \(policy pure-fp16\): inf or NaN first appeared in the output of layer 1/,
    );
  });

  it("reports a collapsed loss scale when every step overflows under dynamic scaling", () => {
    const bad = tinyImages(96, 1);
    (bad.images as Float32Array).fill(NaN); // every step overflows: the scale halves from 2^16 each time
    const dir = tempDir();
    expectError(
      () =>
        trainRun(config({ policy: "amp-fp16", epochs: 10 }), {
          out: dir,
          data: { train: bad, test: data.test },
        }),
      "numeric",
      /^step 40: the loss scale collapsed to 2\.98\d*e-8 after 41 skipped steps: the gradient of 1\.weight overflows whatever the scale/,
    );
  });

  // Issue 15, item 6: a static loss scale of 1e-30 trained to 2% and exited 0.
  it("stops when a loss scale leaves every weight gradient zero, saying no checkpoint is kept", () => {
    const dir = tempDir();
    const policy = join(dir, "tiny-scale.json");
    writeFileSync(policy, JSON.stringify({ extends: "pure-fp16", lossScaling: { static: 1e-30 } }));
    expectError(
      () => trainRun(config({ policy, epochs: 2 }), { out: join(dir, "run"), data }),
      "numeric",
      /^step 6: every weight gradient of epoch 1 was zero in float16 \(policy pure-fp16-custom, static loss scale 1e-30\): nothing was learnt.*; the run stops before its first checkpoint \(there is nothing to resume from\)$/,
    );
    expect(existsSync(join(dir, "run", "results.json"))).toBe(false);
  });

  // Issue 15, item 2: one bad line made --resume rewrite metrics.jsonl with the lines before it only.
  it("refuses to resume a run whose metrics.jsonl has a damaged line, and leaves the file as it was", () => {
    const dir = tempDir();
    trainRun(config({ epochs: 2, logEvery: 1 }), { out: dir, data });
    const path = join(dir, "metrics.jsonl");
    const lines = readFileSync(path, "utf8").split("\n");
    lines[5] = lines[5].slice(0, 20) + lines[5].slice(21); // one byte removed from line 6
    writeFileSync(path, lines.join("\n"));
    const before = readFileSync(path);
    expectError(
      () => trainRun(config({ epochs: 3, logEvery: 1 }), { out: dir, data, resume: true }),
      "format",
      /metrics\.jsonl:6: /,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as { epochs: unknown[] };
    expect(results.epochs).toHaveLength(2);
  });
});
