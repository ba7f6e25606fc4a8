/**
 * The nine GLUE tasks as data: each task's files, the columns holding its sentence(s) and label, its label
 * set and metrics. Columns are found by header name (tolerating variants such as SST-2's `text` for
 * `sentence`), or by the positions Hugging Face's GLUE processors use when a file has no header (CoLA's
 * four-column train/dev files) or a test header that names no id column over a column of integer ids (the
 * shared SST-2 copy, whose test header reads `text<TAB>label` over `index<TAB>sentence` rows).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { closestName, MinifloatError } from "../../errors.js";
import { GLUE_TASK_METRICS, type GlueTaskName, type TextMetricName } from "./metrics.js";
import { parseTsv, readTextFile, type TsvQuoting, type TsvQuotingOption, type TsvTable } from "./tsv.js";

export type { GlueTaskName } from "./metrics.js";

/** Splits of a GLUE task; MNLI has matched and mismatched dev/test sets (`dev` and `test` mean matched). */
export type GlueSplit =
  "train" | "dev" | "test" | "dev_matched" | "dev_mismatched" | "test_matched" | "test_mismatched";

/** A column: accepted header names (lower case, preferred first) and its position when there is no header. */
interface Field {
  readonly names: readonly string[];
  /** 0-based; negative counts from the end (as `line[-1]` in Hugging Face's processors). */
  readonly position: number;
}

/** Where the fields of one kind of file (labelled train/dev, or unlabelled test) are. */
interface Layout {
  readonly textA: Field;
  readonly textB?: Field;
  readonly label?: Field;
}

/** One GLUE task: files per split, column layouts, labels as written in the files, metrics. */
export interface GlueTaskSpec {
  readonly name: GlueTaskName;
  /** The directory name of the official GLUE release (`SST-2`, `STS-B`...). */
  readonly dirName: string;
  readonly files: { readonly [S in GlueSplit]?: string };
  readonly labelled: Layout;
  readonly test: Layout;
  /** Label values as they appear in the files, in id order; empty for STS-B (a regression task). */
  readonly labels: readonly string[];
  /** Readable names of the labels, in id order (Hugging Face `datasets` naming). */
  readonly labelNames: readonly string[];
  readonly metrics: readonly TextMetricName[];
}

const f = (position: number, ...names: string[]): Field => ({ names, position });
const STANDARD_FILES = { train: "train.tsv", dev: "dev.tsv", test: "test.tsv" } as const;
const ID_NAMES = ["index", "id", "idx"];
const PAIR_TEST: Layout = { textA: f(1, "sentence1"), textB: f(2, "sentence2") };
const PAIR: Layout = { ...PAIR_TEST, label: f(-1, "label") };

/** Every GLUE task; positions follow Hugging Face's `glue.py` processors, names the official headers. */
export const GLUE_TASKS: { readonly [T in GlueTaskName]: GlueTaskSpec } = {
  cola: {
    name: "cola",
    dirName: "CoLA",
    files: STANDARD_FILES,
    labelled: { textA: f(3, "sentence", "text"), label: f(1, "label") },
    test: { textA: f(1, "sentence", "text") },
    labels: ["0", "1"],
    labelNames: ["unacceptable", "acceptable"],
    metrics: GLUE_TASK_METRICS.cola,
  },
  sst2: {
    name: "sst2",
    dirName: "SST-2",
    files: STANDARD_FILES,
    labelled: { textA: f(0, "sentence", "text"), label: f(1, "label") },
    test: { textA: f(1, "sentence", "text") },
    labels: ["0", "1"],
    labelNames: ["negative", "positive"],
    metrics: GLUE_TASK_METRICS.sst2,
  },
  mrpc: {
    name: "mrpc",
    dirName: "MRPC",
    files: STANDARD_FILES,
    labelled: {
      textA: f(3, "#1 string", "sentence1"),
      textB: f(4, "#2 string", "sentence2"),
      label: f(0, "quality", "label"),
    },
    test: { textA: f(3, "#1 string", "sentence1"), textB: f(4, "#2 string", "sentence2") },
    labels: ["0", "1"],
    labelNames: ["not_equivalent", "equivalent"],
    metrics: GLUE_TASK_METRICS.mrpc,
  },
  stsb: {
    name: "stsb",
    dirName: "STS-B",
    files: STANDARD_FILES,
    labelled: { textA: f(7, "sentence1"), textB: f(8, "sentence2"), label: f(-1, "score", "label") },
    test: { textA: f(7, "sentence1"), textB: f(8, "sentence2") },
    labels: [],
    labelNames: [],
    metrics: GLUE_TASK_METRICS.stsb,
  },
  qqp: {
    name: "qqp",
    dirName: "QQP",
    files: STANDARD_FILES,
    labelled: { textA: f(3, "question1"), textB: f(4, "question2"), label: f(5, "is_duplicate", "label") },
    test: { textA: f(1, "question1"), textB: f(2, "question2") },
    labels: ["0", "1"],
    labelNames: ["not_duplicate", "duplicate"],
    metrics: GLUE_TASK_METRICS.qqp,
  },
  mnli: {
    name: "mnli",
    dirName: "MNLI",
    files: {
      train: "train.tsv",
      dev: "dev_matched.tsv",
      dev_matched: "dev_matched.tsv",
      dev_mismatched: "dev_mismatched.tsv",
      test: "test_matched.tsv",
      test_matched: "test_matched.tsv",
      test_mismatched: "test_mismatched.tsv",
    },
    labelled: {
      textA: f(8, "sentence1", "premise"),
      textB: f(9, "sentence2", "hypothesis"),
      label: f(-1, "gold_label", "label"),
    },
    test: { textA: f(8, "sentence1", "premise"), textB: f(9, "sentence2", "hypothesis") },
    labels: ["entailment", "neutral", "contradiction"],
    labelNames: ["entailment", "neutral", "contradiction"],
    metrics: GLUE_TASK_METRICS.mnli,
  },
  qnli: {
    name: "qnli",
    dirName: "QNLI",
    files: STANDARD_FILES,
    labelled: { textA: f(1, "question"), textB: f(2, "sentence"), label: f(-1, "label") },
    test: { textA: f(1, "question"), textB: f(2, "sentence") },
    labels: ["entailment", "not_entailment"],
    labelNames: ["entailment", "not_entailment"],
    metrics: GLUE_TASK_METRICS.qnli,
  },
  rte: {
    name: "rte",
    dirName: "RTE",
    files: STANDARD_FILES,
    labelled: PAIR,
    test: PAIR_TEST,
    labels: ["entailment", "not_entailment"],
    labelNames: ["entailment", "not_entailment"],
    metrics: GLUE_TASK_METRICS.rte,
  },
  wnli: {
    name: "wnli",
    dirName: "WNLI",
    files: STANDARD_FILES,
    labelled: PAIR,
    test: PAIR_TEST,
    labels: ["0", "1"],
    labelNames: ["not_entailment", "entailment"],
    metrics: GLUE_TASK_METRICS.wnli,
  },
};

