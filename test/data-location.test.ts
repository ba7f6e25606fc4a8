/**
 * Every default finds its data through the package, from any working directory: `eval` (the shipped
 * SST-2 model on the package's SST-2 dev), `eval models/banking77`, MINIFLOAT_DATA in place of the
 * package's data, and a model whose training.json still records the old `../shared/data/...` folder.
 * The commands run in-process from an empty temporary directory.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { packageDataDir, shippedModelDir } from "../src/io/index.js";
import { cli } from "./support/text-task.js";

const home = process.cwd();
const savedEnv = process.env.MINIFLOAT_DATA;
beforeAll(() => {
  process.chdir(mkdtempSync(join(tmpdir(), "minifloat-elsewhere-")));
});
afterAll(() => {
  process.chdir(home);
});
afterEach(() => {
  if (savedEnv === undefined) delete process.env.MINIFLOAT_DATA;
  else process.env.MINIFLOAT_DATA = savedEnv;
});

interface EvalJson {
  readonly model: string;
  readonly dataDir: string;
  readonly samples: number;
  readonly value: number;
}

async function evalJson(...argv: string[]): Promise<EvalJson> {
  const r = await cli("eval", ...argv, "--json", "--quiet");
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as EvalJson;
}

describe("data found through the package, from another working directory", () => {
  it("eval: the shipped SST-2 model on the package's SST-2 dev", async () => {
    delete process.env.MINIFLOAT_DATA;
    const r = await evalJson("--limit", "64");
    expect(r.dataDir).toBe(join(packageDataDir(), "glue", "SST-2"));
    expect(r.samples).toBe(64);
    expect(r.value).toBeGreaterThan(0.6);
  });

  it("eval models/banking77: the shipped model by its package path, on the package's banking77 dev", async () => {
    delete process.env.MINIFLOAT_DATA;
    const r = await evalJson("models/banking77", "--limit", "64");
    expect(r.model).toBe(shippedModelDir("banking77"));
    expect(r.dataDir).toBe(join(packageDataDir(), "banking77"));
    expect(r.value).toBeGreaterThan(0.5);
  });

  it("MINIFLOAT_DATA replaces the package's data folder", async () => {
    const other = mkdtempSync(join(tmpdir(), "minifloat-other-data-"));
    mkdirSync(join(other, "glue", "SST-2"), { recursive: true });
    const dev = "sentence\tlabel\na gorgeous , witty film .\t1\na dull , lifeless mess .\t0\nfine\t1\n";
    writeFileSync(join(other, "glue", "SST-2", "dev.tsv"), dev);
    process.env.MINIFLOAT_DATA = other;
    const r = await evalJson();
    expect(r.dataDir).toBe(join(other, "glue", "SST-2"));
    expect(r.samples).toBe(3);
  });

  it("a training.json written before the package carried its data still resolves", async () => {
    delete process.env.MINIFLOAT_DATA;
    const model = join(mkdtempSync(join(tmpdir(), "minifloat-old-model-")), "sst2");
    cpSync(shippedModelDir("sst2"), model, { recursive: true });
    const training = join(model, "training.json");
    const config = JSON.parse(readFileSync(training, "utf8")) as Record<string, unknown>;
    writeFileSync(training, JSON.stringify({ ...config, dataDir: "../shared/data/glue/SST-2" }));
    const r = await evalJson(model, "--limit", "16");
    expect(r.dataDir).toBe(join(packageDataDir(), "glue", "SST-2"));
  });
});
