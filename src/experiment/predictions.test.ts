/**
 * Pairing predictions: the discordant counts, McNemar's p-value and an interval that contains the
 * difference; no discordant sample still leaves an interval as wide as Agresti-Min's; predictions of
 * different samples refuse to pair; several seeds pair by index.
 */
import { describe, expect, it } from "vitest";
import { mcnemarExact } from "../analysis/index.js";
import { accuracyDifference, pairedDifference, samplePredictions } from "./predictions.js";

const labels = Int32Array.from({ length: 500 }, (_, i) => i % 3);
/** Right everywhere except on samples [from, to). */
const wrongOn = (from: number, to: number) =>
  samplePredictions(
    labels.map((l, i) => (i >= from && i < to ? (l + 1) % 3 : l)),
    labels,
  );

describe("pairedDifference", () => {
  it("counts the discordant samples, tests them and brackets the difference", () => {
    // Base wrong on [0, 30), other on [20, 35): other is better on 20, worse on 5.
    const d = pairedDifference(wrongOn(0, 30), wrongOn(20, 35));
    expect([d.better, d.worse]).toEqual([20, 5]);
    expect(d.difference).toBeCloseTo(15 / 500, 12);
    expect(d.pValue).toBe(mcnemarExact(20, 5));
    expect(d.low).toBeLessThan(d.difference);
    expect(d.high).toBeGreaterThan(d.difference);
    expect(d.low).toBeGreaterThan(0); // 20 against 5 of 500: a real difference
    expect(pairedDifference(wrongOn(0, 30), wrongOn(20, 35))).toEqual(d);
  });
  it("keeps an interval where no sample is discordant", () => {
    const d = pairedDifference(wrongOn(0, 30), wrongOn(0, 30));
    expect(d.difference).toBe(0);
    expect(d.pValue).toBe(1);
    expect(d.high).toBeCloseTo(1.959964 / 502, 6);
    expect(d.low).toBeCloseTo(-1.959964 / 502, 6);
  });
  it("refuses predictions of different samples, and pairs several seeds by index", () => {
    const other = samplePredictions(labels.slice(0, 400), labels.slice(0, 400));
    expect(() => pairedDifference(wrongOn(0, 1), other)).toThrow(/made on different samples \(500 .* 400/);
    expect(accuracyDifference([wrongOn(0, 1)], [])).toBeNull();
    const seeds = accuracyDifference([wrongOn(0, 10), wrongOn(0, 20)], [wrongOn(0, 15), wrongOn(0, 30)]);
    expect(seeds?.method).toBe("seeds");
    expect(seeds?.difference).toBeCloseTo(-7.5 / 500, 12);
  });
});
