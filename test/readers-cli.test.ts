/**
 * Issue 15 (items 2, 4 and 6) through the command line, in-process: a damaged metrics.jsonl line makes
 * `report` fail naming file:line; non-finite weights, an empty evaluation split and an unknown --data are one clear line and a non-zero exit, never an accuracy; --max-length beyond what a
 * model can hold is refused before any data is read. (An empty SQuAD file: squad.test.ts.)
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { saveHfCheckpoint } from "../src/io/index.js";
import { fromValues } from "../src/tensor/index.js";
import { bertConfig, bertConfigJson, BertForSequenceClassification, createContext } from "../src/nn/index.js";
import { writeRunDir } from "./report-fixtures.js";
import { cli, tsvTask } from "./support/text-task.js";

const WORDS = ["the", "film", "was", "good", "great", "fine", "lovely", "happy", "nice"];
const BAD = ["bad", "awful", "poor", "sad", "ugly", "terrible"];

/** A tiny untrained positive/negative classifier over the words of tsvTask, optionally with a NaN weight. */
function tinyClassifier(nan = false): string {
  const dir = mkdtempSync(join(tmpdir(), "minifloat-readers-model-"));
  const tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ...WORDS, ...BAD];
  writeFileSync(join(dir, "vocab.txt"), tokens.join("\n") + "\n");
  const config = bertConfig({
    vocab_size: tokens.length,
    hidden_size: 8,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 16,
    max_position_embeddings: 32,
    id2label: { "0": "negative", "1": "positive" },
  });
  const model = new BertForSequenceClassification(createContext({ seed: 1 }), config);
  if (nan) {
    const [name, w] =
      [...model.namedParameters()].find(([n]) => n.endsWith("intermediate.dense.weight")) ?? [];
    if (name === undefined || w === undefined) throw new Error("no intermediate weight");
    const values = w.toFloat32Array();
    values[3] = NaN;
    model.setParameter(name, fromValues(values, w.shape, { engine: w.engine, format: w.format }));
  }
  saveHfCheckpoint(dir, model, bertConfigJson(config, "BertForSequenceClassification"));
  return dir;
}

describe("readers through the CLI (issue 15)", () => {
  it("report on a run with a damaged metrics.jsonl line exits non-zero naming file:line", async () => {
    const run = join(mkdtempSync(join(tmpdir(), "minifloat-readers-run-")), "run");
    writeRunDir(run, "fp32", 0, [0.8, 0.9, 0.95]);
    const path = join(run, "metrics.jsonl");
    const lines = readFileSync(path, "utf8").split("\n");
    lines[5] = lines[5].slice(0, 10) + lines[5].slice(11);
    writeFileSync(path, lines.join("\n"));
    const r = await cli("report", run, "--out", join(run, "..", "report"));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(
      /^minifloat: \S*metrics\.jsonl:6: type: expected one of "epoch", "step", got "eoch"\n$/,
    );
  });

  it("eval refuses NaN weights instead of reporting an accuracy", async () => {
    const r = await cli("eval", "--quiet", tinyClassifier(true), "--data", "tsv", "--data-dir", tsvTask());
    expect(r.code).not.toBe(0);
    expect(r.out).toBe("");
    expect(r.err).toMatch(
      /the weights hold NaN at bert\.encoder\.layer\.0\.intermediate\.dense\.weight\[3\]/,
    );
    const ok = await cli("eval", "--quiet", tinyClassifier(false), "--data", "tsv", "--data-dir", tsvTask());
    expect(ok.err).toBe("");
    expect(ok.code).toBe(0);
  });

  it("eval names the file of an empty evaluation split", async () => {
    const data = tsvTask();
    writeFileSync(join(data, "dev.tsv"), "text\tlabel\n");
    const r = await cli("eval", "--quiet", tinyClassifier(), "--data", "tsv", "--data-dir", data);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/dev\.tsv: the evaluation split of tsv has no examples/);
  });

  it("eval --data bogus names the argument and the accepted values", async () => {
    const r = await cli("eval", "--quiet", tinyClassifier(), "--data", "bogus");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--data "bogus": expected squad, tsv or glue:<task> \(cola, sst2/);
  });

  it("train --max-length beyond any model's positions is refused before the data is read", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "minifloat-readers-train-")), "run");
    const r = await cli(
      "train",
      "--model",
      "bert",
      "--data",
      "tsv",
      "--data-dir",
      "/nonexistent",
      "--max-length",
      "100000",
      "--out",
      out,
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/maxLength: expected at most 65536 tokens, got 100000/);
    expect(r.err).not.toMatch(/internal error|Invalid typed array length/);
  });
  it("tolerance on a model directory, and train on a missing data folder, say so in words", async () => {
    const model = await cli("tolerance", tinyClassifier());
    expect(model.code).toBe(2);
    expect(model.err).toMatch(/^minifloat: RUN_DIR \S+ is a model directory .*; expected a run directory/);
    const none = join(mkdtempSync(join(tmpdir(), "minifloat-readers-")), "none");
    const r = await cli("train", "--data", "tsv", "--data-dir", none, "--out", `${none}-run`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^minifloat: cannot read \S+none\/train\.tsv: no such file or folder \(ENOENT\)\n$/,
    );
  });
});
