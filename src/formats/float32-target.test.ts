/**
 * float32 as a target, from float64 input: the oracle brackets arithmetically here (float32 is too wide
 * to enumerate), and is itself checked against Math.fround, the platform's correctly rounded conversion.
 * Edge cases (subnormal ties, the overflow tie, binade boundaries) and seeded random doubles, in every
 * rounding mode, through encodeValue and encodeArray.
 */
import { describe, expect, it } from "vitest";
import {
  DETERMINISTIC_CONFIGS,
  brackets,
  exactSum,
  expectedCode,
  mismatches,
  nextDown64,
  nextUp64,
  seededWords,
} from "../../test/support/codec-probes.js";
import { encodeArray } from "./bulk-codec.js";
import { encodeValue } from "./float-codec.js";
import { FLOAT_FORMATS } from "./float-format.js";
import { referenceBracket, roundBracket, stochasticThreshold } from "./reference-codec.js";

const f = FLOAT_FORMATS.float32;
const u32 = new Uint32Array(1);
const f32 = new Float32Array(u32.buffer);

/** The bits of Math.fround(x): IEEE nearest-even with overflow to infinity. */
function froundBits(x: number): number {
  f32[0] = x;
  return u32[0];
}

const MAX = 3.4028234663852886e38; // (2 - 2^-23) * 2^127
const EDGES = [
  0,
  2 ** -149, // smallest subnormal
  2 ** -150, // half of it: a tie, to 0 (even)
  nextUp64(2 ** -150),
  3 * 2 ** -150, // tie between subnormal codes 1 and 2: to 2
  2 ** -126, // smallest normal
  2 ** -126 - 2 ** -150, // tie between the largest subnormal (odd) and the smallest normal
  nextDown64(2 ** -126 - 2 ** -150),
  1,
  1 + 2 ** -24, // tie, to 1
  1 + 3 * 2 ** -24, // tie, to 1 + 2^-22
  1 - 2 ** -25, // tie at a binade boundary, to 1
  nextDown64(1 - 2 ** -25),
  MAX,
  MAX + 2 ** 103, // the overflow tie: max is odd, so it rounds to 2^128 and overflows
  nextDown64(MAX + 2 ** 103),
  2 ** 128,
  1e39,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Math.PI,
  0.1,
];

/** Seeded random doubles: raw bit patterns over float32's exponent range and beyond, and float32 values
 * nudged by a few float64 ulps (the hard cases for rounding). */
function randomDoubles(n: number, seed: number): number[] {
  const next = seededWords(seed);
  const out: number[] = [];
  const b = new Uint32Array(2);
  const d = new Float64Array(b.buffer);
  while (out.length < n) {
    b[0] = next();
    b[1] = ((next() & 0x800fffff) | (((next() % 320) + 1023 - 160) << 20)) >>> 0; // exponent in [-160, 160)
    const x = d[0];
    out.push(x);
    const y = Math.fround(x);
    out.push(y, nextUp64(y), nextDown64(y), (y + Math.fround(nextUp64(y))) / 2);
  }
  return out;
}

const inputs = [...EDGES, ...EDGES.map((x) => -x), NaN, Infinity, -Infinity, ...randomDoubles(4000, 3)];
const bs = brackets(f, inputs);

describe("float32 from float64", () => {
  it("the oracle agrees with Math.fround (nearest-even, ieee overflow)", () => {
    const expected = inputs.map((x) => froundBits(x));
    const oracle = inputs.map((x, i) => expectedCode(f, x, bs[i] ?? null, {}));
    const nan = 0x7fc00000;
    expect(
      mismatches(
        inputs,
        expected.map((c, i) => (Number.isNaN(inputs[i]) ? nan : c)),
        oracle,
      ),
    ).toEqual([]);
  });

  it.each(DETERMINISTIC_CONFIGS)("$rounding, overflow $overflow, flush $flushSubnormals", (o) => {
    const expected = inputs.map((x, i) => expectedCode(f, x, bs[i] ?? null, o));
    const scalar = inputs.map((x) =>
      encodeValue(f, x, o.rounding, o.overflow === "saturate", o.flushSubnormals),
    );
    expect(mismatches(inputs, expected, scalar)).toEqual([]);
    expect(mismatches(inputs, expected, encodeArray(f, Float64Array.from(inputs), o))).toEqual([]);
  });

  it.each([1, 8, 16, 32])("stochastic, randomBits %i, random words beside the threshold", (r) => {
    const bad: string[] = [];
    inputs.forEach((x, i) => {
      const b = bs[i] ?? null;
      const k = b === null ? 0 : stochasticThreshold(b, r);
      for (const rand of [0, k - 1, k, 2 ** r - 1].filter((v) => v >= 0 && v < 2 ** r)) {
        const o = { rounding: "stochastic", randomBits: r } as const;
        const expected = expectedCode(f, x, b, o, rand);
        const got = encodeValue(f, x, "stochastic", false, false, rand, r);
        if (got !== expected && bad.length < 10) bad.push(`${x} k=${k} rand=${rand}: ${expected} != ${got}`);
      }
    });
    expect(bad).toEqual([]);
  });

  it("rounds x + lo once, stochastic rounding included", () => {
    const bad: string[] = [];
    for (const x of inputs.filter((v) => Number.isFinite(v) && v !== 0 && Math.abs(v) < 1e38)) {
      const a = Math.abs(x);
      for (const lo of [(nextUp64(a) - a) / 2, (nextDown64(a) - a) / 2]) {
        if (lo === 0) continue;
        const b = referenceBracket(f, exactSum(x, lo));
        for (const rounding of ["nearest-even", "toward-zero", "nearest-away"] as const) {
          const expected = roundBracket(b, { rounding });
          const got = encodeValue(f, x, rounding, false, false, 0, 32, lo);
          if (got !== expected && bad.length < 10) bad.push(`${x}+${lo} ${rounding}: ${expected} != ${got}`);
        }
        const k = stochasticThreshold(b, 32);
        for (const rand of [k - 1, k].filter((v) => v >= 0 && v < 2 ** 32)) {
          const expected = roundBracket(b, { rounding: "stochastic", randomBits: 32 }, rand);
          const got = encodeValue(f, x, "stochastic", false, false, rand, 32, lo);
          if (got !== expected && bad.length < 10)
            bad.push(`${x}+${lo} stochastic k=${k} rand=${rand}: ${expected} != ${got}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it("Float32Array input is returned unchanged (every float32 is exact)", () => {
    const x32 = Float32Array.from(inputs);
    const codes = encodeArray(f, x32, { rounding: "toward-zero" });
    expect(Array.from(codes)).toEqual(
      Array.from(new Uint32Array(x32.buffer)).map((c) => ((c & 0x7fffffff) > 0x7f800000 ? 0x7fc00000 : c)),
    );
  });
});
