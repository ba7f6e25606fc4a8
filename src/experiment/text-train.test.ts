/**
 * Training BERT on a text task through the same loop as the image models: a tiny model fits a trivially
 * separable sentiment set, a run stopped mid-epoch and resumed ends bit-identical, and a text task with an
 * image model (or the reverse) is refused.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { tinyImages } from "../../test/support/tiny-images.js";
import { BertTokenizer, Vocab, type TextDataset } from "../data/index.js";
import { readSafetensors, writeSafetensors } from "../io/index.js";
import { presetPolicy } from "../precision/index.js";
import { listCheckpoints } from "./checkpoint.js";
import { makeTrainConfig } from "./config.js";
import { createRunSetup } from "./setup.js";
import { trainRun } from "./trainer.js";

const GOOD = ["good", "great", "fine", "lovely", "happy", "nice"];
const BAD = ["bad", "awful", "poor", "sad", "ugly", "terrible"];

function sentiment(n: number, offset: number): TextDataset {
  const textsA: string[] = [];
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const positive = i % 2 === 0;
    const words = positive ? GOOD : BAD;
    textsA.push(`the film was ${words[((i >> 1) + offset) % 6]}`);
    labels[i] = positive ? 1 : 0;
  }
  return { name: "tiny-sentiment", textsA, textsB: null, labels, classes: ["negative", "positive"] };
}

const data = { train: sentiment(64, 0), test: sentiment(24, 0), tokenizer: BertTokenizer.bertBaseUncased() };
const modelOptions = {
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 32,
};

const config = (o: Record<string, unknown> = {}): ReturnType<typeof makeTrainConfig> =>
  makeTrainConfig({
    model: "bert",
    modelOptions,
    data: "tsv",
    epochs: 10,
    batchSize: 16,
    maxLength: 16,
    optimizer: "adamw",
    lr: 0.03,
    backend: "js",
    ...o,
  });

describe("training BERT on text", () => {
  it("fits a separable sentiment set (evaluated on sentences it saw)", () => {
    const r = trainRun(config({ policy: "fp32" }), {
      out: mkdtempSync(join(tmpdir(), "minifloat-bert-")),
      data,
    });
    expect(r?.testAccuracy).toBe(1);
  });

  it("stopped mid-epoch and resumed under pure-bf16-sr, ends bit-identical to one run", () => {
    const c = config({ policy: "pure-bf16-sr", epochs: 2, checkpointEvery: 3 });
    const whole = mkdtempSync(join(tmpdir(), "minifloat-bert-"));
    trainRun(c, { out: whole, data });
    const cut = mkdtempSync(join(tmpdir(), "minifloat-bert-"));
    expect(trainRun(c, { out: cut, data, stopAtStep: 7 })).toBeNull();
    trainRun(c, { out: cut, data, resume: true });
    const last = (dir: string): Buffer =>
      readFileSync(listCheckpoints(join(dir, "checkpoints")).at(-1) ?? "");
    expect(last(cut).equals(last(whole))).toBe(true);
  });

  it("refuses a text task with an image model and bert on images", () => {
    const dir = mkdtempSync(join(tmpdir(), "minifloat-bert-"));
    expectError(
      () => trainRun(config({ model: "mlp" }), { out: dir, data }),
      "config",
      /tsv is a text task: use --model bert, not mlp/,
    );
    const images = { train: tinyImages(32), test: tinyImages(8) };
    expectError(
      () => trainRun(config({ data: "tiny" }), { out: dir, data: images, force: true }),
      "config",
      /--model bert needs a text task/,
    );
  });

  it("exports the trained model as a Hugging Face directory that --init starts from", () => {
    const first = mkdtempSync(join(tmpdir(), "minifloat-bert-"));
    const trained = trainRun(config({ policy: "fp32", epochs: 4 }), { out: first, data });
    const model = join(first, "model");
    const hf = JSON.parse(readFileSync(join(model, "config.json"), "utf8")) as Record<string, unknown>;
    expect(hf.architectures).toEqual(["BertForSequenceClassification"]);
    expect(hf.id2label).toEqual({ "0": "negative", "1": "positive" });
    expect(hf.hidden_size).toBe(16);
    // lr 0 keeps the weights: the second run's export is the first's, byte for byte.
    const second = mkdtempSync(join(tmpdir(), "minifloat-bert-"));
    const r = trainRun(config({ policy: "fp32", epochs: 1, lr: 0, init: model, modelOptions: {} }), {
      out: second,
      data,
    });
    expect(r?.testAccuracy).toBe(trained?.testAccuracy);
    const weights = (dir: string): Buffer => readFileSync(join(dir, "model", "model.safetensors"));
    expect(weights(second).equals(weights(first))).toBe(true);
  });

  it("--init from an encoder without a classifier starts the head afresh and says so", () => {
    const first = mkdtempSync(join(tmpdir(), "minifloat-bert-"));
    trainRun(config({ policy: "fp32", epochs: 1 }), { out: first, data });
    const encoderOnly = join(first, "model");
    const file = join(encoderOnly, "model.safetensors");
    writeSafetensors(
      file,
      [...readSafetensors(file).tensors].filter(([k]) => !k.startsWith("classifier.")),
    );
    const setup = createRunSetup(config({ init: encoderOnly, modelOptions: {} }), presetPolicy("fp32"), data);
    expect(setup.notes.join()).toMatch(
      /started from .*: \d+ tensors loaded; initialized afresh: classifier.weight, classifier.bias/,
    );
  });

  it("refuses --init whose vocabulary differs from the tokenizer's, and --init with an image model", () => {
    const first = mkdtempSync(join(tmpdir(), "minifloat-bert-"));
    trainRun(config({ policy: "fp32", epochs: 1 }), { out: first, data });
    const init = join(first, "model");
    const words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "film", "was", ...GOOD, ...BAD];
    const small = { ...data, tokenizer: new BertTokenizer(Vocab.fromTokens(words, "test vocab")) };
    expectError(
      () => createRunSetup(config({ init, modelOptions: {} }), presetPolicy("fp32"), small),
      "config",
      /config.json has vocab_size 30522 but the tokenizer's vocabulary has 19 tokens/,
    );
    const images = { train: tinyImages(32), test: tinyImages(8) };
    expectError(
      () => createRunSetup(config({ model: "mlp", data: "tiny", init }), presetPolicy("fp32"), images),
      "config",
      /--init loads Hugging Face BERT checkpoints for text tasks, not mlp on tiny/,
    );
  });
});
