/**
 * The fast array additions against their scalar twins, bit for bit (Object.is: -0 and NaN count), for
 * every format of 16 bits or fewer (and float32): every code of the small formats (a sample of the
 * 16-bit ones) plus tiny, tied, subnormal, huge, overflowing, zero, NaN and infinite addends; random
 * arrays with fast-check; and stochastic rounding at the exact random value where it switches.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  kahanAdd,
  kahanAddArray,
  nearestAdd,
  nearestAddArray,
  stochasticAdd,
  stochasticAddArray,
  twoSum,
} from "./accumulate.js";
import { allocCodes } from "./bulk-codec.js";
import { nearestSumArray, roundToOddSum, stochasticSumWithRandom } from "./fast-add.js";
import { decodeValue, encodeValue, exponentOf } from "./float-codec.js";
import { FLOAT_FORMATS, FLOAT_FORMAT_NAMES, type FloatFormat } from "./float-format.js";
import { randomWord } from "./philox.js";

const F32_MAX = 3.4028234663852886e38;
const FORMATS = FLOAT_FORMAT_NAMES.map((n) => FLOAT_FORMATS[n]).filter((f) => f.bits <= 16 || f.bits === 32);

const bits1 = new Uint32Array(1);
const val1 = new Float32Array(bits1.buffer);

/** The float32 value k float32 steps from x away from zero (k = +-1; x non-zero), by its bit pattern. */
function stepF32(x: number, k: number): number {
  val1[0] = x;
  bits1[0] += k;
  return val1[0];
}

/** The gap above |v| among the values of f (v finite). */
function gapAt(f: FloatFormat, v: number): number {
  const a = Math.abs(v);
  if (a < f.smallestNormal) return f.smallestSubnormal;
  return 2 ** (exponentOf(a) - f.mantissaBits);
}

/** Values of f: every code when stride is 1, else every stride-th code and the ends of the range. */
function codeValues(f: FloatFormat, stride: number): number[] {
  const out: number[] = [];
  const n = 2 ** f.bits;
  for (let c = 0; c < n; c += stride) out.push(decodeValue(f, c));
  for (const c of [f.maxCode, f.maxCode - 1, f.signBit + f.maxCode, 1, f.signBit + 1])
    out.push(decodeValue(f, c));
  return out;
}

/** Addends that do not depend on a: zeros, float32's and f's extremes, overflow ties, NaN, infinities. */
function fixedAddends(f: FloatFormat): number[] {
  const maxTie = f.max + gapAt(f, f.max) / 2; // the overflow threshold: halfway to the next binade
  const xs = [0, 2 ** -149, 2 ** -126, f.smallestSubnormal, f.smallestSubnormal / 2, f.smallestNormal];
  xs.push(1, 3, f.max, maxTie, stepF32(maxTie, -1), stepF32(maxTie, 1), F32_MAX, Infinity);
  return [...xs, ...xs.map((x) => -x), NaN].map(Math.fround);
}

/** Addends scaled to a: ties (half the gaps above and below), a float32 step either side of them, far
 * below half a gap, and a few gaps. */
function relativeAddends(f: FloatFormat, a: number): number[] {
  if (!Number.isFinite(a)) return [];
  const g = gapAt(f, a);
  const xs: number[] = [];
  for (const base of [g / 2, g / 4, g, 1.5 * g, 3 * g, g * 2 ** -20, g * 2 ** -30]) {
    const b = Math.fround(base);
    xs.push(b, stepF32(b, 1), stepF32(b, -1));
  }
  return [...xs, ...xs.map((x) => -x)];
}

/** Pairs (a, b) over a grid: a every stride-th code of f, b the fixed and a-relative addends (and every
 * code too for formats of 8 bits or fewer). */
function gridPairs(f: FloatFormat, stride: number): [Float32Array, Float32Array] {
  const as: number[] = [];
  const bs: number[] = [];
  const fixed = fixedAddends(f);
  const all = f.bits <= 8 ? codeValues(f, 1) : [];
  for (const a of codeValues(f, stride)) {
    for (const b of [...fixed, ...all, ...relativeAddends(f, a)]) {
      as.push(a);
      bs.push(b);
    }
  }
  return [Float32Array.from(as), Float32Array.from(bs)];
}

/** Stride through the codes: all of them for small formats, a sample for 16 and 32 bits. */
const stride = (f: FloatFormat): number => (f.bits <= 8 ? 1 : f.bits <= 16 ? 97 : 2 ** 24 + 1);

/** Indices where got differs from want(i), as readable strings (the first few). */
function mismatches(
  n: number,
  got: (i: number) => number,
  want: (i: number) => number,
  show: (i: number) => string,
): string[] {
  const bad: string[] = [];
  for (let i = 0; i < n && bad.length < 5; i++) {
    if (!Object.is(got(i), want(i))) bad.push(`${show(i)}: got ${got(i)}, want ${want(i)}`);
  }
  return bad;
}

