/**
 * From a TrainConfig to the objects of a run: the precision policy (a preset or a JSON file), the
 * datasets and loaders, the engine, the model built in the policy's formats, the optimizer with its state
 * in the policy's formats, the learning-rate schedule and the loss scaler. The only place where a policy's
 * roles are mapped onto modules, backward and the optimizer.
 */
import { existsSync } from "node:fs";
import { MinifloatError } from "../errors.js";
import { floatFormat } from "../formats/index.js";
import {
  BertTokenizer,
  DataLoader,
  isTextDataName,
  loadImageDataset,
  firstSamples,
  loadTextDataset,
  takeFirst,
  TextLoader,
  type ImageDataset,
  type TextDataset,
} from "../data/index.js";
import {
  BertForSequenceClassification,
  bertConfig,
  checkBertWeights,
  createContext,
  MAX_ATTENTION_VALUES,
  type BertConfig,
  createModel,
  type Module,
  type ModelConfig,
  type ModuleContext,
} from "../nn/index.js";
import {
  Adam,
  AdamW,
  constantSchedule,
  cosineSchedule,
  optimizerWarnings,
  Sgd,
  stepSchedule,
  warmupSchedule,
  type NamedParameter,
  type Optimizer,
  type OptimizerSpec,
  type Schedule,
} from "../optim/index.js";
import { LossScaler, parsePolicy, presetPolicy, type PrecisionPolicy } from "../precision/index.js";
import type { OpRounding } from "../kernels/index.js";
import {
  loadState,
  READ_LIMITS,
  readHfCheckpoint,
  readHfConfig,
  readHfShapes,
  readTextBounded,
} from "../io/index.js";
import { Engine } from "../tensor/index.js";
import type { TrainConfig } from "./config.js";
import { runDataDir } from "./data-dir.js";
import { checkpointTokenizer } from "./text-model.js";

/** A policy by preset name, or read from the JSON file at that path (a name with ".json" or a "/"): a
 * policy file, or a run's config.json, whose "policy" part is the same form. */
export function resolvePolicy(nameOrPath: string): PrecisionPolicy {
  const looksLikeFile = nameOrPath.endsWith(".json") || nameOrPath.includes("/");
  if (!looksLikeFile) return presetPolicy(nameOrPath);
  if (!existsSync(nameOrPath)) {
    throw new MinifloatError("io", `policy file ${nameOrPath} does not exist (or give a preset name)`);
  }
  const text = readTextBounded(nameOrPath, READ_LIMITS.json, "policy file");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return parsePolicy(text, nameOrPath); // its error names the file and the parser's complaint
  }
  if (typeof json === "object" && json !== null && "config" in json && "policy" in json) {
    return parsePolicy(json.policy, `${nameOrPath}: policy`);
  }
  return parsePolicy(json, nameOrPath);
}

/** The rounding of a role that ops apply (activations, gradients, loss): ops round nearest-even or
 * stochastically. */
export function opRounding(policy: PrecisionPolicy, role: "activations" | "gradients" | "loss"): OpRounding {
  const r = policy.roles[role].rounding;
  if (r === "nearest-even" || r === "stochastic") return r;
  throw new MinifloatError(
    "config",
    `policy ${policy.name}: roles.${role}.rounding: ops round nearest-even or stochastic, got ${r}`,
  );
}

/** The training and test sets of an image task (the test set cut to testLimit). */
export interface ImageRunData {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
}

/** The training and evaluation sets of a text task and the tokenizer that reads them. */
export interface TextRunData {
  readonly train: TextDataset;
  readonly test: TextDataset;
  readonly tokenizer: BertTokenizer;
}

/** The data of a run. */
export type RunData = ImageRunData | TextRunData;

/** True when a run's data is text. */
export function isTextData(data: RunData): data is TextRunData {
  return "tokenizer" in data;
}

/** The tokenizer of a text run: the --init checkpoint's (its vocab.txt and do_lower_case when it has
 * them), else bert-base-uncased's. */
