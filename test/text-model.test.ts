/**
 * A BERT classifier trained by `minifloat train` on a TSV task (written here) is exported as a Hugging
 * Face directory that `minifloat eval` scores with the same accuracy as the run's last evaluation; labels
 * are matched by name; bad directories and unnamed data are clear errors.
 */
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { labelMapping, loadTextModel, predictText, textMetrics } from "../src/experiment/index.js";
import { loadTextDataset } from "../src/data/index.js";
import { expectError } from "./support/expect-error.js";
import { cli, trainTinyTextModel } from "./support/text-task.js";

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
});
