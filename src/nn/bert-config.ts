/**
 * The BERT configuration and inputs: BertConfig read from a Hugging Face config.json object (with
 * transformers' BertConfig defaults for absent fields, each present field checked, errors naming it,
 * sizes bounded by bert-limits.ts), written back as config.json, and the checks of a (B, T) batch of
 * token ids before it reaches bert.ts.
 */
import { MinifloatError } from "../errors.js";
import type { Tensor } from "../tensor/index.js";
import { checkBertLimits } from "./bert-limits.js";

/** The hidden activations BERT supports, by Hugging Face (ACT2FN) name: "gelu" and "gelu_python" are the
 * erf form, "gelu_new" and "gelu_pytorch_tanh" the tanh approximation. */
export const BERT_HIDDEN_ACTS = ["gelu", "gelu_python", "gelu_new", "gelu_pytorch_tanh", "relu"] as const;

/** A Hugging Face activation name BERT supports here ("gelu" is the erf form, "gelu_new" the tanh one). */
export type BertHiddenAct = (typeof BERT_HIDDEN_ACTS)[number];

/** What a sequence-classification head trains for (Hugging Face's `problem_type`). */
export type BertProblemType = "regression" | "single_label_classification" | "multi_label_classification";

/** A BERT configuration: the fields of a Hugging Face config.json, camelCased, with BertConfig's defaults. */
export interface BertConfig {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly intermediateSize: number;
  readonly hiddenAct: BertHiddenAct;
  readonly hiddenDropoutProb: number;
  readonly attentionProbsDropoutProb: number;
  readonly maxPositionEmbeddings: number;
  readonly typeVocabSize: number;
  readonly layerNormEps: number;
  readonly initializerRange: number;
  readonly padTokenId: number;
  /** Dropout before the classifier; null means hiddenDropoutProb (as in Hugging Face). */
  readonly classifierDropout: number | null;
  /** Label names by class index; its length is num_labels. */
  readonly id2label: readonly string[];
  readonly problemType: BertProblemType | null;
  /** The config.json object it was read from (kept so that saving preserves fields minifloat ignores). */
  readonly raw: Readonly<Record<string, unknown>>;
}

type Json = Readonly<Record<string, unknown>>;

function bad(field: string, expected: string, value: unknown): MinifloatError {
  return new MinifloatError(
    "config",
    `BERT config: ${field} must be ${expected}, got ${JSON.stringify(value)}`,
  );
}

function intField(j: Json, field: string, fallback: number, min = 1): number {
  const v = j[field] ?? fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min)
    throw bad(field, `an integer >= ${min}`, v);
  return v;
}

function probField(j: Json, field: string, fallback: number): number {
  const v = j[field] ?? fallback;
  if (typeof v !== "number" || !(v >= 0 && v < 1)) throw bad(field, "a probability in [0, 1)", v);
  return v;
}

function positiveField(j: Json, field: string, fallback: number): number {
  const v = j[field] ?? fallback;
  if (typeof v !== "number" || !(v > 0 && Number.isFinite(v))) throw bad(field, "a positive number", v);
  return v;
}

/** Label names from id2label ({"0": "neg", ...}) or num_labels (LABEL_i), checked against each other. */
function labelsOf(j: Json): string[] {
  const map = j.id2label;
  const count = j.num_labels;
  if (map === undefined || map === null) {
    return Array.from({ length: intField(j, "num_labels", 2) }, (_, i) => `LABEL_${i}`);
  }
  if (typeof map !== "object" || Array.isArray(map)) throw bad("id2label", 'an object {"0": name, ...}', map);
  const entries = Object.entries(map as Json);
  const labels = entries.map((_, i) => (map as Json)[String(i)]);
  if (labels.some((l) => typeof l !== "string")) {
    throw bad("id2label", `keys "0" to "${entries.length - 1}" with string names`, map);
  }
  if (count !== undefined && count !== labels.length) {
    throw bad("num_labels", `${labels.length} (the size of id2label)`, count);
  }
  return labels as string[];
}

/** A validated BertConfig from a Hugging Face config.json object; throws MinifloatError("config") naming
 * the field, and `source` (the file) when given. */
export function bertConfig(json: unknown, source?: string): BertConfig {
  if (source === undefined) return checkedBertConfig(json);
  try {
    return checkedBertConfig(json);
  } catch (e) {
    if (!(e instanceof MinifloatError)) throw e;
    throw new MinifloatError(e.code, `${source}: ${e.message}`, { cause: e });
  }
}

