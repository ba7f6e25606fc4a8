/**
 * Probe inputs for testing the codecs against the reference oracle (src/formats/reference-codec.ts):
 * every representable magnitude of a format, every midpoint between neighbours and the float64 and
 * float32 values just beside it, the overflow threshold and beyond, the tiniest values, and the special
 * values; plus the oracle's expected codes for them, computed once per (format, probe set).
 */
import type { FloatFormat } from "../../src/formats/float-format.js";
import {
  exactFromNumber,
  exactToNumber,
  referenceBracket,
  referenceEncodeExact,
  referenceTable,
  roundBracket,
  type Bracket,
  type ExactValue,
  type ReferenceOptions,
} from "../../src/formats/reference-codec.js";
import type { RoundingMode } from "../../src/formats/rounding.js";

const f64 = new Float64Array(1);
const b64 = new BigInt64Array(f64.buffer);
const f32 = new Float32Array(1);
const b32 = new Int32Array(f32.buffer);

/** The smallest float64 greater than x (x finite). */
export function nextUp64(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  f64[0] = x;
  b64[0] = b64[0] + (x > 0 ? 1n : -1n);
  return f64[0];
}

/** The largest float64 less than x (x finite). */
export function nextDown64(x: number): number {
  return -nextUp64(-x);
}

/** The smallest float32 value greater than x (x finite, below float32's max). */
export function nextUp32(x: number): number {
  const y = Math.fround(x);
  if (y > x) return y;
  if (y === 0) return 2 ** -149;
  f32[0] = y;
  b32[0] = b32[0] + (y > 0 ? 1 : -1);
  return f32[0];
}

/** The largest float32 value less than x (x finite, above -float32's max). */
export function nextDown32(x: number): number {
  return -nextUp32(-x);
}

/** True when x is exactly a float32 value (NaN included). */
export function isFloat32(x: number): boolean {
  return Number.isNaN(x) || Math.fround(x) === x;
}

const toNumber = (num: bigint) => exactToNumber({ negative: false, num });

/** Every finite non-negative value of a format of 16 bits or fewer, increasing, as float64. */
export function representableMagnitudes(f: FloatFormat): number[] {
  return (referenceTable(f).values ?? []).map(toNumber);
}

/** Every finite non-negative value, each followed by the midpoint to the next one (the last midpoint is
 * the overflow tie between max and the unbounded next value beyond it). */
export function valuesAndMidpoints(f: FloatFormat): number[] {
  const t = referenceTable(f);
  const values = [...(t.values ?? []), t.beyondMax];
  return values.slice(0, -1).flatMap((v, i) => [toNumber(v), toNumber((v + (values[i + 1] ?? 0n)) / 2n)]);
}

/** Magnitudes to probe: values, midpoints, the float64 and float32 neighbours of each midpoint, and
 * values far beyond max and far below the smallest subnormal. */
export function probeMagnitudes(f: FloatFormat): number[] {
  const t = referenceTable(f);
  const pairs = valuesAndMidpoints(f);
  const out: number[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const mid = pairs[i + 1] ?? 0;
    out.push(pairs[i] ?? 0, mid, nextUp64(mid), nextDown64(mid), nextUp32(mid), nextDown32(mid));
  }
  const beyond = toNumber(t.beyondMax);
  const smallest = pairs[f.hasZero ? 2 : 0] ?? 0;
  const normal = toNumber(t.smallestNormal);
  out.push(beyond, nextUp64(beyond), nextDown64(beyond), 2 * beyond, 1e300, Number.MAX_VALUE);
  out.push(Number.MIN_VALUE, smallest / 4, smallest / 2, nextUp64(smallest / 2), nextDown64(smallest / 2));
  out.push(nextDown64(smallest), nextDown32(smallest), nextUp64(normal), nextDown64(normal));
  return out;
}

/** Probe inputs: every probe magnitude with both signs, and NaN and the infinities. */
export function probes(f: FloatFormat): Float64Array {
  const mags = probeMagnitudes(f);
  const out = new Float64Array(2 * mags.length + 3);
  mags.forEach((m, i) => {
    out[2 * i] = m;
    out[2 * i + 1] = -m;
  });
  out.set([NaN, Infinity, -Infinity], 2 * mags.length);
  return out;
}

/** The exact value of x + lo (finite float64s; the sign of x when the sum is zero). */
export function exactSum(x: number, lo: number): ExactValue {
  const a = exactFromNumber(x);
  const b = exactFromNumber(lo);
  if (typeof a !== "object" || typeof b !== "object") throw new RangeError("exactSum of a non-finite value");
  const num = a.num + b.num;
  return { negative: num < 0n || (num === 0n && a.negative), num };
}

/** Every probe of a small format; a seeded sample of `size` probes of a larger one. */
export function sampledProbes(f: FloatFormat, size: number, seed: number): Float64Array {
  const all = probes(f);
  if (all.length <= size) return all;
  const next = seededWords(seed);
  return Float64Array.from({ length: size }, () => all[next() % all.length] ?? 0);
}

/** The deterministic rounding configurations: every mode x overflow x flush. */
export const DETERMINISTIC_CONFIGS: readonly {
  readonly rounding: Exclude<RoundingMode, "stochastic">;
  readonly overflow: "ieee" | "saturate";
  readonly flushSubnormals: boolean;
}[] = (["nearest-even", "toward-zero", "nearest-away"] as const).flatMap((rounding) =>
  (["ieee", "saturate"] as const).flatMap((overflow) =>
    [false, true].map((flushSubnormals) => ({ rounding, overflow, flushSubnormals })),
  ),
);

/** Per input: its oracle bracket, or null for NaN and the infinities (encoded directly). */
export function brackets(f: FloatFormat, xs: ArrayLike<number>): (Bracket | null)[] {
  const out: (Bracket | null)[] = [];
  for (let i = 0; i < xs.length; i++) {
    const v = exactFromNumber(xs[i] ?? NaN);
    out.push(typeof v === "object" ? referenceBracket(f, v) : null);
  }
  return out;
}

/** The oracle's code for input i, given its bracket (rand for stochastic rounding). */
export function expectedCode(
  f: FloatFormat,
  x: number,
  b: Bracket | null,
  o: ReferenceOptions,
  rand = 0,
): number {
  const unsignedNegative = !f.signed && (x < 0 || Object.is(x, -0));
  return b === null || unsignedNegative
    ? referenceEncodeExact(f, exactFromNumber(x), o, rand)
    : roundBracket(b, o, rand);
}

/** A mismatch, for readable failure messages. */
export interface Mismatch {
  readonly input: number;
  readonly expected: number;
  readonly got: number;
  readonly note?: string;
}

/** Collect at most `limit` mismatches between expected and got codes. */
export function mismatches(
  xs: ArrayLike<number>,
  expected: ArrayLike<number>,
  got: ArrayLike<number>,
  limit = 10,
): Mismatch[] {
  const out: Mismatch[] = [];
  for (let i = 0; i < xs.length && out.length < limit; i++) {
    if (expected[i] !== got[i])
      out.push({ input: xs[i] ?? NaN, expected: expected[i] ?? -1, got: got[i] ?? -1 });
  }
  return out;
}

/** A small seeded generator (mulberry32) for sampling: uniform uint32 words. */
export function seededWords(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}
