/**
 * Number and bit-pattern printing for the command line: one spelling of NaN, infinities and -0 for
 * tables and JSON alike, hex codes padded to the format's width, and codes split into their sign,
 * exponent and mantissa fields. Pure string work; the numbers themselves come from src/formats.
 */
import type { FloatFormat } from "../formats/index.js";

/** A float64 as JSON can carry it: a finite number, or "nan", "inf", "-inf". */
export type JsonNumber = number | "nan" | "inf" | "-inf";

/** `v` as a JSON-safe value: finite numbers stay numbers, the rest become "nan", "inf" or "-inf". */
export function jsonNumber(v: number): JsonNumber {
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  return v;
}

/** The shortest text that reads back as exactly `v` (JavaScript's), with "-0", "nan", "inf", "-inf". */
export function formatExact(v: number): string {
  if (Object.is(v, -0)) return "-0";
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  return String(v);
}

/** `v` to `digits` significant digits, compact ("0", "0.1", "6.104e-5", "3.403e+38"). */
export function formatShort(v: number, digits = 4): string {
  if (v === 0 || !Number.isFinite(v)) return formatExact(v);
  const exact = String(v);
  if (exact.replace(/^-|\.|e.*$/g, "").replace(/^0+/, "").length <= digits) return exact;
  const a = Math.abs(v);
  const text = a >= 1e-3 && a < 10 ** digits ? v.toPrecision(digits) : v.toExponential(digits - 1);
  return text.replace(/(\.\d*?)0+(e|$)/, "$1$2").replace(/\.(e|$)/, "$1");
}

/** A power of two as "2^k"; any other value falls back to `formatShort`. */
export function formatPow2(v: number): string {
  if (v > 0 && Number.isFinite(v)) {
    const k = Math.round(Math.log2(v));
    if (2 ** k === v) return `2^${k}`;
  }
  return formatShort(v);
}

/** `code` in hex, upper case, padded to the width of a `bits`-bit code ("0x2E66"). */
export function formatHex(code: number, bits: number): string {
  return `0x${code
    .toString(16)
    .toUpperCase()
    .padStart(Math.ceil(bits / 4), "0")}`;
}

/** `code` in binary split into its fields, sign|exponent|mantissa ("0|01111|0000000000"); a field the
 * format lacks (the sign of E8M0, a zero-width mantissa) is left out. */
export function formatFields(f: FloatFormat, code: number): string {
  const text = code.toString(2).padStart(f.bits, "0");
  const signWidth = f.signed ? 1 : 0;
  const fields = [
    text.slice(0, signWidth),
    text.slice(signWidth, signWidth + f.exponentBits),
    text.slice(signWidth + f.exponentBits),
  ];
  return fields.filter((s) => s.length > 0).join("|");
}

/** A fraction as a percentage with two decimals, without the sign ("0.1234" -> "12.34"). */
export function percent(x: number): string {
  return (100 * x).toFixed(2);
}
