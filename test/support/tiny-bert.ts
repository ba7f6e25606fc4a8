/**
 * Shared test helper: a tiny BERT sequence classifier (hidden 32, 2 layers, 4 heads, intermediate 37, so
 * MX blocks are ragged) with PyTorch's default initialization, and deterministic random input batches with
 * some padding, for quantization tests.
 */
import { fillRandomWords } from "../../src/formats/index.js";
import {
  BertForSequenceClassification,
  bertConfig,
  createContext,
  type BertInput,
} from "../../src/nn/index.js";
import type { Tensor } from "../../src/tensor/index.js";

/** A tiny BertForSequenceClassification (3 labels) in eval mode, its parameters seeded by `seed`. */
export function tinyBert(seed = 1): BertForSequenceClassification {
  const config = bertConfig({
    vocab_size: 99,
    hidden_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 37,
    max_position_embeddings: 64,
    num_labels: 3,
  });
  return new BertForSequenceClassification(createContext({ seed }), config, { hfInit: false }).eval();
}

/** `count` batches of (b, t) random token ids in [1, 99), two segments, the second row padded at the end. */
export function randomBatches(count: number, seed: number, b = 4, t = 16): BertInput[] {
  return Array.from({ length: count }, (_, k) => {
    const words = new Uint32Array(b * t);
    fillRandomWords({ seed, stream: k, step: 0, offset: 0 }, words);
    const inputIds = Int32Array.from(words, (w) => 1 + (w % 98));
    const tokenTypeIds = Int32Array.from({ length: b * t }, (_, i) => (i % t < t / 2 ? 0 : 1));
    const attentionMask = Int32Array.from({ length: b * t }, (_, i) =>
      i >= t && i < 2 * t && i % t >= t - 4 ? 0 : 1,
    );
    return { inputIds, tokenTypeIds, attentionMask, shape: [b, t] as const };
  });
}

/** The model's logits on each batch. */
export function logitsOf(
  model: { forward(x: BertInput): Tensor },
  batches: readonly BertInput[],
): Float32Array[] {
  return batches.map((x) => model.forward(x).toFloat32Array());
}
