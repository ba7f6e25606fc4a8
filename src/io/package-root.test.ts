/**
 * Finding minifloat's own files: the package root, shipped models, and data paths recorded relative to
 * a checkout (tried as given, from the package root, then under MINIFLOAT_SHARED_DATA).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { packageRoot, resolveFromRoot, sharedDataDir, shippedModelDir } from "./package-root.js";

const saved = process.env.MINIFLOAT_SHARED_DATA;
afterEach(() => {
  if (saved === undefined) delete process.env.MINIFLOAT_SHARED_DATA;
  else process.env.MINIFLOAT_SHARED_DATA = saved;
});

describe("package root", () => {
  it("is the folder of minifloat's package.json, with the shipped models in it", () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { name: string };
    expect(pkg.name).toBe("minifloat");
    expect(existsSync(join(shippedModelDir("sst2"), "config.json"))).toBe(true);
  });

  it("resolves a recorded shared-data path under MINIFLOAT_SHARED_DATA, and leaves unknown paths alone", () => {
    const shared = mkdtempSync(join(tmpdir(), "minifloat-shared-"));
    mkdirSync(join(shared, "glue", "SST-2"), { recursive: true });
    writeFileSync(join(shared, "glue", "SST-2", "dev.tsv"), "text\tlabel\n");
    process.env.MINIFLOAT_SHARED_DATA = shared;
    expect(sharedDataDir()).toBe(shared);
    expect(resolveFromRoot("../../somewhere/shared/data/glue/SST-2")).toBe(join(shared, "glue", "SST-2"));
    expect(resolveFromRoot("no/such/folder")).toBe("no/such/folder");
    expect(resolveFromRoot("/abs/path")).toBe("/abs/path");
  });
});
