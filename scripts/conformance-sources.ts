/**
 * Writes the golden files of the implementations that cannot run here (ml_dtypes: PyPI is out of reach;
 * PyTorch's float8_e8m0fnu: torch >= 2.7), from their own tests and source: each case names the test or
 * function and the commit its expected values come from. The tables below are those expectations,
 * written out; nothing here is computed by minifloat. Run from the repository root after a build:
 *     node dist/scripts/conformance-sources.js && node dist/scripts/conformance-page.js
 */
import { join } from "node:path";
import { writeJsonAtomic } from "../src/io/index.js";
import { GOLDEN_DIR, toGolden, type GoldenCase, type GoldenFile } from "./conformance/golden.js";

const ML_DTYPES = "b793a6e2864ce20b6680df2fd480a5cd2a75fa82";
const TESTS = `from ml_dtypes tests at commit ${ML_DTYPES.slice(0, 12)}: ml_dtypes/tests/float8_test.cc`;
const SOURCE = `derived from ml_dtypes source at commit ${ML_DTYPES.slice(0, 12)}: ml_dtypes/include/float8.h ConvertImpl`;
const MX_TESTS = `from ml_dtypes tests at commit ${ML_DTYPES.slice(0, 12)}: ml_dtypes/tests/mxfloat_test.cc`;
const PYTORCH = "3d63d33ce1e357642c6e0761d315943f5e478320";
const C10 = `derived from PyTorch source at commit ${PYTORCH.slice(0, 12)}: c10/util/Float8_e8m0fnu.h fp8e8m0fnu_from_fp32_value`;

const F32_MAX = 3.4028234663852886e38;
const F32_MIN_NORMAL = 2 ** -126;
const F32_DENORM_MIN = 2 ** -149;
/** The float32 next to `x` toward zero (std::nexttoward(x, 0) for a positive float). */
const towardZero = (x: number): number => {
  const bits = new Uint32Array(Float32Array.of(x).buffer);
  bits[0] -= 1;
  return new Float32Array(bits.buffer)[0];
};

/** A case of `pairs` [input, expected output]. */
function rows(
  id: string,
  provenance: string,
  to: string,
  from: "float32" | "float64",
  saturate: boolean,
  pairs: readonly (readonly [number, number])[],
): GoldenCase {
  return {
    id,
    op: "cast",
    from,
    to,
    saturate,
    provenance,
    inputs: pairs.map(([x]) => toGolden(x)),
    outputs: pairs.map(([, y]) => toGolden(y)),
  };
}

/** Float8Test.ConvertFromWithSaturation: twice the largest value (a double) saturates to it; NaN stays
 * NaN; infinities stay infinities where the format has them, else become NaN. */
function saturation(to: string, max: number, hasInfinity: boolean): GoldenCase {
  const inf = hasInfinity ? Infinity : NaN;
  return rows(`saturate-${to}`, `${TESTS} ConvertFromWithSaturation`, to, "float64", true, [
    [2 * max, max],
    ...(to === "float8_e8m0fnu" ? [] : ([[-2 * max, -max]] as const)),
    [NaN, NaN],
    [Infinity, inf],
    [-Infinity, hasInfinity ? -Infinity : NaN],
  ]);
}

/** Float8Test.ConvertFromWithTruncation, rounding half: the float32 just below 2 rounds to 2, 2^128 (a
 * double) overflows to the format's infinity (NaN without one), and the float32 just below each of the
 * three smallest codes rounds to that code. */
function rounding(to: string, smallest: readonly number[], infinity: number): GoldenCase {
  return rows(`round-${to}`, `${TESTS} ConvertFromWithTruncation`, to, "float64", false, [
    [towardZero(2), 2],
    [2 ** 128, infinity],
    ...smallest.map((v) => [towardZero(v), v] as const),
  ]);
}

/** The float32 next to `x` (nonzero) toward `target`. */
function nextToward(x: number, target: number): number {
  const bits = new Uint32Array(Float32Array.of(x).buffer);
  bits[0] += target > x === x > 0 ? 1 : -1; // away from zero when the target is, else toward it
  return new Float32Array(bits.buffer)[0];
}

/** The value of `code` in an OCP MX element format with `e` exponent and `m` mantissa bits (bias
 * 2^(e-1) - 1, subnormals, no infinity or NaN: OCP MX v1.0 5.3). */
function mxValue(code: number, e: number, m: number): number {
  const magnitude = code & ((1 << (e + m)) - 1);
  const field = magnitude >> m;
  const fraction = magnitude & ((1 << m) - 1);
  const bias = 2 ** (e - 1) - 1;
  const v = field === 0 ? fraction * 2 ** (1 - bias - m) : (2 ** m + fraction) * 2 ** (field - bias - m);
  return code >> (e + m) === 1 ? -v : v;
}

/** The MX element format's cases from ml_dtypes/tests/mxfloat_test.cc: ConvertFromRoundToNearest (the
 * midpoint of every two neighbouring codes goes to the even code, one float32 step either side to the
 * nearer one), NoInfinity, ConvertFromWithSaturation and ConvertFromWithTruncation. */
