/**
 * The configuration of one training run: what `minifloat train` takes and what a run directory records
 * in config.json. Every field has a default; a configuration read back from JSON is validated field by
 * field, each mistake a "config" error naming the source and the field, so a resumed run can check that
 * it continues the same experiment.
 */
import { closestName, MinifloatError } from "../errors.js";
import { TSV_QUOTING_OPTIONS, type TsvQuotingOption } from "../data/index.js";
import { resolveDataDir } from "../io/index.js";
import { BERT_LIMITS } from "../nn/index.js";
import { backendNames } from "../kernels/index.js";
import type { BackendName } from "../tensor/index.js";

/** The longest token sequence a run may ask for (BERT's largest max_position_embeddings). */
export const MAX_SEQUENCE_LENGTH = BERT_LIMITS.max_position_embeddings;

/** The optimizers a run can use. */
export const OPTIMIZER_NAMES = ["sgd", "adam", "adamw"] as const;
/** An optimizer name. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** The learning-rate schedules a run can use (each after an optional linear warmup). */
export const SCHEDULE_NAMES = ["constant", "cosine", "step"] as const;
/** A schedule name. */
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/** Everything that decides a training run. */
export interface TrainConfig {
  /** A model name of createModel (mlp, lenet5, vgg-small, resnet20, vit-tiny). */
  readonly model: string;
  /** Extra model options (e.g. {"activation": "pre"} for resnet20); channels, size and classes come from
   * the dataset. */
  readonly modelOptions: Readonly<Record<string, unknown>>;
  /** A Hugging Face checkpoint directory to start from (config.json, model.safetensors, optional
   * vocab.txt), or null to start from a fresh initialization. Text tasks (BERT) only. */
  readonly init: string | null;
  /** A dataset name: mnist, fashion-mnist, cifar10. */
  readonly data: string;
  /** Folder of the dataset files; null for the dataset's default. Recorded as `minifloat:data/<path>`
   * inside the package's data folder, else as an absolute path (see recordDataDir). */
  readonly dataDir: string | null;
  /** How double quotes in text TSV files are read: auto, csv or none. */
  readonly quoting: TsvQuotingOption;
  /** A preset policy name, or the path of a JSON policy file. */
  readonly policy: string;
  readonly epochs: number;
  readonly batchSize: number;
  /** Peak learning rate. */
  readonly lr: number;
  readonly optimizer: OptimizerName;
  /** SGD momentum (0 for plain SGD). */
  readonly momentum: number;
  readonly nesterov: boolean;
  /** L2 weight decay (SGD, Adam) or decoupled decay (AdamW). */
  readonly weightDecay: number;
  /** Adam epsilon. */
  readonly eps: number;
  readonly schedule: ScheduleName;
  /** Linear warmup steps before the schedule. */
  readonly warmupSteps: number;
  /** Epochs between decays of the step schedule (x0.1 each). */
  readonly stepEpochs: number;
  readonly seed: number;
  /** Train on the first N training samples only; null for all. */
  readonly trainLimit: number | null;
  /** Evaluate on the first N test samples only; null for all. */
  readonly testLimit: number | null;
  /** Longest token sequence of text tasks, special tokens included (longer inputs are truncated). */
  readonly maxLength: number;
  /** Random crop (padding 4) and horizontal flip, as in the CIFAR recipe. */
  readonly augment: boolean;
  readonly backend: BackendName;
  /** Write a metrics line every N steps besides the per-epoch lines; 0 for per-epoch lines only. */
  readonly logEvery: number;
  /** Write a checkpoint every N steps besides those at the end of each epoch; 0 for epoch ends only. */
  readonly checkpointEvery: number;
}

/** The defaults: LeNet-5 on MNIST in float32, SGD with momentum 0.9 at 0.05, batch 64, 3 epochs. */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = Object.freeze({
  model: "lenet5",
  modelOptions: Object.freeze({}),
  init: null,
  data: "mnist",
  dataDir: null,
  quoting: "auto",
  policy: "fp32",
  epochs: 3,
  batchSize: 64,
  lr: 0.05,
  optimizer: "sgd",
  momentum: 0.9,
  nesterov: false,
  weightDecay: 0,
  eps: 1e-8,
  schedule: "constant",
  warmupSteps: 0,
  stepEpochs: 30,
  seed: 0,
  trainLimit: null,
  testLimit: null,
  maxLength: 64,
  augment: false,
  backend: "wasm",
  logEvery: 0,
  checkpointEvery: 0,
});

type Field = keyof TrainConfig;
const FIELDS = Object.keys(DEFAULT_TRAIN_CONFIG) as Field[];

function fail(source: string, field: string, message: string): never {
  throw new MinifloatError("config", `${source}: ${field}: ${message}`);
}

