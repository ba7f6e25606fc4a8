/**
 * Text classification for training: a dataset of (text, optional second text, label) from a GLUE task or
 * any `text<TAB>label` files, tokenized once with a BertTokenizer, and batches padded to their longest
 * row (at most maxLength) with the same seeded shuffling as the image loader, so a batch is a function of
 * (seed, epoch, index) and a resumed run sees the same batches.
 */
import { join } from "node:path";
import { MinifloatError } from "../errors.js";
import { shuffledIndices } from "./loader.js";
import { GLUE_TASKS, loadGlueTask, readTextClassification, type TsvQuotingOption } from "./text/index.js";
import type { BatchInput, BertTokenizer } from "./tokenizer/index.js";

/** Sentences (or sentence pairs) with class labels. */
export interface TextDataset {
  readonly name: string;
  readonly textsA: readonly string[];
  /** Second sentences of pair tasks (MRPC, RTE, ...), or null. */
  readonly textsB: readonly string[] | null;
  readonly labels: Int32Array;
  readonly classes: readonly string[];
}

/** Which part of a text dataset to load: train, or the labelled evaluation split (GLUE dev). */
export type TextSplit = "train" | "test";

/** True for the dataset names loadTextDataset takes: `glue:<task>` and `tsv`. */
export function isTextDataName(name: string): boolean {
  return name.startsWith("glue:") || name === "tsv";
}

/** How loadTextDataset reads. */
export interface TextDatasetOptions {
  /** How double quotes in the TSV files are read (default `auto`). */
  readonly quoting?: TsvQuotingOption | undefined;
  /** tsv: the class names in id order (a model's id2label); the evaluation split is then read alone,
   * without train.tsv. */
  readonly classes?: readonly string[] | undefined;
}

/**
 * A text dataset by name: `glue:<task>` (e.g. glue:sst2; `dir` is the task folder; test = dev split) or
 * `tsv` (`dir` holds train.tsv and dev.tsv with `text` and `label` columns; labels are named, in the
 * order of `options.classes`, else sorted as train.tsv has them).
 */
export function loadTextDataset(
  name: string,
  dir: string | undefined,
  split: TextSplit,
  options: TextDatasetOptions = {},
): TextDataset {
  if (!isTextDataName(name)) {
    const tasks = Object.keys(GLUE_TASKS).map((t) => `glue:${t}`);
    throw new MinifloatError(
      "argument",
      `--data ${JSON.stringify(name)}: unknown text dataset; expected tsv or glue:<task> (${tasks.join(", ")})`,
    );
  }
  if (dir === undefined) throw new MinifloatError("io", `${name}: pass --data-dir with the task's TSV files`);
  const { data, path } = readTextDataset(name, dir, split, options);
  if (data.labels.length === 0) {
    const which = split === "train" ? "training" : "evaluation";
    throw new MinifloatError("format", `${path}: the ${which} split of ${name} has no examples`);
  }
  return data;
}

/** The dataset of loadTextDataset and the file its split was read from. */
function readTextDataset(
  name: string,
  dir: string,
  split: TextSplit,
  options: TextDatasetOptions,
): { data: TextDataset; path: string } {
  const quoting = options.quoting ?? "auto";
  if (name === "tsv") {
    const read = (file: string, labels?: readonly string[]) =>
      readTextClassification(join(dir, file), labels === undefined ? { quoting } : { quoting, labels });
    const labels = options.classes ?? (split === "train" ? undefined : read("train.tsv").labels);
    const file = split === "train" ? "train.tsv" : "dev.tsv";
    const data = read(file, labels);
    const d = { name, textsA: data.texts, textsB: null, labels: data.labelIds, classes: data.labels };
    return { data: d, path: join(dir, file) };
  }
  const glue = loadGlueTask(name.slice("glue:".length), dir, split === "train" ? "train" : "dev", {
    quoting,
  });
  if (glue.regression) {
    throw new MinifloatError(
      "unsupported",
      `${name}: regression tasks (STS-B) are not trained by minifloat yet`,
    );
  }
  const pair = glue.examples.some((e) => e.textB !== undefined);
  const data = {
    name,
    textsA: glue.examples.map((e) => e.textA),
    textsB: pair ? glue.examples.map((e) => e.textB ?? "") : null,
    labels: Int32Array.from(glue.examples, (e) => e.label),
    classes: glue.labelNames,
  };
  return { data, path: glue.path };
}