function mxCases(to: string, e: number, m: number): GoldenCase[] {
  const test = `${MX_TESTS} FloatMXTest`;
  const value = (code: number): number => mxValue(code, e, m);
  const signBit = 1 << (e + m);
  const max = value(signBit - 1);
  const nearest: [number, number][] = [];
  for (let i = 1; i < 2 * signBit; i++) {
    if (i === signBit) continue; // the jump from the largest positive code to -0
    const [l, r] = [value(i - 1), value(i)];
    const mid = (l + r) / 2;
    nearest.push([mid, i & 1 ? l : r], [nextToward(mid, l), l], [nextToward(mid, r), r]);
  }
  return [
    rows(`nearest-${to}`, `${test}.ConvertFromRoundToNearest`, to, "float32", false, nearest),
    rows(`infinity-${to}`, `${test}.NoInfinity`, to, "float32", false, [
      [Infinity, max],
      [-Infinity, -max],
    ]),
    rows(`saturate-${to}`, `${test}.ConvertFromWithSaturation`, to, "float32", true, [
      [2 * max, max],
      [-2 * max, -max],
    ]),
    rows(`round-${to}`, `${test}.ConvertFromWithTruncation`, to, "float32", false, [
      [towardZero(2), 2],
      ...Array.from({ length: 2 ** m - 1 }, (_, k) => [towardZero(value(k + 1)), value(k + 1)] as const),
    ]),
  ];
}

const E8M0_NEGATIVE = [NaN, -Infinity, -F32_MAX, -1, -0.5, -F32_MIN_NORMAL, -F32_DENORM_MIN, -0];

const mlDtypes: GoldenFile = {
  oracle: "ml_dtypes",
  provenance: `from ml_dtypes ${ML_DTYPES.slice(0, 12)} (tests and source; not executed: PyPI is out of reach here)`,
  generator: "scripts/conformance-sources.ts",
  cases: [
    saturation("float8_e4m3fn", 448, false),
    saturation("float8_e5m2", 57344, true),
    saturation("float8_e4m3fnuz", 240, false),
    saturation("float8_e5m2fnuz", 57344, false),
    saturation("float8_e8m0fnu", 2 ** 127, false),
    rounding("float8_e4m3fn", [2 ** -9, 2 ** -8, 3 * 2 ** -9], NaN),
    rounding("float8_e5m2", [2 ** -16, 2 ** -15, 3 * 2 ** -16], Infinity),
    rounding("float8_e4m3fnuz", [2 ** -10, 2 ** -9, 3 * 2 ** -10], NaN),
    rounding("float8_e5m2fnuz", [2 ** -17, 2 ** -16, 3 * 2 ** -17], NaN),
    rounding("float8_e8m0fnu", [2 ** -126, 2 ** -125, 2 ** -124], NaN),
    rows(
      "small-to-subnormal-float8_e5m2",
      `${TESTS} Float8E5m2Test.SmallCastToDenormal`,
      "float8_e5m2",
      "float32",
      false,
      [[0xa8 * 2 ** -22, 0xc * 2 ** -18]],
    ),
    rows(
      "e8m0-negative",
      `${TESTS} Float8E8m0fnuTest.NegativeInput`,
      "float8_e8m0fnu",
      "float32",
      false,
      E8M0_NEGATIVE.map((x) => [x, NaN] as const),
    ),
    rows(
      "e8m0-negative-saturate",
      `${TESTS} Float8E8m0fnuTest.NegativeInput`,
      "float8_e8m0fnu",
      "float32",
      true,
      E8M0_NEGATIVE.map((x) => [x, Number.isFinite(x) ? 2 ** -127 : NaN] as const),
    ),
    // Zero: "the target has no zero" -> NaN, or the smallest value when saturating. Float32 subnormals
    // are normalized, then code 0 (2^-127) is treated as the bottom of a subnormal range starting at 0,
    // so (2^-127, 1.5 * 2^-127) rounds up to 2^-126.
    rows("e8m0-zero-subnormal", SOURCE, "float8_e8m0fnu", "float32", false, [
      [0, NaN],
      [2 ** -127, 2 ** -127],
      [2 ** -128, 2 ** -127],
      [F32_DENORM_MIN, 2 ** -127],
      [0.75 * 2 ** -127, 2 ** -127],
      [1.25 * 2 ** -127, 2 ** -126],
      [1.5 * 2 ** -127, 2 ** -126],
      [towardZero(F32_MIN_NORMAL), 2 ** -126],
    ]),
    rows("e8m0-zero-saturate", SOURCE, "float8_e8m0fnu", "float32", true, [[0, 2 ** -127]]),
    ...mxCases("float6_e3m2fn", 3, 2),
    ...mxCases("float6_e2m3fn", 2, 3),
    ...mxCases("float4_e2m1fn", 2, 1),
  ],
};

const pytorch: GoldenFile = {
  oracle: "pytorch-source",
  provenance: `${C10} (torch >= 2.7; not executed: Debian's torch 1.13 has no float8 types)`,
  generator: "scripts/conformance-sources.ts",
  cases: [
    // The sign bit is never read: a negative input converts as its magnitude. Exponent field 0 (zero
    // and float32 subnormals) rounds on its fraction bits: below 2^-127 stays code 0, above goes up.
    rows("e8m0", C10, "float8_e8m0fnu", "float32", false, [
      [0, 2 ** -127],
      [-0, 2 ** -127],
      [2 ** -127, 2 ** -127],
      [2 ** -128, 2 ** -127],
      [F32_DENORM_MIN, 2 ** -127],
      [1.25 * 2 ** -127, 2 ** -126],
      [1.5 * 2 ** -127, 2 ** -126],
      [-1.25 * 2 ** -127, 2 ** -126],
      [-1, 1],
      [-4, 4],
      [-0.5, 0.5],
      [1, 1],
      [1.4, 1],
      [1.5, 2],
      [3, 4],
      [1.5 * 2 ** 127, NaN],
      [F32_MAX, NaN],
      [NaN, NaN],
      [Infinity, NaN],
      [-Infinity, NaN],
    ]),
  ],
};

writeJsonAtomic(join(GOLDEN_DIR, "ml_dtypes.json"), mlDtypes);
writeJsonAtomic(join(GOLDEN_DIR, "pytorch-source.json"), pytorch);