function runTokenizer(config: TrainConfig): BertTokenizer {
  return config.init === null ? BertTokenizer.bertBaseUncased() : checkpointTokenizer(config.init);
}

/** Load the datasets a configuration names (text tasks with the bert-base-uncased vocabulary, or the
 * --init checkpoint's). */
export function loadRunData(config: TrainConfig): RunData {
  const dir = runDataDir(config.data, config.dataDir);
  if (isTextDataName(config.data)) {
    const options = { quoting: config.quoting };
    const test = loadTextDataset(config.data, dir, "test", options);
    const limit = config.testLimit ?? Infinity;
    return {
      train: loadTextDataset(config.data, dir, "train", options),
      test: firstSamples(test, limit),
      tokenizer: runTokenizer(config),
    };
  }
  const train = loadImageDataset(config.data, { dir, split: "train" });
  const test = loadImageDataset(config.data, { dir, split: "test" });
  return { train, test: config.testLimit === null ? test : takeFirst(test, config.testLimit) };
}

/** The batch size of evaluation (no gradients are kept, so larger batches cost little). */
export const EVAL_BATCH_SIZE = 250;

/** Where a run's batches come from: images or token ids. */
export type BatchSource = DataLoader | TextLoader;

/** The default size of `--model bert` (modelOptions in Hugging Face config.json keys override it). */
export const SMALL_BERT: Readonly<Record<string, unknown>> = Object.freeze({
  hidden_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 512,
});

/** The Hugging Face config.json keys a BERT run starts from: the --init checkpoint's config.json, else
 * SMALL_BERT with room for maxLength positions, with --model-options on top. */
function bertBaseConfig(config: TrainConfig): Record<string, unknown> {
  const base =
    config.init === null
      ? { ...SMALL_BERT, max_position_embeddings: Math.max(512, config.maxLength) }
      : readHfConfig(config.init);
  return { ...base, ...config.modelOptions };
}

/** Refuse, before a run directory is made or any data read, a BERT run whose maxLength goes beyond the
 * positions its model will have (max_position_embeddings of --init's config.json or --model-options). */
export function checkBertMaxLength(config: TrainConfig): void {
  if (config.model !== "bert") return;
  const positions = bertBaseConfig(config).max_position_embeddings ?? 512;
  if (typeof positions !== "number" || config.maxLength <= positions) return; // bertConfig reports a bad value
  const from =
    config.modelOptions.max_position_embeddings !== undefined
      ? "--model-options"
      : `--init ${String(config.init)} (config.json)`;
  throw new MinifloatError(
    "argument",
    `--max-length ${config.maxLength} exceeds the model's max_position_embeddings ${positions} ` +
      `(from ${from}); pass --max-length ${positions} or less`,
  );
}

/** BERT for sequence classification sized for the task's vocabulary and classes: SMALL_BERT, or the
 * --init checkpoint's config.json, with --model-options on top. */
function buildBert(config: TrainConfig, data: TextRunData, ctx: ModuleContext): Module {
  const base = bertBaseConfig(config);
  const vocabSize = data.tokenizer.vocabSize;
  if (config.init !== null && base.vocab_size !== undefined && base.vocab_size !== vocabSize) {
    throw new MinifloatError(
      "config",
      `--init ${config.init}: config.json has vocab_size ${JSON.stringify(base.vocab_size)} but the tokenizer's vocabulary has ${vocabSize} tokens (put the model's vocab.txt in that folder)`,
    );
  }
  const classes = data.train.classes;
  const json = {
    ...base,
    vocab_size: vocabSize,
    num_labels: classes.length,
    id2label: Object.fromEntries(classes.map((c, i) => [String(i), c])),
    label2id: Object.fromEntries(classes.map((c, i) => [c, i])),
  };
  const bert = bertConfig(json, config.init === null ? "--model-options" : `--init ${config.init}`);
  if (config.init !== null) checkBertWeights(bert, readHfShapes(config.init), `--init ${config.init}`);
  return new BertForSequenceClassification(ctx, bert) as unknown as Module;
}

