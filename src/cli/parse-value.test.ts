/**
 * Unit tests of value parsing and number printing: hex floats round once to nearest even (ties, the
 * subnormal edge, overflow), decimal text goes through the engine's correctly rounded parser, and the
 * printed forms of -0, NaN, infinities and powers of two.
 */
import { describe, expect, it } from "vitest";
import { isMinifloatError } from "../errors.js";
import { FLOAT_FORMATS } from "../formats/index.js";
import { parseValue, roundScaledInteger } from "./parse-value.js";
import { formatExact, formatFields, formatHex, formatPow2, formatShort } from "./print.js";

describe("parseValue", () => {
  it("refuses 200,000 digits and a letter at once (no quadratic backtracking; found by fuzzing)", () => {
    // The quadratic pattern took minutes here; the test's own timeout is the limit.
    expect(() => parseValue(`${"1".repeat(200_000)}x`)).toThrow(/1111/);
    expect(parseValue(`${"9".repeat(400)}.5`)).toBe(Infinity);
  });
  it.each([
    ["1", 1],
    ["-2.5", -2.5],
    ["+.5", 0.5],
    ["1e-40", 1e-40],
    ["1E3", 1000],
    ["1e400", Infinity],
    ["0x1.8p-3", 0.1875],
    ["-0X1P-3", -0.125],
    ["0xff", 255],
    ["0x.8", 0.5],
    ["0x1.00000000000008p0", 1], // tie: to even
    ["0x1.00000000000018p0", 1 + 2 ** -51], // tie: to even, upward
    ["0x1.000000000000081p0", 1 + 2 ** -52], // just above the tie
    ["0x1p-1074", 2 ** -1074],
    ["0x1p-1075", 0], // half the smallest subnormal: tie to even (zero)
    ["0x1.8p-1075", 2 ** -1074],
    ["0x1p1024", Infinity],
    ["0x1.fffffffffffff8p1023", Infinity], // tie above the largest finite value rounds to 2^1024
    ["0x1.fffffffffffff7p1023", Number.MAX_VALUE],
    ["0x1p-99999999", 0],
    ["inf", Infinity],
    ["-Infinity", -Infinity],
    ["-INF", -Infinity],
  ])("%s is %d", (text, expected) => {
    expect(parseValue(text)).toBe(expected);
  });

  it("keeps the sign of zero and reads nan", () => {
    expect(Object.is(parseValue("-0"), -0)).toBe(true);
    expect(Object.is(parseValue("-0x0p0"), -0)).toBe(true);
    expect(parseValue("NaN")).toBeNaN();
  });

  it.each(["", "abc", "1.2.3", "0x", "0x1p", "1e", "--1", "1_000", " 1"])("rejects %j", (text) => {
    let error: unknown;
    try {
      parseValue(text);
    } catch (e) {
      error = e;
    }
    expect(isMinifloatError(error, "argument")).toBe(true);
  });

  it("rounds integers times powers of two like the engine does for decimals", () => {
    expect(roundScaledInteger(1n, -1074)).toBe(5e-324);
    expect(roundScaledInteger(2n ** 53n + 1n, 0)).toBe(2 ** 53);
    expect(roundScaledInteger(2n ** 53n + 3n, 0)).toBe(2 ** 53 + 4);
    expect(roundScaledInteger(0x1999999999999999n, -64)).toBe(0.1);
  });
});

describe("printing", () => {
  it("spells special values one way", () => {
    expect([-0, NaN, Infinity, -Infinity, 0.1].map(formatExact)).toEqual(["-0", "nan", "inf", "-inf", "0.1"]);
  });

  it("shortens to significant digits without mangling integers", () => {
    expect(formatShort(1000.4)).toBe("1000");
    expect(formatShort(0.0015625)).toBe("0.001563");
    expect(formatShort(16)).toBe("16");
    expect(formatShort(3.4028234663852886e38, 5)).toBe("3.4028e+38");
    expect(formatShort(9.765625e-5)).toBe("9.766e-5");
  });

  it("prints powers of two as 2^k", () => {
    expect([2 ** -149, 1, 0.5, 3].map(formatPow2)).toEqual(["2^-149", "2^0", "2^-1", "3"]);
  });

  it("pads hex codes and splits the fields", () => {
    expect(formatHex(0x2e66, 16)).toBe("0x2E66");
    expect(formatHex(1, 32)).toBe("0x00000001");
    expect(formatFields(FLOAT_FORMATS.float16, 0x3c00)).toBe("0|01111|0000000000");
    expect(formatFields(FLOAT_FORMATS.float4_e2m1fn, 0b1011)).toBe("1|01|1");
    expect(formatFields(FLOAT_FORMATS.float8_e8m0fnu, 0x7f)).toBe("01111111");
  });
});
