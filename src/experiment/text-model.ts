/**
 * Trained text models as Hugging Face directories: loading one (config.json, model.safetensors, the
 * vocab.txt beside it or bert-base-uncased's, tokenizer_config.json's do_lower_case and
 * model_max_length) and measuring it on a labelled split with the task's metrics (GLUE's for glue:<task>,
 * accuracy for tsv). Labels are matched by name between the model's id2label and the dataset's classes,
 * so a model trained on a TSV with named intents scores on any file with the same names. loadBertDirectory,
 * the directory loading itself, is shared with question answering (squad-eval.ts).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { MinifloatError } from "../errors.js";
import {
  BertTokenizer,
  computeGlueMetrics,
  accuracy,
  TextLoader,
  type GlueTaskName,
  type MetricValues,
  type TextDataset,
  type TsvQuotingOption,
} from "../data/index.js";
import { floatFormat } from "../formats/index.js";
import {
  checkpointShapes,
  loadState,
  pathInside,
  READ_LIMITS,
  readHfCheckpoint,
  readTextInside,
  schema as s,
  saveHfCheckpoint,
  writeJsonAtomic,
  type CheckpointModel,
} from "../io/index.js";
import {
  BertForSequenceClassification,
  bertConfig,
  checkBertWeights,
  createContext,
  type BertConfig,
  type ModuleContext,
} from "../nn/index.js";
import { Engine, type Tensor } from "../tensor/index.js";
import { makeTrainConfig, type TrainConfig } from "./config.js";
import { runDataDir } from "./data-dir.js";

/** A sequence classifier with its tokenizer and the sequence length it was trained at. */
export interface TextModel {
  readonly dir: string;
  readonly model: BertForSequenceClassification;
  readonly tokenizer: BertTokenizer;
  /** tokenizer_config.json's model_max_length (at most the position embeddings), else 128. */
  readonly maxLength: number;
  /** config.json's max_position_embeddings: the longest sequence the model can read. */
  readonly maxPositions: number;
  readonly labels: readonly string[];
  /** The data it was trained on (training.json), when minifloat trained it. */
  readonly trainedOn: TrainedOn | null;
}

/** What a model directory's training.json says about its data. */
export interface TrainedOn {
  readonly data: string;
  /** As recorded: `minifloat:data/...`, an absolute path, or (older files) a relative one. */
  readonly dataDir: string | null;
  readonly quoting: TsvQuotingOption;
}

interface TokenizerConfig {
  readonly doLowerCase: boolean;
  readonly maxLength: number | undefined;
}

/** tokenizer_config.json of a model directory (do_lower_case, model_max_length), checked. */
export function readTokenizerConfig(dir: string): TokenizerConfig {
  const path = join(dir, "tokenizer_config.json");
  if (!existsSync(path)) return { doLowerCase: true, maxLength: undefined };
  const json = readJsonInside(dir, "tokenizer_config.json");
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new MinifloatError("format", `${path}: expected a JSON object`);
  }
  const j = json as { do_lower_case?: unknown; model_max_length?: unknown };
  const lower = j.do_lower_case ?? true;
  if (typeof lower !== "boolean") {
    throw new MinifloatError(
      "format",
      `${path}: do_lower_case must be true or false, got ${JSON.stringify(lower)}`,
    );
  }
  const max = j.model_max_length;
  if (max !== undefined && (typeof max !== "number" || !Number.isSafeInteger(max) || max < 2)) {
    throw new MinifloatError(
      "format",
      `${path}: model_max_length must be an integer >= 2, got ${JSON.stringify(max)}`,
    );
  }
  return { doLowerCase: lower, maxLength: max };
}

/** data, dataDir and quoting of a model directory's training.json, or null without one. */
export function readTrainedOn(dir: string): TrainedOn | null {
  const path = join(dir, TRAINING_FILE);
  if (!existsSync(path)) return null;
  const config = makeTrainConfig(readJsonInside(dir, TRAINING_FILE), path);
  return { data: config.data, dataDir: config.dataDir, quoting: config.quoting };
}

