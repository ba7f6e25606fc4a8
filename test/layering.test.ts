/**
 * The layer diagram of docs/design.md and the imports of src/ agree: every import of a library file
 * (static `import`/`export ... from`, type-only, side-effect and dynamic `import()`) points at its own
 * layer or one below it, never up and never across a shared row, and never leaves src/ for a folder
 * outside the package. The layer list is read from docs/design.md itself, so the test and the diagram
 * cannot drift apart. Unit tests beside the code (*.test.ts) are exempt: they may build their inputs with
 * higher layers (kernel tests make tensors with ops) and read test/support helpers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const SRC = join(ROOT, "src");

/**
 * Imports the diagram does not draw, each with its reason. Keep it short; an entry is a debt.
 * `from` is a file of src/ (relative to src/), `to` the imported path relative to the repository root.
 */
const ALLOWED: readonly { from: string; to: RegExp; why: string }[] = [
  {
    from: "cli/bench-command.ts",
    to: /^bench\/(engine|bert|bert-quant)\.js$/,
    why: "`minifloat bench` loads the benchmarks of a source checkout with a dynamic import() and says so when they are missing; bench/ is not shipped",
  },
];

/** The layer rows of docs/design.md's diagram, bottom first: `nn, optim` is one row of two layers. */
export function layerRows(design: string): string[][] {
  const section = design.slice(design.indexOf("## Layers"));
  const block = /```\n([\s\S]*?)```/.exec(section);
  if (block?.[1] === undefined) throw new Error("docs/design.md: no diagram under '## Layers'");
  return block[1]
    .split("\n")
    .filter((line) => /^[a-z]/.test(line))
    .map((line) => (/^([a-z]+(?:, [a-z]+)*)\s/.exec(line)?.[1] ?? "").split(", "));
}

/** One import of a file: the specifier and the line it starts on. */
export interface ImportSite {
  readonly spec: string;
  readonly line: number;
}

/** Every module specifier `source` imports or re-exports, static, type-only or dynamic. */
export function importsOf(source: string): ImportSite[] {
  const noComments = source
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
    .replace(/\/\/.*$/gm, "");
  const patterns = [
    /^\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  const sites: ImportSite[] = [];
  for (const pattern of patterns) {
    for (const m of noComments.matchAll(pattern)) {
      const spec = m[1];
      const at = m.index + m[0].lastIndexOf(spec);
      sites.push({ spec, line: noComments.slice(0, at).split("\n").length });
    }
  }
  return sites;
}

function libraryFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => f.split("\\").join("/"));
}

/** The rank of a layer (row index); errors.ts sits below every layer and index.ts above. */
function rankOf(rows: string[][], fileOrFolder: string): number {
  if (fileOrFolder === "errors.ts" || fileOrFolder === "errors.js") return -1;
  if (fileOrFolder === "index.ts" || fileOrFolder === "index.js") return rows.length;
  const row = rows.findIndex((r) => r.includes(fileOrFolder));
  if (row < 0) throw new Error(`src/${fileOrFolder} is no layer of docs/design.md's diagram`);
  return row;
}

/** Each import of src/ that breaks the diagram, as `file:line -> target (why)`. */
export function layeringViolations(rows: string[][]): string[] {
  const found: string[] = [];
  for (const file of libraryFiles(SRC)) {
    const from = file.split("/")[0];
    const source = readFileSync(join(SRC, file), "utf8");
    for (const { spec, line } of importsOf(source)) {
      if (!spec.startsWith(".")) continue; // packages and node: builtins
      const target = relative(ROOT, resolve(SRC, dirname(file), spec))
        .split("\\")
        .join("/");
      const where = `src/${file}:${line} -> ${target}`;
      if (!target.startsWith("src/")) {
        if (!ALLOWED.some((a) => a.from === file && a.to.test(target))) found.push(`${where} (outside src/)`);
        continue;
      }
      const to = target.split("/")[1];
      if (to === from) continue;
      const [rFrom, rTo] = [rankOf(rows, from), rankOf(rows, to)];
      if (rTo > rFrom) found.push(`${where} (${from} imports ${to}, a layer above it)`);
      else if (rTo === rFrom)
        found.push(`${where} (${from} and ${to} share a row and may not import each other)`);
    }
  }
  return found;
}

describe("layering (docs/design.md, Layers)", () => {
  const rows = layerRows(readFileSync(join(ROOT, "docs/design.md"), "utf8"));

  it("reads the diagram: every folder of src/ is a layer in it, bottom to top", () => {
    expect(rows[0]).toEqual(["formats"]);
    expect(rows.at(-1)).toEqual(["cli"]);
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((d) => d.isDirectory());
    for (const d of folders) expect(rows.flat(), `src/${d.name}`).toContain(d.name);
  });

  it("finds every kind of import, with its line", () => {
    const source = [
      "/** import { no } from './comment.js'; */",
      'import type { A } from "../a/index.js";',
      'export {\n  b,\n} from "../b/index.js";',
      'import "../c/side.js";',
      'type D = typeof import("../d/index.js");',
    ].join("\n");
    expect(
      importsOf(source)
        .map((s) => `${s.spec}:${s.line}`)
        .sort(),
    ).toEqual(["../a/index.js:2", "../b/index.js:5", "../c/side.js:6", "../d/index.js:7"]);
  });

  it("no import of src/ points up the list, across a shared row, or out of src/", () => {
    expect(layeringViolations(rows)).toEqual([]);
  });
});
