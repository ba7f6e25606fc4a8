/**
 * The command line, run in-process through runCli: snapshots of `formats` and `cast` (table and JSON),
 * the codes of well-known conversions, stochastic rounding's documented random stream, every kind of
 * bad input (one line on stderr, exit code 2), and one end-to-end run of the built bin.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.js";
import { encodeArray, encodeValue, floatFormat, randomWord } from "../src/index.js";

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function cli(...argv: string[]): Promise<Run> {
  let out = "";
  let err = "";
  const code = await runCli(argv, {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
  });
  return { code, out, err };
}

interface CastRow {
  input: string;
  format: string;
  code: number;
  hex: string;
  bits: string;
  value: number | string;
  absError: number | string;
  relError: number | string;
  flags: Record<"inexact" | "subnormal" | "overflow" | "underflow" | "nan", boolean>;
}

async function castJson(...argv: string[]): Promise<CastRow[]> {
  const r = await cli("cast", "--json", ...argv);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as CastRow[];
}

async function cast1(format: string, value: string, ...options: string[]): Promise<CastRow> {
  const rows = await castJson("--to", format, ...options, "--", value);
  expect(rows).toHaveLength(1);
  return rows[0];
}

const SNAPSHOT_VALUES = ["1", "0.1", "-2.5", "448", "464", "NaN", "-Infinity", "1e-40"];

describe("minifloat formats", () => {
  it("prints every format as a table", async () => {
    const r = await cli("formats");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toMatchInlineSnapshot(`
      "name             bits  exp  man  bias         max  min normal  min subnormal  epsilon  unit roundoff  exponents  +inf        nan
      ---------------  ----  ---  ---  ----  ----------  ----------  -------------  -------  -------------  ---------  ----------  ---------------
      float32            32    8   23   127  3.4028e+38      2^-126         2^-149    2^-23          2^-24  -126..127  0x7F800000  ieee 0x7FC00000
      bfloat16           16    8    7   127  3.3895e+38      2^-126         2^-133     2^-7           2^-8  -126..127  0x7F80      ieee 0x7FC0
      float16            16    5   10    15       65504       2^-14          2^-24    2^-10          2^-11    -14..15  0x7C00      ieee 0x7E00
      float8_e4m3fn       8    4    3     7         448        2^-6           2^-9     2^-3           2^-4      -6..8  no          all-ones 0x7F
      float8_e5m2         8    5    2    15       57344       2^-14          2^-16     2^-2           2^-3    -14..15  0x7C        ieee 0x7E
      float8_e4m3fnuz     8    4    3     8         240        2^-7          2^-10     2^-3           2^-4      -7..7  no          -0 code 0x80
      float8_e5m2fnuz     8    5    2    16       57344       2^-15          2^-17     2^-2           2^-3    -15..15  no          -0 code 0x80
      float6_e3m2fn       6    3    2     3          28        2^-2           2^-4     2^-2           2^-3      -2..4  no          none
      float6_e2m3fn       6    2    3     1         7.5         2^0           2^-3     2^-3           2^-4       0..2  no          none
      float4_e2m1fn       4    2    1     1           6         2^0           2^-1     2^-1           2^-2       0..2  no          none
      float8_e8m0fnu      8    8    0   127  1.7014e+38      2^-127         2^-127      2^0           2^-1  -127..127  no          all-ones 0xFF

      Integer formats (real value = scale * (q - zeroPoint), set by quantization):

      name   bits  signed   min  max
      -----  ----  ------  ----  ---
      int8      8  yes     -128  127
      uint8     8  no         0  255
      int4      4  yes       -8    7
      uint4     4  no         0   15
      "
    `);
  });

  it("prints one JSON array with the limits of every format", async () => {
    const r = await cli("formats", "--json");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Record<string, unknown>[];
    expect(rows.map((x) => x.name)).toEqual([
      "float32",
      "bfloat16",
      "float16",
      "float8_e4m3fn",
      "float8_e5m2",
      "float8_e4m3fnuz",
      "float8_e5m2fnuz",
      "float6_e3m2fn",
      "float6_e2m3fn",
      "float4_e2m1fn",
      "float8_e8m0fnu",
      "int8",
      "uint8",
      "int4",
      "uint4",
    ]);
    const e4m3 = rows.find((x) => x.name === "float8_e4m3fn");
    expect(e4m3).toMatchObject({
      bits: 8,
      exponentBits: 4,
      mantissaBits: 3,
      bias: 7,
      max: 448,
      smallestNormal: 2 ** -6,
      smallestSubnormal: 2 ** -9,
      epsilon: 0.125,
      hasInfinity: false,
      nan: "all-ones",
    });
    expect(rows).toMatchSnapshot();
  });
});

describe("minifloat cast", () => {
  it("prints a table of codes, fields, values, errors and flags", async () => {
    const r = await cli("cast", "--to", "bfloat16,float8_e4m3fn", "--", ...SNAPSHOT_VALUES);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toMatchInlineSnapshot(`
      "input      format         hex     sign|exponent|mantissa                  value  abs error  rel error  flags
      ---------  -------------  ------  ----------------------  ---------------------  ---------  ---------  ---------------------------
      1          bfloat16       0x3F80  0|01111111|0000000                          1          0          0  -
      1          float8_e4m3fn  0x38    0|0111|000                                  1          0          0  -
      0.1        bfloat16       0x3DCD  0|01111011|1001101              0.10009765625   9.766e-5   9.766e-4  inexact
      0.1        float8_e4m3fn  0x1D    0|0011|101                          0.1015625   0.001562    0.01562  inexact
      -2.5       bfloat16       0xC020  1|10000000|0100000                       -2.5          0          0  -
      -2.5       float8_e4m3fn  0xC2    1|1000|010                               -2.5          0          0  -
      448        bfloat16       0x43E0  0|10000111|1100000                        448          0          0  -
      448        float8_e4m3fn  0x7E    0|1111|110                                448          0          0  -
      464        bfloat16       0x43E8  0|10000111|1101000                        464          0          0  -
      464        float8_e4m3fn  0x7E    0|1111|110                                448         16    0.03448  inexact
      NaN        bfloat16       0x7FC0  0|11111111|1000000                        nan        nan        nan  nan
      NaN        float8_e4m3fn  0x7F    0|1111|111                                nan        nan        nan  nan
      -Infinity  bfloat16       0xFF80  1|11111111|0000000                       -inf          0          0  -
      -Infinity  float8_e4m3fn  0xFF    1|1111|111                                nan        nan        nan  inexact,nan
      1e-40      bfloat16       0x0001  0|00000000|0000001      9.183549615799121e-41  8.165e-42    0.08165  inexact,subnormal,underflow
      1e-40      float8_e4m3fn  0x00    0|0000|000                                  0      1e-40          1  inexact,underflow
      "
    `);
  });

  it("prints one JSON array, one object per value and format", async () => {
    const rows = await castJson("--to", "bfloat16,float8_e4m3fn", "--", ...SNAPSHOT_VALUES);
    expect(rows).toHaveLength(16);
    expect(rows.map((x) => x.input)).toEqual(SNAPSHOT_VALUES.flatMap((v) => [v, v]));
    expect(rows).toMatchSnapshot();
  });

  it("defaults to float32, bfloat16, float16 and the two OCP FP8 formats", async () => {
    const rows = await castJson("1");
    expect(rows.map((x) => x.format)).toEqual([
      "float32",
      "bfloat16",
      "float16",
      "float8_e4m3fn",
      "float8_e5m2",
    ]);
    expect(rows.map((x) => x.hex)).toEqual(["0x3F800000", "0x3F80", "0x3C00", "0x38", "0x3C"]);
  });

  it.each([
    ["float16", "0.1", "0x2E66", "0|01011|1001100110"],
    ["bfloat16", "0.1", "0x3DCD", "0|01111011|1001101"],
    ["float16", "1", "0x3C00", "0|01111|0000000000"],
    ["float16", "65520", "0x7C00", "0|11111|0000000000"], // half an ulp above max: ties to even, to inf
    ["float8_e4m3fn", "464", "0x7E", "0|1111|110"], // the tie between 448 and 480 goes to even 448
    ["float8_e5m2", "61440", "0x7C", "0|11111|00"],
    ["float8_e4m3fnuz", "-0", "0x00", "0|0000|000"], // no negative zero: that code is NaN
    ["float4_e2m1fn", "5", "0x6", "0|11|0"], // the tie between 4 and 6 goes to even 4
  ])("%s of %s is %s", async (format, value, hex, bits) => {
    const row = await cast1(format, value);
    expect(row.hex).toBe(hex);
    expect(row.bits).toBe(bits);
  });

  it("flags an overflow of float8_e4m3fn to its NaN, and of float8_e5m2 to infinity", async () => {
    const e4m3 = await cast1("float8_e4m3fn", "465");
    expect(e4m3).toMatchObject({
      code: 0x7f,
      value: "nan",
      flags: { overflow: true, nan: true, inexact: true },
    });
    const e5m2 = await cast1("float8_e5m2", "61440");
    expect(e5m2).toMatchObject({ value: "inf", absError: "inf", relError: "inf", flags: { overflow: true } });
    const saturated = await cast1("float8_e4m3fn", "465", "--overflow", "saturate");
    expect(saturated).toMatchObject({ code: 0x7e, value: 448, flags: { overflow: true, nan: false } });
    const exact = await cast1("float8_e4m3fn", "448");
    expect(exact.flags).toEqual({
      inexact: false,
      subnormal: false,
      overflow: false,
      underflow: false,
      nan: false,
    });
  });

  it("flags subnormal results and underflow", async () => {
    const sub = await cast1("float16", "1e-5");
    expect(sub).toMatchObject({ code: 0x00a8, flags: { subnormal: true, underflow: true, inexact: true } });
    const exactSub = await cast1("float16", "0x1p-24");
    expect(exactSub).toMatchObject({ code: 1, flags: { subnormal: true, underflow: false, inexact: false } });
    const flushed = await cast1("float16", "1e-5", "--flush-subnormals");
    expect(flushed).toMatchObject({ code: 0, value: 0, relError: 1, flags: { subnormal: false } });
  });

  it("applies the rounding mode", async () => {
    const codes = async (mode: string): Promise<number[]> =>
      (await castJson("--to", "float4_e2m1fn", "--rounding", mode, "--", "5", "-5", "5.5")).map(
        (x) => x.code,
      );
    expect(await codes("nearest-even")).toEqual([0x6, 0xe, 0x7]);
    expect(await codes("nearest-away")).toEqual([0x7, 0xf, 0x7]);
    expect(await codes("toward-zero")).toEqual([0x6, 0xe, 0x6]);
  });

  it("draws value i's stochastic bits from randomWord(seed, 0, 0, i) >>> (32 - randomBits)", async () => {
    const values = Array.from({ length: 64 }, (_, i) => 0.3 + i / 1000);
    const argv = ["--to", "float8_e4m3fn", "--rounding", "stochastic", "--seed", "7", "--random-bits", "8"];
    const rows = await castJson(...argv, "--", ...values.map(String));
    const f = floatFormat("float8_e4m3fn");
    const expected = values.map((x, i) =>
      encodeValue(f, x, "stochastic", false, false, randomWord(7, 0, 0, i) >>> 24, 8),
    );
    expect(rows.map((x) => x.code)).toEqual(expected);
    // The same stream as the bulk codec's, and both neighbours do occur.
    const bulk = encodeArray(f, values, { rounding: "stochastic", randomBits: 8, random: { seed: 7 } });
    expect(rows.map((x) => x.code)).toEqual([...bulk]);
    expect(new Set(rows.slice(0, 4).map((x) => x.code)).size).toBeGreaterThan(1);
    const again = await castJson(...argv, "--", ...values.map(String));
    expect(again).toEqual(rows);
  });

  it("accepts negative numbers, hex floats and infinities without --", async () => {
    const rows = await castJson("--to", "float16", "-1.5", "-inf", "-0x1.8p-3", "inf", "-1e-3");
    expect(rows.map((x) => x.hex)).toEqual(["0xBE00", "0xFC00", "0xB200", "0x7C00", "0x9419"]);
    expect(rows.map((x) => x.input)).toEqual(["-1.5", "-inf", "-0x1.8p-3", "inf", "-1e-3"]);
  });
});

describe("bad input", () => {
  it.each([
    [
      ["cast", "--to", "fp16", "1"],
      /^minifloat: unknown float format "fp16" \(did you mean "float16"\?\); expected one of: float32, /,
    ],
    [["cast", "--to", "int8", "1"], /^minifloat: "int8" is an integer format; cast takes float formats/],
    [["cast", "--to", "float16", "abc"], /^minifloat: "abc" is not a number \(expected decimal/],
    [["cast", "--to", "float16", "-abc"], /^minifloat: "-abc" is not a number/],
    [["cast", "--jsn", "1"], /^minifloat: unknown option '--jsn' \(did you mean "--json"\?\)$/],
    [["cast", "1", "--bogus"], /^minifloat: unknown option '--bogus'$/],
    [["formats", "--bogus"], /^minifloat: unknown option '--bogus'$/],
    [["formats", "extra"], /^minifloat: too many arguments for 'formats'/],
    [["cats", "1"], /^minifloat: unknown command 'cats' \(Did you mean cast\?\)$/],
    [
      ["cast", "--rounding", "nearest", "1"],
      /^minifloat: option '--rounding <mode>' argument 'nearest' is invalid\. Expected one of nearest-even, toward-zero, nearest-away, stochastic \(did you mean "nearest-even"\?\)$/,
    ],
    [["cast", "--overflow", "sat", "1"], /argument 'sat' is invalid\. .* \(did you mean "saturate"\?\)$/],
    [
      ["cast", "--seed", "-3", "1"],
      /^minifloat: option '--seed <n>' argument '-3' is invalid\. Expected an integer/,
    ],
    [["cast", "--random-bits", "33", "1"], /argument '33' is invalid\. Expected an integer in \[1, 32\]$/],
    [["cast", "--to", "float16"], /^minifloat: missing required argument 'values'$/],
    [["cast", "--to", ",", "1"], /^minifloat: --to needs at least one format name$/],
  ])("%j: one line on stderr, exit code 2", async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trimEnd()).toMatch(message);
    expect(r.err.endsWith("\n")).toBe(true);
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
  });

  it("shows the help on stderr with exit code 2 when no command is given", async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.err).toContain("Usage: minifloat [options] [command]");
  });

  it("ends --help and --version with exit code 0 on stdout", async () => {
    const help = await cli("cast", "--help");
    expect(help).toMatchObject({ code: 0, err: "" });
    expect(help.out).toContain("--rounding <mode>");
    const version = await cli("--version");
    expect(version).toMatchObject({ code: 0, err: "", out: "0.1.0\n" });
  });
});

const BIN = fileURLToPath(new URL("../dist/src/cli/main.js", import.meta.url));
const built = existsSync(BIN);

describe("the built bin", () => {
  it.skipIf(!built)(
    built
      ? "runs `formats --json` and exits 0, and 2 on bad input"
      : "skipped: dist/ missing, run `npm run build`",
    async () => {
      const ok = spawnSync(process.execPath, [BIN, "formats", "--json"], { encoding: "utf8" });
      expect(ok.stderr).toBe("");
      expect(ok.status).toBe(0);
      expect(JSON.parse(ok.stdout)).toEqual(JSON.parse((await cli("formats", "--json")).out));
      const bad = spawnSync(process.execPath, [BIN, "cast", "--to", "fp16", "1"], { encoding: "utf8" });
      expect(bad.status).toBe(2);
      expect(bad.stdout).toBe("");
      expect(bad.stderr).toMatch(
        /^minifloat: unknown float format "fp16" \(did you mean "float16"\?\);.*\n$/,
      );
    },
  );
});