function checkedBertConfig(json: unknown): BertConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw bad("config.json", "an object", json);
  const j = json as Json;
  if (j.model_type !== undefined && j.model_type !== "bert") throw bad("model_type", '"bert"', j.model_type);
  const positions = j.position_embedding_type ?? "absolute";
  if (positions !== "absolute" || j.is_decoder === true || j.add_cross_attention === true) {
    throw new MinifloatError(
      "unsupported",
      `BERT config: only the encoder with absolute positions is supported, got position_embedding_type ${JSON.stringify(positions)}, is_decoder ${JSON.stringify(j.is_decoder ?? false)}, add_cross_attention ${JSON.stringify(j.add_cross_attention ?? false)}`,
    );
  }
  const act = j.hidden_act ?? "gelu";
  if (!BERT_HIDDEN_ACTS.includes(act as BertHiddenAct)) {
    throw bad("hidden_act", `one of ${BERT_HIDDEN_ACTS.join(", ")}`, act);
  }
  const problem = j.problem_type ?? null;
  const problems = ["regression", "single_label_classification", "multi_label_classification", null];
  if (!problems.includes(problem as string | null))
    throw bad("problem_type", `one of ${problems.map((p) => JSON.stringify(p)).join(", ")}`, problem);
  const config: BertConfig = {
    vocabSize: intField(j, "vocab_size", 30522),
    hiddenSize: intField(j, "hidden_size", 768),
    numHiddenLayers: intField(j, "num_hidden_layers", 12, 0),
    numAttentionHeads: intField(j, "num_attention_heads", 12),
    intermediateSize: intField(j, "intermediate_size", 3072),
    hiddenAct: act as BertHiddenAct,
    hiddenDropoutProb: probField(j, "hidden_dropout_prob", 0.1),
    attentionProbsDropoutProb: probField(j, "attention_probs_dropout_prob", 0.1),
    maxPositionEmbeddings: intField(j, "max_position_embeddings", 512),
    typeVocabSize: intField(j, "type_vocab_size", 2),
    layerNormEps: positiveField(j, "layer_norm_eps", 1e-12),
    initializerRange: positiveField(j, "initializer_range", 0.02),
    padTokenId: intField(j, "pad_token_id", 0, 0),
    classifierDropout: j.classifier_dropout == null ? null : probField(j, "classifier_dropout", 0),
    id2label: labelsOf(j),
    problemType: problem as BertProblemType | null,
    raw: j,
  };
  if (config.padTokenId >= config.vocabSize) {
    throw bad("pad_token_id", `below vocab_size (${config.vocabSize})`, config.padTokenId);
  }
  if (config.hiddenSize % config.numAttentionHeads !== 0) {
    throw bad(
      "hidden_size",
      `a multiple of num_attention_heads (${config.numAttentionHeads})`,
      config.hiddenSize,
    );
  }
  checkBertLimits(config);
  return config;
}

/** The config.json object of `config` for a model of class `architecture` (unknown raw fields kept). */
export function bertConfigJson(config: BertConfig, architecture: string): Record<string, unknown> {
  const c = config;
  return {
    ...c.raw,
    architectures: [architecture],
    model_type: "bert",
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    intermediate_size: c.intermediateSize,
    hidden_act: c.hiddenAct,
    hidden_dropout_prob: c.hiddenDropoutProb,
    attention_probs_dropout_prob: c.attentionProbsDropoutProb,
    max_position_embeddings: c.maxPositionEmbeddings,
    type_vocab_size: c.typeVocabSize,
    layer_norm_eps: c.layerNormEps,
    initializer_range: c.initializerRange,
    pad_token_id: c.padTokenId,
    position_embedding_type: "absolute",
    classifier_dropout: c.classifierDropout,
    id2label: Object.fromEntries(c.id2label.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(c.id2label.map((l, i) => [l, i])),
    problem_type: c.problemType,
  };
}

/** A batch of token sequences, (B, T) row-major, as a Hugging Face tokenizer returns them. */
export interface BertInput {
  readonly inputIds: Int32Array | readonly number[];
  /** (B, T). */
  readonly shape: readonly [number, number];
  /** Segment of each token (default all 0). */
  readonly tokenTypeIds?: Int32Array | readonly number[];
  /** 1 for a real token, 0 for padding (default all 1). */
  readonly attentionMask?: Int32Array | readonly number[];
}

/** What BertModel returns: the last hidden state (B, T, C) and the pooled [CLS] (B, C), if it has a pooler. */
export interface BertModelOutput {
  readonly lastHiddenState: Tensor;
  readonly pooledOutput: Tensor | null;
}

/** What BertForQuestionAnswering returns: span start and end logits, (B, T) each. */
export interface BertQaOutput {
  readonly startLogits: Tensor;
  readonly endLogits: Tensor;
}

/** Options of the BERT models beyond the config. */
export interface BertOptions {
  /** Initialize as Hugging Face does (normal(0, initializer_range), zero biases and pad row); default
   * true. False keeps minifloat's defaults: faster when a checkpoint overwrites every parameter anyway. */
  readonly hfInit?: boolean;
}

/** Checked ids of one input field: integers in [0, limit), B * T of them. */
function checkIds(field: string, ids: ArrayLike<number>, n: number, limit: number, what: string): void {
  if (ids.length !== n) {
    throw new MinifloatError("shape", `BertModel: ${field} has ${ids.length} values, expected B * T = ${n}`);
  }
  for (let i = 0; i < n; i++) {
    const v = ids[i];
    if (!Number.isInteger(v) || v < 0 || v >= limit) {
      throw new MinifloatError(
        "argument",
        `BertModel: ${field}[${i}] = ${v} is not in [0, ${limit}) (${what})`,
      );
    }
  }
}

/** Check a batch against `config`: (B, T) positive with T <= max_position_embeddings, ids in the vocabulary,
 * token types below type_vocab_size, mask values 0 or 1 (MinifloatError "shape" or "argument"). */
export function checkBertInput(config: BertConfig, input: BertInput): void {
  const [b, t] = input.shape;
  if (![b, t].every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new MinifloatError(
      "shape",
      `BertModel: shape expected (B, T) of positive integers, got (${b}, ${t})`,
    );
  }
  if (t > config.maxPositionEmbeddings) {
    throw new MinifloatError(
      "shape",
      `BertModel: T = ${t} exceeds max_position_embeddings ${config.maxPositionEmbeddings}`,
    );
  }
  checkIds("inputIds", input.inputIds, b * t, config.vocabSize, "vocab_size");
  if (input.tokenTypeIds !== undefined) {
    checkIds("tokenTypeIds", input.tokenTypeIds, b * t, config.typeVocabSize, "type_vocab_size");
  }
  if (input.attentionMask !== undefined) {
    checkIds("attentionMask", input.attentionMask, b * t, 2, "1 for a token, 0 for padding");
  }
}
