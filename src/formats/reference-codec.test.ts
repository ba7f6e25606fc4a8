/**
 * The oracle checked on its own, so that agreement with it means something: exact conversion of float64
 * values, the two independent ways of bracketing (by table and by arithmetic) agree on every probe, the
 * worked examples of the OCP FP8 overflow rules, the E8M0 conventions, and argument checking.
 */
import { describe, expect, it } from "vitest";
import { nextDown64, nextUp64, sampledProbes, seededWords } from "../../test/support/codec-probes.js";
import { FLOAT_FORMATS, FLOAT_FORMAT_NAMES } from "./float-format.js";
import {
  SCALE,
  bracketByArithmetic,
  bracketByTable,
  exactFromNumber,
  exactToNumber,
  pow2,
  referenceBracket,
  referenceDecode,
  referenceEncode,
  referenceEncodeExact,
  stochasticThreshold,
  type ExactValue,
} from "./reference-codec.js";

const SMALL = FLOAT_FORMAT_NAMES.filter((n) => FLOAT_FORMATS[n].bits <= 16);

describe("exact values of float64", () => {
  it("reads hand-checked values from the bits", () => {
    expect(exactFromNumber(1)).toEqual({ negative: false, num: 1n << BigInt(SCALE) });
    expect(exactFromNumber(-0.75)).toEqual({ negative: true, num: -(3n << BigInt(SCALE - 2)) });
    expect(exactFromNumber(-0)).toEqual({ negative: true, num: 0n });
    expect(exactFromNumber(Number.MIN_VALUE)).toEqual({ negative: false, num: pow2(-1074) });
    const max = ((1n << 53n) - 1n) << BigInt(SCALE + 1023 - 52);
    expect(exactFromNumber(Number.MAX_VALUE)).toEqual({ negative: false, num: max });
    expect([exactFromNumber(NaN), exactFromNumber(Infinity), exactFromNumber(-Infinity)]).toEqual([
      "nan",
      "inf",
      "-inf",
    ]);
  });

  it("round-trips random doubles, subnormals included, and refuses values that are not float64", () => {
    const next = seededWords(1);
    const b = new Uint32Array(2);
    const d = new Float64Array(b.buffer);
    for (let i = 0; i < 5000; i++) {
      b[0] = next();
      b[1] = next();
      const x = d[0];
      const v = exactFromNumber(x);
      if (typeof v === "object") expect(Object.is(exactToNumber(v), x)).toBe(true);
    }
    expect(exactToNumber({ negative: false, num: pow2(-1074) })).toBe(Number.MIN_VALUE);
    expect(() => exactToNumber({ negative: false, num: pow2(-1075) })).toThrow(RangeError);
    expect(() => exactToNumber({ negative: false, num: pow2(0) + pow2(-60) })).toThrow(RangeError);
  });
});

describe.each(SMALL)("%s: bracketing by table and by arithmetic", (name) => {
  it("agree on every probe (a sample of 40000 for the 16-bit formats)", () => {
    const f = FLOAT_FORMATS[name];
    const bad: number[] = [];
    for (const x of sampledProbes(f, 40000, 2)) {
      const v = exactFromNumber(x);
      if (typeof v !== "object") continue;
      const a = bracketByTable(f, v);
      const b = bracketByArithmetic(f, v);
      const same =
        a.lower === b.lower &&
        a.upper === b.upper &&
        a.lowerCode === b.lowerCode &&
        a.upperCode === b.upperCode &&
        a.region === b.region &&
        a.half === b.half &&
        a.evenUpper === b.evenUpper;
      if (!same && bad.length < 10) bad.push(x);
    }
    expect(bad).toEqual([]);
  });
});