/** The JSON in the file `name` of the model directory `dir` (bounded, no link out of the folder). */
function readJsonInside(dir: string, name: string): unknown {
  return s.parseJson(s.unknown, readTextInside(dir, name, READ_LIMITS.json), join(dir, name));
}

/** The tokenizer of a checkpoint directory: its vocab.txt when it has one, else bert-base-uncased's. */
export function checkpointTokenizer(dir: string): BertTokenizer {
  const { doLowerCase } = readTokenizerConfig(dir);
  const vocab = pathInside(dir, "vocab.txt");
  return existsSync(vocab)
    ? BertTokenizer.fromVocabFile(vocab, { doLowerCase })
    : BertTokenizer.bertBaseUncased({ doLowerCase });
}

/** A BERT model with a task head, read from a Hugging Face directory (see loadBertDirectory). */
export interface BertDirectory<M> {
  readonly model: M;
  readonly config: BertConfig;
  readonly tokenizer: BertTokenizer;
  /** tokenizer_config.json's do_lower_case (default true). */
  readonly doLowerCase: boolean;
  /** tokenizer_config.json's model_max_length, when it has one. */
  readonly modelMaxLength: number | undefined;
}

/** How loadBertDirectory builds and checks a model. */
export interface LoadBertOptions<M> {
  /** The Hugging Face architecture the directory must hold (when config.json names any). */
  readonly architecture: string;
  /** What the model is loaded for, ending the wrong-architecture message ("minifloat evaluates X here"). */
  readonly purpose: string;
  readonly build: (ctx: ModuleContext, config: BertConfig) => M;
  /** Checkpoint keys that may be present without a parameter (e.g. a pre-training head). */
  readonly allowUnexpected?: (key: string) => boolean;
  readonly ctx?: ModuleContext | undefined;
}

/**
 * Load a BERT directory (config.json + model.safetensors) into the model `build` makes, in eval mode and
 * float32 unless `ctx` says otherwise, with the tokenizer of checkpointTokenizer checked against
 * vocab_size. Shared by the classifier (loadTextModel) and question answering (loadQaModel).
 */
export function loadBertDirectory<M extends CheckpointModel & { eval(): M }>(
  dir: string,
  options: LoadBertOptions<M>,
): BertDirectory<M> {
  const checkpoint = readHfCheckpoint(dir);
  const config = bertConfig(checkpoint.config, join(dir, "config.json"));
  checkBertWeights(config, checkpointShapes(checkpoint), dir);
  const arch = checkpoint.config.architectures;
  if (Array.isArray(arch) && arch.length > 0 && !arch.includes(options.architecture)) {
    throw new MinifloatError(
      "unsupported",
      `${dir}: config.json names ${JSON.stringify(arch)}; ${options.purpose}`,
    );
  }
  const context =
    options.ctx ??
    createContext({ engine: new Engine({ backend: "wasm" }), paramFormat: floatFormat("float32") });
  const model = options.build(context, config);
  const allowUnexpected = options.allowUnexpected;
  loadState(model, checkpoint.tensors, allowUnexpected ? { allowUnexpected } : {}, dir);
  model.eval();
  const tokenizer = checkpointTokenizer(dir);
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw new MinifloatError(
      "config",
      `${dir}: config.json has vocab_size ${config.vocabSize} but the vocabulary has ${tokenizer.vocabSize} tokens`,
    );
  }
  const { doLowerCase, maxLength } = readTokenizerConfig(dir);
  return { model, config, tokenizer, doLowerCase, modelMaxLength: maxLength };
}