/** The first `n` samples of `d` (all of them when n is at least its size, or undefined). */
export function firstSamples(d: TextDataset, n: number | undefined): TextDataset {
  if (n === undefined || n >= d.labels.length) return d;
  return {
    ...d,
    textsA: d.textsA.slice(0, n),
    textsB: d.textsB?.slice(0, n) ?? null,
    labels: d.labels.slice(0, n),
  };
}

/** One batch of token ids, (B, T) row-major, padded to its longest row. */
export interface TextBatch {
  readonly inputIds: Int32Array;
  readonly tokenTypeIds: Int32Array;
  readonly attentionMask: Int32Array;
  readonly shape: readonly [number, number];
  readonly labels: Int32Array;
  readonly indices: Int32Array;
}

/** How a TextLoader batches. */
export interface TextLoaderOptions {
  readonly batchSize: number;
  /** Longest sequence, special tokens included (longer inputs are truncated, longest first). */
  readonly maxLength: number;
  readonly shuffle?: boolean | undefined;
  readonly seed?: number | undefined;
  readonly trainLimit?: number | undefined;
}

/** Seeded batches of a tokenized text dataset. */
export class TextLoader {
  readonly size: number;
  private readonly ids: readonly number[][];
  private readonly types: readonly number[][];

  constructor(
    readonly dataset: TextDataset,
    tokenizer: BertTokenizer,
    private readonly options: TextLoaderOptions,
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new MinifloatError("argument", `batchSize: expected an integer >= 1, got ${options.batchSize}`);
    }
    this.size = Math.min(dataset.labels.length, options.trainLimit ?? Infinity);
    const inputs = Array.from({ length: this.size }, (_, i): BatchInput => {
      const b = dataset.textsB?.[i];
      return b === undefined ? dataset.textsA[i] : [dataset.textsA[i], b];
    });
    const encoded = tokenizer.encodeBatch(inputs, {
      maxLength: options.maxLength,
      truncation: "longest_first",
    });
    this.ids = encoded.inputIds;
    this.types = encoded.tokenTypeIds;
  }

  /** The largest batch: (rows, tokens) of the longest row padded with the batch size's rows. */
  get largestBatch(): readonly [number, number] {
    const longest = this.ids.reduce((m, row) => Math.max(m, row.length), 0);
    return [Math.min(this.options.batchSize, this.size), longest];
  }

  /** Batches in one epoch (the last may be smaller). */
  get batchesPerEpoch(): number {
    return Math.ceil(this.size / this.options.batchSize);
  }

  private cached: { epoch: number; order: Int32Array } | null = null;

  /** The sample order of an epoch (kept for the epoch in use: batches ask for it one after another). */
  private order(epoch: number): Int32Array {
    if (this.cached?.epoch !== epoch) {
      const order =
        (this.options.shuffle ?? true)
          ? shuffledIndices(this.size, this.options.seed ?? 0, epoch)
          : Int32Array.from({ length: this.size }, (_, i) => i);
      this.cached = { epoch, order };
    }
    return this.cached.order;
  }

  /** Batch `b` of an epoch. */
  batch(epoch: number, b: number): TextBatch {
    if (!Number.isInteger(b) || b < 0 || b >= this.batchesPerEpoch) {
      throw new MinifloatError("argument", `batch: expected 0..${this.batchesPerEpoch - 1}, got ${b}`);
    }
    const start = b * this.options.batchSize;
    const indices = this.order(epoch).slice(start, start + this.options.batchSize);
    const rows = indices.length;
    const t = Math.max(1, ...Array.from(indices, (i) => this.ids[i].length));
    const inputIds = new Int32Array(rows * t); // (B, T), [PAD] = 0
    const tokenTypeIds = new Int32Array(rows * t);
    const attentionMask = new Int32Array(rows * t);
    const labels = new Int32Array(rows);
    indices.forEach((i, r) => {
      inputIds.set(this.ids[i], r * t);
      tokenTypeIds.set(this.types[i], r * t);
      attentionMask.fill(1, r * t, r * t + this.ids[i].length);
      labels[r] = this.dataset.labels[i];
    });
    return { inputIds, tokenTypeIds, attentionMask, shape: [rows, t], labels, indices };
  }

  /** The batches of an epoch, in order. */
  *epoch(epoch: number): Generator<TextBatch> {
    for (let b = 0; b < this.batchesPerEpoch; b++) yield this.batch(epoch, b);
  }
}
