/**
 * Stochastic rounding against the oracle (DESIGN.md rules 2 and 6): with explicit random words the fast
 * codec rounds up exactly when rand < k, k = floor(distance / gap * 2^r) computed exactly by the oracle;
 * through encodeArray the words come from Philox keyed by (seed, stream, step, element index), so results
 * are reproducible and a slice encoded with its offset matches the whole; and the rounding is unbiased.
 */
import { describe, expect, it } from "vitest";
import {
  brackets,
  exactSum,
  expectedCode,
  isFloat32,
  mismatches,
  nextDown64,
  nextUp64,
  sampledProbes,
  seededWords,
} from "../../test/support/codec-probes.js";
import { decodeArray, encodeArray } from "./bulk-codec.js";
import { encodeValue } from "./float-codec.js";
import { FLOAT_FORMATS, FLOAT_FORMAT_NAMES, type FloatFormat } from "./float-format.js";
import { randomWord } from "./philox.js";
import {
  exactFromNumber,
  exactToNumber,
  referenceBracket,
  referenceTable,
  roundBracket,
  stochasticThreshold,
  type ExactValue,
} from "./reference-codec.js";

const SMALL = FLOAT_FORMAT_NAMES.filter((n) => FLOAT_FORMATS[n].bits <= 16);
const RANDOM_BITS = [1, 8, 16, 32] as const;

/** The random words worth trying for threshold k: both sides of it, the extremes and one at random. */
function randsAround(k: number, r: number, random: number): number[] {
  const top = 2 ** r - 1;
  const candidates = [0, 1, k - 1, k, k + 1, top, random % 2 ** r];
  return [...new Set(candidates.filter((v) => v >= 0 && v <= top))];
}

