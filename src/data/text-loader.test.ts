/**
 * Text datasets and batches: SST-2 (the real GLUE files, the package's copy in data/) and a `text<TAB>label` folder,
 * tokenized once; batches padded to their longest row with masks and token types; the same (seed, epoch,
 * index) gives the same batch; pair tasks get token types 0/1.
 */
import { DATA } from "../../test/support/data-dir.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { loadTextDataset, TextLoader } from "./text-loader.js";
import { BertTokenizer } from "./tokenizer/index.js";

const SST2 = join(DATA, "glue/SST-2");
const tokenizer = BertTokenizer.bertBaseUncased();

describe("loadTextDataset and TextLoader", () => {
  it("SST-2 dev: 872 sentences, padded batches, reproducible order", () => {
    const dev = loadTextDataset("glue:sst2", SST2, "test");
    expect(dev.labels.length).toBe(872);
    expect(dev.classes).toHaveLength(2);
    expect(dev.textsB).toBeNull();
    const loader = new TextLoader(dev, tokenizer, { batchSize: 32, maxLength: 24, seed: 3 });
    expect(loader.batchesPerEpoch).toBe(28);
    const b = loader.batch(1, 5);
    const [rows, t] = b.shape;
    expect(rows).toBe(32);
    expect(t).toBeLessThanOrEqual(24);
    expect(b.inputIds.length).toBe(rows * t);
    for (let r = 0; r < rows; r++) {
      expect(b.inputIds[r * t]).toBe(tokenizer.clsId);
      const len = b.attentionMask.subarray(r * t, (r + 1) * t).reduce((a, m) => a + m, 0);
      expect(b.inputIds[r * t + len - 1]).toBe(tokenizer.sepId);
      for (let k = len; k < t; k++) expect(b.inputIds[r * t + k]).toBe(tokenizer.padId);
      expect(b.labels[r]).toBe(dev.labels[b.indices[r]]);
    }
    expect(
      Math.max(
        ...Array.from({ length: rows }, (_, r) =>
          b.attentionMask.subarray(r * t, (r + 1) * t).reduce((a, m) => a + m, 0),
        ),
      ),
    ).toBe(t);
    const again = new TextLoader(dev, tokenizer, { batchSize: 32, maxLength: 24, seed: 3 }).batch(1, 5);
    expect(again).toEqual(b);
    expect(loader.batch(2, 5).indices).not.toEqual(b.indices);
  });

  it("a text<TAB>label folder with pairs of nothing, quoted fields and named labels; errors", () => {
    const dir = mkdtempSync(join(tmpdir(), "minifloat-text-"));
    writeFileSync(
      join(dir, "train.tsv"),
      'text\tlabel\nhello there\tgreet\n"a ""quoted""\nline"\tquote\nbye\tleave\n',
    );
    writeFileSync(join(dir, "dev.tsv"), "text\tlabel\nhi\tgreet\n");
    const train = loadTextDataset("tsv", dir, "train");
    expect(train.classes).toEqual(["greet", "leave", "quote"]);
    expect(Array.from(train.labels)).toEqual([0, 2, 1]);
    const dev = loadTextDataset("tsv", dir, "test");
    expect(Array.from(dev.labels)).toEqual([0]);
    const batch = new TextLoader(train, tokenizer, { batchSize: 8, maxLength: 16, shuffle: false }).batch(
      0,
      0,
    );
    expect(
      tokenizer.convertIdsToTokens(
        Array.from(batch.inputIds.subarray(batch.shape[1], 2 * batch.shape[1])).filter((i) => i !== 0),
      ),
    ).toEqual(["[CLS]", "a", '"', "quoted", '"', "line", "[SEP]"]);
    expectError(() => loadTextDataset("tsv", undefined, "train"), "io", /tsv: pass --data-dir/);
  });

  it("tsv: the evaluation split alone when the classes are given (a model's id2label)", () => {
    const dir = mkdtempSync(join(tmpdir(), "minifloat-text-dev-"));
    writeFileSync(join(dir, "dev.tsv"), "text\tlabel\nbye\tleave\nhi\tgreet\n");
    const dev = loadTextDataset("tsv", dir, "test", { classes: ["leave", "quote", "greet"] });
    expect(dev.classes).toEqual(["leave", "quote", "greet"]);
    expect(Array.from(dev.labels)).toEqual([0, 2]);
    expectError(() => loadTextDataset("tsv", dir, "test"), "io", /cannot read .*train\.tsv/);
  });

  it("tsv and GLUE files: quoting auto reads a text that starts with a quote; csv names --quoting", () => {
    const dir = mkdtempSync(join(tmpdir(), "minifloat-text-quote-"));
    const rows = '\ufefftext\tlabel\r\n"Wow" indeed\tpos\r\nmeh\tneg\r\n';
    writeFileSync(join(dir, "train.tsv"), rows);
    writeFileSync(join(dir, "dev.tsv"), rows);
    expect(loadTextDataset("tsv", dir, "test").textsA).toEqual(['"Wow" indeed', "meh"]);
    expectError(() => loadTextDataset("tsv", dir, "train", { quoting: "csv" }), "format", /--quoting none/);
    const sst2 = mkdtempSync(join(tmpdir(), "minifloat-text-sst2-"));
    writeFileSync(join(sst2, "dev.tsv"), 'sentence\tlabel\r\n"Wow" indeed\t1\r\n');
    expect(loadTextDataset("glue:sst2", sst2, "test").textsA).toEqual(['"Wow" indeed']);
    expect(loadTextDataset("glue:sst2", sst2, "test", { quoting: "none" }).labels).toEqual(Int32Array.of(1));
  });
});
