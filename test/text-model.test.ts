/**
 * A BERT classifier trained by `minifloat train` on a TSV task (written here) is exported as a Hugging
 * Face directory that `minifloat eval` scores with the same accuracy as the run's last evaluation; labels
 * are matched by name; bad directories and unnamed data are clear errors.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { labelMapping, loadTextModel, predictText, textMetrics } from "../src/experiment/index.js";
import { loadTextDataset } from "../src/data/index.js";
import { expectError } from "./support/expect-error.js";
import { cli, TINY_BERT, trainTinyTextModel, tsvTask } from "./support/text-task.js";

describe("text models", () => {
  it("train exports run/model; eval scores it as the run did (table and JSON)", async () => {
    const { data, run, trained: t } = await trainTinyTextModel();
    expect(t.code).toBe(0);
    const trained = JSON.parse(t.out) as { testAccuracy: number };
    const model = join(run, "model");
    expect(JSON.parse(readFileSync(join(model, "tokenizer_config.json"), "utf8"))).toMatchObject({
      model_max_length: 16,
      do_lower_case: true,
    });
    // --data and --data-dir come from the model's training.json.
    const e = await cli("eval", model, "--json");
    expect(e.code).toBe(0);
    const r = JSON.parse(e.out) as { metric: string; value: number; samples: number };
    expect(r).toMatchObject({ metric: "accuracy", samples: 20 });
    expect(r.value).toBe(trained.testAccuracy);
    const table = await cli("eval", model, "--data", "tsv", "--data-dir", data, "--limit", "10");
    expect(table.out).toMatch(/on tsv \(10 samples/);
    expect(table.out).toMatch(/accuracy +\d+\.\d\d%/);

    // Stored as float16: half the bytes, the same predictions on this task.
    const half = join(run, "model-f16");
    const c = await cli("convert", model, "--dtype", "float16", "--out", half);
    expect(c.out).toMatch(/model-f16: 2\d of 2\d tensors in float16; \d+\.\d\d% of \d+ values rounded/);
    const size = (d: string): number => statSync(join(d, "model.safetensors")).size;
    expect(size(half)).toBeLessThan(0.51 * size(model));
    expect(JSON.parse(readFileSync(join(half, "config.json"), "utf8"))).toMatchObject({
      torch_dtype: "float16",
    });
    const e16 = JSON.parse((await cli("eval", half, "--json")).out) as { value: number };
    expect(e16.value).toBe(trained.testAccuracy);

    // The same through the library, with the dataset's classes in another order than the model's.
    const tm = loadTextModel(model);
    const dev = loadTextDataset("tsv", data, "test");
    const swapped = { ...dev, classes: [...dev.classes].reverse(), labels: dev.labels.map((l) => 1 - l) };
    expect(textMetrics("tsv", predictText(tm, swapped), swapped.labels).value).toBe(trained.testAccuracy);
  });

  it("maps labels by name, generic names in order, and names a missing label", () => {
    expect(Array.from(labelMapping(["b", "a"], ["a", "b"], "m"))).toEqual([1, 0]);
    expect(Array.from(labelMapping(["LABEL_0", "LABEL_1"], ["neg", "pos"], "m"))).toEqual([0, 1]);
    expectError(
      () => labelMapping(["a", "b"], ["a", "c"], "m"),
      "config",
      /m: the model's labels \(a, b\) lack the dataset's c/,
    );
  });

  it("refuses a directory that is not a checkpoint, in one line", async () => {
    const empty = mkdtempSync(join(tmpdir(), "minifloat-empty-"));
    const r = await cli("eval", empty);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no config.json/);
    expect(r.err.split("\n").filter((l) => l !== "")).toHaveLength(1);
  });

  it("train records a relative --data-dir as an absolute path, and its summary names no batch norm", async () => {
    const data = tsvTask();
    const run = join(mkdtempSync(join(tmpdir(), "minifloat-run-")), "run");
    const t = await cli(
      "train",
      ...["--model", "bert", "--model-options", TINY_BERT, "--data", "tsv"],
      ...["--data-dir", relative(process.cwd(), data), "--epochs", "1", "--max-length", "16"],
      ...["--backend", "js", "--out", run],
    );
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/^bert on tsv, policy fp32, \d+ parameters\n/); // BERT has no batch norm
    const recorded = (file: string): unknown =>
      (JSON.parse(readFileSync(join(run, file), "utf8")) as { dataDir: unknown }).dataDir;
    expect(
      (JSON.parse(readFileSync(join(run, "config.json"), "utf8")) as { config: unknown }).config,
    ).toMatchObject({
      dataDir: data,
    });
    expect(recorded("model/training.json")).toBe(data);
  });

  it("eval --data tsv reads only the split it evaluates: the model's config names the classes", async () => {
    const { data, run } = await trainTinyTextModel(1);
    const devOnly = mkdtempSync(join(tmpdir(), "minifloat-dev-only-"));
    copyFileSync(join(data, "dev.tsv"), join(devOnly, "dev.tsv"));
    const r = await cli(
      "eval",
      join(run, "model"),
      "--data",
      "tsv",
      "--data-dir",
      devOnly,
      "--json",
      "--quiet",
    );
    expect(r.err).toBe("");
    expect(JSON.parse(r.out)).toMatchObject({ samples: 20, dataDir: devOnly });
  });

  it("refuses --max-length beyond max_position_embeddings up front: eval, quantize, train", async () => {
    const { data, run } = await trainTinyTextModel(1);
    const model = join(run, "model");
    const oneLine = async (pattern: RegExp, ...argv: string[]): Promise<void> => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(pattern);
      expect(r.err.trim().split("\n")).toHaveLength(1);
    };
    const beyond = /--max-length 600 exceeds .*max_position_embeddings 512.*--max-length 512 or less/;
    await oneLine(beyond, "eval", model, "--max-length", "600");
    await oneLine(beyond, "quantize", model, "--max-length", "600", "--formats", "float8_e4m3fn");
    // Before any data is read: the folder does not exist.
    const nowhere = join(data, "nowhere");
    const out = join(data, "no-run");
    const train = [
      "train",
      "--model",
      "bert",
      "--data",
      "tsv",
      "--data-dir",
      nowhere,
      "--max-length",
      "600",
      "--out",
      out,
    ];
    await oneLine(
      /--max-length 600 exceeds .* 512 \(from --init .*model \(config\.json\)\)/,
      ...train,
      "--init",
      model,
    );
    const small =
      '{"hidden_size":16,"num_hidden_layers":1,"num_attention_heads":2,"max_position_embeddings":32}';
    await oneLine(
      /--max-length 600 exceeds .* 32 \(from --model-options\)/,
      ...train,
      "--model-options",
      small,
    );
    expect(existsSync(out)).toBe(false); // refused before the run directory is made
  });

  it("--quoting: train records it, eval reads the model's files the same way; csv names --quoting none", async () => {
    const data = tsvTask();
    for (const split of ["train.tsv", "dev.tsv"]) {
      const rows = readFileSync(join(data, split), "utf8").trimEnd().split("\n");
      rows[1] = `"Wow" ${rows[1]}`; // a text that starts with a quote
      writeFileSync(join(data, split), "\ufeff" + rows.join("\r\n") + "\r\n");
    }
    const run = join(mkdtempSync(join(tmpdir(), "minifloat-run-")), "run");
    const t = await cli(
      "train",
      ...["--model", "bert", "--model-options", TINY_BERT, "--data", "tsv", "--data-dir", data],
      ...["--quoting", "none", "--epochs", "1", "--max-length", "16", "--backend", "js", "--out", run],
    );
    expect(t.code).toBe(0);
    const model = join(run, "model");
    expect(JSON.parse(readFileSync(join(model, "training.json"), "utf8"))).toMatchObject({ quoting: "none" });
    expect(JSON.parse((await cli("eval", model, "--json")).out)).toMatchObject({ samples: 20 });
    const csv = await cli("eval", model, "--quoting", "csv");
    expect(csv.code).toBe(2);
    expect(csv.err).toMatch(/dev\.tsv:2: unexpected " " after the closing quote .*--quoting none/);
    const typo = await cli("eval", model, "--quoting", "nope");
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/auto, csv, none/);
  });
});
