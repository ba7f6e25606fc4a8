/**
 * Format records and their derived limits against the numbers written in the specifications (IEEE 754,
 * OCP OFP8, OCP MX, the FNUZ paper), as ml_dtypes' finfo tests do; the oracle's own derivation of the
 * special codes must agree; and a few codes per format decode to hand-checked values.
 */
import { describe, expect, it } from "vitest";
import { decodeValue } from "./float-codec.js";
import { FLOAT_FORMATS, FLOAT_FORMAT_NAMES, type FloatFormatName } from "./float-format.js";
import { finfo } from "./finfo.js";
import { exactToNumber, referenceDecode, referenceTable } from "./reference-codec.js";

interface Expected {
  readonly max: number;
  readonly smallestNormal: number;
  readonly smallestSubnormal: number;
  readonly epsilon: number;
  readonly emin: number;
  readonly emax: number;
  readonly maxCode: number;
  readonly infCode: number | null;
  readonly nanCode: number | null;
  readonly signedZero: boolean;
  readonly hasZero: boolean;
}

/** Written from the specifications, not computed. */
const SPEC: Record<FloatFormatName, Expected> = {
  float32: {
    max: 3.4028234663852886e38,
    smallestNormal: 1.1754943508222875e-38,
    smallestSubnormal: 1.401298464324817e-45,
    epsilon: 1.1920928955078125e-7,
    emin: -126,
    emax: 127,
    maxCode: 0x7f7fffff,
    infCode: 0x7f800000,
    nanCode: 0x7fc00000,
    signedZero: true,
    hasZero: true,
  },
  bfloat16: {
    max: 3.3895313892515355e38,
    smallestNormal: 1.1754943508222875e-38,
    smallestSubnormal: 9.183549615799121e-41,
    epsilon: 0.0078125,
    emin: -126,
    emax: 127,
    maxCode: 0x7f7f,
    infCode: 0x7f80,
    nanCode: 0x7fc0,
    signedZero: true,
    hasZero: true,
  },
  float16: {
    max: 65504,
    smallestNormal: 6.103515625e-5,
    smallestSubnormal: 5.960464477539063e-8,
    epsilon: 0.0009765625,
    emin: -14,
    emax: 15,
    maxCode: 0x7bff,
    infCode: 0x7c00,
    nanCode: 0x7e00,
    signedZero: true,
    hasZero: true,
  },
  float8_e4m3fn: {
    max: 448,
    smallestNormal: 0.015625,
    smallestSubnormal: 0.001953125,
    epsilon: 0.125,
    emin: -6,
    emax: 8,
    maxCode: 0x7e,
    infCode: null,
    nanCode: 0x7f,
    signedZero: true,
    hasZero: true,
  },
  float8_e5m2: {
    max: 57344,
    smallestNormal: 6.103515625e-5,
    smallestSubnormal: 1.52587890625e-5,
    epsilon: 0.25,
    emin: -14,
    emax: 15,
    maxCode: 0x7b,
    infCode: 0x7c,
    nanCode: 0x7e,
    signedZero: true,
    hasZero: true,
  },
  float8_e4m3fnuz: {
    max: 240,
    smallestNormal: 0.0078125,
    smallestSubnormal: 0.0009765625,
    epsilon: 0.125,
    emin: -7,
    emax: 7,
    maxCode: 0x7f,
    infCode: null,
    nanCode: 0x80,
    signedZero: false,
    hasZero: true,
  },
  float8_e5m2fnuz: {
    max: 57344,
    smallestNormal: 3.0517578125e-5,
    smallestSubnormal: 7.62939453125e-6,
    epsilon: 0.25,
    emin: -15,
    emax: 15,
    maxCode: 0x7f,
    infCode: null,
    nanCode: 0x80,
    signedZero: false,
    hasZero: true,
  },
  float6_e3m2fn: {
    max: 28,
    smallestNormal: 0.25,
    smallestSubnormal: 0.0625,
    epsilon: 0.25,
    emin: -2,
    emax: 4,
    maxCode: 0x1f,
    infCode: null,
    nanCode: null,
    signedZero: true,
    hasZero: true,
  },
  float6_e2m3fn: {
    max: 7.5,
    smallestNormal: 1,
    smallestSubnormal: 0.125,
    epsilon: 0.125,
    emin: 0,
    emax: 2,
    maxCode: 0x1f,
    infCode: null,
    nanCode: null,
    signedZero: true,
    hasZero: true,
  },
  float4_e2m1fn: {
    max: 6,
    smallestNormal: 1,
    smallestSubnormal: 0.5,
    epsilon: 0.5,
    emin: 0,
    emax: 2,
    maxCode: 0x7,
    infCode: null,
    nanCode: null,
    signedZero: true,
    hasZero: true,
  },
  float8_e8m0fnu: {
    max: 1.7014118346046923e38, // 2^127
    smallestNormal: 5.877471754111438e-39, // 2^-127
    smallestSubnormal: 5.877471754111438e-39, // no subnormals: the smallest value
    epsilon: 1,
    emin: -127,
    emax: 127,
    maxCode: 0xfe,
    infCode: null,
    nanCode: 0xff,
    signedZero: false,
    hasZero: false,
  },
};