/** Load the --init checkpoint's weights into `model`, each rounded once into its parameter's format. The
 * classification head (and the pooler) may be absent, as in a pre-trained encoder, and are then kept as
 * initialized; pre-training heads (cls.*) are skipped. Returns a line for the warnings. */
function loadInit(dir: string, model: Module): string {
  const checkpoint = readHfCheckpoint(dir);
  const head = (name: string): boolean => name.startsWith("classifier.") || name.startsWith("bert.pooler.");
  const report = loadState(
    model,
    checkpoint.tensors,
    { allowMissing: head, allowUnexpected: (key) => key.startsWith("cls.") },
    `--init ${dir}`,
  );
  const fresh = report.missing.length === 0 ? "" : `; initialized afresh: ${report.missing.join(", ")}`;
  return `started from ${dir}: ${report.loaded.length} tensors loaded${fresh}`;
}

/** Everything a run trains with. */
export interface RunSetup {
  readonly policy: PrecisionPolicy;
  readonly engine: Engine;
  readonly model: Module;
  readonly params: readonly NamedParameter[];
  readonly optimizer: Optimizer;
  readonly schedule: Schedule;
  readonly scaler: LossScaler;
  readonly trainLoader: BatchSource;
  readonly testLoader: BatchSource;
  /** Warnings to show at the start (hyper-parameters the state format cannot hold). */
  readonly warnings: readonly string[];
  /** Notes to show at the start (where the weights came from). */
  readonly notes: readonly string[];
}

function optimizerSpec(config: TrainConfig): OptimizerSpec {
  if (config.optimizer === "sgd") return { kind: "sgd", momentum: config.momentum };
  return { kind: config.optimizer, eps: config.eps, weightDecay: config.weightDecay };
}

function makeOptimizer(config: TrainConfig, params: NamedParameter[], policy: PrecisionPolicy): Optimizer {
  switch (config.optimizer) {
    case "sgd":
      return new Sgd(
        params,
        { momentum: config.momentum, nesterov: config.nesterov, weightDecay: config.weightDecay },
        policy,
        config.seed,
      );
    case "adam":
      return new Adam(params, { eps: config.eps, weightDecay: config.weightDecay }, policy, config.seed);
    case "adamw":
      return new AdamW(params, { eps: config.eps, weightDecay: config.weightDecay }, policy, config.seed);
    default:
      return config.optimizer satisfies never;
  }
}

function makeSchedule(config: TrainConfig, stepsPerEpoch: number): Schedule {
  const total = Math.max(1, config.epochs * stepsPerEpoch - config.warmupSteps);
  let after: Schedule;
  switch (config.schedule) {
    case "constant":
      after = constantSchedule(config.lr);
      break;
    case "cosine":
      after = cosineSchedule(config.lr, total);
      break;
    case "step":
      after = stepSchedule(config.lr, config.stepEpochs * stepsPerEpoch);
      break;
    default:
      return config.schedule satisfies never;
  }
  return config.warmupSteps > 0 ? warmupSchedule(config.warmupSteps, after) : after;
}

/** The model a configuration names, shaped for `dataset` (channels, image size, classes), built in
 * `ctx`'s formats. */
export function buildModel(config: TrainConfig, data: RunData, ctx: ModuleContext): Module {
  if (isTextData(data)) {
    if (config.model !== "bert") {
      throw new MinifloatError(
        "config",
        `${config.data} is a text task: use --model bert, not ${config.model}`,
      );
    }
    return buildBert(config, data, ctx);
  }
  if (config.init !== null) {
    throw new MinifloatError(
      "config",
      `--init loads Hugging Face BERT checkpoints for text tasks, not ${config.model} on ${config.data}`,
    );
  }
  if (config.model === "bert") {
    throw new MinifloatError(
      "config",
      `--model bert needs a text task (glue:<task> or tsv), not ${config.data}`,
    );
  }
  const dataset = data.train;
  const [inChannels, imageSize, width] = dataset.shape;
  if (imageSize !== width) {
    throw new MinifloatError(
      "unsupported",
      `${config.data}: models expect square images, got ${imageSize}x${width}`,
    );
  }
  const modelConfig: ModelConfig = {
    ...(config.modelOptions as ModelConfig),
    inChannels,
    imageSize,
    classes: dataset.classes.length,
  };
  return createModel(config.model, modelConfig, ctx);
}

