// Rounded additions: hand-worked single steps, and the update-cancellation experiment of Zamirai et al.,
// "Revisiting BFloat16 Training" (arXiv:2010.06192): 1.0 + 0.001, a thousand times, in bfloat16.
import { describe, expect, it } from "vitest";
import { isMinifloatError } from "../errors.js";
import {
  kahanAdd,
  kahanAddArray,
  nearestAdd,
  nearestAddArray,
  roundTo,
  stochasticAdd,
  stochasticAddArray,
  twoSum,
  type KahanState,
} from "./accumulate.js";
import { decodeValue, encodeValue } from "./float-codec.js";
import { FLOAT_FORMATS, type FloatFormat } from "./float-format.js";
import { randomWord } from "./philox.js";

const bf16 = FLOAT_FORMATS.bfloat16;
const fp16 = FLOAT_FORMATS.float16;
const SEEDS = 32;

/** True when v is a value of format f: encoding and decoding gives v back unchanged. */
function representable(f: FloatFormat, v: number): boolean {
  return Object.is(decodeValue(f, encodeValue(f, v, "toward-zero", false, false)), v);
}

function nearestRun(f: FloatFormat, u: number, n: number): number {
  let w = 1;
  for (let i = 0; i < n; i++) w = nearestAdd(f, w, u);
  return w;
}

function kahanRun(f: FloatFormat, u: number, n: number): KahanState {
  let st: KahanState = { sum: 1, comp: 0 };
  for (let i = 0; i < n; i++) {
    st = kahanAdd(f, st, u);
    if (!representable(f, st.sum) || !representable(f, st.comp)) {
      throw new Error(`step ${i}: ${st.sum} or ${st.comp} is not a ${f.name} value`);
    }
  }
  return st;
}

