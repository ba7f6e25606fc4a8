/**
 * `minifloat report` through runCli: the three documents written (into the directory itself or --out),
 * the summary on stdout and with --json, and bad directories answered with one line and exit code 2.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.js";
import { writeCompareDir, writeToleranceDir } from "./report-fixtures.js";

const root = mkdtempSync(join(tmpdir(), "minifloat-report-cli-"));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

describe("minifloat report", () => {
  it("writes report.html, report.md and report.json into the directory", async () => {
    const dir = join(root, "compare");
    writeCompareDir(dir);
    const r = await cli("report", dir);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Precision policies compared: mlp on mnist\n");
    expect(r.out).toContain("  fp32: 94.00 % (± 1.41 over 2 run(s))\n");
    expect(r.out).toContain("5 figure(s): Final test accuracy per policy; Training loss per epoch;");
    for (const f of ["report.html", "report.md", "report.json"]) expect(existsSync(join(dir, f))).toBe(true);
    expect(readFileSync(join(dir, "report.md"), "utf8")).toContain(
      "| pure-bf16 | 2 | 86.00 ± 1.41 | -8.00 |",
    );
  });

  it("writes into --out and prints one JSON object with --json", async () => {
    const dir = join(root, "tolerance");
    const out = join(root, "tolerance-report", "nested");
    writeToleranceDir(dir);
    const r = await cli("report", dir, "--out", out, "--json");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as {
      files: Record<string, string>;
      figures: { id: string }[];
      keyFigures: { label: string; value: string }[];
    };
    expect(json.files.html).toBe(join(out, "report.html"));
    expect(json.figures.map((f) => f.id)).toEqual([
      "delta-histogram",
      "tau-histogram",
      "delta-tau-scatter",
      "layer-error",
    ]);
    expect(json.keyFigures[0]).toMatchObject({ label: "float16", value: "97.50 %" });
    expect(existsSync(join(out, "report.html"))).toBe(true);
    expect(existsSync(join(dir, "report.html"))).toBe(false);
  });

  it("answers a directory that is none of the kinds with one line and exit code 2", async () => {
    const empty = join(root, "empty");
    mkdirSync(empty);
    const r = await cli("report", empty);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      `minifloat: ${empty} is not a run, comparison, tolerance, quantization or reproduce directory: expected one of reproduce.json, compare.json, config.json, tolerance.json, quantize.json, found none\n`,
    );
    const missing = await cli("report", join(root, "missing"));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/missing: no such directory\n$/);
    const file = join(root, "results.txt");
    writeFileSync(file, "not a directory");
    const asFile = await cli("report", file); // named as the input, not as the --out it defaults to
    expect(asFile.code).toBe(2);
    expect(asFile.err).toBe(`minifloat: ${file}: expected a directory, got a file\n`);
    const none = await cli("report");
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/missing required argument 'dir'/);
  });
});
