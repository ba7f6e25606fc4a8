/**
 * Progress on stderr: a live bar (count, ETA) when stderr is a terminal, otherwise one line per finished
 * step and at most one per interval while a step runs; --quiet shows nothing; and for training, one line
 * per epoch with the warnings and resume notice at start.
 */
import { describe, expect, it } from "vitest";
import {
  progressStep,
  type EpochMetrics,
  type RunSetup,
  type RunPaths,
  type TrainEvents,
} from "../experiment/index.js";
import { epochLine, progressEvents, progressLine, ProgressDisplay } from "./progress.js";

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

/** The ten batches of epoch 1 of 2 (loss 1.5, 640 samples/s), calling `before(b)` ahead of each. */
function tenSteps(events: TrainEvents, before: (b: number) => void = () => undefined): void {
  for (let b = 0; b < 10; b++) {
    before(b);
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
}

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
    tenSteps(events);
    events.onEpoch?.(metrics);
    expect(drawn).toMatch(/epoch 1\/2 \[[^\]]+\] \d+\/10 batches {2}loss 1\.5000, 640 samples\/s {2}ETA/);
    expect(err).toBe(epochLine("", metrics, 2));
  });
});

describe("progressEvents without a terminal", () => {
  it("adds a line per interval inside a long epoch, with loss and speed", () => {
    let err = "";
    let now = 0;
    const io = { stdout: () => undefined, stderr: (s: string) => (err += s) };
    const events = progressEvents(
      io,
      "[b] ",
      new ProgressDisplay(io, { intervalMs: 30_000, now: () => now }),
    );
    tenSteps(events, (b) => (now = b * 8_000)); // 8 s a batch: lines 32 s and 64 s in
    events.onEpoch?.(metrics);
    expect(err).toBe(
      "[b] epoch 1/2: 5/10 batches, loss 1.5000, 640 samples/s, 32.0 s\n" +
        "[b] epoch 1/2: 9/10 batches, loss 1.5000, 640 samples/s, 64.0 s\n" +
        epochLine("[b] ", metrics, 2),
    );
  });
});

describe("ProgressDisplay", () => {
  /** A display on a non-terminal with a clock the test moves, and what it wrote. */
  function plain(quiet = false): { display: ProgressDisplay; err: () => string; at: (ms: number) => void } {
    let err = "";
    let now = 0;
    const display = new ProgressDisplay(
      { stdout: () => undefined, stderr: (s) => (err += s) },
      { quiet, intervalMs: 10_000, now: () => now },
    );
    return { display, err: () => err, at: (ms) => (now = ms) };
  }

  it("writes one line per finished step and at most one per interval while a step runs", () => {
    const { display, err, at } = plain();
    const listener = (p: Parameters<ProgressDisplay["update"]>[0]): void => {
      display.update(p);
    };
    const first = progressStep(listener, "float32", 1, 2);
    for (let b = 1; b <= 100; b++) {
      at(b * 250); // 25 s over 100 batches, from 0.25 s: lines 10 s and 20 s in
      first.count(b, 100);
    }
    first.finish("accuracy 91.20%");
    at(26_000);
    const second = progressStep(listener, "int8 max tensor", 2, 2);
    second.count(1, 100); // a new step starts its own interval: no line yet
    at(27_000);
    second.finish("accuracy 90.10%");
    expect(err()).toBe(
      "[1/2] float32: 41/100 batches, 10.0 s\n" +
        "[1/2] float32: 81/100 batches, 20.0 s\n" +
        "[1/2] float32: accuracy 91.20% (100/100 batches, 24.8 s)\n" +
        "[2/2] int8 max tensor: accuracy 90.10% (1/100 batches, 1.0 s)\n",
    );
  });

  it("names a single step without its number, and shows the detail", () => {
    expect(progressLine({ label: "eval", step: 1, steps: 1, done: 3, total: 7, unit: "batches" }, 2)).toBe(
      "eval: 3/7 batches, 2.0 s\n",
    );
    expect(
      progressLine(
        { label: "epoch 1/3", step: 1, steps: 1, done: 3, total: 7, unit: "batches", detail: "loss 0.5000" },
        2,
      ),
    ).toBe("epoch 1/3: 3/7 batches, loss 0.5000, 2.0 s\n");
  });

  it("shows nothing with --quiet but the notes that must show", () => {
    const { display, err, at } = plain(true);
    at(60_000);
    display.update({ label: "eval", step: 1, steps: 1, done: 1, total: 1, unit: "batches", result: "done" });
    display.note("study 1\n");
    display.note("minifloat: warning: w\n", true);
    expect(err()).toBe("minifloat: warning: w\n");
  });

  it("draws a bar on a terminal and keeps the finished step's line", () => {
    let drawn = "";
    let err = "";
    const terminal = { isTTY: true, columns: 160, write: (s: string) => ((drawn += s), true) };
    const display = new ProgressDisplay({
      stdout: () => undefined,
      stderr: (s) => (err += s),
      terminal: terminal as unknown as NodeJS.WriteStream,
    });
    const step = progressStep(
      (p) => {
        display.update(p);
      },
      "int8 max tensor",
      2,
      3,
    );
    for (let b = 1; b <= 5; b++) step.count(b, 5);
    step.finish("accuracy 90.00%");
    expect(drawn).toMatch(/\[2\/3\] int8 max tensor \[[^\]]+\] \d\/5 batches {2}ETA/);
    expect(err).toMatch(/^\[2\/3\] int8 max tensor: accuracy 90\.00% \(5\/5 batches, \d+\.\d s\)\n$/);
  });
});
