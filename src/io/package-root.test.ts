/**
 * Finding minifloat's own files: the package root, shipped models, its data folder (or MINIFLOAT_DATA's),
 * and data folders recorded so that they resolve from any working directory: `minifloat:data/...`
 * references, absolute paths, relative ones, and records into shared/data from before the package
 * carried its data.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  dataRoot,
  DATA_ENV,
  packageDataDir,
  packageRoot,
  recordDataDir,
  resolveDataDir,
  resolveFromRoot,
  shippedModelDir,
} from "./package-root.js";

const saved = process.env.MINIFLOAT_DATA;
afterEach(() => {
  if (saved === undefined) delete process.env.MINIFLOAT_DATA;
  else process.env.MINIFLOAT_DATA = saved;
});

/** A folder laid out like the package's data, with one SST-2 file. */
function otherData(): string {
  const dir = mkdtempSync(join(tmpdir(), "minifloat-data-"));
  mkdirSync(join(dir, "glue", "SST-2"), { recursive: true });
  writeFileSync(join(dir, "glue", "SST-2", "dev.tsv"), "text\tlabel\n");
  return dir;
}

describe("package root", () => {
  it("is the folder of minifloat's package.json, with the shipped models and data in it", () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { name: string };
    expect(pkg.name).toBe("minifloat");
    expect(existsSync(join(shippedModelDir("sst2"), "config.json"))).toBe(true);
    expect(existsSync(join(packageDataDir(), "glue", "SST-2", "dev.tsv"))).toBe(true);
    expect(existsSync(join(packageDataDir(), "banking77", "dev.tsv"))).toBe(true);
  });
});

describe("data folders", () => {
  it("resolves minifloat:data/ references under the package's data, or under MINIFLOAT_DATA", () => {
    expect(DATA_ENV).toBe("MINIFLOAT_DATA");
    delete process.env.MINIFLOAT_DATA;
    expect(dataRoot()).toBe(packageDataDir());
    expect(resolveDataDir("minifloat:data/glue/SST-2")).toBe(join(packageDataDir(), "glue", "SST-2"));
    const other = otherData();
    process.env.MINIFLOAT_DATA = other;
    expect(dataRoot()).toBe(other);
    expect(resolveDataDir("minifloat:data/glue/SST-2")).toBe(join(other, "glue", "SST-2"));
  });

  it("maps old records into shared/data onto the data folder in use, and leaves other paths alone", () => {
    delete process.env.MINIFLOAT_DATA;
    const sst2 = join(packageDataDir(), "glue", "SST-2");
    expect(resolveDataDir("../shared/data/glue/SST-2")).toBe(sst2);
    expect(resolveDataDir("/nowhere/shared/data/banking77")).toBe(join(packageDataDir(), "banking77"));
    // Even where such a folder still exists (a checkout beside the old shared folder).
    const old = join(mkdtempSync(join(tmpdir(), "minifloat-old-")), "shared", "data", "glue", "SST-2");
    mkdirSync(old, { recursive: true });
    expect(resolveDataDir(old)).toBe(sst2);
    process.env.MINIFLOAT_DATA = otherData();
    expect(resolveDataDir("../../x/shared/data/glue/SST-2")).toBe(join(dataRoot(), "glue", "SST-2"));
    expect(resolveDataDir("/abs/no/such/folder")).toBe("/abs/no/such/folder");
    expect(resolveDataDir("no/such/folder")).toBe(join(process.cwd(), "no/such/folder"));
  });

  it("reads a relative folder from the working directory, else from the package root", () => {
    const here = relative(process.cwd(), otherData());
    expect(resolveDataDir(here)).toBe(join(process.cwd(), here));
    expect(resolveDataDir("models/sst2")).toBe(join(packageRoot(), "models", "sst2"));
    expect(resolve(resolveFromRoot("models/banking77"))).toBe(join(packageRoot(), "models", "banking77"));
    expect(resolveFromRoot("no/such/model")).toBe("no/such/model");
  });

  it("records a folder inside the package's data as a reference, any other as an absolute path", () => {
    expect(recordDataDir(join(packageDataDir(), "glue", "SST-2"))).toBe("minifloat:data/glue/SST-2");
    expect(recordDataDir("minifloat:data/banking77")).toBe("minifloat:data/banking77");
    expect(recordDataDir("data/banking77")).toBe("minifloat:data/banking77"); // from the package root
    expect(recordDataDir("some/folder")).toBe(join(process.cwd(), "some", "folder"));
    const other = otherData();
    expect(recordDataDir(other)).toBe(other);
    expect(resolveDataDir(recordDataDir(join(packageDataDir(), "banking77")))).toBe(
      join(packageDataDir(), "banking77"),
    );
  });
});
