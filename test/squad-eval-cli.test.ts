/**
 * `minifloat eval MODEL_DIR --data squad --data-dir DIR` on a tiny random BertForQuestionAnswering saved
 * as a Hugging Face directory with its own vocab.txt: it loads back with the same logits, scores SQuAD
 * files written here with numbers in [0, 100] (the same through the library), and refuses a missing file,
 * a classifier, a QA model on other data and a window longer than the model's positions, each in one line.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.js";
import { parseSquad } from "../src/data/index.js";
import {
  evaluateQaModel,
  featureLogits,
  loadQaModel,
  qaModelLogits,
  squadFeatures,
} from "../src/experiment/index.js";
import { saveHfCheckpoint } from "../src/io/index.js";
import { BertForQuestionAnswering, bertConfig, createContext } from "../src/nn/index.js";
import { expectError } from "./support/expect-error.js";
import {
  CAT_JSON,
  CAT_PARAGRAPH,
  VOCAB,
  squadJson,
  tokenizer,
  writeVocab,
} from "./support/squad-fixtures.js";
import { tinyBert } from "./support/tiny-bert.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

const OPTIONS = { maxSeqLength: 16, docStride: 3, maxQueryLength: 4 };
const FLAGS = ["--max-length", "16", "--doc-stride", "3", "--max-query-length", "4"];

function tinyQa(): BertForQuestionAnswering {
  const config = bertConfig({
    vocab_size: VOCAB.length,
    hidden_size: 16,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 24,
    max_position_embeddings: 32,
  });
  return new BertForQuestionAnswering(createContext({ seed: 7 }), config).eval();
}

/** A QA model directory and a data folder with dev-v1.1.json (three questions, two paragraphs). */
function fixtures(): {
  root: string;
  model: BertForQuestionAnswering;
  modelDir: string;
  dataDir: string;
  dev: unknown;
} {
  const root = mkdtempSync(join(tmpdir(), "minifloat-squad-"));
  const model = tinyQa();
  const modelDir = join(root, "qa");
  saveHfCheckpoint(modelDir, model, model.hfConfig());
  writeVocab(modelDir);
  const dataDir = join(root, "squad");
  mkdirSync(dataDir);
  const dev = squadJson([
    CAT_PARAGRAPH,
    {
      context: "A dog ran to the park in the morning, the cat sat.",
      qas: [{ id: "q3", question: "Where ran a dog?", answers: ["the park", "park"] }],
    },
  ]);
  writeFileSync(join(dataDir, "dev-v1.1.json"), JSON.stringify(dev));
  return { root, model, modelDir, dataDir, dev };
}

describe("eval --data squad", () => {
  const { root, model, modelDir, dataDir, dev } = fixtures();

  it("loads the directory back with the same logits", () => {
    const qm = loadQaModel(modelDir);
    expect(qm.maxSeqLength).toBe(32);
    expect(qm.doLowerCase).toBe(true);
    const { features } = squadFeatures(parseSquad(CAT_JSON).questions, tokenizer(), OPTIONS);
    const run = (m: BertForQuestionAnswering, padding: "max_length" | "longest") =>
      featureLogits(features, qaModelLogits(m), { maxSeqLength: 16, padding, batchSize: 4 });
    const before = run(model, "max_length");
    const after = run(qm.model, "max_length");
    expect(after).toEqual(before);
    // Padding to the longest of a batch changes no logit of a real token (padding is masked).
    const short = run(qm.model, "longest");
    features.forEach((f, i) => {
      const n = f.tokens.length;
      for (let k = 0; k < n; k++) {
        expect(short[i].start[k]).toBeCloseTo(after[i].start[k], 5);
        expect(short[i].end[k]).toBeCloseTo(after[i].end[k], 5);
      }
    });
  });

  it("prints exact match and F1 in percent (JSON and table), as the library computes them", async () => {
    const r = await cli("eval", modelDir, "--data-dir", dataDir, ...FLAGS, "--json");
    // stdout is the JSON alone; the progress (here its one finished line) goes to stderr.
    expect(r.err).toMatch(
      /^eval squad: exact match \d+\.\d\d%, F1 \d+\.\d\d% \(\d+\/\d+ windows, \d+\.\d s\)\n$/,
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as {
      data: string;
      samples: number;
      features: number;
      metric: string;
      value: number;
      metrics: { exact_match: number; f1: number };
    };
    expect(json).toMatchObject({ data: "squad", samples: 3, metric: "f1" });
    expect(json.features).toBeGreaterThan(3);
    expect(json.value).toBe(json.metrics.f1);
    for (const v of [json.metrics.exact_match, json.metrics.f1]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100);
    }
    expect(json.metrics.f1).toBeGreaterThanOrEqual(json.metrics.exact_match);
    const questions = parseSquad(dev).questions;
    const lib = evaluateQaModel(loadQaModel(modelDir), questions, OPTIONS);
    expect([lib.exactMatch, lib.f1]).toEqual([json.metrics.exact_match, json.metrics.f1]);
    expect(lib.predictions.size).toBe(3);

    // The .json file itself, --data squad named, --limit, and the table.
    const file = join(dataDir, "dev-v1.1.json");
    const t = await cli("eval", modelDir, "--data", "squad", "--data-dir", file, ...FLAGS, "--limit", "2");
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/on squad \(2 questions, \d+ windows/);
    expect(t.out).toMatch(/exact_match +\d+\.\d\d%/);
    expect(t.out).toMatch(/f1 +\d+\.\d\d%/);
  });

  it("refuses missing data, a classifier, other data and too long windows, in one line each", async () => {
    const oneLine = async (pattern: RegExp, ...argv: string[]): Promise<void> => {
      const r = await cli("eval", ...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(pattern);
      expect(r.err.split("\n").filter((l) => l !== "")).toHaveLength(1);
    };
    await oneLine(/no such file or folder/, modelDir, "--data-dir", join(root, "nowhere"));
    await oneLine(/no dev-v1\.1\.json/, modelDir, "--data-dir", root);
    await oneLine(/--data squad needs --data-dir/, modelDir);
    await oneLine(/evaluate it with --data squad, not tsv/, modelDir, "--data", "tsv");
    await oneLine(
      /exceeds .* max_position_embeddings 32/,
      modelDir,
      "--data-dir",
      dataDir,
      "--max-length",
      "64",
    );
    await oneLine(
      /maxSeqLength \(16\) must be greater than maxQueryLength \(64\) \+ 3/,
      modelDir,
      "--data-dir",
      dataDir,
      "--max-length",
      "16",
    );

    const classifier = join(root, "classifier");
    const c = tinyBert();
    saveHfCheckpoint(classifier, c, c.hfConfig());
    await oneLine(
      /config\.json names \["BertForSequenceClassification"\]; SQuAD evaluation needs a BertForQuestionAnswering/,
      classifier,
      "--data",
      "squad",
      "--data-dir",
      dataDir,
    );
    expectError(() => loadQaModel(classifier), "unsupported", /BertForQuestionAnswering/);
  });
});
