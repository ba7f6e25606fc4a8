/**
 * `minifloat eval [MODEL_DIR]`: the task metric of a Hugging Face text classifier directory on a labelled
 * split (GLUE dev, or a TSV's dev.tsv), or SQuAD v1.1 exact match and F1 of a BertForQuestionAnswering
 * directory (--data squad). Without a directory, the shipped SST-2 model; without --data, the data the
 * model was trained on (its training.json), or squad for a QA model. A table on stdout, or one JSON object
 * with --json.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import {
  firstSamples,
  GLUE_TASKS,
  isTextDataName,
  loadTextDataset,
  readSquad,
  type TsvQuotingOption,
} from "../data/index.js";
import { MinifloatError } from "../errors.js";
import {
  atMaxLength,
  evaluateQaModel,
  loadQaModel,
  loadQuantizedTextModel,
  loadTextModel,
  modelClasses,
  modelData,
  predictText,
  progressStep,
  textMetrics,
} from "../experiment/index.js";
import { readHfConfig, resolveDataDir, resolveFromRoot, shippedModelDir } from "../io/index.js";
import type { CliIo } from "./io.js";
import { integerIn, quotingOption } from "./options.js";
import { percent } from "./print.js";
import { progressDisplay } from "./progress.js";
import { renderTable } from "./table.js";

interface EvalCliOptions {
  readonly data?: string;
  readonly dataDir?: string;
  readonly quoting?: TsvQuotingOption;
  readonly maxLength?: number;
  readonly batchSize?: number;
  readonly limit?: number;
  readonly docStride?: number;
  readonly maxQueryLength?: number;
  readonly maxAnswerLength?: number;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

const count = integerIn(1, Number.MAX_SAFE_INTEGER);

const SQUAD_DEV_FILE = "dev-v1.1.json";

/** The file SQuAD reads from --data-dir: the .json file itself, or dev-v1.1.json in the folder. */
function squadDevFile(given: string | undefined): string {
  if (given === undefined) {
    throw new MinifloatError(
      "argument",
      "--data squad needs --data-dir: a folder holding dev-v1.1.json, or a SQuAD v1.1 .json file",
    );
  }
  const path = resolveDataDir(given);
  if (!existsSync(path)) throw new MinifloatError("io", `--data-dir ${path}: no such file or folder`);
  if (!statSync(path).isDirectory()) return path;
  const file = join(path, SQUAD_DEV_FILE);
  if (!existsSync(file)) {
    throw new MinifloatError(
      "io",
      `${path}: no ${SQUAD_DEV_FILE} (pass the folder holding it, or the SQuAD v1.1 .json file itself)`,
    );
  }
  return file;
}

/** Whether config.json of `dir` names BertForQuestionAnswering among its architectures. */
function isQaDirectory(dir: string): boolean {
  const arch = readHfConfig(dir).architectures;
  return Array.isArray(arch) && arch.includes("BertForQuestionAnswering");
}

/** `eval --data squad`: exact match and F1 (percent, as the official v1.1 script) of a QA directory. */
function evalSquad(io: CliIo, dir: string, o: EvalCliOptions): void {
  const file = squadDevFile(o.dataDir);
  const qm = loadQaModel(dir);
  const dataset = readSquad(file);
  const display = progressDisplay(io, o.quiet);
  const progress = progressStep(display.listener, "eval squad", 1, 1, "windows");
  const r = evaluateQaModel(qm, dataset.questions, {
    maxSeqLength: o.maxLength,
    docStride: o.docStride,
    maxQueryLength: o.maxQueryLength,
    maxAnswerLength: o.maxAnswerLength,
    batchSize: o.batchSize,
    limit: o.limit,
    onProgress: progress.count,
  });
  const metrics = { exact_match: r.exactMatch, f1: r.f1 };
  progress.finish(`exact match ${r.exactMatch.toFixed(2)}%, F1 ${r.f1.toFixed(2)}%`);
  if (o.json === true) {
    const json = {
      model: dir,
      data: "squad",
      dataFile: file,
      samples: r.questions,
      features: r.features,
      metric: "f1",
      value: r.f1,
      metrics,
      seconds: r.seconds,
    };
    io.stdout(JSON.stringify(json, null, 2) + "\n");
    return;
  }
  const rate = (r.questions / r.seconds).toFixed(1);
  io.stdout(`${dir} on squad (${r.questions} questions, ${r.features} windows, ${rate} questions/s)\n`);
  io.stdout(
    renderTable(
      [{ header: "metric" }, { header: "value", align: "right" }],
      Object.entries(metrics).map(([k, v]) => [k, `${v.toFixed(2)}%`]),
    ),
  );
}

