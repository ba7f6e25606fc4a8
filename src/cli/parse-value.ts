/**
 * Reading a value from the command line as a float64: decimal text (correctly rounded by the engine's
 * own parser), C99/IEEE 754 hexadecimal floats like 0x1.8p-3 (rounded once, to nearest even, with BigInt
 * arithmetic), and the names nan, inf and infinity in any case. Anything else is a user error.
 */
import { MinifloatError } from "../errors.js";

// Linear-time: `\d+\.?\d*` backtracks quadratically on a long run of digits followed by a non-digit.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;
const HEX = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/i;
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/** The nearest float64 (ties to even) to m * 2^e, for an integer m >= 0; overflow gives Infinity. */
export function roundScaledInteger(m: bigint, e: number): number {
  if (m === 0n) return 0;
  const top = m.toString(2).length - 1 + e; // floor(log2(m * 2^e))
  if (top > 1023) return Infinity;
  const quantum = Math.max(top - 52, -1074); // exponent of the last kept bit, subnormals included
  const shift = quantum - e;
  if (shift <= 0) return Number(m << BigInt(-shift)) * 2 ** quantum;
  const s = BigInt(shift);
  let n = m >> s;
  const rem = m - (n << s);
  const half = 1n << (s - 1n);
  if (rem > half || (rem === half && (n & 1n) === 1n)) n += 1n;
  return Number(n) * 2 ** quantum; // n <= 2^53, so exact; 2^53 * 2^971 overflows to Infinity, as it must
}

function parseHex(sign: string, whole: string, fraction: string, exponent: string): number {
  const digits = whole + fraction;
  const e = Number(exponent) - 4 * fraction.length;
  // Exponents far outside float64's range saturate; clamp so the BigInt work stays small.
  const clamped = Math.max(-1_200 - 4 * digits.length, Math.min(e, 1_100));
  const v = roundScaledInteger(BigInt(`0x${digits}`), clamped);
  return sign === "-" ? -v : v;
}

/** `text` as a float64: decimal, hexadecimal float, or nan/inf/infinity; throws an "argument" error
 * naming the text otherwise. */
export function parseValue(text: string): number {
  if (DECIMAL.test(text)) return Number(text);
  const hex = HEX.exec(text);
  if (hex !== null) {
    const [, sign = "", whole = "", fraction = "", exponent = "0"] = hex;
    if (whole.length + fraction.length > 0) return parseHex(sign, whole, fraction, exponent);
  }
  const special = SPECIAL.exec(text);
  if (special !== null) {
    if (special[2].toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  throw new MinifloatError(
    "argument",
    `"${text}" is not a number (expected decimal like -1.5e-3, hex float like 0x1.8p-3, nan or inf)`,
  );
}
