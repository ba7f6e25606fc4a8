/**
 * Accuracy-driven fallback on a tiny BERT with a synthetic metric (agreement of the argmax with the
 * float32 model on random inputs): a site made artificially sensitive (a weight with a huge outlier, so
 * per-tensor E4M3 flushes the rest of that weight to zero) is measured as the most sensitive and kept in
 * float32 first, and the criterion holds at the end.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { logitsOf, randomBatches, tinyBert } from "../../test/support/tiny-bert.js";
import { fromValues } from "../tensor/index.js";
import { calibrate } from "./calibrate.js";
import { quantizeWithFallback } from "./fallback.js";
import type { QuantConfig } from "./ptq.js";

const evalBatches = randomBatches(8, 21, 8, 12);
const calBatches = randomBatches(2, 22, 8, 12);
const OUTLIER_SITE = "bert.encoder.layer.1.output.dense";

function argmaxes(logits: readonly Float32Array[]): number[] {
  return logits.flatMap((l) =>
    Array.from({ length: l.length / 3 }, (_, r) => {
      const row = Array.from(l.subarray(3 * r, 3 * r + 3));
      return row.indexOf(Math.max(...row));
    }),
  );
}

/** Set parameter `name` of `model` to its values changed by `edit`. */
function editParameter(
  model: ReturnType<typeof tinyBert>,
  name: string,
  edit: (v: Float32Array) => void,
): void {
  const w = new Map(model.namedParameters()).get(name);
  if (w === undefined) throw new Error(name);
  const v = w.toFloat32Array();
  edit(v);
  model.setParameter(name, fromValues(v, w.shape, { engine: w.engine, requiresGrad: true }));
}

/**
 * A tiny BERT whose OUTLIER_SITE weight (32, 37) holds 1e5 at [0, 0], with intermediate unit 0 of that
 * layer made dead (zero weights and bias, so GELU gives exactly 0): the float32 model does not feel the
 * outlier, but per-tensor E4M3 scales that weight by 1e5 / 448 and flushes every other element to zero.
 * Its classifier is centred on evalBatches; returned with the metric, argmax agreement with its float32
 * self on evalBatches.
 */
function sensitiveBert() {
  const model = tinyBert(5);
  editParameter(model, "bert.encoder.layer.1.intermediate.dense.weight", (v) => v.fill(0, 0, 32));
  editParameter(model, "bert.encoder.layer.1.intermediate.dense.bias", (v) => (v[0] = 0));
  editParameter(model, `${OUTLIER_SITE}.weight`, (v) => (v[0] = 1e5));
  // Centre the classifier on evalBatches: a random BERT gives every input the same argmax otherwise.
  const logits = logitsOf(model, evalBatches);
  const rows = logits.reduce((n, l) => n + l.length / 3, 0);
  const mean = [0, 1, 2].map(
    (c) => logits.reduce((s, l) => s + l.reduce((t, v, i) => t + (i % 3 === c ? v : 0), 0), 0) / rows,
  );
  editParameter(model, "classifier.bias", (v) => {
    v.forEach((b, c) => (v[c] = b - mean[c]));
  });
  const reference = argmaxes(logitsOf(model, evalBatches));
  const evaluate = (m: typeof model): number => {
    const got = argmaxes(logitsOf(m, evalBatches));
    return got.filter((c, i) => c === reference[i]).length / got.length;
  };
  return { model, evaluate };
}

const config: QuantConfig = {
  weights: { format: "float8_e4m3fn" },
  activations: { format: "float8_e4m3fn" },
};

describe("quantizeWithFallback", () => {
  it("keeps the artificially sensitive site in float32 first, and ends within the allowed drop", () => {
    const { model, evaluate } = sensitiveBert();
    const cal = calibrate(model, calBatches, { method: "percentile", percentile: 99.99 });
    const r = quantizeWithFallback(model, config, cal, { evaluate, maxDrop: 0.02 });
    expect(r.baseline).toBe(1);
    expect(r.sensitivity).toHaveLength(18);
    const worst = r.sensitivity.find((s) => s.site === OUTLIER_SITE);
    expect(worst?.drop).toBe(Math.max(...r.sensitivity.map((s) => s.drop)));
    expect(worst?.drop).toBeGreaterThan(0.1);
    // Its SQNR (about 31 dB) hides the damage, as the outlier carries nearly all the weight's energy;
    // the underflow fraction shows it.
    expect(worst?.underflow).toBeGreaterThan(0.9);
    expect(r.metricAllQuantized).toBeLessThan(0.98);
    expect(r.kept[0]?.site).toBe(OUTLIER_SITE);
    expect(r.satisfied).toBe(true);
    expect(r.metric).toBeGreaterThanOrEqual(0.98);
    expect(r.kept.at(-1)?.metricAfter).toBe(r.metric);
    expect(evaluate(model)).toBe(r.metric); // the returned model is the quantized one
    expect(r.model.sites).not.toContain(OUTLIER_SITE);
    expect(r.model.report().kept).toEqual(r.kept.map((k) => k.site));
    r.model.restore();
    expect(evaluate(model)).toBe(1);
  });

  it("keeps nothing when quantizing everything already meets the criterion", () => {
    const { model, evaluate } = sensitiveBert();
    const cal = calibrate(model, calBatches);
    const r = quantizeWithFallback(model, { ...config, skip: [OUTLIER_SITE] }, cal, { evaluate, maxDrop: 1 });
    expect(r.kept).toEqual([]);
    expect(r.sensitivity).toEqual([]); // not needed, so not measured
    expect(r.metric).toBe(r.metricAllQuantized);
    r.model.restore();
    expectError(
      () => quantizeWithFallback(model, config, cal, { evaluate, maxDrop: -1 }),
      "config",
      /maxDrop must be a number >= 0, got -1/,
    );
  });
});