describe.each(FLOAT_FORMAT_NAMES)("%s limits", (name) => {
  const f = FLOAT_FORMATS[name];
  const e = SPEC[name];
  it("match the specification", () => {
    expect({
      max: f.max,
      smallestNormal: f.smallestNormal,
      smallestSubnormal: f.smallestSubnormal,
      epsilon: f.epsilon,
      emin: f.emin,
      emax: f.emax,
      maxCode: f.maxCode,
      infCode: f.infCode,
      nanCode: f.nanCode,
      signedZero: f.signedZero,
      hasZero: f.hasZero,
    }).toEqual(e);
    expect(f.unitRoundoff).toBe(e.epsilon / 2);
    expect(f.bits).toBe((f.signed ? 1 : 0) + f.exponentBits + f.mantissaBits);
    expect(Object.isFrozen(f)).toBe(true);
  });

  it("agree with the oracle's own derivation of the special codes and values", () => {
    const t = referenceTable(f);
    const num = (v: bigint) => exactToNumber({ negative: false, num: v });
    expect([t.maxCode, t.infCode, t.nanCode]).toEqual([e.maxCode, e.infCode, e.nanCode]);
    expect(t.negativeZeroCode).toBe(e.signedZero ? 2 ** (f.bits - 1) : null);
    expect([num(t.max), num(t.smallestNormal)]).toEqual([e.max, e.smallestNormal]);
    expect(num(t.smallest)).toBe(e.hasZero ? 0 : e.smallestSubnormal);
    expect(decodeValue(f, e.maxCode)).toBe(e.max);
    expect(decodeValue(f, e.hasZero ? 1 : 0)).toBe(e.smallestSubnormal);
  });

  it("are what finfo reports", () => {
    const i = finfo(f);
    expect([i.max, i.smallestNormal, i.smallestSubnormal, i.epsilon]).toEqual([
      e.max,
      e.smallestNormal,
      e.smallestSubnormal,
      e.epsilon,
    ]);
    expect([i.minExponent, i.maxExponent, i.infCode, i.hasZero, i.signedZero]).toEqual([
      e.emin,
      e.emax,
      e.infCode,
      e.hasZero,
      e.signedZero,
    ]);
    expect(i.decimalDigits).toBeCloseTo((f.mantissaBits + 1) * Math.log10(2), 12);
  });
});

/** [format, code, value] written by hand from the bit layouts. */
const DECODED: readonly [FloatFormatName, number, number][] = [
  ["float32", 0x3f800000, 1],
  ["float32", 0x00000001, 2 ** -149],
  ["float32", 0xff800000, -Infinity],
  ["float32", 0x7f800001, NaN],
  ["bfloat16", 0x7f7f, 3.3895313892515355e38],
  ["bfloat16", 0x4049, 3.140625],
  ["bfloat16", 0x0001, 2 ** -133],
  ["bfloat16", 0xffc1, NaN],
  ["float16", 0x7bff, 65504],
  ["float16", 0x3555, 0.333251953125],
  ["float16", 0x8001, -(2 ** -24)],
  ["float16", 0x7c00, Infinity],
  ["float16", 0xfc01, NaN],
  ["float8_e4m3fn", 0x7e, 448],
  ["float8_e4m3fn", 0xfe, -448],
  ["float8_e4m3fn", 0x7f, NaN],
  ["float8_e4m3fn", 0xff, NaN],
  ["float8_e4m3fn", 0x78, 256], // S.1111.000 is a number in E4M3: no infinities
  ["float8_e4m3fn", 0x80, -0],
  ["float8_e5m2", 0x7b, 57344],
  ["float8_e5m2", 0x7c, Infinity],
  ["float8_e5m2", 0xfc, -Infinity],
  ["float8_e5m2", 0x7d, NaN],
  ["float8_e5m2", 0x01, 2 ** -16],
  ["float8_e4m3fnuz", 0x7f, 240],
  ["float8_e4m3fnuz", 0x80, NaN],
  ["float8_e4m3fnuz", 0x40, 1],
  ["float8_e4m3fnuz", 0x81, -(2 ** -10)],
  ["float8_e5m2fnuz", 0x7f, 57344],
  ["float8_e5m2fnuz", 0x80, NaN],
  ["float8_e5m2fnuz", 0x40, 1],
  ["float6_e3m2fn", 0x1f, 28],
  ["float6_e3m2fn", 0x3f, -28],
  ["float6_e3m2fn", 0x0c, 1],
  ["float6_e3m2fn", 0x20, -0],
  ["float6_e2m3fn", 0x1f, 7.5],
  ["float6_e2m3fn", 0x08, 1],
  ["float6_e2m3fn", 0x01, 0.125],
  ["float4_e2m1fn", 0x7, 6],
  ["float4_e2m1fn", 0xf, -6],
  ["float4_e2m1fn", 0x5, 3],
  ["float4_e2m1fn", 0x1, 0.5],
  ["float8_e8m0fnu", 0x00, 2 ** -127],
  ["float8_e8m0fnu", 0x7f, 1],
  ["float8_e8m0fnu", 0xfe, 2 ** 127],
  ["float8_e8m0fnu", 0xff, NaN],
];

describe("decoding hand-checked codes", () => {
  it.each(DECODED)("%s code %i", (name, code, value) => {
    const f = FLOAT_FORMATS[name];
    expect(decodeValue(f, code)).toBe(value);
    const exact = referenceDecode(f, code);
    expect(typeof exact === "object" ? exactToNumber(exact) : exact).toBe(
      Number.isNaN(value) ? "nan" : value === Infinity ? "inf" : value === -Infinity ? "-inf" : value,
    );
  });
});