/** Float32 arrays of the same length with every kind of value, for the property tests. */
const float32Pairs = fc
  .integer({ min: 1, max: 40 })
  .chain((n) =>
    fc.tuple(
      fc.float32Array({ minLength: n, maxLength: n }),
      fc.float32Array({ minLength: n, maxLength: n }),
      fc.array(fc.integer({ min: -30, max: 3 }), { minLength: n, maxLength: n }),
    ),
  );

/** (a, b) with b scaled near a's gap for f half the time, so that rounding decisions are close. */
function closePairs(f: FloatFormat): fc.Arbitrary<[Float32Array, Float32Array]> {
  return float32Pairs.map(([a, b, k]) => {
    const bb = b.map((x, i) => {
      if (i % 2 === 1 || !Number.isFinite(a[i]) || !Number.isFinite(x)) return x;
      return Math.fround(x * 2 ** -exponentOfSafe(x) * gapAt(f, a[i]) * 2 ** k[i]);
    });
    return [a.map((x) => decodeValue(f, encodeValue(f, x, "nearest-even", true, false))), bb];
  });
}

/** floor(log2 |x|), and 0 for x = 0. */
function exponentOfSafe(x: number): number {
  return x === 0 ? 0 : exponentOf(Math.abs(x));
}

describe("roundToOddSum: the exact float32 sum, or its odd float32 neighbour", () => {
  it("worked cases", () => {
    const cases: [number, number, number][] = [
      [1, 2 ** -30, 1 + 2 ** -23], // even 1 steps up to the odd neighbour
      [1, -(2 ** -30), 1 - 2 ** -24], // ... and down, into the finer binade below 1
      [1 + 2 ** -23, 2 ** -30, 1 + 2 ** -23], // already odd
      [1 + 2 ** -22, 2 ** -40, 1 + 3 * 2 ** -23],
      [1 + 2 ** -22, 2 ** -23, 1 + 3 * 2 ** -23], // a float32 tie, rounded to even by fround, made odd
      [-1, -(2 ** -30), -(1 + 2 ** -23)],
      [1, 2 ** -60, 1 + 2 ** -23], // float64 rounds the sum to 1: TwoSum's low part gives the side
      [1, -(2 ** -60), 1 - 2 ** -24],
      [1, 1, 2], // exact
      [-0, -0, -0],
      [2 ** -149, -(2 ** -149), 0],
      [F32_MAX, F32_MAX, Infinity],
      [Infinity, -Infinity, NaN],
    ];
    const a = Float32Array.from(cases, (c) => c[0]);
    const b = Float32Array.from(cases, (c) => c[1]);
    expect(Array.from(roundToOddSum(a, b, false, new Float32Array(a.length)))).toEqual(
      cases.map((c) => c[2]),
    );
    expect(roundToOddSum(a, b, true, new Float32Array(a.length))[0]).toBe(1 - 2 ** -24);
  });
});

