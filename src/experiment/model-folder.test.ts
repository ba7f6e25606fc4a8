/**
 * Model folders a user hands over (issue 15, items 4 and 5): sizes in config.json are checked against the
 * weights file's header and against limits before a model is allocated; config.json and vocab.txt are
 * read bounded (regular files only, size caps); files linked out of the folder are refused by name, their
 * bytes never quoted in an error nor copied by convert.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { tinyBert } from "../../test/support/tiny-bert.js";
import { convertHfCheckpoint, READ_LIMITS, saveHfCheckpoint } from "../io/index.js";
import { bertConfigJson } from "../nn/index.js";
import { loadTextModel } from "./text-model.js";

const SECRET = "root:x:0:0:secret-line-of-a-system-file";

/** A folder with a tiny BERT classifier (config.json, model.safetensors, a 99-token vocab.txt). */
function tinyModelDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "minifloat-model-folder-"));
  const model = tinyBert();
  saveHfCheckpoint(dir, model, bertConfigJson(model.config, "BertForSequenceClassification"));
  const tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
  for (let i = tokens.length; i < 99; i++) tokens.push(`w${i}`);
  writeFileSync(join(dir, "vocab.txt"), tokens.join("\n") + "\n");
  return dir;
}

function withConfig(dir: string, change: Record<string, unknown>): void {
  const path = join(dir, "config.json");
  const json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  writeFileSync(path, JSON.stringify({ ...json, ...change }));
}

/** A file outside every model folder, standing for a system file. */
function outsideFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), "minifloat-outside-")), "passwd");
  writeFileSync(path, SECRET + "\n");
  return path;
}

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

describe("model folder sizes (issue 15, item 4)", () => {
  it("loads the folder as written", () => {
    expect(loadTextModel(tinyModelDir()).labels).toHaveLength(3);
  });

  it("refuses sizes over the limits at once, before allocating anything", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ num_hidden_layers: 1_000_000 }, /num_hidden_layers is 1000000, over the limit of 256/],
      [{ intermediate_size: 4_000_000 }, /intermediate_size is 4000000, over the limit of 65536/],
      [
        { hidden_size: 16384, num_attention_heads: 4 },
        /the number of parameter values is \d+, over the limit/,
      ],
      [{ vocab_size: 30522, hidden_size: 16384, num_attention_heads: 4 }, /values in one tensor/],
    ];
    for (const [change, message] of cases) {
      const dir = tinyModelDir();
      withConfig(dir, change);
      const t0 = performance.now();
      expectError(() => loadTextModel(dir), "config", message);
      expect(performance.now() - t0).toBeLessThan(2000);
    }
  });

  it("refuses sizes that do not match the shapes in the weights file, naming each", () => {
    const dir = tinyModelDir();
    withConfig(dir, { hidden_size: 4096, num_attention_heads: 4 });
    const t0 = performance.now();
    expectError(
      () => loadTextModel(dir),
      "config",
      /config\.json does not describe its weights: \(vocab_size, hidden_size\) is \(99, 4096\) but embeddings\.word_embeddings\.weight is \(99, 32\)/,
    );
    expect(performance.now() - t0).toBeLessThan(2000);
    const layers = tinyModelDir();
    withConfig(layers, { num_hidden_layers: 200 });
    expectError(
      () => loadTextModel(layers),
      "config",
      /num_hidden_layers is 200 but the weights hold 2 encoder layers/,
    );
    const ffn = tinyModelDir();
    withConfig(ffn, { intermediate_size: 4096 });
    expectError(() => loadTextModel(ffn), "config", /\(intermediate_size, hidden_size\) is \(4096, 32\) but/);
  });
});

describe("bounded reads of config.json and vocab.txt (issue 15, item 4)", () => {
  it("refuses a vocabulary that is a FIFO or a device, and a config.json over its size cap", () => {
    const fifo = tinyModelDir();
    execFileSync("rm", [join(fifo, "vocab.txt")]);
    execFileSync("mkfifo", [join(fifo, "vocab.txt")]);
    expectError(
      () => loadTextModel(fifo),
      "io",
      /vocab\.txt: expected a regular file, got not a regular file/,
    );
    const big = tinyModelDir();
    writeFileSync(join(big, "config.json"), " ".repeat(READ_LIMITS.json + 1));
    expectError(() => loadTextModel(big), "io", /config\.json .* is over the limit of 16 MiB/);
  });
});

describe("links out of a model folder (issue 15, item 5)", () => {
  it("refuses a config.json linked to a system file by name, never quoting its bytes", () => {
    const dir = tinyModelDir();
    execFileSync("rm", [join(dir, "config.json")]);
    symlinkSync(outsideFile(), join(dir, "config.json"));
    const message = messageOf(() => loadTextModel(dir));
    expect(message).toMatch(
      /config\.json is a symbolic link to .*passwd, outside .*: files of a folder must stay inside it/,
    );
    expect(message).not.toContain("root:x");
  });

  it("refuses a vocab.txt linked out of the folder, also when the target is /dev/zero", () => {
    for (const target of [outsideFile(), "/dev/zero"]) {
      const dir = tinyModelDir();
      execFileSync("rm", [join(dir, "vocab.txt")]);
      symlinkSync(target, join(dir, "vocab.txt"));
      expectError(() => loadTextModel(dir), "io", /vocab\.txt is a symbolic link to .*outside/);
    }
  });

  it("convert refuses a linked vocab.txt before writing anything, and never copies it", () => {
    const dir = tinyModelDir();
    execFileSync("rm", [join(dir, "vocab.txt")]);
    symlinkSync(outsideFile(), join(dir, "vocab.txt"));
    const out = join(mkdtempSync(join(tmpdir(), "minifloat-convert-")), "out");
    expectError(() => convertHfCheckpoint(dir, out, "bfloat16"), "io", /vocab\.txt is a symbolic link/);
    expect(existsSync(out)).toBe(false);
  });

  it("accepts a link that stays inside the folder", () => {
    const dir = tinyModelDir();
    execFileSync("mv", [join(dir, "vocab.txt"), join(dir, "vocab-real.txt")]);
    symlinkSync("vocab-real.txt", join(dir, "vocab.txt"));
    expect(loadTextModel(dir).tokenizer.vocabSize).toBe(99);
  });
});
