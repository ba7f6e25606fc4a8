/**
 * The options `train` and `compare` share: model, data, optimizer, schedule and run settings, each mapped
 * onto a field of TrainConfig (src/experiment/config.ts validates the values, so a bad one is a "config"
 * error naming the option). A `--config FILE` JSON object gives defaults that the options override.
 */
import type { Command } from "commander";
import { MinifloatError } from "../errors.js";
import { makeTrainConfig, OPTIMIZER_NAMES, SCHEDULE_NAMES, type TrainConfig } from "../experiment/index.js";
import { IMAGE_DATASETS, isTextDataName } from "../data/index.js";
import { READ_LIMITS, readTextBounded, recordDataDir, schema } from "../io/index.js";
import { backendNames } from "../kernels/index.js";
import { MODELS } from "../nn/index.js";
import { integerIn, oneOf, quotingOption } from "./options.js";

/** The option values commander gives for the shared options (all optional: defaults come from config). */
export interface TrainCliOptions {
  readonly config?: string;
  readonly model?: string;
  readonly modelOptions?: string;
  readonly init?: string;
  readonly data?: string;
  readonly dataDir?: string;
  readonly quoting?: string;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly optimizer?: string;
  readonly momentum?: number;
  readonly nesterov?: boolean;
  readonly weightDecay?: number;
  readonly eps?: number;
  readonly schedule?: string;
  readonly warmupSteps?: number;
  readonly seed?: number;
  readonly trainLimit?: number;
  readonly testLimit?: number;
  readonly maxLength?: number;
  readonly augment?: boolean;
  readonly backend?: string;
  readonly logEvery?: number;
  readonly checkpointEvery?: number;
}

function number(name: string): (text: string) => number {
  return (text) => {
    const x = Number(text);
    if (text.trim() === "" || !Number.isFinite(x))
      throw new MinifloatError("argument", `${name}: expected a number, got "${text}"`);
    return x;
  };
}

const count = integerIn(1, Number.MAX_SAFE_INTEGER);
const MODEL_NAMES = [...Object.keys(MODELS), "bert"];
const imageData = oneOf(Object.keys(IMAGE_DATASETS));

/** An image dataset name, `glue:<task>` or `tsv`. */
function dataName(text: string): string {
  return isTextDataName(text) ? text : imageData(text);
}
const countOrZero = integerIn(0, Number.MAX_SAFE_INTEGER);

/** Add the shared options to `command`. */
export function addTrainOptions(command: Command): Command {
  return command
    .option("--config <file>", "JSON object of configuration fields (the options below override it)")
    .option("--model <name>", `model: ${MODEL_NAMES.join(", ")} (default lenet5)`, oneOf(MODEL_NAMES))
    .option(
      "--model-options <json>",
      'extra model options as JSON, e.g. \'{"activation":"pre"}\'; for bert Hugging Face config.json keys',
    )
    .option(
      "--init <dir>",
      "start from a Hugging Face checkpoint directory (config.json, model.safetensors, optional vocab.txt)",
    )
    .option(
      "--data <name>",
      `dataset: ${Object.keys(IMAGE_DATASETS).join(", ")}, glue:<task> or tsv (text, with --data-dir) (default mnist)`,
      dataName,
    )
    .option("--max-length <n>", "longest token sequence of text tasks (default 64)", count)
    .option(
      "--data-dir <dir>",
      "folder of the dataset files (default: the dataset's own; glue:sst2: the package's copy)",
    )
    .addOption(quotingOption())
    .option("--epochs <n>", "epochs (default 3)", count)
    .option("--batch-size <n>", "batch size (default 64)", count)
    .option("--lr <x>", "peak learning rate (default 0.05)", number("--lr"))
    .option("--optimizer <name>", `${OPTIMIZER_NAMES.join(", ")} (default sgd)`, oneOf(OPTIMIZER_NAMES))
    .option("--momentum <x>", "SGD momentum (default 0.9)", number("--momentum"))
    .option("--nesterov", "Nesterov momentum (SGD)")
    .option("--weight-decay <x>", "weight decay (default 0)", number("--weight-decay"))
    .option("--eps <x>", "Adam epsilon (default 1e-8)", number("--eps"))
    .option(
      "--schedule <name>",
      `learning-rate schedule: ${SCHEDULE_NAMES.join(", ")} (default constant)`,
      oneOf(SCHEDULE_NAMES),
    )
    .option("--warmup-steps <n>", "linear warmup steps (default 0)", countOrZero)
    .option(
      "--seed <n>",
      "seed of initialization, shuffling and stochastic rounding (default 0)",
      countOrZero,
    )
    .option("--train-limit <n>", "train on the first N training samples", count)
    .option("--test-limit <n>", "evaluate on the first N test samples", count)
    .option("--augment", "random crop (padding 4) and horizontal flip")
    .option("--backend <name>", `kernels: ${backendNames().join(", ")} (default wasm)`, oneOf(backendNames()))
    .option("--log-every <n>", "also write a metrics line every N steps", countOrZero)
    .option("--checkpoint-every <n>", "also write a checkpoint every N steps", countOrZero);
}

/** A --config file: a regular file of bounded size holding one JSON object (its bytes never quoted). */
function readConfigFile(path: string): Readonly<Record<string, unknown>> {
  const text = readTextBounded(path, READ_LIMITS.json, "--config file");
  return schema.parseJson(schema.record(schema.unknown), text, `--config ${path}`);
}

function parseModelOptions(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new MinifloatError("argument", `--model-options: not valid JSON: ${(e as Error).message}`);
  }
}

/** The configuration from --config and the options (policy given separately by each command). */
export function trainConfigFrom(
  o: TrainCliOptions,
  extra: Readonly<Record<string, unknown>> = {},
): TrainConfig {
  const { config: file, modelOptions, ...fields } = o;
  const base = file === undefined ? {} : readConfigFile(file);
  const merged: Record<string, unknown> = { ...base, ...fields, ...extra };
  if (typeof merged.dataDir === "string") merged.dataDir = recordDataDir(merged.dataDir);
  if (modelOptions !== undefined) merged.modelOptions = parseModelOptions(modelOptions);
  return makeTrainConfig(merged, file === undefined ? "options" : `--config ${file} and options`);
}