function shown(v: unknown): string {
  if (typeof v === "string") return `"${v}"`;
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return typeof v === "object" ? "an object" : typeof v;
}

function checkNumber(source: string, field: Field, v: unknown, min: number, integer: boolean): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || (integer && !Number.isSafeInteger(v))) {
    fail(source, field, `expected ${integer ? "an integer" : "a number"} >= ${min}, got ${shown(v)}`);
  }
  return v;
}

function checkChoice<T extends string>(source: string, field: Field, v: unknown, allowed: readonly T[]): T {
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  const near = typeof v === "string" ? closestName(v, allowed) : undefined;
  return fail(
    source,
    field,
    `expected one of ${allowed.join(", ")}, got ${shown(v)}${near === undefined ? "" : ` (did you mean "${near}"?)`}`,
  );
}

function checkString(source: string, field: Field, v: unknown): string {
  if (typeof v !== "string" || v === "") fail(source, field, `expected a non-empty string, got ${shown(v)}`);
  return v;
}

/** Validate one field's value; returns it typed. */
function checkField(source: string, field: Field, v: unknown): unknown {
  switch (field) {
    case "model":
    case "data":
    case "policy":
      return checkString(source, field, v);
    case "dataDir":
    case "init":
      return v === null ? null : checkString(source, field, v);
    case "modelOptions":
      if (typeof v !== "object" || v === null || Array.isArray(v))
        fail(source, field, `expected an object, got ${shown(v)}`);
      return Object.freeze({ ...v });
    case "maxLength": {
      // Positions of a text model are bounded (bert-limits.ts); refused here, before any data is read.
      const n = checkNumber(source, field, v, 1, true);
      if (n > MAX_SEQUENCE_LENGTH)
        fail(source, field, `expected at most ${MAX_SEQUENCE_LENGTH} tokens, got ${n}`);
      return n;
    }
    case "epochs":
    case "batchSize":
    case "stepEpochs":
      return checkNumber(source, field, v, 1, true);
    case "seed":
    case "warmupSteps":
    case "logEvery":
    case "checkpointEvery":
      return checkNumber(source, field, v, 0, true);
    case "trainLimit":
    case "testLimit":
      return v === null ? null : checkNumber(source, field, v, 1, true);
    case "lr":
    case "momentum":
    case "weightDecay":
      return checkNumber(source, field, v, 0, false);
    case "eps": {
      const e = checkNumber(source, field, v, 0, false);
      if (e === 0) fail(source, field, "expected a number > 0, got 0");
      return e;
    }
    case "nesterov":
    case "augment":
      if (typeof v !== "boolean") fail(source, field, `expected true or false, got ${shown(v)}`);
      return v;
    case "optimizer":
      return checkChoice(source, field, v, OPTIMIZER_NAMES);
    case "schedule":
      return checkChoice(source, field, v, SCHEDULE_NAMES);
    case "backend":
      return checkChoice(source, field, v, backendNames());
    case "quoting":
      return checkChoice(source, field, v, TSV_QUOTING_OPTIONS);
    default:
      return field satisfies never;
  }
}

/** A complete configuration from defaults overridden by `overrides` (a JSON object or CLI options);
 * unknown fields and bad values are "config" errors naming `source` and the field. */
export function makeTrainConfig(overrides: unknown, source = "config"): TrainConfig {
  if (typeof overrides !== "object" || overrides === null || Array.isArray(overrides)) {
    fail(source, "(top level)", `expected a JSON object, got ${shown(overrides)}`);
  }
  const given = overrides as Record<string, unknown>;
  const out: Record<string, unknown> = { ...DEFAULT_TRAIN_CONFIG };
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!(FIELDS as string[]).includes(key)) {
      const near = closestName(key, FIELDS);
      fail(source, key, `unknown field${near === undefined ? "" : ` (did you mean "${near}"?)`}`);
    }
    out[key] = checkField(source, key as Field, value);
  }
  const config = out as unknown as TrainConfig;
  if (config.nesterov && (config.optimizer !== "sgd" || config.momentum === 0)) {
    fail(source, "nesterov", "needs optimizer sgd with momentum > 0");
  }
  return Object.freeze(config);
}

/** The fields in which two configurations differ (epochs excluded: a finished run may be extended;
 * data folders compared by where they resolve, so a run recorded with a relative path still resumes). */
export function configDifferences(a: TrainConfig, b: TrainConfig): string[] {
  const value = (c: TrainConfig, f: Field): unknown =>
    f === "dataDir" && c.dataDir !== null ? resolveDataDir(c.dataDir) : c[f];
  return FIELDS.filter((f) => f !== "epochs" && JSON.stringify(value(a, f)) !== JSON.stringify(value(b, f)));
}
