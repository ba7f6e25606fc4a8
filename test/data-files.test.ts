/**
 * The data the package carries (data/, see data/README.md): every file the README lists is there with
 * the sha256 the README gives (byte-identical copies of the public source), the README lists every
 * file, and package.json ships the folder.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { packageDataDir, packageRoot } from "../src/io/index.js";

const DATA = packageDataDir();

/** The `| file | ... | sha256 |` rows of data/README.md, as paths under data/ (from each section's
 * `## <folder>:` heading) with their sha256. */
function readmeHashes(): Map<string, string> {
  const hashes = new Map<string, string>();
  let folder = "";
  for (const line of readFileSync(join(DATA, "README.md"), "utf8").split("\n")) {
    const heading = /^## ([\w/-]+):/.exec(line);
    if (heading !== null) folder = heading[1];
    const row = /^\| (\S+\.tsv) +\|.*\| ([0-9a-f]{64}) \|$/.exec(line);
    if (row !== null) hashes.set(`${folder}/${row[1]}`, row[2]);
  }
  return hashes;
}

/** Every .tsv file under data/, as paths relative to it. */
function tsvFiles(dir = DATA): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsvFiles(path);
    return e.name.endsWith(".tsv") ? [relative(DATA, path).split("\\").join("/")] : [];
  });
}

describe("the package's data", () => {
  const hashes = readmeHashes();

  it("lists the six files of SST-2 and banking77, and no file is missing from the list", () => {
    expect([...hashes.keys()].sort()).toEqual(
      ["banking77", "glue/SST-2"].flatMap((d) => ["dev", "test", "train"].map((s) => `${d}/${s}.tsv`)),
    );
    expect(tsvFiles().sort()).toEqual([...hashes.keys()].sort());
  });

  it("holds byte-identical copies: each file's sha256 is the README's", () => {
    for (const [file, sha] of hashes) {
      const actual = createHash("sha256")
        .update(readFileSync(join(DATA, file)))
        .digest("hex");
      expect(`${file} ${actual}`).toBe(`${file} ${sha}`);
    }
  });

  it("is shipped: package.json files names data", () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { files: string[] };
    expect(pkg.files).toContain("data");
  });
});
