/**
 * BERT against an independent torch implementation (test/golden/bert, made by scripts/bert-golden.py):
 * logits, hidden states and QA logits in float32 within 1e-5, the tanh GELU, bfloat16 close, padding that
 * changes nothing it must not, Hugging Face parameter names and checkpoint keys, config and input errors.
 */
import { fileURLToPath } from "node:url";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { backward } from "../autograd/index.js";
import {
  loadHfCheckpoint,
  loadState,
  readHfCheckpoint,
  readSafetensors,
  saveHfCheckpoint,
  writeSafetensors,
} from "../io/index.js";
import { crossEntropy } from "../ops/index.js";
import type { Tensor } from "../tensor/index.js";
import { bertConfig, BertModel, type BertInput } from "./bert.js";
import { BertForQuestionAnswering, BertForSequenceClassification } from "./bert-heads.js";
import { createContext, type ContextOptions } from "./module.js";

const DIR = fileURLToPath(new URL("../../test/golden/bert", import.meta.url));

interface Golden {
  readonly shape: [number, number];
  readonly input_ids: number[];
  readonly token_type_ids: number[];
  readonly attention_mask: number[];
  readonly logits: number[];
  readonly pooled_output: number[];
  readonly last_hidden_state: number[];
  readonly start_logits: number[];
  readonly end_logits: number[];
  readonly logits_gelu_tanh: number[];
}

const golden = JSON.parse(readFileSync(`${DIR}/golden.json`, "utf8")) as Golden;
const input: BertInput = {
  inputIds: golden.input_ids,
  tokenTypeIds: golden.token_type_ids,
  attentionMask: golden.attention_mask,
  shape: golden.shape,
};