describe("worked examples", () => {
  const e4m3 = FLOAT_FORMATS.float8_e4m3fn;
  const e5m2 = FLOAT_FORMATS.float8_e5m2;
  const e8m0 = FLOAT_FORMATS.float8_e8m0fnu;

  it("E4M3: 464 ties to 448 (even 1.110b), not to the unbounded next value 480 (odd 1.111b)", () => {
    const b = referenceBracket(e4m3, exactFromNumber(464) as ExactValue);
    expect(b.lower).toBe(448n << BigInt(SCALE));
    expect(b.upper).toBe(480n << BigInt(SCALE));
    expect([b.half, b.evenUpper, b.region]).toEqual([0, false, "inside"]);
    expect(referenceEncode(e4m3, 464)).toBe(0x7e);
    expect(referenceEncode(e4m3, nextUp64(464))).toBe(0x7f);
    expect(referenceEncode(e4m3, 480)).toBe(0x7f);
  });

  it("E5M2: 61440 ties to 2^16, which overflows to infinity", () => {
    const b = referenceBracket(e5m2, exactFromNumber(61440) as ExactValue);
    expect([b.half, b.evenUpper, b.upperCode]).toEqual([0, true, 0x7c]);
    expect(referenceEncode(e5m2, 61440)).toBe(0x7c);
    expect(referenceEncode(e5m2, nextDown64(61440))).toBe(0x7b);
    expect(referenceEncode(e5m2, 61440, { overflow: "saturate" })).toBe(0x7b);
  });

  it("stochastic threshold: 1 + 2^-9 in bfloat16 is a quarter of the gap, k = 2^r / 4", () => {
    const b = referenceBracket(FLOAT_FORMATS.bfloat16, exactFromNumber(1 + 2 ** -9) as ExactValue);
    expect([stochasticThreshold(b, 8), stochasticThreshold(b, 1), stochasticThreshold(b, 32)]).toEqual([
      64,
      0,
      2 ** 30,
    ]);
    expect(
      referenceEncode(FLOAT_FORMATS.bfloat16, 1 + 2 ** -9, { rounding: "stochastic", randomBits: 8 }, 63),
    ).toBe(0x3f81);
    expect(
      referenceEncode(FLOAT_FORMATS.bfloat16, 1 + 2 ** -9, { rounding: "stochastic", randomBits: 8 }, 64),
    ).toBe(0x3f80);
  });

  it("E8M0: no zero (0 and tiny values clamp to 2^-127), negatives are NaN, ties go up", () => {
    expect(referenceDecode(e8m0, 0)).toEqual({ negative: false, num: pow2(-127) });
    expect([0, 2 ** -200, -1, -0, 1.5, 0.75].map((x) => referenceEncode(e8m0, x))).toEqual([
      0, 0, 0xff, 0x00, 0x80, 0x7f,
    ]);
    expect(referenceEncode(e8m0, 2 ** -127, { rounding: "toward-zero" }, 0, -(2 ** -190))).toBe(0);
  });

  it("a low part is added exactly before the one rounding", () => {
    const f = FLOAT_FORMATS.float16;
    expect(referenceEncode(f, 1 + 2 ** -11, {}, 0, 2 ** -60)).toBe(0x3c01); // just above the tie
    expect(referenceEncode(f, 1 + 2 ** -11, {}, 0, -(2 ** -60))).toBe(0x3c00);
    expect(referenceEncode(f, 1, { rounding: "toward-zero" }, 0, -(2 ** -60))).toBe(0x3bff);
    expect(referenceEncode(f, 2 ** -14, { flushSubnormals: true }, 0, -(2 ** -70))).toBe(0);
  });
});

describe("argument checking", () => {
  it("rejects codes out of range and random words out of range", () => {
    const f = FLOAT_FORMATS.float8_e4m3fn;
    expect(() => referenceDecode(f, 256)).toThrow(RangeError);
    expect(() => referenceDecode(f, -1)).toThrow(RangeError);
    expect(() => referenceDecode(f, 1.5)).toThrow(RangeError);
    const v = exactFromNumber(0.3);
    expect(() => referenceEncodeExact(f, v, { rounding: "stochastic", randomBits: 4 }, 16)).toThrow(
      RangeError,
    );
    expect(referenceEncodeExact(f, v, { rounding: "stochastic", randomBits: 4 }, 15)).toBe(0x29);
  });
});
