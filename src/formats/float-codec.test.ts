/**
 * The fast codec against the exact reference oracle (DESIGN.md rule 2), exhaustively for every format of
 * 16 bits or fewer: every code decodes to the oracle's value (decodeValue, isNanCode, decodeArray), and
 * every probe (each value, each midpoint and its float64/float32 neighbours, the overflow tie and beyond,
 * the tiniest values, specials) encodes to the oracle's code in every deterministic rounding mode, both
 * overflow modes and with or without flushing, through the scalar path and both bulk paths.
 */
import { describe, expect, it } from "vitest";
import {
  DETERMINISTIC_CONFIGS,
  brackets,
  exactSum,
  expectedCode,
  isFloat32,
  mismatches,
  nextDown64,
  nextUp64,
  probes,
  seededWords,
  valuesAndMidpoints,
} from "../../test/support/codec-probes.js";
import { decodeArray, encodeArray } from "./bulk-codec.js";
import { decodeValue, encodeValue, isNanCode } from "./float-codec.js";
import { FLOAT_FORMATS, FLOAT_FORMAT_NAMES, type FloatFormat } from "./float-format.js";
import {
  exactFromNumber,
  referenceBracket,
  referenceDecode,
  type Bracket,
  type ReferenceValue,
} from "./reference-codec.js";

const SMALL = FLOAT_FORMAT_NAMES.filter((n) => FLOAT_FORMATS[n].bits <= 16);

/** The exact value a float64 stands for, in the oracle's terms (so -0 and NaN compare exactly). */
function same(a: ReferenceValue, b: ReferenceValue): boolean {
  if (typeof a !== "object" || typeof b !== "object") return a === b;
  return a.negative === b.negative && a.num === b.num;
}

function decodeMismatches(f: FloatFormat, codes: ArrayLike<number>): string[] {
  const bad: string[] = [];
  const viaArray = decodeArray(f, codes);
  for (let i = 0; i < codes.length && bad.length < 10; i++) {
    const c = codes[i] ?? 0;
    const expected = referenceDecode(f, c);
    const scalar = exactFromNumber(decodeValue(f, c));
    const bulk = exactFromNumber(viaArray[i] ?? 0);
    if (!same(expected, scalar)) bad.push(`decodeValue(${c}) = ${decodeValue(f, c)}`);
    if (!same(expected, bulk)) bad.push(`decodeArray[${c}] = ${viaArray[i]}`);
    if (isNanCode(f, c) !== (expected === "nan")) bad.push(`isNanCode(${c}) = ${isNanCode(f, c)}`);
  }
  return bad;
}

describe.each(SMALL)("%s decode", (name) => {
  const f = FLOAT_FORMATS[name];
  it("decodes every code exactly, through decodeValue, isNanCode and decodeArray", () => {
    const codes = Array.from({ length: 2 ** f.bits }, (_, c) => c);
    expect(decodeMismatches(f, codes)).toEqual([]);
  });
});

describe("float32 decode", () => {
  const f = FLOAT_FORMATS.float32;
  it("decodes edge codes and 20000 random codes exactly", () => {
    const edges = [0, 1, 0x7fffff, 0x800000, 0x3f800000, 0x7f7fffff, 0x7f800000, 0x7f800001, 0x7fc00000];
    const codes = [...edges, ...edges.map((c) => c + 0x80000000), 0xffffffff];
    const next = seededWords(7);
    for (let i = 0; i < 20000; i++) codes.push(next());
    expect(decodeMismatches(f, codes)).toEqual([]);
    // decodeArray keeps float32 bit patterns, NaN payloads included.
    const bits = new Uint32Array(decodeArray(f, codes).buffer);
    expect(Array.from(bits)).toEqual(codes);
  });
});

describe.each(SMALL)("%s encode", (name) => {
  const f = FLOAT_FORMATS[name];
  const xs = probes(f);
  const bs = brackets(f, xs);
  const f32Index = Array.from(xs.keys()).filter((i) => isFloat32(xs[i] ?? 0));
  const xs32 = new Float32Array(f32Index.map((i) => xs[i] ?? 0));

  it.each(DETERMINISTIC_CONFIGS)("$rounding, overflow $overflow, flush $flushSubnormals", (o) => {
    const expected = new Uint32Array(xs.length);
    const scalar = new Uint32Array(xs.length);
    const saturate = o.overflow === "saturate";
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i] ?? 0;
      expected[i] = expectedCode(f, x, bs[i] ?? null, o);
      scalar[i] = encodeValue(f, x, o.rounding, saturate, o.flushSubnormals);
    }
    expect(mismatches(xs, expected, scalar)).toEqual([]);
    // Float64Array input runs the scalar codec element by element: once per rounding mode is enough.
    if (o.overflow === "ieee" && !o.flushSubnormals) {
      expect(mismatches(xs, expected, encodeArray(f, xs, o))).toEqual([]);
    }
    const expected32 = f32Index.map((i) => expected[i] ?? 0);
    expect(mismatches(xs32, expected32, encodeArray(f, xs32, o))).toEqual([]);
  });

  it("covers every code and every midpoint (the probe set is complete)", () => {
    const seen = new Set(encodeArray(f, xs, { overflow: "ieee" }));
    const all = Array.from({ length: 2 ** f.bits }, (_, c) => c).filter(
      (c) => referenceDecode(f, c) !== "nan",
    );
    expect(all.filter((c) => !seen.has(c))).toEqual([]);
    expect(xs32.length).toBeGreaterThan(xs.length / 2);
  });
});

describe.each(SMALL)("%s encode with a low part", (name) => {
  // x + lo rounded once, as after TwoSum: lo a quarter ulp below or above each value and each midpoint.
  const f = FLOAT_FORMATS[name];
  const cases: { x: number; lo: number; b: Bracket }[] = [];
  const xs = valuesAndMidpoints(f).filter((x) => x !== 0);
  for (const x of xs) {
    for (const lo of [(nextUp64(x) - x) / 4, (nextDown64(x) - x) / 4]) {
      for (const sx of f.signed ? [x, -x] : [x]) {
        if (lo !== 0) cases.push({ x: sx, lo, b: referenceBracket(f, exactSum(sx, lo)) });
      }
    }
  }
  const configs = DETERMINISTIC_CONFIGS.filter((o) => o.overflow === "ieee");
  it.each(configs)("$rounding, flush $flushSubnormals", (o) => {
    const bad: string[] = [];
    for (const { x, lo, b } of cases) {
      const expected = expectedCode(f, x, b, o);
      const got = encodeValue(f, x, o.rounding, o.overflow === "saturate", o.flushSubnormals, 0, 32, lo);
      if (got !== expected && bad.length < 10) bad.push(`x=${x} lo=${lo}: expected ${expected}, got ${got}`);
    }
    expect(bad).toEqual([]);
    expect(cases.length).toBeGreaterThan(xs.length);
  });
});
