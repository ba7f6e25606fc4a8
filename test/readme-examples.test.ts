/**
 * README's library examples are real: every ```js block that imports from "minifloat" runs under Node
 * against the built package's public entry point (dist/src/index.js, what `import "minifloat"` resolves to),
 * and where a ```text block follows it (after at most a "prints" line), its output is exactly that text.
 * Needs `npm run build` (npm test builds first).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const ENTRY = join(ROOT, "dist/src/index.js");

/** One runnable example: the heading it sits under, its code, and the output README shows (if any). */
export interface ReadmeExample {
  readonly heading: string;
  readonly line: number;
  readonly code: string;
  readonly prints: string | null;
}

/** The ```js blocks of `readme` that import from "minifloat", each with the ```text block after it. */
export function readmeExamples(readme: string): ReadmeExample[] {
  const blocks = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```\n/gm)];
  const out: ReadmeExample[] = [];
  blocks.forEach((b, i) => {
    const code = b[2];
    if (b[1] !== "js" || !code.includes('from "minifloat"')) return;
    const before = readme.slice(0, b.index);
    const heading = [...before.matchAll(/^#+ (.*)$/gm)].at(-1)?.[1] ?? "";
    const next = blocks.at(i + 1);
    const end = b.index + b[0].length;
    const between = next === undefined ? "" : readme.slice(end, next.index);
    const follows = next !== undefined && next[1] === "text" && /^\s*(prints\s*)?$/.test(between);
    out.push({
      heading,
      line: before.split("\n").length,
      code,
      prints: follows ? next[2] : null,
    });
  });
  return out;
}

const examples = readmeExamples(readFileSync(join(ROOT, "README.md"), "utf8"));
const dir = mkdtempSync(join(tmpdir(), "minifloat-readme-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("README library examples", () => {
  it("has one per layer a user scripts against, each with the output it prints", () => {
    const layers = ["nn", "optim", "precision", "quant", "analysis", "io", "data", "experiment", "report"];
    const commented = examples.map((e) => /^\/\/ (\w+):/m.exec(e.code)?.[1]);
    for (const layer of layers) expect(commented, layer).toContain(layer);
    expect(examples.filter((e) => e.prints !== null).length).toBeGreaterThanOrEqual(layers.length);
  });

  it.each(examples.map((e) => [`${e.heading} (README.md:${e.line})`, e] as const))(
    "%s runs",
    (_, example) => {
      expect(existsSync(ENTRY), "dist/src/index.js: run `npm run build` first").toBe(true);
      const file = join(dir, `example-${example.line}.mjs`);
      writeFileSync(
        file,
        example.code.replaceAll('from "minifloat"', `from ${JSON.stringify(pathToFileURL(ENTRY).href)}`),
      );
      const stdout = execFileSync(process.execPath, [file], { encoding: "utf8", timeout: 60_000 });
      if (example.prints !== null) expect(stdout).toBe(example.prints);
    },
  );
});