describe.each(FORMATS.map((f) => [f.name, f] as const))("%s: fast array additions = scalar twins", (_, f) => {
  const [a, b] = gridPairs(f, stride(f));
  const show = (i: number): string => `${a[i]} + ${b[i]}`;

  it(`nearestAddArray on the grid (${a.length} pairs)`, () => {
    const got = nearestAddArray(f, a.slice(), b);
    expect(
      mismatches(
        a.length,
        (i) => got[i],
        (i) => nearestAdd(f, a[i], b[i]),
        show,
      ),
    ).toEqual([]);
  });

  it("kahanAddArray on the grid, with compensations of f near a's half gap", () => {
    const comp = a.map((x, i) => {
      const g = Number.isFinite(x) ? gapAt(f, x) : 1;
      return decodeValue(f, encodeValue(f, [0, g / 2, -g / 3, g / 4][i % 4], "nearest-even", true, false));
    });
    const sum = a.slice();
    const c = comp.slice();
    kahanAddArray(f, sum, c, b);
    const want = Array.from(a, (w, i) => kahanAdd(f, { sum: w, comp: comp[i] }, b[i]));
    expect(
      mismatches(
        a.length,
        (i) => sum[i],
        (i) => want[i].sum,
        show,
      ),
    ).toEqual([]);
    expect(
      mismatches(
        a.length,
        (i) => c[i],
        (i) => want[i].comp,
        show,
      ),
    ).toEqual([]);
  });

  it.each([32, 3])("stochastic, %i random bits: at 0, 2^r - 1 and either side of the switch", (r) => {
    // The scalar twin rounds up iff rand < k; find k by bisection on the scalar, then check the fast
    // path at the random values where an off-by-one in k would show.
    const top = 2 ** r - 1;
    const xs: number[] = [];
    const ys: number[] = [];
    const rands: number[] = [];
    const n = f.bits <= 16 ? a.length : 0; // float32 has no fast stochastic path
    // Every 4th or 2nd pair: the per-a addend lists have odd lengths, so every addend still meets many a.
    for (let i = 0; i < n; i += f.bits <= 8 ? 4 : 2) {
      const down = stochasticAdd(f, a[i], b[i], top, r);
      let lo = 0;
      let hi = top;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (Object.is(stochasticAdd(f, a[i], b[i], mid, r), down)) hi = mid;
        else lo = mid + 1;
      }
      for (const rand of [0, lo - 1, lo, top]) {
        if (rand < 0) continue;
        xs.push(a[i]);
        ys.push(b[i]);
        rands.push(rand);
      }
    }
    const x = Float32Array.from(xs);
    const y = Float32Array.from(ys);
    const rand = Uint32Array.from(rands);
    const got = stochasticSumWithRandom(f, x, y, new Float32Array(x.length), rand, r);
    const bad = mismatches(
      x.length,
      (i) => got[i],
      (i) => stochasticAdd(f, x[i], y[i], rand[i], r),
      (i) => `${x[i]} + ${y[i]} rand ${rand[i]}`,
    );
    expect(bad).toEqual([]);
  });

  it("the codes they hand back are the scalar codec's codes (a signed NaN where overflow gives one)", () => {
    if (f.bits > 16) return; // float32's codes are its bit patterns, compared as values above
    const scalarCode = (x: number, y: number, rounding: "nearest-even" | "stochastic", rand = 0): number => {
      const s = twoSum(x, y);
      return encodeValue(f, s[0], rounding, false, false, rand, 32, s[1]);
    };
    // Kahan: the codes of s = fl(w + y) and c = fl(t - y), the last roundings of kahanAdd.
    const comp = a.map((x) => decodeValue(f, encodeValue(f, x * 2 ** -9, "nearest-even", true, false)));
    const sumCodes = allocCodes(f, a.length);
    const compCodes = allocCodes(f, a.length);
    kahanAddArray(f, a.slice(), comp.slice(), b, sumCodes, compCodes);
    const kahanCodes = Array.from(a, (w, i) => {
      const y = nearestAdd(f, b[i], -comp[i]);
      const s = nearestAdd(f, w, y);
      return [scalarCode(w, y, "nearest-even"), scalarCode(nearestAdd(f, s, -w), -y, "nearest-even")];
    });
    expect(
      mismatches(
        a.length,
        (i) => sumCodes[i],
        (i) => kahanCodes[i][0],
        show,
      ),
    ).toEqual([]);
    expect(
      mismatches(
        a.length,
        (i) => compCodes[i],
        (i) => kahanCodes[i][1],
        show,
      ),
    ).toEqual([]);
    const near = allocCodes(f, a.length);
    nearestSumArray(f, a, b, new Float32Array(a.length), false, near);
    const rand = Uint32Array.from(a, (_, i) => (i * 0x9e3779b9) >>> 0);
    const sr = allocCodes(f, a.length);
    stochasticSumWithRandom(f, a, b, new Float32Array(a.length), rand, 32, sr);
    const want = (i: number, rounding: "nearest-even" | "stochastic"): number =>
      scalarCode(a[i], b[i], rounding, rand[i]);
    expect(
      mismatches(
        a.length,
        (i) => near[i],
        (i) => want(i, "nearest-even"),
        show,
      ),
    ).toEqual([]);
    expect(
      mismatches(
        a.length,
        (i) => sr[i],
        (i) => want(i, "stochastic"),
        show,
      ),
    ).toEqual([]);
  });

  it("random arrays (fast-check): nearest, Kahan and stochastic with the same random words", () => {
    const check = ([x, y]: [Float32Array, Float32Array]): boolean => {
      const near = nearestAddArray(f, x.slice(), y);
      const sum = x.slice();
      const comp = y.map((v) => decodeValue(f, encodeValue(f, v * 2 ** -12, "nearest-even", true, false)));
      const c = comp.slice();
      kahanAddArray(f, sum, c, y);
      const r = 1 + (x.length % 32);
      const random = { seed: 7, stream: 3, step: x.length, offset: 5 };
      const sr = stochasticAddArray(f, x.slice(), y, random, r);
      for (let i = 0; i < x.length; i++) {
        const k = kahanAdd(f, { sum: x[i], comp: comp[i] }, y[i]);
        const rand = randomWord(7, 3, x.length, 5 + i) >>> (32 - r);
        if (!Object.is(near[i], nearestAdd(f, x[i], y[i]))) return false;
        if (!Object.is(sum[i], k.sum) || !Object.is(c[i], k.comp)) return false;
        if (!Object.is(sr[i], stochasticAdd(f, x[i], y[i], rand, r))) return false;
      }
      return true;
    };
    fc.assert(
      fc.property(
        float32Pairs.map(([x, y]) => [x, y] as [Float32Array, Float32Array]),
        check,
      ),
      {
        numRuns: 300,
        seed: 4242,
      },
    );
    fc.assert(fc.property(closePairs(f), check), { numRuns: 300, seed: 4243 });
  });
});