describe.each(SMALL)("%s stochastic rounding with explicit random words", (name) => {
  const f = FLOAT_FORMATS[name];
  const xs = sampledProbes(f, 20000, 11);
  const bs = brackets(f, xs);
  const configs = [
    { overflow: "ieee", flushSubnormals: false },
    { overflow: "saturate", flushSubnormals: true },
  ] as const;
  it.each(RANDOM_BITS)("randomBits %i", (r) => {
    const next = seededWords(r);
    const bad: string[] = [];
    for (const c of configs) {
      const o = { rounding: "stochastic", randomBits: r, ...c } as const;
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i] ?? 0;
        const b = bs[i] ?? null;
        const k = b === null ? 0 : stochasticThreshold(b, r);
        for (const rand of randsAround(k, r, next())) {
          const expected = expectedCode(f, x, b, o, rand);
          const got = encodeValue(f, x, "stochastic", c.overflow === "saturate", c.flushSubnormals, rand, r);
          if (got !== expected && bad.length < 10)
            bad.push(`${x} k=${k} rand=${rand} ${c.overflow}: ${expected} != ${got}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it("rounds x + lo once (lo a quarter ulp beside each value and midpoint)", () => {
    const bad: string[] = [];
    for (const x of xs) {
      const a = Math.abs(x);
      if (!Number.isFinite(a) || a === 0 || (!f.signed && x < 0)) continue;
      for (const lo of [(nextUp64(a) - a) / 4, (nextDown64(a) - a) / 4]) {
        if (lo === 0 || !Number.isFinite(lo)) continue;
        const b = referenceBracket(f, exactSum(x, lo));
        for (const r of [8, 32]) {
          const k = stochasticThreshold(b, r);
          for (const rand of randsAround(k, r, 0)) {
            const expected = roundBracket(b, { rounding: "stochastic", randomBits: r }, rand);
            const got = encodeValue(f, x, "stochastic", false, false, rand, r, lo);
            if (got !== expected && bad.length < 10)
              bad.push(`${x}+${lo} r=${r} rand=${rand}: ${expected} != ${got}`);
          }
        }
      }
    }
    expect(bad).toEqual([]);
  });
});

describe.each(SMALL)("%s stochastic rounding through encodeArray", (name) => {
  const f = FLOAT_FORMATS[name];
  // More than one 4096-element chunk, so chunked word generation is exercised too.
  const xs = sampledProbes(f, 9000, 5).filter((x) => isFloat32(x));
  const bs = brackets(f, xs);
  const sources = [
    { seed: 0, stream: 0, step: 0, offset: 0 },
    { seed: 2 ** 40 + 12345, stream: 7, step: 99, offset: 3 },
  ];
  it.each(RANDOM_BITS)("randomBits %i: each element rounds with its own Philox word", (r) => {
    for (const random of sources) {
      const o = { rounding: "stochastic", randomBits: r, overflow: "saturate" } as const;
      const expected = xs.map((x, i) => {
        const word = randomWord(random.seed, random.stream, random.step, random.offset + i);
        return expectedCode(f, x, bs[i] ?? null, o, word >>> (32 - r));
      });
      expect(mismatches(xs, expected, encodeArray(f, Float64Array.from(xs), { ...o, random }))).toEqual([]);
      expect(mismatches(xs, expected, encodeArray(f, Float32Array.from(xs), { ...o, random }))).toEqual([]);
    }
  });

  it("is reproducible, and a slice encoded with its offset matches the whole", () => {
    const x32 = Float32Array.from(xs);
    const random = { seed: 42, stream: 3, step: 17 };
    const o = { rounding: "stochastic", random } as const;
    const whole = encodeArray(f, x32, o);
    expect(Array.from(encodeArray(f, x32, o))).toEqual(Array.from(whole));
    for (const [start, end] of [
      [0, 5],
      [5, 4101],
      [4093, x32.length],
    ] as const) {
      const part = encodeArray(f, x32.subarray(start, end), {
        rounding: "stochastic",
        random: { ...random, offset: start },
      });
      expect(Array.from(part)).toEqual(Array.from(whole.subarray(start, end)));
    }
    const otherStep = encodeArray(f, x32, { rounding: "stochastic", random: { ...random, step: 18 } });
    expect(Array.from(otherStep)).not.toEqual(Array.from(whole));
  });
});

/** n copies of x rounded stochastically with r bits: the mean of the decoded values, and the oracle's
 * probability of rounding up with the bracket it comes from. */
function meanOfRoundings(f: FloatFormat, x: number, r: number, n: number) {
  const codes = encodeArray(f, new Float64Array(n).fill(x), {
    rounding: "stochastic",
    randomBits: r,
    random: { seed: 9 },
  });
  const decoded = decodeArray(f, codes);
  const mean = decoded.reduce((s, v) => s + v, 0) / n;
  const b = referenceBracket(f, exactFromNumber(x) as ExactValue);
  const lower = exactToNumber({ negative: false, num: b.lower });
  const gap = exactToNumber({ negative: false, num: b.upper }) - lower;
  return { mean: Math.abs(mean), lower, gap, p: stochasticThreshold(b, r) / 2 ** r };
}

describe("stochastic rounding is unbiased", () => {
  const N = 20000;
  const cases: [string, number][] = [
    ["bfloat16", 1 + 2 ** -9], // a quarter of the way from 1 to 1 + 2^-7
    ["bfloat16", -Math.PI],
    ["float16", 1 / 3],
    ["float16", 2 ** -24 * 0.3], // below the smallest subnormal
    ["float8_e4m3fn", 0.3],
    ["float8_e5m2", -1000.1],
    ["float4_e2m1fn", 2.9],
    ["float8_e8m0fnu", 3], // between 2 and 4: up with probability 1/2
  ];
  it.each(cases)("%s, x = %d: the mean of 20000 roundings is within 5 standard deviations", (name, x) => {
    const f = FLOAT_FORMATS[name as keyof typeof FLOAT_FORMATS];
    const { mean, lower, gap, p } = meanOfRoundings(f, x, 32, N);
    // With 32 random bits the probability is the exact distance, to within 2^-32.
    expect(Math.abs(lower + p * gap - Math.abs(x))).toBeLessThanOrEqual(gap * 2 ** -32);
    const sigma = gap * Math.sqrt((p * (1 - p)) / N);
    expect(Math.abs(mean - Math.abs(x))).toBeLessThanOrEqual(5 * sigma + gap * 2 ** -32);
    expect(p).toBeGreaterThan(0);
  });

  it("with few random bits the probability is floor(d * 2^r) / 2^r, as documented", () => {
    const f = FLOAT_FORMATS.bfloat16;
    const x = 1 + 2 ** -9; // d = 1/4
    expect(meanOfRoundings(f, x, 1, 1000).mean).toBe(1); // floor(0.5) = 0: never up
    const { mean, p } = meanOfRoundings(f, x, 2, N); // floor(1) / 4 = d exactly
    expect(p).toBe(0.25);
    expect(Math.abs(mean - x)).toBeLessThanOrEqual(5 * 2 ** -7 * Math.sqrt((0.25 * 0.75) / N));
  });

  it("every value representable rounds to itself whatever the random word", () => {
    for (const name of SMALL) {
      const f = FLOAT_FORMATS[name];
      const t = referenceTable(f);
      const values = (t.values ?? []).map((v) => exactToNumber({ negative: false, num: v }));
      const codes = encodeArray(f, Float64Array.from(values), {
        rounding: "stochastic",
        random: { seed: 1 },
      });
      expect(Array.from(codes)).toEqual(t.codes);
    }
  });
});
