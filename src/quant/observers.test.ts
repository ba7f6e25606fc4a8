/**
 * Observers: percentiles within the histogram's resolution of the exact sample percentile, re-binning that
 * gives the same histogram however the data is split, bounded memory, MSE clipping below max on
 * heavy-tailed data and at max on uniform data, and the entropy threshold on Gaussian data.
 */
import { describe, expect, it } from "vitest";
import { normalValues, uniformValues } from "../nn/index.js";
import { entropyThreshold, HistogramObserver, MaxObserver, mseThreshold } from "./observers.js";
import { resolveSpec } from "./quantizer.js";

const gaussian = (n: number, stream = 1): Float32Array => Float32Array.from(normalValues(7, stream, n, 1));
const int8 = resolveSpec({ format: "int8" }, "activation");
const e4m3 = resolveSpec({ format: "float8_e4m3fn" }, "activation");

/** Laplace(0, 1) samples, -sign(u) ln(1 - |u|) for u uniform in (-1, 1). */
function laplace(n: number): Float32Array {
  return Float32Array.from(uniformValues(7, 20, n, 1), (u) => -Math.sign(u) * Math.log(1 - Math.abs(u)));
}

/** The exact p-th percentile of |x| (nearest rank). */
function exactPercentile(x: Float32Array, p: number): number {
  const a = Float64Array.from(x, Math.abs).sort();
  return a[Math.min(a.length - 1, Math.ceil((p / 100) * a.length) - 1)];
}

describe("MaxObserver", () => {
  it("keeps the range and the largest |x| of every last-axis channel", () => {
    const m = new MaxObserver(3);
    m.observe(Float32Array.from([1, -5, 2, 0.5, 4, -3]));
    m.observe(Float32Array.from([-2, 0, 0, 0, 0, 0]));
    expect([m.lo, m.hi, m.absMax, m.count]).toEqual([-5, 4, 5, 12]);
    expect(Array.from(m.channelAbsMax ?? [])).toEqual([2, 5, 3]);
  });
});

describe("HistogramObserver", () => {
  it("gives percentiles of a Gaussian within one bin width of the exact sample percentile", () => {
    const x = gaussian(200_000);
    const h = new HistogramObserver(2048);
    for (let i = 0; i < x.length; i += 10_000) h.observe(x.subarray(i, i + 10_000));
    for (const p of [50, 99, 99.9, 99.99, 99.999]) {
      expect(Math.abs(h.percentile(p) - exactPercentile(x, p))).toBeLessThanOrEqual(h.binWidth);
    }
    expect(h.binWidth).toBeLessThan((2 * h.absMax) / 2048);
    expect(h.percentile(100)).toBe(h.absMax);
  });

  it("re-bins exactly: growing range batch by batch gives the histogram of seeing everything at once", () => {
    const x = gaussian(50_000, 2);
    const grown = new HistogramObserver(256);
    for (const k of [1 / 64, 1 / 8, 1, 16]) grown.observe(x.subarray(0, 12_500).map((v) => v * k));
    const once = new HistogramObserver(256);
    once.observe(
      Float32Array.from(
        [1 / 64, 1 / 8, 1, 16].flatMap((k) => Array.from(x.subarray(0, 12_500), (v) => v * k)),
      ),
    );
    expect(grown.range).toBe(once.range);
    expect(Array.from(grown.counts)).toEqual(Array.from(once.counts));
  });

  it("keeps a fixed number of bins however many values it sees", () => {
    const h = new HistogramObserver(512);
    for (let s = 0; s < 20; s++) h.observe(gaussian(50_000, 10 + s).map((v) => v * 2 ** s));
    expect(h.counts.length).toBe(512);
    expect(h.total).toBe(1_000_000);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(1_000_000);
  });
});

describe("threshold search", () => {
  it("MSE clips Laplace data below its max, int8 at Banner et al.'s optimum 9.89 b, and uniform data at its max", () => {
    // ACIQ (Banner, Nahshan, Soudry, NeurIPS 2019, Sec. 4): for Laplace(0, b) and 8 bits the clip that
    // minimizes the expected MSE is 9.89 b. E4M3's error is relative, so it clips less, but still clips.
    const heavy = new HistogramObserver();
    heavy.observe(laplace(200_000));
    const cInt8 = mseThreshold(heavy, int8);
    expect(Math.abs(cInt8 - 9.89)).toBeLessThan(0.05 * 9.89);
    expect(cInt8).toBeLessThan(0.9 * heavy.absMax);
    const cE4m3 = mseThreshold(heavy, e4m3);
    expect(cE4m3).toBeLessThan(heavy.absMax);
    expect(cE4m3).toBeGreaterThan(cInt8);
    const uniform = new HistogramObserver();
    uniform.observe(Float32Array.from({ length: 100_000 }, (_, i) => ((i + 0.5) / 100_000) * 3));
    for (const spec of [int8, e4m3]) {
      const c = mseThreshold(uniform, spec);
      expect(c).toBeGreaterThan(0.95 * uniform.absMax);
      expect(c).toBeLessThanOrEqual(uniform.absMax);
    }
  });

  it("MSE keeps E4M3's wide range: it clips heavy tails less than int8 does", () => {
    const h = new HistogramObserver();
    h.observe(gaussian(100_000, 4));
    h.observe(Float32Array.from([30, -40]));
    expect(mseThreshold(h, e4m3)).toBeGreaterThan(mseThreshold(h, int8));
  });

  // NVIDIA's reference (pytorch-quantization's _compute_amax_entropy, 2048 bins over [0, max]) gives
  // 4.0 to 4.7 sigma on 5e4 to 2e6 N(0, 1) samples: the threshold grows slowly with the sample count.
  it("entropy (TensorRT) clips int8 Gaussian data between 3 and 4.5 sigma, below its max", () => {
    const h = new HistogramObserver();
    h.observe(gaussian(500_000, 5));
    const t = entropyThreshold(h, int8);
    expect(t).toBeGreaterThan(3);
    expect(t).toBeLessThan(4.5);
    expect(t).toBeLessThan(h.absMax);
  });
});