/** 32 stochastic runs, run `seed` drawing randomWord(seed, 0, step, 0) at each step. */
function stochasticRuns(f: FloatFormat, u: number, n: number): number[] {
  const runs: number[] = [];
  for (let seed = 0; seed < SEEDS; seed++) {
    let w = 1;
    for (let step = 0; step < n; step++) w = stochasticAdd(f, w, u, randomWord(seed, 0, step, 0));
    runs.push(w);
  }
  return runs;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("single additions, each rounded once", () => {
  it("roundTo rounds to nearest, ties to even", () => {
    expect(roundTo(bf16, 1 + 2 ** -8)).toBe(1); // tie, even is 1
    expect(roundTo(bf16, 1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6); // tie, even is 1 + 2/128
    expect(roundTo(bf16, 0.001)).toBe(0.00099945068359375); // 131/128 * 2^-10
    expect(roundTo(fp16, 65520)).toBe(Infinity); // half an ulp above 65504
  });

  it("twoSum splits a + b exactly", () => {
    expect(Array.from(twoSum(1, 2 ** -60))).toEqual([1, 2 ** -60]);
    expect(Array.from(twoSum(2 ** 60, -1))).toEqual([2 ** 60, -1]);
  });

  it("nearestAdd rounds the exact sum, not the float64 one (1 + 2^-8 + 2^-60 is above the tie)", () => {
    expect(1 + (2 ** -8 + 2 ** -60)).toBe(1 + 2 ** -8); // float64 loses 2^-60 and lands on the tie
    expect(nearestAdd(bf16, 1, 2 ** -8 + 2 ** -60)).toBe(1 + 2 ** -7);
    expect(nearestAdd(bf16, 1, 2 ** -8)).toBe(1);
  });

  it("stochasticAdd rounds up iff rand < floor(distance / gap * 2^32)", () => {
    // 1 + 2^-9 is a quarter of the gap 2^-7 above 1: up for rand < 2^30
    expect(stochasticAdd(bf16, 1, 2 ** -9, 2 ** 30 - 1)).toBe(1 + 2 ** -7);
    expect(stochasticAdd(bf16, 1, 2 ** -9, 2 ** 30)).toBe(1);
    // just below 1 + 2^-7 (by 2^-60, which float64 loses): up unless rand is the largest word
    expect(stochasticAdd(bf16, 1 + 2 ** -7, -(2 ** -60), 2 ** 32 - 2)).toBe(1 + 2 ** -7);
    expect(stochasticAdd(bf16, 1 + 2 ** -7, -(2 ** -60), 2 ** 32 - 1)).toBe(1);
    // with 4 random bits: up for rand < floor(0.25 * 16) = 4
    expect(stochasticAdd(bf16, 1, 2 ** -9, 3, 4)).toBe(1 + 2 ** -7);
    expect(stochasticAdd(bf16, 1, 2 ** -9, 4, 4)).toBe(1);
  });

  it("kahanAdd rounds every operation to bfloat16 (four steps of 0.001 worked by hand)", () => {
    // step 1: y = fl(0.001) = 131/128 * 2^-10; s = fl(1 + y) = 1; c = fl(fl(s - 1) - y) = -y
    // steps 2, 3: y = fl(0.001 - c) = 131/128 * 2^-9, then 197/128 * 2^-9; s stays 1
    // step 4: y = fl(0.001 + 197/128 * 2^-9) = 131/128 * 2^-8 > half the gap: s = 1 + 2^-7,
    //         c = fl(2^-7 - y) = 250/128 * 2^-9
    const expected = [
      [1, -131 * 2 ** -17],
      [1, -131 * 2 ** -16],
      [1, -197 * 2 ** -16],
      [1 + 2 ** -7, 250 * 2 ** -16],
    ];
    let st: KahanState = { sum: 1, comp: 0 };
    for (const [sum, comp] of expected) {
      st = kahanAdd(bf16, st, 0.001);
      expect(st).toEqual({ sum, comp });
    }
  });
});

describe("1.0 + 0.001, a thousand times, in bfloat16 (Zamirai et al.)", () => {
  const u = roundTo(bf16, 0.001); // the update as a bfloat16 pipeline holds it
  const exact = 1 + 1000 * u; // 1.99945068359375

  it("nearest rounding cancels every update: exactly 1.0", () => {
    // u < 2^-8, half the gap above 1, so 1 + u rounds back to 1 every time
    expect(nearestRun(bf16, u, 1000)).toBe(1);
  });

  it("stochastic rounding lands near 2.0: mean of 32 runs within 0.05, each run within 0.5", () => {
    // Per step the variance is gap^2 p (1 - p) with p = u / gap: 6.8e-6 for gap 2^-7, so a run's
    // standard deviation is about 0.09 and the mean's about 0.017; 0.05 is 3 sigma, 0.5 over 5.
    const runs = stochasticRuns(bf16, u, 1000);
    expect(Math.abs(mean(runs) - exact)).toBeLessThan(0.05);
    expect(Math.abs(mean(runs) - 2)).toBeLessThan(0.05);
    for (const r of runs) expect(Math.abs(r - exact)).toBeLessThan(0.5);
    expect(new Set(runs).size).toBeGreaterThan(4); // the runs really differ
  });

  it("Kahan summation in bfloat16 is faithful: 2.0, the nearest bfloat16 value to the exact sum", () => {
    // Every y = fl(u - c) is rounded too, so the sum is not always correctly rounded; the bound we can
    // claim is faithful rounding: one of the two bfloat16 neighbours of the exact sum (1.9921875, 2),
    // i.e. within one gap 2^-7. Here it is 2.0, the correctly rounded result.
    const st = kahanRun(bf16, u, 1000); // also checks every sum and compensation is a bfloat16 value
    expect(Math.abs(st.sum - exact)).toBeLessThan(2 ** -7);
    expect(st.sum).toBe(2);
  });
});

describe("the same in float16", () => {
  it("0.001: nearest adds exactly one gap 2^-10 per step, ending at 1 + 1000/1024", () => {
    const u = roundTo(fp16, 0.001); // 1049/1024 * 2^-10, just over one gap above 1: rounds to one gap
    expect(u).toBe(1049 * 2 ** -20);
    expect(nearestRun(fp16, u, 1000)).toBe(1 + 1000 / 1024);
    const st = kahanRun(fp16, u, 1000);
    expect(Math.abs(st.sum - (1 + 1000 * u))).toBeLessThan(2 ** -9); // faithful: gap 2^-9 above 2
    const runs = stochasticRuns(fp16, u, 1000);
    expect(Math.abs(mean(runs) - (1 + 1000 * u))).toBeLessThan(0.005); // sd of a run ~0.004
    for (const r of runs) expect(Math.abs(r - (1 + 1000 * u))).toBeLessThan(0.03);
  });

  it("1e-4, ten thousand times: nearest stays at 1.0, stochastic (bulk) and Kahan reach 2.0", () => {
    const u = roundTo(fp16, 1e-4); // below 2^-11, half the gap above 1
    const exact = 1 + 10000 * u;
    expect(nearestRun(fp16, u, 10000)).toBe(1);
    expect(Math.abs(kahanRun(fp16, u, 10000).sum - exact)).toBeLessThan(2 ** -9);
    // 32 independent runs as the 32 elements of one array; element i draws randomWord(3, 0, step, i)
    const w = new Float32Array(SEEDS).fill(1);
    const update = new Float32Array(SEEDS).fill(u);
    for (let step = 0; step < 10000; step++) stochasticAddArray(fp16, w, update, { seed: 3, step });
    // sd of a run ~0.03 (gap 2^-10, then 2^-9 above 2), of the mean ~0.005
    expect(Math.abs(mean(Array.from(w)) - exact)).toBeLessThan(0.025);
    for (const r of w) expect(Math.abs(r - exact)).toBeLessThan(0.15);
  });
});

describe("bulk versions", () => {
  const n = 5000;
  const sum0 = new Float32Array(n).map((_, i) => roundTo(bf16, 1 + i / 1000));
  const update = new Float32Array(n).map((_, i) => Math.sin(i) * 2 ** -(i % 12));

  it("nearestAddArray and kahanAddArray equal the scalar versions element by element", () => {
    const near = nearestAddArray(bf16, sum0.slice(), update);
    const w = sum0.slice();
    const c = new Float32Array(n);
    kahanAddArray(bf16, w, c, update);
    kahanAddArray(bf16, w, c, update);
    const mismatches: number[] = [];
    for (let i = 0; i < n; i++) {
      const st = kahanAdd(bf16, kahanAdd(bf16, { sum: sum0[i], comp: 0 }, update[i]), update[i]);
      const ok = near[i] === nearestAdd(bf16, sum0[i], update[i]) && w[i] === st.sum && c[i] === st.comp;
      if (!ok) mismatches.push(i);
    }
    expect(mismatches).toEqual([]);
    expect(c.some((v) => v !== 0)).toBe(true); // the compensation is really exercised
  });

  it("stochasticAddArray draws randomWord(seed, stream, step, offset + i) for element i", () => {
    const random = { seed: 99, stream: 4, step: 17, offset: 1000 };
    const got = stochasticAddArray(bf16, sum0.slice(), update, random, 16);
    const mismatches: number[] = [];
    for (let i = 0; i < n; i++) {
      const rand = randomWord(99, 4, 17, 1000 + i) >>> 16;
      if (got[i] !== stochasticAdd(bf16, sum0[i], update[i], rand, 16)) mismatches.push(i);
    }
    expect(mismatches).toEqual([]);
    const again = stochasticAddArray(bf16, sum0.slice(), update, random, 16);
    expect(Array.from(again)).toEqual(Array.from(got));
  });

  it("rejects arrays of different lengths and a missing seed", () => {
    const short = new Float32Array(3);
    const check = (fn: () => unknown, text: RegExp): void => {
      expect(fn).toThrow(text);
      try {
        fn();
      } catch (e) {
        expect(isMinifloatError(e)).toBe(true);
      }
    };
    check(
      () => nearestAddArray(bf16, sum0.slice(), short),
      /update: expected 5000 elements \(as sum\), got 3/,
    );
    check(() => kahanAddArray(bf16, sum0.slice(), short, update), /comp: expected 5000 .* got 3/);
    check(() => stochasticAddArray(bf16, sum0.slice(), update, { seed: -1 }), /random.seed/);
  });
});
