// The update rules on bfloat16, with the experiment of Zamirai et al. (arXiv:2010.06192): w = 1.0 and a
// thousand updates of +0.001. Nearest rounding cancels every one (half an ulp of 1 is 2^-8 > 0.001);
// stochastic rounding reaches 2.0 on average over seeds; Kahan compensation reaches 2.0.
import { describe, expect, it } from "vitest";
import { FLOAT_FORMATS } from "../formats/index.js";
import { fromValues } from "../tensor/index.js";
import {
  applyUpdate,
  cancellationStats,
  cancelledFraction,
  ulpOf,
  valuesOf,
  type CodeBuffer,
  type UpdateRule,
} from "./update.js";

const bf16 = FLOAT_FORMATS.bfloat16;

function buffer(values: number[], format = "bfloat16"): CodeBuffer {
  const t = fromValues(values, [values.length], { format });
  return { format: t.format, data: t.data };
}

function run(rule: UpdateRule, seed: number, n = 1000): { w: number; cancelled: number } {
  const w = buffer([1]);
  const comp = buffer([0]);
  const u = new Float32Array([0.001]);
  let cancelled = 0;
  for (let step = 1; step <= n; step++) {
    const s = applyUpdate(w, u, rule, { seed, stream: 0, step, compensation: comp });
    cancelled += s.cancelled;
  }
  return { w: valuesOf(w)[0], cancelled };
}

describe("update rules on bfloat16 (BF16 study)", () => {
  it("nearest leaves 1.0 and counts every update cancelled", () => {
    const r = run("nearest", 0);
    expect(r.w).toBe(1);
    expect(r.cancelled).toBe(1000);
  });

  it("stochastic rounding reaches 2.0 on average over seeds, and is reproducible per seed", () => {
    const ws = Array.from({ length: 16 }, (_, seed) => run("stochastic", seed).w);
    const mean = ws.reduce((a, b) => a + b, 0) / ws.length;
    expect(Math.abs(mean - 2.0)).toBeLessThan(0.05);
    expect(new Set(ws).size).toBeGreaterThan(1);
    expect(run("stochastic", 3).w).toBe(ws[3]);
  });

  it("kahan reaches 2.0 with the compensation buffer in bfloat16", () => {
    const r = run("kahan", 0);
    expect(Math.abs(r.w - 2.0)).toBeLessThan(0.01);
  });

  it("every stored value stays a bfloat16 code (storage is real)", () => {
    const w = buffer([1, 2, 3]);
    applyUpdate(w, new Float32Array([0.3, 0.001, -0.2]), "nearest", { seed: 0, stream: 0, step: 1 });
    expect(w.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(valuesOf(w))).toEqual([1.296875, 2, 2.796875]);
  });

  it("kahan without a compensation buffer is an error", () => {
    expect(() =>
      applyUpdate(buffer([1]), new Float32Array([1]), "kahan", { seed: 0, stream: 0, step: 1 }),
    ).toThrow(/compensation/);
  });
});

describe("cancellation statistic", () => {
  it("counts u != 0 with fl(w + u) == w, and |u| < ulp(w)/2", () => {
    // ulp(1) = 2^-7 in bfloat16; half is 2^-8 = 0.00390625. An exact half ulp (1 + 2^-8, 256 + 1) ties
    // to even: cancelled, but not below half an ulp; 0 + 1e-30 is far above bfloat16's subnormals.
    const w = new Float32Array([1, 1, 1, 1, 0, 256]);
    const u = new Float32Array([0.001, 0, 0.01, 2 ** -8, 1e-30, 1]);
    const s = cancellationStats(bf16, w, u);
    expect(s).toEqual({ elements: 6, nonzero: 5, cancelled: 3, belowHalfUlp: 1 });
    expect(cancelledFraction(s)).toBeCloseTo(0.6, 12);
  });

  it("ulpOf follows the binade and the subnormal range", () => {
    expect(ulpOf(bf16, 1)).toBe(2 ** -7);
    expect(ulpOf(bf16, 1.99)).toBe(2 ** -7);
    expect(ulpOf(bf16, 2)).toBe(2 ** -6);
    expect(ulpOf(bf16, -0.5)).toBe(2 ** -8);
    expect(ulpOf(FLOAT_FORMATS.float16, 0)).toBe(2 ** -24);
    expect(ulpOf(FLOAT_FORMATS.float16, 2 ** -20)).toBe(2 ** -24);
  });
});