const TASK_NAMES = Object.keys(GLUE_TASKS) as GlueTaskName[];
const SPLIT_ALIASES: Readonly<Partial<Record<string, GlueSplit>>> = {
  train: "train",
  dev: "dev",
  validation: "dev",
  test: "test",
  dev_matched: "dev_matched",
  validation_matched: "dev_matched",
  dev_mismatched: "dev_mismatched",
  validation_mismatched: "dev_mismatched",
  test_matched: "test_matched",
  test_mismatched: "test_mismatched",
};

/** The task named `name`: `glue:sst2`, `sst2`, `SST-2` and `sst_2` all name SST-2; typos get a suggestion. */
export function glueTask(name: string): GlueTaskSpec {
  const key = name
    .trim()
    .toLowerCase()
    .replace(/^glue[:/]/, "")
    .replace(/[-_\s]/g, "");
  if (key in GLUE_TASKS) return GLUE_TASKS[key as GlueTaskName];
  if (key === "") {
    throw new MinifloatError(
      "argument",
      `expected a GLUE task name (glue:<task>, one of ${TASK_NAMES.join(", ")}), got ${JSON.stringify(name)}`,
    );
  }
  const guess = closestName(key, TASK_NAMES);
  throw new MinifloatError(
    "argument",
    `unknown GLUE task "${name}"${guess === undefined ? "" : `; did you mean "${guess}"?`} ` +
      `(known: ${TASK_NAMES.join(", ")})`,
  );
}

/** One example: the sentence (pair) and the label id (the score for STS-B; -1 in test splits, as in `datasets`). */
export interface GlueExample {
  readonly textA: string;
  readonly textB?: string;
  readonly label: number;
}

/** A loaded split: examples, label values in id order, the metrics to report, and how the file was read. */
export interface GlueData {
  readonly task: GlueTaskName;
  readonly split: GlueSplit;
  readonly path: string;
  readonly examples: readonly GlueExample[];
  readonly labels: readonly string[];
  readonly labelNames: readonly string[];
  readonly regression: boolean;
  readonly labelled: boolean;
  readonly metrics: readonly TextMetricName[];
  /** The quoting the file was read with (chosen by `auto` unless given). */
  readonly quoting: TsvQuoting;
  readonly skippedLines: readonly number[];
}

/** Options of `loadGlueTask`. */
export interface GlueOptions {
  /**
   * `none`: quotes are literal, as in the official files; `csv`: quoted fields (files re-saved by pandas);
   * `auto` (default): `csv` when the whole file parses that way, otherwise `none`.
   */
  readonly quoting?: TsvQuotingOption;
  /** Rows with the wrong number of fields: throw (default) or skip them (Hugging Face skips short QQP rows). */
  readonly onBadRow?: "error" | "skip";
}

const norm = (s: string): string => s.trim().toLowerCase();

