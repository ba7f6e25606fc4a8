/**
 * Shared by the ONNX export tests (src/io/onnx): a tiny BERT with every parameter random, a padded
 * batch with token types, and running an exported model in onnxruntime-node.
 */
import * as ort from "onnxruntime-node";
import { expect } from "vitest";
import { exportBertOnnx, type BertOnnxOptions } from "../../src/io/onnx/index.js";
import { bertConfig, BertForSequenceClassification, type BertInput } from "../../src/nn/index.js";
import { createContext, normalValues } from "../../src/nn/module.js";
import { fromValues } from "../../src/tensor/index.js";

/** A tiny BERT whose every parameter is random (LayerNorm gammas near 1), in eval mode. */
export function randomBert(
  seed: number,
  overrides: Record<string, unknown> = {},
): BertForSequenceClassification {
  const config = bertConfig({
    vocab_size: 50,
    hidden_size: 16,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 24,
    max_position_embeddings: 16,
    num_labels: 3,
    ...overrides,
  });
  const ctx = createContext({ seed });
  const model = new BertForSequenceClassification(ctx, config, { hfInit: false });
  let stream = 1000;
  for (const [name, p] of [...model.namedParameters()]) {
    const gamma = name.endsWith("LayerNorm.weight");
    const v = normalValues(seed, stream++, p.data.length, gamma ? 0.2 : 0.5);
    if (gamma) v.forEach((x, i) => (v[i] = 1 + x));
    model.setParameter(name, fromValues(v, p.shape, { engine: ctx.engine }));
    p.dispose();
  }
  return model.eval();
}

/** A padded batch of 3 sequences of `t` tokens: row 0 full, row 1 two pads, row 2 half pads; the second
 * half of each row's tokens has token type 1. */
export function paddedBatch(t: number, vocab = 50): BertInput {
  const ids: number[] = [];
  const types: number[] = [];
  const mask: number[] = [];
  for (let b = 0; b < 3; b++) {
    const real = b === 0 ? t : b === 1 ? t - 2 : Math.ceil(t / 2);
    for (let i = 0; i < t; i++) {
      ids.push(i < real ? 1 + ((b * 7 + i * 13) % (vocab - 1)) : 0);
      types.push(i < real && i >= real / 2 ? 1 : 0);
      mask.push(i < real ? 1 : 0);
    }
  }
  return { inputIds: ids, tokenTypeIds: types, attentionMask: mask, shape: [3, t] };
}

/** The logits onnxruntime-node computes for `input` with `session`. */
export async function ortLogits(session: ort.InferenceSession, input: BertInput): Promise<Float32Array> {
  const [b, t] = input.shape;
  const feed = (v: ArrayLike<number> | undefined, fill: number): ort.Tensor =>
    new ort.Tensor(
      "int64",
      BigInt64Array.from({ length: b * t }, (_, i) => BigInt(v?.[i] ?? fill)),
      [b, t],
    );
  const out = await session.run({
    input_ids: feed(input.inputIds, 0),
    attention_mask: feed(input.attentionMask, 1),
    token_type_ids: feed(input.tokenTypeIds, 0),
  });
  return out.logits.data as Float32Array;
}

/** An onnxruntime-node session (one thread) of `model` exported with `options`. */
export async function ortSession(
  model: BertForSequenceClassification,
  options: BertOnnxOptions = {},
  session: ort.InferenceSession.SessionOptions = {},
): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(exportBertOnnx(model, options), { intraOpNumThreads: 1, ...session });
}

/** Largest |a - b| over two equally long lists. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