/** Refuse a text run whose largest batch needs attention scores (B, heads, T, T) beyond one tensor's
 * bound (MAX_ATTENTION_VALUES), naming --max-length and --batch-size, before its first step. */
function checkAttentionSize(config: TrainConfig, model: Module, loader: TextLoader): void {
  const heads = (model as unknown as { config: BertConfig }).config.numAttentionHeads;
  const [b, t] = loader.largestBatch;
  const values = b * heads * t * t;
  if (values > MAX_ATTENTION_VALUES) {
    throw new MinifloatError(
      "argument",
      `--max-length ${config.maxLength} with --batch-size ${config.batchSize}: a batch of ${b} rows of ${t} tokens needs attention scores of ${b} x ${heads} heads x ${t} x ${t} = ${values} values, over the limit of ${MAX_ATTENTION_VALUES}; lower --max-length or --batch-size`,
    );
  }
}

/** The training loader (seeded, shuffled) and the evaluation loader (in order) of a run. */
function makeLoaders(
  config: TrainConfig,
  data: RunData,
): { trainLoader: BatchSource; testLoader: BatchSource } {
  const trainLimit = config.trainLimit ?? undefined;
  if (data.test.labels.length === 0) throw new MinifloatError("config", `${config.data}: empty test set`);
  if (isTextData(data)) {
    const common = { maxLength: config.maxLength, seed: config.seed };
    return {
      trainLoader: new TextLoader(data.train, data.tokenizer, {
        ...common,
        batchSize: config.batchSize,
        trainLimit,
      }),
      testLoader: new TextLoader(data.test, data.tokenizer, {
        ...common,
        batchSize: EVAL_BATCH_SIZE,
        shuffle: false,
      }),
    };
  }
  return {
    trainLoader: new DataLoader(data.train, {
      batchSize: config.batchSize,
      seed: config.seed,
      trainLimit,
      augment: config.augment ? { padding: 4, flip: true } : undefined,
    }),
    testLoader: new DataLoader(data.test, {
      batchSize: EVAL_BATCH_SIZE,
      shuffle: false,
      mean: data.train.mean,
      std: data.train.std,
    }),
  };
}

/** Build the objects of a run from its configuration, policy and data. */
export function createRunSetup(config: TrainConfig, policy: PrecisionPolicy, data: RunData): RunSetup {
  const engine = new Engine({ backend: config.backend, seed: config.seed });
  const activations = policy.roles.activations;
  const ctx = createContext({
    engine,
    seed: config.seed,
    paramFormat: policy.roles.params.format,
    activationFormat: activations.format,
    rounding: opRounding(policy, "activations"),
    bnStatsFormat: policy.batchNormStats === "float32" ? floatFormat("float32") : activations.format,
    accumulate: policy.accumulate,
  });
  const model = buildModel(config, data, ctx);
  const notes = config.init === null ? [] : [loadInit(config.init, model)];
  const params = [...model.namedParameters()].map(([name, tensor]) => ({ name, tensor }));
  const { trainLoader, testLoader } = makeLoaders(config, data);
  for (const loader of [trainLoader, testLoader]) {
    if (loader instanceof TextLoader) checkAttentionSize(config, model, loader);
  }
  return {
    policy,
    engine,
    model,
    params,
    optimizer: makeOptimizer(config, params, policy),
    schedule: makeSchedule(config, trainLoader.batchesPerEpoch),
    scaler: new LossScaler(policy.lossScaling),
    trainLoader,
    testLoader,
    warnings: optimizerWarnings(optimizerSpec(config), policy),
    notes,
  };
}
