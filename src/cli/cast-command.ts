/**
 * `minifloat cast`: round float64 values into float formats and show the codes, their fields, the
 * decoded values, the errors and the flags. Each value is rounded once (the formats layer's encodeValue).
 * Stochastic rounding draws value i's bits from randomWord(seed, 0, 0, i) >>> (32 - randomBits), the
 * same bits for every format, so a run is reproducible from its seed.
 */
import { Command, Option } from "commander";
import { MinifloatError } from "../errors.js";
import {
  castValue,
  floatFormat,
  isIntFormatName,
  OVERFLOW_MODES,
  randomWord,
  ROUNDING_MODES,
  type CastResult,
  type CastSettings,
  type FloatFormat,
  type OverflowMode,
  type RoundingMode,
} from "../formats/index.js";
import type { CliIo } from "./io.js";
import { commaList, didYouMean, integerIn, oneOf } from "./options.js";
import { parseValue } from "./parse-value.js";
import { formatExact, formatFields, formatHex, formatShort, jsonNumber } from "./print.js";
import { renderTable } from "./table.js";

/** The formats `cast` shows when --to is not given. */
export const DEFAULT_CAST_FORMATS = ["float32", "bfloat16", "float16", "float8_e4m3fn", "float8_e5m2"];

interface CastOptions {
  readonly to: string;
  readonly rounding: RoundingMode;
  readonly overflow: OverflowMode;
  readonly seed: number;
  readonly randomBits: number;
  readonly flushSubnormals?: boolean;
  readonly json?: boolean;
}

function parseFormats(list: string): FloatFormat[] {
  const names = commaList(list);
  if (names.length === 0) throw new MinifloatError("argument", `--to needs at least one format name`);
  return names.map((name) => {
    if (isIntFormatName(name)) {
      throw new MinifloatError(
        "format",
        `"${name}" is an integer format; cast takes float formats (integers need a scale and zero point)`,
      );
    }
    return floatFormat(name);
  });
}

/** The values as float64; an unparseable argument starting with "--" is reported as an unknown option
 * (the command lets unknown options through so that -inf and -0x1p-3 work without `--`). */
function parseValues(texts: readonly string[], command: Command): number[] {
  return texts.map((text) => {
    try {
      return parseValue(text);
    } catch (e) {
      if (text.startsWith("--")) {
        const flags = command.options.map((o) => o.long ?? "").concat("--help");
        const hint = didYouMean(text.split("=")[0] ?? text, flags);
        throw new MinifloatError("argument", `unknown option '${text}'${hint}`, { cause: e });
      }
      throw e;
    }
  });
}

const FLAG_NAMES = ["inexact", "subnormal", "overflow", "underflow", "nan"] as const;

function flagList(r: CastResult): string {
  const set = FLAG_NAMES.filter((k) => r.flags[k]);
  return set.length === 0 ? "-" : set.join(",");
}

function tableRow(input: string, r: CastResult): string[] {
  return [
    input,
    r.format.name,
    formatHex(r.code, r.format.bits),
    formatFields(r.format, r.code),
    formatExact(r.value),
    formatShort(r.absError),
    formatShort(r.relError),
    flagList(r),
  ];
}

function jsonRow(input: string, x: number, r: CastResult): object {
  return {
    input,
    parsed: jsonNumber(x),
    format: r.format.name,
    code: r.code,
    hex: formatHex(r.code, r.format.bits),
    bits: formatFields(r.format, r.code),
    value: jsonNumber(r.value),
    absError: jsonNumber(r.absError),
    relError: jsonNumber(r.relError),
    flags: r.flags,
  };
}

function run(texts: readonly string[], o: CastOptions, command: Command, io: CliIo): void {
  const formats = parseFormats(o.to);
  const values = parseValues(texts, command);
  const settings: CastSettings = {
    rounding: o.rounding,
    saturate: o.overflow === "saturate",
    flushSubnormals: o.flushSubnormals === true,
    randomBits: o.randomBits,
  };
  const rows: { input: string; x: number; r: CastResult }[] = [];
  values.forEach((x, i) => {
    const input = texts[i] ?? "";
    const rand = o.rounding === "stochastic" ? randomWord(o.seed, 0, 0, i) >>> (32 - o.randomBits) : 0;
    for (const f of formats) rows.push({ input, x, r: castValue(f, x, settings, rand) });
  });
  if (o.json === true) {
    io.stdout(
      `${JSON.stringify(
        rows.map((row) => jsonRow(row.input, row.x, row.r)),
        null,
        2,
      )}\n`,
    );
    return;
  }
  const right = { align: "right" } as const;
  const columns = [
    { header: "input" },
    { header: "format" },
    { header: "hex" },
    { header: "sign|exponent|mantissa" },
    { header: "value", ...right },
    { header: "abs error", ...right },
    { header: "rel error", ...right },
    { header: "flags" },
  ];
  io.stdout(
    renderTable(
      columns,
      rows.map((row) => tableRow(row.input, row.r)),
    ),
  );
}

const HELP_AFTER = `
Each value is read as a float64 and rounded once into each format. Stochastic
rounding gives value i (counting from 0) the random integer
randomWord(seed, 0, 0, i) >>> (32 - randomBits), the same for every format.
Flags: inexact, subnormal (non-zero subnormal result), overflow (IEEE 754: the
result with an unbounded exponent exceeds max), underflow (tiny before rounding
and inexact), nan. Negative values need no "--" (cast --to float16 -1.5 -inf).

Example:
  minifloat cast --to bfloat16,float8_e4m3fn 0.1 448 464 -inf
`;

/** The `cast` command, writing to `io`. */
export function castCommand(io: CliIo): Command {
  const command = new Command("cast");
  return command
    .description("round values (float64) into float formats: codes, fields, values, errors and flags")
    .argument("<values...>", "decimal (-1.5e-3), hex float (0x1.8p-3), nan, inf or -inf")
    .option("--to <formats>", "comma-separated float formats", DEFAULT_CAST_FORMATS.join(","))
    .addOption(
      new Option("--rounding <mode>", `one of ${ROUNDING_MODES.join(", ")}`)
        .default("nearest-even")
        .argParser(oneOf(ROUNDING_MODES)),
    )
    .addOption(
      new Option("--overflow <mode>", `one of ${OVERFLOW_MODES.join(", ")}`)
        .default("ieee")
        .argParser(oneOf(OVERFLOW_MODES)),
    )
    .addOption(
      new Option("--seed <n>", "seed of stochastic rounding")
        .default(0)
        .argParser(integerIn(0, Number.MAX_SAFE_INTEGER)),
    )
    .addOption(
      new Option("--random-bits <n>", "random bits per stochastic rounding, 1 to 32")
        .default(32)
        .argParser(integerIn(1, 32)),
    )
    .option("--flush-subnormals", "values below the smallest normal become zero")
    .option("--json", "print one JSON array")
    .allowUnknownOption()
    .addHelpText("after", HELP_AFTER)
    .action((texts: string[], options: CastOptions) => {
      run(texts, options, command, io);
    });
}
