/**
 * Tab-separated text tables: a header row, then one record per line. Fields may be CSV-style quoted
 * (`"..."` with `""` for a quote, holding tabs and newlines, as pandas writes them and as banking77 has
 * them) or, with `quoting: "none"`, quotes are plain characters (as the official GLUE files and every GLUE
 * reader treat them, and as a plain `text<TAB>label` file whose text starts with a quote needs them);
 * `auto` picks the reading under which the whole file parses. Handles a UTF-8 BOM, CRLF and a missing or
 * present final newline; every problem is a "format" error naming `file:line`. `readTextClassification`
 * turns any `text<TAB>label` file into ids.
 */
import { readFileSync } from "node:fs";
import { closestName, isMinifloatError, MinifloatError } from "../../errors.js";
import { errorWords } from "../../io/fs-error.js";

/** How double quotes are read: `csv` (a field that starts with `"` is quoted) or `none` (always literal). */
export type TsvQuoting = "csv" | "none";

/** The quoting a reader is asked for: one of TsvQuoting, or `auto` (`csv` when the whole file parses
 * that way, else `none`). */
export type TsvQuotingOption = TsvQuoting | "auto";

/** The values of TsvQuotingOption, for option parsers. */
export const TSV_QUOTING_OPTIONS: readonly TsvQuotingOption[] = ["auto", "csv", "none"];

/** Options of `parseTsv` / `readTsv`. */
export interface TsvOptions {
  /** How double quotes are read (default `csv`). */
  readonly quoting?: TsvQuotingOption;
  /** Whether the first record names the columns (default true); without one, the first record sets the width. */
  readonly header?: boolean;
  /** A record whose field count differs from the header's: throw (`error`, default) or drop it (`skip`). */
  readonly onBadRow?: "error" | "skip";
}

/** A parsed table: column names (empty without a header), records, and the line where each record starts. */
export interface TsvTable {
  readonly source: string;
  /** The quoting the table was read with (the one `auto` chose). */
  readonly quoting: TsvQuoting;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** 1-based line number of the first line of each record in `rows`. */
  readonly lines: readonly number[];
  /** 1-based line numbers of records dropped by `onBadRow: "skip"`. */
  readonly skippedLines: readonly number[];
}

const TAB = 9;
const LF = 10;
const CR = 13;
const QUOTE = 34;

/** Line breaks (CRLF, LF or a lone CR, each counted once) in text[from, to). */
function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === LF || (c === CR && text.charCodeAt(k + 1) !== LF)) count++;
  }
  return count;
}

/** Split `text` into records of fields, with the line where each starts; blank lines are skipped. */
function scanRecords(
  text: string,
  source: string,
  quoting: TsvQuoting,
): { rows: string[][]; lines: number[] } {
  const rows: string[][] = [];
  const lines: number[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    const start = i;
    const startLine = line;
    const fields: string[] = [];
    for (;;) {
      if (quoting === "csv" && text.charCodeAt(i) === QUOTE) {
        let value = "";
        let pos = i + 1;
        for (;;) {
          const close = text.indexOf('"', pos);
          if (close < 0) {
            throw new MinifloatError(
              "format",
              `${source}:${line}: unterminated quoted field (the quote opened here is never closed); ` +
                `fix the file or read quotes literally with --quoting none (quoting: "none")`,
            );
          }
          value += text.slice(pos, close);
          if (text.charCodeAt(close + 1) === QUOTE) {
            value += '"';
            pos = close + 2;
            continue;
          }
          line += countLineBreaks(text, i, close);
          i = close + 1;
          break;
        }
        const after = text.charCodeAt(i);
        if (i < n && after !== TAB && after !== LF && after !== CR) {
          throw new MinifloatError(
            "format",
            `${source}:${line}: unexpected ${JSON.stringify(text[i])} after the closing quote of field ` +
              `${fields.length + 1}; expected a tab or the end of the line (or read quotes literally with --quoting none, quoting: "none")`,
          );
        }
        fields.push(value);
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === TAB || c === LF || c === CR) break;
          j++;
        }
        fields.push(text.slice(i, j));
        i = j;
      }
      if (i < n && text.charCodeAt(i) === TAB) {
        i++;
        continue;
      }
      break;
    }
    const blank = i === start;
    if (i < n) {
      if (text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF) i++;
      i++;
      line++;
    }
    if (!blank) {
      rows.push(fields);
      lines.push(startLine);
    }
  }
  return { rows, lines };
}

/** Parse TSV text; `source` names it in error messages (a path, or a description). */
export function parseTsv(text: string, source = "<tsv>", options: TsvOptions = {}): TsvTable {
  const quoting = options.quoting ?? "csv";
  return quoting === "auto" ? parseAuto(text, source, options) : parseWith(text, source, options, quoting);
}

/** `quoting: "auto"`: the csv reading when the whole text parses that way (and it drops no more rows
 * than the literal reading), else the literal one; an error naming both readings when neither parses. */
function parseAuto(text: string, source: string, options: TsvOptions): TsvTable {
  let quoted: TsvTable;
  try {
    quoted = parseWith(text, source, options, "csv");
  } catch (csvError) {
    if (!isMinifloatError(csvError, "format")) throw csvError;
    try {
      return parseWith(text, source, options, "none");
    } catch (plainError) {
      if (!isMinifloatError(plainError, "format")) throw plainError;
      if (plainError.message === csvError.message) throw csvError; // not about quotes (an empty file)
      throw new MinifloatError(
        "format",
        `cannot read ${source} with quoted fields (${csvError.message}) nor with literal quotes ` +
          `(${plainError.message}); fix the file, or choose one reading with --quoting csv or --quoting none`,
      );
    }
  }
  if (quoted.skippedLines.length > 0) {
    // Rows skipped as malformed may be literal quotes misread as quoting: keep the reading that skips fewer.
    const plain = parseWith(text, source, options, "none");
    if (plain.skippedLines.length < quoted.skippedLines.length) return plain;
  }
  return quoted;
}