/** `eval` of a text classifier: its task metric on the evaluation split. */
function evalText(io: CliIo, dir: string, o: EvalCliOptions): void {
  const quantized = readHfConfig(dir).quantization_config !== undefined;
  const loaded = quantized ? loadQuantizedTextModel(dir) : loadTextModel(dir);
  const tm = atMaxLength(loaded, o.maxLength);
  const { data, dataDir, quoting } = modelData(tm, o.data, o.dataDir, o.quoting);
  const split = loadTextDataset(data, dataDir, "test", { quoting, classes: modelClasses(tm) });
  const dataset = firstSamples(split, o.limit);
  const n = dataset.labels.length;
  const t0 = performance.now();
  const display = progressDisplay(io, o.quiet);
  const progress = progressStep(display.listener, "eval", 1, 1);
  const predictions = predictText(tm, dataset, {
    batchSize: o.batchSize,
    onBatch: progress.count,
  });
  const seconds = (performance.now() - t0) / 1000;
  const r = textMetrics(data, predictions, dataset.labels);
  progress.finish(`${r.metric} ${percent(r.value)}% on ${n} samples`);
  if (o.json === true) {
    const json = { model: dir, data, dataDir, samples: n, ...r, seconds };
    io.stdout(JSON.stringify(json, null, 2) + "\n");
    return;
  }
  io.stdout(`${dir} on ${data} (${n} samples, ${(n / seconds).toFixed(0)} samples/s)\n`);
  io.stdout(
    renderTable(
      [{ header: "metric" }, { header: "value", align: "right" }],
      Object.entries(r.metrics).map(([k, v]) => [
        k,
        k === "accuracy" || k === "f1" ? `${percent(v)}%` : v.toFixed(4),
      ]),
    ),
  );
}

/** The `eval` command, writing to `io`. */
export function evalCommand(io: CliIo): Command {
  return new Command("eval")
    .description(
      "the task metric of a Hugging Face text classifier directory on a labelled split, or SQuAD v1.1 " +
        "exact match and F1 of a BertForQuestionAnswering directory",
    )
    .argument(
      "[model-dir]",
      "config.json + model.safetensors (+ vocab.txt) (default: the shipped SST-2 model; models/sst2 and " +
        "models/banking77 name the shipped models from any directory)",
    )
    .option(
      "--data <name>",
      "glue:<task>, tsv or squad (default: what the model was trained on; squad for a QA model)",
    )
    .option(
      "--data-dir <dir>",
      "folder of the task's files (default: the model's training data); squad: a folder holding " +
        "dev-v1.1.json, or the SQuAD v1.1 .json file itself",
    )
    .addOption(quotingOption())
    .option(
      "--max-length <n>",
      "longest token sequence (default: the model's model_max_length; squad: max_seq_length, 384 or the model's limit if lower)",
      count,
    )
    .option("--batch-size <n>", "sequences per forward pass (default 64; squad 32)", count)
    .option("--limit <n>", "evaluate the first N samples (squad: questions)", count)
    .option(
      "--doc-stride <n>",
      "squad: context tokens between the starts of two windows (default 128)",
      count,
    )
    .option("--max-query-length <n>", "squad: question tokens kept (default 64)", count)
    .option("--max-answer-length <n>", "squad: longest answer in tokens (default 30)", count)
    .option(
      "--json",
      "print one JSON object (squad: metric f1, metrics exact_match and f1, in percent as the official script)",
    )
    .option("--quiet", "no progress on stderr")
    .action((modelDir: string | undefined, o: EvalCliOptions) => {
      if (o.data !== undefined && o.data !== "squad" && !isTextDataName(o.data)) {
        throw new MinifloatError(
          "argument",
          `--data ${JSON.stringify(o.data)}: expected squad, tsv or glue:<task> (${Object.keys(GLUE_TASKS).join(", ")})`,
        );
      }
      const dir = modelDir === undefined ? shippedModelDir("sst2") : resolveFromRoot(modelDir);
      const qa = isQaDirectory(dir);
      if (o.data === "squad" || (o.data === undefined && qa)) {
        evalSquad(io, dir, o);
        return;
      }
      if (qa) {
        throw new MinifloatError(
          "argument",
          `${dir} is a BertForQuestionAnswering model: evaluate it with --data squad, not ${o.data}`,
        );
      }
      evalText(io, dir, o);
    });
}