/** Load a BertForSequenceClassification directory in float32 (or `ctx`'s formats). */
export function loadTextModel(dir: string, ctx?: ModuleContext): TextModel {
  const loaded = loadBertDirectory(dir, {
    architecture: "BertForSequenceClassification",
    purpose: "minifloat evaluates BertForSequenceClassification here",
    build: (c, config) => new BertForSequenceClassification(c, config, { hfInit: false }),
    allowUnexpected: (key) => key.startsWith("cls."),
    ctx,
  });
  const { config } = loaded;
  return {
    trainedOn: readTrainedOn(dir),
    dir,
    model: loaded.model,
    tokenizer: loaded.tokenizer,
    maxLength: Math.min(loaded.modelMaxLength ?? 128, config.maxPositionEmbeddings),
    maxPositions: config.maxPositionEmbeddings,
    labels: config.id2label,
  };
}

/** `tm` read at `maxLength` tokens (its own length when undefined); a length beyond its position
 * embeddings is refused with an "argument" error naming `option`. */
export function atMaxLength(
  tm: TextModel,
  maxLength: number | undefined,
  option = "--max-length",
): TextModel {
  if (maxLength === undefined) return tm;
  if (maxLength > tm.maxPositions) {
    throw new MinifloatError(
      "argument",
      `${option} ${maxLength} exceeds ${tm.dir}'s max_position_embeddings ${tm.maxPositions} ` +
        `(config.json); pass ${option} ${tm.maxPositions} or less`,
    );
  }
  return { ...tm, maxLength };
}

/** How saveTextModel writes. */
export interface SaveTextModelOptions {
  /** The sequence length it was trained at (tokenizer_config.json's model_max_length). */
  readonly maxLength: number;
  /** "params" (default): each parameter in its own format; "float32": all F32. */
  readonly dtype?: "float32" | "params";
  /** The training configuration, kept as training.json (evaluation takes its data from there). */
  readonly training?: TrainConfig;
}

/** The file of a model directory that records how minifloat trained it. */
export const TRAINING_FILE = "training.json";

/** The data a model is evaluated on. */
export interface ModelData {
  readonly data: string;
  /** The folder, resolved (see runDataDir); undefined where the dataset has its own default. */
  readonly dataDir: string | undefined;
  readonly quoting: TsvQuotingOption;
}

/** The data a model is evaluated on: the given name, folder and quoting, else what its training.json
 * records (its folder only for the data it was trained on), resolved by runDataDir so that a recorded
 * folder works from any directory; an "argument" error when neither names the data. */
export function modelData(
  tm: TextModel,
  data: string | undefined,
  dataDir: string | undefined,
  quoting?: TsvQuotingOption,
): ModelData {
  const trained = tm.trainedOn;
  const name = data ?? trained?.data;
  if (name === undefined) {
    throw new MinifloatError(
      "argument",
      `${tm.dir} does not say what it was trained on: pass --data and --data-dir`,
    );
  }
  const recorded = trained !== null && trained.data === name ? trained : undefined;
  return {
    data: name,
    dataDir: runDataDir(name, dataDir ?? recorded?.dataDir),
    quoting: quoting ?? recorded?.quoting ?? "auto",
  };
}

/** The classes a model's evaluation split is read with: its id2label names, unless they are generic
 * (LABEL_0, ...), which say nothing of the dataset's names. */
export function modelClasses(tm: TextModel): readonly string[] | undefined {
  return tm.labels.every((l, i) => l === `LABEL_${i}`) ? undefined : tm.labels;
}

/** Write a trained classifier as a Hugging Face directory: config.json, model.safetensors (each
 * parameter in its own format: a float16-trained model stays F16; or all float32), and
 * tokenizer_config.json with the sequence length it was trained at. No vocab.txt: the directory means
 * the bert-base-uncased vocabulary unless one is put beside it. */
export function saveTextModel(
  dir: string,
  model: BertForSequenceClassification,
  options: SaveTextModelOptions,
): void {
  saveHfCheckpoint(dir, model, model.hfConfig(), { dtype: options.dtype ?? "params" });
  writeJsonAtomic(join(dir, "tokenizer_config.json"), {
    tokenizer_class: "BertTokenizer",
    do_lower_case: true,
    model_max_length: options.maxLength,
  });
  if (options.training !== undefined) writeJsonAtomic(join(dir, TRAINING_FILE), options.training);
}

