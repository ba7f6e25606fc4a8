/**
 * `minifloat formats`: every number format and its limits, as a table or one JSON array. Float formats
 * are read through finfo() (nothing is restated here); integer formats get a second, small table since
 * their mapping to real numbers lives in the quantization parameters, not in the format.
 */
import { Command } from "commander";
import { FLOAT_FORMATS, finfo, INT_FORMATS, type FloatFormat, type IntFormat } from "../formats/index.js";
import type { CliIo } from "./io.js";
import { formatExact, formatHex, formatPow2, formatShort } from "./print.js";
import { renderTable } from "./table.js";

const NAN_LABEL = { ieee: "ieee", "all-ones": "all-ones", "negative-zero": "-0 code", none: "none" } as const;

function floatRow(f: FloatFormat): string[] {
  const i = finfo(f);
  const max = formatExact(i.max).length <= 9 ? formatExact(i.max) : formatShort(i.max, 5);
  const nan = f.nanCode === null ? NAN_LABEL[i.nan] : `${NAN_LABEL[i.nan]} ${formatHex(f.nanCode, f.bits)}`;
  return [
    i.name,
    String(i.bits),
    String(i.exponentBits),
    String(i.mantissaBits),
    String(i.bias),
    max,
    formatPow2(i.smallestNormal),
    formatPow2(i.smallestSubnormal),
    formatPow2(i.epsilon),
    formatPow2(i.unitRoundoff),
    `${i.minExponent}..${i.maxExponent}`,
    i.infCode === null ? "no" : formatHex(i.infCode, f.bits),
    nan,
  ];
}

function intRow(f: IntFormat): string[] {
  return [f.name, String(f.bits), f.signed ? "yes" : "no", String(f.min), String(f.max)];
}

function table(): string {
  const r = { align: "right" } as const;
  const floats = renderTable(
    [
      { header: "name" },
      { header: "bits", ...r },
      { header: "exp", ...r },
      { header: "man", ...r },
      { header: "bias", ...r },
      { header: "max", ...r },
      { header: "min normal", ...r },
      { header: "min subnormal", ...r },
      { header: "epsilon", ...r },
      { header: "unit roundoff", ...r },
      { header: "exponents", ...r },
      { header: "+inf" },
      { header: "nan" },
    ],
    Object.values(FLOAT_FORMATS).map(floatRow),
  );
  const ints = renderTable(
    [
      { header: "name" },
      { header: "bits", ...r },
      { header: "signed" },
      { header: "min", ...r },
      { header: "max", ...r },
    ],
    Object.values(INT_FORMATS).map(intRow),
  );
  return `${floats}\nInteger formats (real value = scale * (q - zeroPoint), set by quantization):\n\n${ints}`;
}

function json(): string {
  const floats = Object.values(FLOAT_FORMATS).map((f) => ({ kind: "float", ...finfo(f) }));
  const ints = Object.values(INT_FORMATS).map((f) => ({ ...f }));
  return `${JSON.stringify([...floats, ...ints], null, 2)}\n`;
}

/** The `formats` command, writing to `io`. */
export function formatsCommand(io: CliIo): Command {
  return new Command("formats")
    .description("list every number format with its limits")
    .option("--json", "print one JSON array")
    .action((options: { json?: boolean }) => {
      io.stdout(options.json === true ? json() : table());
    });
}
