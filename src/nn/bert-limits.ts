/**
 * Bounds on a BERT configuration, checked before a model is allocated: each size below a limit, each
 * tensor and the whole model below a number of values (so a 2 KB config.json cannot ask for terabytes),
 * and, when the model is loaded from a checkpoint, the sizes that config.json gives against the shapes
 * the weights file declares (so a config.json that does not describe its weights is refused at once,
 * not after allocating the model it describes).
 */
import { MinifloatError } from "../errors.js";
import type { BertConfig } from "./bert-config.js";

/** The largest sizes a BERT config.json may give (well above every published BERT). */
export const BERT_LIMITS = Object.freeze({
  num_hidden_layers: 256,
  hidden_size: 16384,
  intermediate_size: 65536,
  vocab_size: 1 << 20,
  max_position_embeddings: 65536,
  type_vocab_size: 1024,
  num_labels: 65536,
  /** Values of one parameter tensor (2^28: 1 GiB in float32). */
  tensorValues: 2 ** 28,
  /** Values of all parameters (2^30: 4 GiB in float32). */
  modelValues: 2 ** 30,
});

/** The largest attention-score tensor (B, heads, T, T) a batch may need, in values. */
export const MAX_ATTENTION_VALUES = 2 ** 28;

function tooLarge(what: string, value: number, limit: number): MinifloatError {
  return new MinifloatError("config", `BERT config: ${what} is ${value}, over the limit of ${limit}`);
}

/** Check each size of `config` and the values it would allocate against BERT_LIMITS ("config" error). */
export function checkBertLimits(config: BertConfig): void {
  const c = config;
  const sizes: [keyof typeof BERT_LIMITS, number][] = [
    ["num_hidden_layers", c.numHiddenLayers],
    ["hidden_size", c.hiddenSize],
    ["intermediate_size", c.intermediateSize],
    ["vocab_size", c.vocabSize],
    ["max_position_embeddings", c.maxPositionEmbeddings],
    ["type_vocab_size", c.typeVocabSize],
    ["num_labels", c.id2label.length],
  ];
  for (const [name, value] of sizes) {
    if (value > BERT_LIMITS[name]) throw tooLarge(name, value, BERT_LIMITS[name]);
  }
  const h = c.hiddenSize;
  const tensors: [string, number][] = [
    ["vocab_size × hidden_size (word embeddings)", c.vocabSize * h],
    ["max_position_embeddings × hidden_size", c.maxPositionEmbeddings * h],
    ["intermediate_size × hidden_size", c.intermediateSize * h],
    ["hidden_size × hidden_size", h * h],
  ];
  for (const [what, n] of tensors) {
    if (n > BERT_LIMITS.tensorValues)
      throw tooLarge(`${what}, values in one tensor,`, n, BERT_LIMITS.tensorValues);
  }
  const perLayer = 4 * h * h + 2 * h * c.intermediateSize + c.intermediateSize + 9 * h;
  const total =
    (c.vocabSize + c.maxPositionEmbeddings + c.typeVocabSize + 2) * h + c.numHiddenLayers * perLayer;
  if (total > BERT_LIMITS.modelValues) {
    throw tooLarge("the number of parameter values", total, BERT_LIMITS.modelValues);
  }
}

/** The shape of the one key in `shapes` ending with `suffix` (keys may carry a "bert." prefix). */
function shapeOf(
  shapes: ReadonlyMap<string, readonly number[]>,
  suffix: string,
): readonly number[] | undefined {
  for (const [key, shape] of shapes) if (key === suffix || key.endsWith(`.${suffix}`)) return shape;
  return undefined;
}

/**
 * Check `config`'s sizes against the tensor shapes a checkpoint's weights file declares (its header),
 * before any model is built: the embeddings, the number of encoder layers and the feed-forward size
 * must be those of the weights. A "config" error names `source`, each size and both values.
 */
export function checkBertWeights(
  config: BertConfig,
  shapes: ReadonlyMap<string, readonly number[]>,
  source: string,
): void {
  const h = config.hiddenSize;
  const expected: [string, string, readonly number[]][] = [
    ["embeddings.word_embeddings.weight", "vocab_size, hidden_size", [config.vocabSize, h]],
    [
      "embeddings.position_embeddings.weight",
      "max_position_embeddings, hidden_size",
      [config.maxPositionEmbeddings, h],
    ],
    ["embeddings.token_type_embeddings.weight", "type_vocab_size, hidden_size", [config.typeVocabSize, h]],
  ];
  if (config.numHiddenLayers > 0) {
    const key = "encoder.layer.0.intermediate.dense.weight";
    expected.push([key, "intermediate_size, hidden_size", [config.intermediateSize, h]]);
  }
  const problems: string[] = [];
  for (const [suffix, sizes, want] of expected) {
    const got = shapeOf(shapes, suffix);
    if (got === undefined) problems.push(`the weights have no ${suffix}`);
    else if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
      problems.push(`(${sizes}) is (${want.join(", ")}) but ${suffix} is (${got.join(", ")})`);
    }
  }
  let layers = 0;
  for (const key of shapes.keys()) {
    const m = /(?:^|\.)encoder\.layer\.(\d+)\./.exec(key);
    if (m !== null) layers = Math.max(layers, Number(m[1]) + 1);
  }
  if (layers !== config.numHiddenLayers) {
    problems.push(
      `num_hidden_layers is ${config.numHiddenLayers} but the weights hold ${layers} encoder layers`,
    );
  }
  if (problems.length > 0) {
    throw new MinifloatError(
      "config",
      `${source}: config.json does not describe its weights: ${problems.join("; ")}`,
    );
  }
}