/** For each model output, the index of the dataset class of the same name; generic names (LABEL_0, ...)
 * or an unnamed task map in order when the counts agree. */
export function labelMapping(
  modelLabels: readonly string[],
  classes: readonly string[],
  source: string,
): Int32Array {
  const generic = modelLabels.every((l, i) => l === `LABEL_${i}`);
  if ((generic || classes.length === 0) && modelLabels.length === classes.length) {
    return Int32Array.from(modelLabels, (_, i) => i);
  }
  const index = new Map(classes.map((c, i) => [c, i]));
  const missing = classes.filter((c) => !modelLabels.includes(c));
  if (missing.length > 0) {
    throw new MinifloatError(
      "config",
      `${source}: the model's labels (${modelLabels.slice(0, 8).join(", ")}${modelLabels.length > 8 ? ", ..." : ""}) lack the dataset's ${missing.slice(0, 8).join(", ")}`,
    );
  }
  return Int32Array.from(modelLabels, (l) => index.get(l) ?? -1);
}

/** How predictText batches. */
export interface PredictOptions {
  readonly batchSize?: number | undefined;
  readonly maxLength?: number | undefined;
  /** Called with each batch's logits (B, labels), e.g. to compare two models sample by sample. */
  readonly onLogits?: (logits: Float32Array, indices: Int32Array) => void;
  /** Called after each batch with the batches done and their number (progress). */
  readonly onBatch?: ((done: number, total: number) => void) | undefined;
}

/** The predicted class (an index into dataset.classes; -1 for a model label the dataset lacks) of every
 * sample, in order. */
export function predictText(tm: TextModel, dataset: TextDataset, options: PredictOptions = {}): Int32Array {
  const loader = new TextLoader(dataset, tm.tokenizer, {
    batchSize: options.batchSize ?? 64,
    maxLength: options.maxLength ?? tm.maxLength,
    shuffle: false,
  });
  const mapping = labelMapping(tm.labels, dataset.classes, tm.dir);
  const out = new Int32Array(loader.size);
  const engine = tm.model.classifier.weight.engine;
  let done = 0;
  for (const batch of loader.epoch(0)) {
    engine.tidy(() => {
      const logits: Tensor = tm.model.forward(batch); // (B, labels)
      const v = logits.toFloat32Array();
      options.onLogits?.(v, batch.indices);
      const k = tm.labels.length;
      for (let r = 0; r < batch.indices.length; r++) {
        let best = 0;
        for (let j = 1; j < k; j++) if (v[r * k + j] > v[r * k + best]) best = j;
        out[batch.indices[r]] = mapping[best];
      }
    });
    options.onBatch?.(++done, loader.batchesPerEpoch);
  }
  return out;
}

/** A task's metrics from predictions: GLUE's for glue:<task> (the first is the headline), accuracy for
 * the others. */
export function textMetrics(
  data: string,
  predictions: Int32Array,
  labels: Int32Array,
): { readonly metric: string; readonly value: number; readonly metrics: MetricValues } {
  const metrics = data.startsWith("glue:")
    ? computeGlueMetrics(data.slice(5) as GlueTaskName, predictions, labels)
    : { accuracy: accuracy(predictions, labels) };
  const [metric, value] = Object.entries(metrics)[0];
  return { metric, value, metrics };
}

/** After training: a BERT classifier is written as a Hugging Face directory (see saveTextModel); other
 * models have no such form. Returns whether it wrote one. */
export function exportModel(dir: string, model: unknown, config: TrainConfig): boolean {
  if (!(model instanceof BertForSequenceClassification)) return false;
  saveTextModel(dir, model, { maxLength: config.maxLength, training: config });
  return true;
}
