/**
 * Parsers for option values shared by the commands, and the "did you mean" rule for option names and
 * values: each parser checks one option and throws commander's InvalidArgumentError naming the allowed
 * values, so a typo becomes one line on stderr and exit code 2, never a stack trace.
 */
import { InvalidArgumentError, Option } from "commander";
import { TSV_QUOTING_OPTIONS } from "../data/index.js";
import { editDistance } from "../errors.js";

/** The choice the user most likely meant by `text`: the nearest (by edit distance) of those it is a
 * prefix of, else the nearest of all if that is close (at most 40% of the longer name), else undefined. */
export function suggest(text: string, choices: readonly string[]): string | undefined {
  const prefixed = choices.filter((c) => text.length > 0 && c.startsWith(text));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of prefixed.length > 0 ? prefixed : choices) {
    const d = editDistance(text, c);
    if (d < bestDistance && (prefixed.length > 0 || d <= 0.4 * Math.max(text.length, c.length))) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** " (did you mean "x"?)" for the suggestion of `text` among `choices`, or "" when there is none. */
export function didYouMean(text: string, choices: readonly string[]): string {
  const near = suggest(text, choices);
  return near === undefined ? "" : ` (did you mean "${near}"?)`;
}

/** A parser for an option that takes one of `choices`, suggesting the closest one on a typo. */
export function oneOf<T extends string>(choices: readonly T[]): (text: string) => T {
  return (text) => {
    const found = choices.find((c) => c === text);
    if (found !== undefined) return found;
    throw new InvalidArgumentError(`Expected one of ${choices.join(", ")}${didYouMean(text, choices)}`);
  };
}

/** A parser for an option that takes an integer in [min, max]. */
export function integerIn(min: number, max: number): (text: string) => number {
  return (text) => {
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`Expected an integer in [${min}, ${max}]`);
    }
    return n;
  };
}

/** The non-empty, trimmed items of a comma-separated option value ("a, b,,c" -> ["a", "b", "c"]). */
export function commaList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** `--quoting auto|csv|none`: how the commands that read TSV files treat double quotes. */
export function quotingOption(): Option {
  return new Option(
    "--quoting <mode>",
    'TSV quotes: csv ("..." fields may hold tabs and newlines), none (quotes are plain text, e.g. a ' +
      "text starting with a quote), auto (csv when the whole file reads that way, else none; default)",
  ).argParser(oneOf(TSV_QUOTING_OPTIONS));
}
