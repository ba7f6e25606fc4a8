// The update rules on bfloat16, with the experiment of Zamirai et al. (arXiv:2010.06192): w = 1.0 and a
// thousand updates of +0.001. Nearest rounding cancels every one (half an ulp of 1 is 2^-8 > 0.001);
// stochastic rounding reaches 2.0 on average over seeds; Kahan compensation reaches 2.0.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeValue,
  encodeValue,
  FLOAT_FORMATS,
  kahanAdd,
  nearestAdd,
  randomWord,
  stochasticAdd,
  type FloatFormat,
} from "../formats/index.js";
import { allocStorage, fromValues } from "../tensor/index.js";
import {
  applyUpdate,
  cancellationStats,
  cancelledFraction,
  storeValues,
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

/** The counts straight from their definitions, element by element with the scalar nearestAdd. */
function slowStats(f: FloatFormat, w: Float32Array, u: Float32Array): object {
  let nonzero = 0;
  let cancelled = 0;
  let belowHalfUlp = 0;
  for (let i = 0; i < w.length; i++) {
    if (u[i] === 0 || Number.isNaN(u[i])) continue;
    nonzero++;
    if (nearestAdd(f, w[i], u[i]) === w[i]) cancelled++;
    if (Math.abs(u[i]) < ulpOf(f, w[i]) / 2) belowHalfUlp++;
  }
  return { elements: w.length, nonzero, cancelled, belowHalfUlp };
}

/** Random values of f (every code equally likely: zeros, subnormals, max, infinities and NaN included)
 * and updates near a quarter, a half and one ulp of them, or anything float32 holds. */
function wAndU(f: FloatFormat): fc.Arbitrary<[Float32Array, Float32Array]> {
  const pair = fc.tuple(
    fc.integer({ min: 0, max: 2 ** Math.min(f.bits, 16) - 1 }),
    fc.oneof(fc.constantFrom(0.25, 0.5, 1, -0.25, -0.5, -1, 0), fc.double({ min: -2, max: 2, noNaN: true })),
    fc.integer({ min: -1, max: 1 }),
    fc.float(),
  );
  return fc.array(pair, { minLength: 1, maxLength: 60 }).map((xs) => {
    const w = Float32Array.from(xs, ([c]) => decodeValue(f, f.bits === 32 ? c * 65537 : c));
    const u = Float32Array.from(xs, ([, k, step, any], i) => {
      const wi = w[i];
      if (i % 3 === 2 || !Number.isFinite(wi)) return any;
      const near = Math.fround(k * ulpOf(f, wi));
      return near * (1 + step * 2 ** -23); // a float32 step either side of the ulp fraction
    });
    return [w, u];
  });
}

const STAT_FORMATS = [
  "bfloat16",
  "float16",
  "float8_e4m3fn",
  "float8_e5m2",
  "float4_e2m1fn",
  "float32",
] as const;

describe.each(STAT_FORMATS)("%s: fast cancellation counts and updates = scalar twins", (name) => {
  const f = FLOAT_FORMATS[name];

  it("cancellationStats equals the counts from the definitions (fast-check)", () => {
    fc.assert(
      fc.property(wAndU(f), ([w, u]) => {
        expect(cancellationStats(f, w, u)).toEqual(slowStats(f, w, u));
      }),
      { numRuns: 200, seed: 77 },
    );
  });

  it("applyUpdate under each rule stores what the scalar twins give, element by element", () => {
    fc.assert(
      fc.property(wAndU(f), ([w0, u]) => {
        const w = w0.map((x) => (Number.isNaN(x) ? 0 : x)); // parameters are not NaN
        const n = w.length;
        const store = (values: Float32Array, format = f): CodeBuffer => {
          const b = { format, data: allocStorage(format, n) };
          storeValues(b, values); // exact: values of f
          return b;
        };
        const ctx = { seed: 5, stream: 2, step: 9 };
        const near = store(w);
        const sr = store(w);
        const kahan = store(w);
        const c0 = w.map((x) => decodeValue(f, encodeValue(f, x * 2 ** -10, "nearest-even", true, false)));
        // A wider compensation format for the 8-bit formats, which takes the re-encoding path.
        const comp = store(c0, f.bits <= 8 ? FLOAT_FORMATS.bfloat16 : f);
        const stats = applyUpdate(near, u, "nearest", ctx);
        expect(stats).toEqual(slowStats(f, w, u));
        applyUpdate(sr, u, "stochastic", ctx);
        applyUpdate(kahan, u, "kahan", { ...ctx, compensation: comp });
        const [nv, sv, kv, cv] = [near, sr, kahan, comp].map(valuesOf);
        for (let i = 0; i < n; i++) {
          const k = kahanAdd(f, { sum: w[i], comp: c0[i] }, u[i]);
          const rand = randomWord(5, 2, 9, i);
          expect([nv[i], sv[i], kv[i], cv[i]]).toEqual([
            nearestAdd(f, w[i], u[i]),
            stochasticAdd(f, w[i], u[i], rand),
            k.sum,
            k.comp,
          ]);
        }
      }),
      { numRuns: 100, seed: 78 },
    );
  });
});