/** Column of each field of `layout`, and whether row 0 is a header. */
function resolveColumns(
  table: TsvTable,
  layout: Layout,
  test: boolean,
): { columns: { textA: number; textB?: number; label?: number }; header: boolean } {
  const rows = table.rows;
  const width = rows[0].length;
  const fields = [layout.textA, layout.textB, layout.label].filter((x) => x !== undefined);
  const first = rows[0].map(norm);
  const known = new Set([...fields.flatMap((x) => x.names), ...ID_NAMES]);
  const header = first.some((c) => known.has(c));
  const integerIds = rows.length > 1 && rows.slice(1).every((r) => /^\d+$/.test(r[0].trim()));
  const mislabelled = header && test && !first.some((c) => ID_NAMES.includes(c)) && integerIds;
  const column = (field: Field, role: string): number => {
    if (header && !mislabelled) {
      for (const name of field.names) {
        const at = first.indexOf(name);
        if (at >= 0) return at;
      }
      throw new MinifloatError(
        "format",
        `${table.source}: no ${role} column; expected a header named ${field.names.map((n) => `"${n}"`).join(" or ")}, ` +
          `the header is [${rows[0].join(", ")}]`,
      );
    }
    const at = field.position < 0 ? width + field.position : field.position;
    if (at < 0 || at >= width) {
      throw new MinifloatError(
        "format",
        `${table.source}: rows have ${width} fields, but the ${role} column (read by position) is field ${at + 1}`,
      );
    }
    return at;
  };
  const columns: { textA: number; textB?: number; label?: number } = {
    textA: column(layout.textA, "first sentence"),
  };
  if (layout.textB !== undefined) columns.textB = column(layout.textB, "second sentence");
  if (layout.label !== undefined) columns.label = column(layout.label, "label");
  return { columns, header };
}

/** The id of a label value: the value as written, its readable name, or an integer id (files saved by `datasets`). */
function labelId(spec: GlueTaskSpec, raw: string, where: string): number {
  const v = raw.trim();
  if (spec.labels.length === 0) {
    const score = Number(v);
    if (v === "" || !Number.isFinite(score)) {
      throw new MinifloatError("format", `${where}: STS-B score "${raw}" is not a number`);
    }
    return score;
  }
  const at = spec.labels.indexOf(v);
  if (at >= 0) return at;
  const named = spec.labelNames.indexOf(v.toLowerCase());
  if (named >= 0) return named;
  if (/^\d+$/.test(v) && Number(v) < spec.labels.length) return Number(v);
  throw new MinifloatError(
    "format",
    `${where}: ${spec.dirName} label "${raw}" is not one of ${spec.labels.map((l) => `"${l}"`).join(", ")}`,
  );
}

/** Path of a split's file: `dir/<file>`, or `dir/<TASK>/<file>` when `dir` is the GLUE root. */
function splitPath(spec: GlueTaskSpec, dir: string, split: GlueSplit): string {
  const file = spec.files[split];
  if (file === undefined) {
    throw new MinifloatError(
      "argument",
      `split: ${spec.dirName} has no split "${split}" (it has ${Object.keys(spec.files).join(", ")})`,
    );
  }
  const candidates = [join(dir, file), join(dir, spec.dirName, file)];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    throw new MinifloatError(
      "io",
      `${spec.dirName} ${split} file not found: tried ${candidates.join(" and ")}`,
    );
  }
  return found;
}

/** Load one split of a GLUE task from its directory (or from the GLUE root holding `SST-2/` etc.). */
export function loadGlueTask(name: string, dir: string, split = "dev", options: GlueOptions = {}): GlueData {
  const spec = glueTask(name);
  const canonical = SPLIT_ALIASES[split.trim().toLowerCase()];
  if (canonical === undefined) {
    const guess = closestName(split, Object.keys(spec.files));
    throw new MinifloatError(
      "argument",
      `split: unknown split "${split}"${guess === undefined ? "" : `; did you mean "${guess}"?`}`,
    );
  }
  const path = splitPath(spec, dir, canonical);
  const table = parseTsv(readTextFile(path), path, {
    header: false,
    quoting: options.quoting ?? "auto",
    onBadRow: options.onBadRow ?? "error",
  });
  const test = canonical.startsWith("test");
  const base = {
    task: spec.name,
    split: canonical,
    path,
    labels: spec.labels,
    labelNames: spec.labelNames,
    regression: spec.labels.length === 0,
    labelled: !test,
    metrics: spec.metrics,
    quoting: table.quoting,
    skippedLines: table.skippedLines,
  };
  if (table.rows.length === 0) return { ...base, examples: [] };
  const { columns, header } = resolveColumns(table, test ? spec.test : spec.labelled, test);
  const examples: GlueExample[] = [];
  for (let r = header ? 1 : 0; r < table.rows.length; r++) {
    const row = table.rows[r];
    const where = `${path}:${table.lines[r]}`;
    const label = columns.label === undefined ? -1 : labelId(spec, row[columns.label], where);
    examples.push(
      columns.textB === undefined
        ? { textA: row[columns.textA], label }
        : { textA: row[columns.textA], textB: row[columns.textB], label },
    );
  }
  return { ...base, examples };
}
