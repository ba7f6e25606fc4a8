/**
 * Training progress on stderr: a live bar (samples/s, ETA) when stderr is a terminal, one line per epoch
 * otherwise, and the warnings and resume notice at start.
 */
import { describe, expect, it } from "vitest";
import type { EpochMetrics, RunSetup, RunPaths } from "../experiment/index.js";
import { epochLine, progressEvents } from "./progress.js";

const metrics = {
  type: "epoch",
  epoch: 1,
  step: 10,
  trainLoss: 0.5,
  trainAccuracy: 0.8,
  testLoss: 0.4,
  testAccuracy: 0.85,
  lr: 0.05,
  lossScale: 1,
  skippedSteps: 0,
  cancelledFraction: 0.125,
  belowHalfUlpFraction: 0.1,
  seconds: 2.5,
  samplesPerSecond: 1234.4,
  memory: { peakBytes: 1, peakTensorBytes: 1, optimizerStateBytes: 0, byFormat: {} },
  layers: {},
} satisfies EpochMetrics;

describe("progressEvents", () => {
  it("prints one line per epoch without a terminal, with the notes and warnings first", () => {
    let err = "";
    const events = progressEvents({ stdout: () => undefined, stderr: (s) => (err += s) }, "[a] ");
    events.onStart?.({
      setup: { warnings: ["eps vanishes"], notes: ["started from m"] } as unknown as RunSetup,
      paths: { dir: "run" } as RunPaths,
      resumedFrom: "run/checkpoints/step-000000005.safetensors",
    });
    events.onStep?.({
      epoch: 0,
      epochs: 2,
      batch: 0,
      batches: 10,
      step: 1,
      loss: 2.3,
      samplesPerSecond: 100,
    });
    events.onEpoch?.(metrics);
    expect(err).toBe(
      "minifloat: started from m\nminifloat: warning: eps vanishes\n[a] resuming run from run/checkpoints/step-000000005.safetensors\n" +
        epochLine("[a] ", metrics, 2),
    );
    expect(epochLine("", metrics, 2)).toBe(
      "epoch 1/2  train loss 0.5000  train acc 80.00%  test acc 85.00%  cancelled 12.50%  2.5 s  1234 samples/s\n",
    );
  });

  it("draws a bar with samples/s and ETA on a terminal, then the epoch line", () => {
    let drawn = "";
    let err = "";
    const terminal = { isTTY: true, columns: 160, write: (s: string) => ((drawn += s), true) };
    const events = progressEvents({
      stdout: () => undefined,
      stderr: (s) => (err += s),
      terminal: terminal as unknown as NodeJS.WriteStream,
    });
    for (let b = 0; b < 10; b++) {
      events.onStep?.({
        epoch: 0,
        epochs: 2,
        batch: b,
        batches: 10,
        step: b + 1,
        loss: 1.5,
        samplesPerSecond: 640,
      });
    }
    events.onEpoch?.(metrics);
    expect(drawn).toMatch(
      /epoch 1\/2 \[[^\]]+\] \d+\/10 batches {2}loss (-|1\.5000) {2}(-|640) samples\/s {2}ETA/,
    );
    expect(err).toBe(epochLine("", metrics, 2));
  });
});
