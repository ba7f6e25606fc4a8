/**
 * The tolerance analysis on hand-made logits: delta and tau against hand computation, the lemma (delta <
 * tau implies the same prediction) as a property over random perturbations, overflowed outputs, the
 * summary's fractions, and the log histogram's bins.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gammaN, layerErrorRow, newLayerSums, addOutputs, addProducts } from "./layer-error.js";
import { compareLogits, logHistogram, softmax64, summarizeTolerance } from "./tolerance.js";
import { floatFormat } from "../formats/index.js";

describe("compareLogits", () => {
  it("computes delta and tau by hand", () => {
    // p32 = softmax(0, ln 3) = (1/4, 3/4): tau = 1/4. pLow = softmax(0, ln 2) = (1/3, 2/3): delta = 1/12.
    const [s] = compareLogits(
      Float32Array.of(0, Math.log(3)),
      Float32Array.of(0, Math.log(2)),
      Int32Array.of(1),
      2,
    );
    expect(s.tau).toBeCloseTo(0.25, 6);
    expect(s.delta).toBeCloseTo(1 / 12, 6);
    expect(s).toMatchObject({ guaranteed: true, pred32: 1, predLow: 1, label: 1 });
    expect(s.deltaLogits).toBeCloseTo(Math.log(3) - Math.log(2), 6);
  });

  it("an overflowed output has infinite delta and no prediction", () => {
    const [s] = compareLogits(Float32Array.of(1, 2, 3), Float32Array.of(1, Infinity, 3), Int32Array.of(2), 3);
    expect(s).toMatchObject({
      delta: Infinity,
      deltaLogits: Infinity,
      guaranteed: false,
      pred32: 2,
      predLow: -1,
    });
  });

  it("the lemma: delta < tau always gives the same argmax (random perturbations)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -8, max: 8, noNaN: true }), { minLength: 2, maxLength: 12 }),
        fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }),
        fc.float({ min: 0, max: 1, noNaN: true }),
        (z, noise, scale) => {
          const z32 = Float32Array.from(z);
          const low = Float32Array.from(z, (v, i) => v + scale * (noise[i] ?? 0));
          const [s] = compareLogits(z32, low, Int32Array.of(0), z.length);
          if (s.guaranteed) expect(s.predLow).toBe(s.pred32);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("softmax64 sums to one and survives large logits", () => {
    const p = softmax64(Float32Array.of(1000, 1001, 999), 0, 3);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[1]).toBeGreaterThan(p[0]);
  });
});

describe("summarizeTolerance", () => {
  it("counts guarantees, disagreements, accuracy and the near-boundary samples", () => {
    const z32 = Float32Array.of(0, 3, 0, 0.1, 2, 0, 0, 0.01);
    const low = Float32Array.of(0, 3, 0.2, 0, 2, 0, 0.02, 0);
    const samples = compareLogits(z32, low, Int32Array.of(1, 1, 0, 0), 2);
    const s = summarizeTolerance("x", samples);
    // 0: same (right). 1: flips 1 -> 0 (fp32 right). 2: same (right). 3: flips 1 -> 0 (low right).
    expect(s).toMatchObject({
      samples: 4,
      disagreement: 0.5,
      accuracy32: 0.75,
      accuracyLow: 0.75,
      lemmaViolations: 0,
    });
    expect(s.guaranteed).toBe(0.5);
    expect(s.accuracyChangeBound).toBe(0.5);
    expect(s.nearBoundary).toBe(2);
  });
});

describe("logHistogram", () => {
  it("puts values in log10 bins, zeros below and NaN above", () => {
    const h = logHistogram([0, 1e-13, 1e-12, 3e-12, 0.5, 0.99, 1, NaN], -12, 0, 1);
    expect(h.edges[0]).toBe(1e-12);
    expect(h.counts[0]).toBe(2); // 1e-12 and 3e-12
    expect(h.counts[11]).toBe(2); // 0.5 and 0.99
    expect(h.below).toBe(2);
    expect(h.above).toBe(2);
    expect(h.counts.reduce((a, b) => a + b, 0) + h.below + h.above).toBe(8);
  });
});

describe("layer error bound", () => {
  it("gamma_n = nu / (1 - nu), infinite once nu >= 1", () => {
    expect(gammaN(10, 2 ** -11)).toBeCloseTo((10 * 2 ** -11) / (1 - 10 * 2 ** -11), 15);
    expect(gammaN(256, 2 ** -8)).toBe(Infinity);
  });

  it("a row from sums", () => {
    const s = newLayerSums("linear", 4);
    addOutputs(s, Float32Array.of(1.5, 2, Infinity), Float32Array.of(1, 2, 3));
    addProducts(s, Float32Array.of(3, 4, 0), Float32Array.of(1, 2, 2));
    const row = layerErrorRow("fc", s, floatFormat("float16"));
    expect(row.relativeError).toBeCloseTo(Math.sqrt(0.25 / 5), 12);
    expect(row.nonFiniteFraction).toBeCloseTo(1 / 3, 12);
    expect(row.boundStrict).toBeCloseTo(gammaN(4, 2 ** -11) * Math.sqrt(25 / 9), 12);
    expect(row.boundFloat32Accumulate).toBeCloseTo(gammaN(4, 2 ** -24) * Math.sqrt(25 / 9) + 2 ** -11, 12);
  });
});