function parseWith(text: string, source: string, options: TsvOptions, quoting: TsvQuoting): TsvTable {
  const { rows, lines } = scanRecords(text, source, quoting);
  const header = options.header ?? true;
  if (rows.length === 0) {
    if (header) throw new MinifloatError("format", `${source}: empty file, expected a header row`);
    return { source, quoting, columns: [], rows: [], lines: [], skippedLines: [] };
  }
  const columns = header ? rows[0] : [];
  const width = rows[0].length;
  const first = header ? 1 : 0;
  const kept: string[][] = [];
  const keptLines: number[] = [];
  const skippedLines: number[] = [];
  for (let r = first; r < rows.length; r++) {
    const row = rows[r];
    if (row.length === width) {
      kept.push(row);
      keptLines.push(lines[r]);
    } else if (options.onBadRow === "skip") {
      skippedLines.push(lines[r]);
    } else {
      const what = header ? `the header (${columns.join(", ")})` : `line ${lines[0]}`;
      throw new MinifloatError(
        "format",
        `${source}:${lines[r]}: expected ${width} tab-separated fields as in ${what}, got ${row.length}`,
      );
    }
  }
  return { source, quoting, columns, rows: kept, lines: keptLines, skippedLines };
}

/** Read a UTF-8 text file; an unreadable file is an "io" error, invalid UTF-8 a "format" error. */
export function readTextFile(path: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new MinifloatError("io", `cannot read ${path}: ${errorWords(e)}`, { cause: e });
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (e) {
    throw new MinifloatError("format", `${path}: not valid UTF-8 text`, { cause: e });
  }
}

/** Read and parse a TSV file. */
export function readTsv(path: string, options: TsvOptions = {}): TsvTable {
  return parseTsv(readTextFile(path), path, options);
}

/** Index of a column given by header name (case-insensitive) or by 0-based index; `role` names the option. */
export function findColumn(table: TsvTable, column: string | number, role: string): number {
  const width = table.columns.length > 0 ? table.columns.length : (table.rows[0]?.length ?? 0);
  if (typeof column === "number") {
    if (!Number.isInteger(column) || column < 0 || column >= width) {
      throw new MinifloatError(
        "argument",
        `${role}: column index ${column} is outside ${table.source}, which has ${width} columns`,
      );
    }
    return column;
  }
  const names = table.columns.map((c) => c.trim().toLowerCase());
  const at = names.indexOf(column.trim().toLowerCase());
  if (at < 0) {
    const guess = closestName(column.trim().toLowerCase(), names);
    const hint = guess === undefined ? "" : `; did you mean "${guess}"?`;
    throw new MinifloatError(
      "format",
      `${table.source}: no column "${column}" for ${role}; the header has [${table.columns.join(", ")}]${hint}`,
    );
  }
  return at;
}

/** Options of `readTextClassification`. */
export interface TextClassificationOptions {
  /** Column holding the text, by header name or index (default `text`). */
  readonly textColumn?: string | number;
  /** Column holding the label name, by header name or index (default `label`). */
  readonly labelColumn?: string | number;
  /** Label names in id order; by default the distinct labels of the file, sorted. */
  readonly labels?: readonly string[];
  /** How double quotes are read (default `auto`). */
  readonly quoting?: TsvQuotingOption;
}

/** Texts with integer labels, and the label names in id order. */
export interface TextClassificationData {
  readonly source: string;
  readonly texts: readonly string[];
  readonly labelIds: Int32Array;
  readonly labels: readonly string[];
  /** The quoting the file was read with. */
  readonly quoting: TsvQuoting;
}

/** Read a `text<TAB>label` file (header row required) into texts and label ids. */
export function readTextClassification(
  path: string,
  options: TextClassificationOptions = {},
): TextClassificationData {
  const table = readTsv(path, { quoting: options.quoting ?? "auto" });
  const textAt = findColumn(table, options.textColumn ?? "text", "textColumn");
  const labelAt = findColumn(table, options.labelColumn ?? "label", "labelColumn");
  const values = table.rows.map((row, r) => {
    const v = row[labelAt].trim();
    if (v === "") throw new MinifloatError("format", `${path}:${table.lines[r]}: empty label`);
    return v;
  });
  const labels = options.labels ?? [...new Set(values)].sort();
  const ids = new Map(labels.map((name, id) => [name, id]));
  if (ids.size !== labels.length) {
    throw new MinifloatError("argument", `labels: names must be distinct, got [${labels.join(", ")}]`);
  }
  const labelIds = new Int32Array(values.length);
  values.forEach((v, r) => {
    const id = ids.get(v);
    if (id === undefined) {
      const guess = closestName(v, labels);
      throw new MinifloatError(
        "format",
        `${path}:${table.lines[r]}: label "${v}" is not one of the ${labels.length} given labels` +
          (guess === undefined ? "" : `; did you mean "${guess}"?`),
      );
    }
    labelIds[r] = id;
  });
  const texts = table.rows.map((row) => row[textAt]);
  return { source: path, texts, labelIds, labels, quoting: table.quoting };
}