/** Largest |a - b| over two equally long lists. */
function maxAbsDiff(a: Tensor | readonly number[], b: readonly number[]): number {
  const values: readonly number[] = "shape" in a ? a.toArray() : a;
  expect(values.length).toBe(b.length);
  return values.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

/** The golden checkpoint as a sequence classifier, in eval mode. */
function classifier(options: ContextOptions = {}, overrides: Record<string, unknown> = {}) {
  const ctx = createContext(options);
  const build = (json: Readonly<Record<string, unknown>>) =>
    new BertForSequenceClassification(ctx, bertConfig({ ...json, ...overrides }), { hfInit: false });
  return loadHfCheckpoint(DIR, build);
}

describe("BERT against torch (test/golden/bert)", () => {
  it("gives torch's logits, pooled output and every hidden state in float32 within 1e-5", () => {
    const { model, report } = classifier();
    model.eval();
    expect(report.skipped).toEqual(["bert.embeddings.position_ids"]);
    expect(maxAbsDiff(model.forward(input), golden.logits)).toBeLessThan(1e-5);
    const out = model.bert.forward(input);
    expect(maxAbsDiff(out.pooledOutput as Tensor, golden.pooled_output)).toBeLessThan(1e-5);
    expect(maxAbsDiff(out.lastHiddenState, golden.last_hidden_state)).toBeLessThan(1e-5);
  });

  it("uses the tanh GELU for hidden_act gelu_new and gelu_pytorch_tanh", () => {
    for (const act of ["gelu_new", "gelu_pytorch_tanh"]) {
      const { model } = classifier({}, { hidden_act: act });
      const logits = model.eval().forward(input);
      expect(maxAbsDiff(logits, golden.logits_gelu_tanh)).toBeLessThan(1e-5);
      expect(maxAbsDiff(logits, golden.logits)).toBeGreaterThan(5e-5); // the erf form differs by 1.6e-4
    }
  });

  it("names its parameters exactly as the checkpoint's keys", () => {
    const { model } = classifier();
    const keys = [...readSafetensors(`${DIR}/model.safetensors`).tensors.keys()];
    const names = [...model.namedParameters()].map(([n]) => n);
    expect(names).toEqual(keys.filter((k) => !k.endsWith("position_ids")));
  });

  it("gives torch's QA start and end logits from a QA head loaded beside the encoder", () => {
    const ctx = createContext();
    const { model, report } = loadHfCheckpoint(
      DIR,
      (json) => new BertForQuestionAnswering(ctx, bertConfig(json), { hfInit: false }),
      {
        allowMissing: (n) => n.startsWith("qa_outputs."),
        allowUnexpected: (k) => k.startsWith("classifier."),
      },
    );
    expect(report.missing).toEqual(["qa_outputs.weight", "qa_outputs.bias"]);
    expect(report.skipped).toContain("bert.pooler.dense.weight"); // QA has no pooler, as in transformers
    expect(report.skipped).toContain("classifier.bias");
    const head = readSafetensors(`${DIR}/qa_outputs.safetensors`).tensors;
    expect(loadState(model, head, { allowMissing: () => true }).loaded).toEqual([
      "qa_outputs.weight",
      "qa_outputs.bias",
    ]);
    const { startLogits, endLogits } = model.eval().forward(input);
    expect(startLogits.shape).toEqual(golden.shape);
    expect(maxAbsDiff(startLogits, golden.start_logits)).toBeLessThan(1e-5);
    expect(maxAbsDiff(endLogits, golden.end_logits)).toBeLessThan(1e-5);
  });

  it("stays close to torch in bfloat16 (parameters and activations)", () => {
    const { model } = classifier({ paramFormat: "bfloat16", activationFormat: "bfloat16" });
    const logits = model.eval().forward(input);
    expect(model.classifier.weight.format.name).toBe("bfloat16");
    expect(logits.format.name).toBe("bfloat16");
    const diff = maxAbsDiff(logits, golden.logits);
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(0.05); // 0.012 measured
  });
});

describe("BERT checkpoints", () => {
  it("loads a bare BertModel checkpoint with old gamma/beta names, then saves and reloads bit for bit", () => {
    const { tensors, config } = readHfCheckpoint(DIR);
    const dir = mkdtempSync(join(tmpdir(), "minifloat-bert-"));
    try {
      const bare = [...tensors].filter(([k]) => k.startsWith("bert."));
      const renamed = bare.map(
        ([k, e]) =>
          [
            k
              .slice(5)
              .replace(/LayerNorm\.weight$/, "LayerNorm.gamma")
              .replace(/LayerNorm\.bias$/, "LayerNorm.beta"),
            e,
          ] as const,
      );
      expect(renamed.some(([k]) => k === "embeddings.LayerNorm.gamma")).toBe(true);
      writeSafetensors(join(dir, "model.safetensors"), renamed);
      const ctx = createContext();
      const model = new BertForSequenceClassification(ctx, bertConfig(config), { hfInit: false });
      const report = loadState(model, new Map(renamed), { allowMissing: (n) => n.startsWith("classifier.") });
      expect(report.missing).toEqual(["classifier.weight", "classifier.bias"]);
      loadState(model, new Map([...tensors].filter(([k]) => k.startsWith("classifier."))), {
        allowMissing: () => true,
      });
      expect(maxAbsDiff(model.eval().forward(input), golden.logits)).toBeLessThan(1e-5);
      saveHfCheckpoint(join(dir, "saved"), model, model.hfConfig());
      const again = loadHfCheckpoint(
        join(dir, "saved"),
        (json) => new BertForSequenceClassification(ctx, bertConfig(json), { hfInit: false }),
      );
      expect(again.config.architectures).toEqual(["BertForSequenceClassification"]);
      expect(again.model.eval().forward(input).toArray()).toEqual(model.forward(input).toArray());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("BERT padding", () => {
  const { model } = classifier();
  model.eval();
  const real = golden.attention_mask.map((m) => m === 1);

  it("ignores what padded positions hold: unpadded outputs are bit-identical", () => {
    const other: BertInput = {
      ...input,
      inputIds: golden.input_ids.map((id, i) => (real[i] ? id : 97 - (i % 5))),
      tokenTypeIds: golden.token_type_ids.map((t, i) => (real[i] ? t : 1)),
    };
    expect(model.forward(other).toArray()).toEqual(model.forward(input).toArray());
    const a = model.bert.forward(input).lastHiddenState.toArray();
    const b = model.bert.forward(other).lastHiddenState.toArray();
    const c = 32;
    for (let i = 0; i < real.length; i++) {
      if (real[i]) expect(b.slice(i * c, (i + 1) * c)).toEqual(a.slice(i * c, (i + 1) * c));
    }
  });

  it("gives a padded row what the same row gets alone, unpadded", () => {
    const row = 2; // 3 tokens, then 4 pads
    const ids = golden.input_ids.slice(row * 7, row * 7 + 3);
    const alone = model.forward({ inputIds: ids, tokenTypeIds: [0, 0, 0], shape: [1, 3] });
    expect(maxAbsDiff(alone, golden.logits.slice(row * 3, row * 3 + 3))).toBeLessThan(1e-5);
    expect(
      maxAbsDiff(
        alone,
        model
          .forward(input)
          .toArray()
          .slice(row * 3, row * 3 + 3),
      ),
    ).toBeLessThan(1e-6);
  });
});

describe("BERT modules", () => {
  const tiny = bertConfig({
    vocab_size: 20,
    hidden_size: 8,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 12,
    max_position_embeddings: 6,
    num_labels: 3,
  });

  it("initializes as transformers does: normal(0, 0.02) weights, zero biases and pad row, unit LayerNorm", () => {
    const model = new BertForSequenceClassification(createContext({ seed: 3 }), tiny);
    const p = new Map(model.namedParameters());
    const word = (p.get("bert.embeddings.word_embeddings.weight") as Tensor).toArray();
    expect(word.slice(0, 8).every((v) => v === 0)).toBe(true); // pad_token_id 0
    const w = (p.get("bert.encoder.layer.0.intermediate.dense.weight") as Tensor).toArray();
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.015);
    expect(std).toBeLessThan(0.025);
    expect((p.get("classifier.bias") as Tensor).toArray()).toEqual([0, 0, 0]);
    expect((p.get("bert.embeddings.LayerNorm.weight") as Tensor).toArray().every((v) => v === 1)).toBe(true);
  });

  it("maps checkpoint keys: prefixes, old gamma/beta names, buffers and pretraining heads", () => {
    const ctx = createContext();
    const cls = new BertForSequenceClassification(ctx, tiny, { hfInit: false });
    const base = new BertModel(ctx, tiny, { hfInit: false });
    expect(cls.checkpointKey("embeddings.LayerNorm.gamma")).toBe("bert.embeddings.LayerNorm.weight");
    expect(cls.checkpointKey("bert.encoder.layer.0.output.LayerNorm.beta")).toBe(
      "bert.encoder.layer.0.output.LayerNorm.bias",
    );
    expect(cls.checkpointKey("classifier.weight")).toBe("classifier.weight");
    expect(cls.checkpointKey("cls.predictions.bias")).toBeNull();
    expect(base.checkpointKey("bert.pooler.dense.bias")).toBe("pooler.dense.bias");
    expect(base.checkpointKey("embeddings.position_ids")).toBeNull();
    expect(base.hfConfig()).toMatchObject({ architectures: ["BertModel"], num_attention_heads: 2 });
    expect(cls.hfConfig().id2label).toEqual({ 0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2" });
  });

  it("trains: dropout is on in training mode and every parameter gets a gradient", () => {
    const model = new BertForSequenceClassification(createContext({ seed: 1 }), tiny);
    const batch: BertInput = {
      inputIds: [2, 5, 7, 0, 2, 9, 3, 4],
      attentionMask: [1, 1, 1, 0, 1, 1, 1, 1],
      shape: [2, 4],
    };
    const evalLogits = model.eval().forward(batch).toArray();
    const loss = crossEntropy(model.train().forward(batch), [0, 2]);
    expect(model.forward(batch).toArray()).not.toEqual(evalLogits);
    backward(loss);
    for (const [name, t] of model.namedParameters()) expect(t.grad, name).not.toBeNull();
  });

  it("rejects bad configs naming the field", () => {
    expectError(
      () => bertConfig({ hidden_size: 10, num_attention_heads: 4 }),
      "config",
      /hidden_size must be a multiple of num_attention_heads \(4\), got 10/,
    );
    expectError(
      () => bertConfig({ hidden_act: "swish" }),
      "config",
      /hidden_act must be one of gelu, .*gelu_new.*got "swish"/,
    );
    expectError(() => bertConfig({ vocab_size: 0 }), "config", /vocab_size must be an integer >= 1, got 0/);
    expectError(
      () => bertConfig({ vocab_size: 5, pad_token_id: 5 }),
      "config",
      /pad_token_id must be below vocab_size \(5\), got 5/,
    );
    expectError(
      () => bertConfig({ hidden_dropout_prob: 1.5 }),
      "config",
      /hidden_dropout_prob must be a probability/,
    );
    expectError(
      () => bertConfig({ id2label: { 0: "a", 1: "b" }, num_labels: 3 }),
      "config",
      /num_labels must be 2/,
    );
    expectError(
      () => bertConfig({ id2label: { 0: "a", 2: "b" } }),
      "config",
      /id2label must be keys "0" to "1"/,
    );
    expectError(
      () => bertConfig({ model_type: "roberta" }),
      "config",
      /model_type must be "bert", got "roberta"/,
    );
    expectError(
      () => bertConfig({ problem_type: "ranking" }),
      "config",
      /problem_type must be one of "regression", .*null, got "ranking"/,
    );
    expectError(() => bertConfig([]), "config", /config.json must be an object/);
    expectError(() => bertConfig({ position_embedding_type: "relative_key" }), "unsupported", /relative_key/);
  });

  it("rejects bad inputs naming the field and the limit", () => {
    const model = new BertModel(createContext(), tiny, { hfInit: false });
    expectError(
      () => model.forward({ inputIds: new Array<number>(14).fill(1), shape: [2, 7] }),
      "shape",
      /T = 7 exceeds max_position_embeddings 6/,
    );
    expectError(
      () => model.forward({ inputIds: [1, 20], shape: [1, 2] }),
      "argument",
      /inputIds\[1\] = 20 is not in \[0, 20\)/,
    );
    expectError(
      () => model.forward({ inputIds: [1, 2], tokenTypeIds: [0, 2], shape: [1, 2] }),
      "argument",
      /tokenTypeIds\[1\] = 2 .*type_vocab_size/,
    );
    expectError(
      () => model.forward({ inputIds: [1, 2], attentionMask: [1], shape: [1, 2] }),
      "shape",
      /attentionMask has 1 values, expected B \* T = 2/,
    );
    expectError(
      () => model.forward({ inputIds: [1, 2], shape: [1, 0] }),
      "shape",
      /shape expected \(B, T\) of positive integers/,
    );
  });
});
