/**
 * Finding and reading a report's inputs: each kind of directory is recognised from its marker file (and a
 * run directory that also holds a tolerance analysis gives both), and every bad directory is a
 * MinifloatError with a stable code and a message that says what was expected.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  ACCURACY,
  writeCompareDir,
  writeQuantDir,
  writeReproduceDir,
  writeRunDir,
  writeToleranceDir,
} from "../../test/report-fixtures.js";
import { expectError } from "../../test/support/expect-error.js";
import { loadReportInputs, parseSamplesCsv } from "./load.js";

const root = mkdtempSync(join(tmpdir(), "minifloat-report-load-"));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("loadReportInputs", () => {
  it("reads a run directory's epochs, steps and results", () => {
    const dir = join(root, "run");
    writeRunDir(dir, "pure-bf16", 3, [0.5, 0.75]);
    const [input, ...rest] = loadReportInputs(dir);
    expect(rest).toEqual([]);
    if (input.kind !== "run") throw new Error(input.kind);
    expect(input.config.model).toBe("mlp");
    expect(input.run.policy).toBe("pure-bf16");
    expect(input.run.seed).toBe(3);
    expect(input.run.epochs.map((e) => e.testAccuracy)).toEqual([0.5, 0.75]);
    expect(input.run.epochs[1].peakBytes).toBe(1_500_000);
    expect(input.run.steps.map((s) => s.step)).toEqual([5, 10, 15, 20]);
    expect(input.run.finished).toBe(true);
    expect(input.run.parameters).toBe(1234);
  });

  it("reads a comparison and every run under it", () => {
    const dir = join(root, "compare");
    writeCompareDir(dir);
    const [input] = loadReportInputs(dir);
    if (input.kind !== "compare") throw new Error(input.kind);
    expect(input.compare.summary.map((s) => s.policy)).toEqual(Object.keys(ACCURACY));
    expect(input.runs.map((r) => `${r.policy}/${r.seed}`)).toEqual([
      "fp32/0",
      "fp32/1",
      "pure-bf16/0",
      "pure-bf16/1",
    ]);
    expect(input.runs[3].epochs.at(-1)?.testAccuracy).toBe(0.87);
  });

  it("reads a tolerance analysis with and without samples.csv", () => {
    const dir = join(root, "tolerance");
    writeToleranceDir(dir);
    const [input] = loadReportInputs(dir);
    if (input.kind !== "tolerance") throw new Error(input.kind);
    expect(input.tolerance.formats.map((f) => f.format)).toEqual(["float16", "float8_e4m3fn"]);
    expect(input.samples).toHaveLength(80);
    expect(input.samples?.[1]).toEqual({ format: "float16", delta: 2e-5, tau: 0.02, guaranteed: true });
    const bare = join(root, "tolerance-bare");
    writeToleranceDir(bare, false);
    const [b] = loadReportInputs(bare);
    expect(b.kind === "tolerance" && b.samples).toBe(null);
  });

  it("reads a quantization result and refuses one without a baseline value", () => {
    const dir = join(root, "quant");
    writeQuantDir(dir);
    const [input] = loadReportInputs(dir);
    if (input.kind !== "quant") throw new Error(input.kind);
    expect(input.quant.results).toHaveLength(4);
    writeFileSync(
      join(dir, "quantize.json"),
      JSON.stringify({ baseline: { metric: "accuracy" }, results: [] }),
    );
    expectError(
      () => loadReportInputs(dir),
      "format",
      /quantize\.json: baseline\.value: expected a number, got nothing/,
    );
  });

  it("gives a run and a tolerance analysis in one directory both", () => {
    const dir = join(root, "both");
    writeRunDir(dir, "fp32", 0, [0.9]);
    writeToleranceDir(dir);
    expect(loadReportInputs(dir).map((i) => i.kind)).toEqual(["run", "tolerance"]);
  });

  it("refuses a directory that is none of them, a missing one and a file", () => {
    const empty = join(root, "empty");
    mkdirSync(empty);
    writeFileSync(join(empty, "notes.txt"), "hello");
    expectError(
      () => loadReportInputs(empty),
      "io",
      /not a run, comparison, tolerance, quantization or reproduce directory: expected one of reproduce\.json, compare\.json, config\.json, tolerance\.json, quantize\.json, found none/,
    );
    expectError(() => loadReportInputs(join(root, "nowhere")), "io", /nowhere: no such directory/);
    expectError(
      () => loadReportInputs(join(empty, "notes.txt")),
      "argument",
      /expected a directory, got a file/,
    );
  });

  it("refuses broken files with the path and what was expected", () => {
    const dir = join(root, "broken");
    mkdirSync(dir);
    writeFileSync(join(dir, "compare.json"), '{"summary": 3}');
    expectError(() => loadReportInputs(dir), "format", /compare\.json: base: .*expected a JSON object/);
    writeFileSync(join(dir, "compare.json"), JSON.stringify({ base: {}, seeds: [0], summary: 3, runs: [] }));
    expectError(
      () => loadReportInputs(dir),
      "format",
      /compare\.json: summary: expected an array, got number 3/,
    );
    writeFileSync(join(dir, "compare.json"), "{not json");
    expectError(() => loadReportInputs(dir), "format", /compare\.json: not valid JSON \(/);
    const run = join(root, "run-no-metrics");
    writeRunDir(run, "fp32", 0, [0.9]);
    rmSync(join(run, "metrics.jsonl"));
    expectError(() => loadReportInputs(run), "io", /no metrics\.jsonl/);
  });

  it("parses samples.csv by column name and refuses ragged lines", () => {
    const csv = "index,format,tau,delta,guaranteed\n0,bfloat16,0.5,0.001,true\n1,bfloat16,0.1,0.2,false\n";
    expect(parseSamplesCsv(csv, "s.csv")).toEqual([
      { format: "bfloat16", delta: 0.001, tau: 0.5, guaranteed: true },
      { format: "bfloat16", delta: 0.2, tau: 0.1, guaranteed: false },
    ]);
    expectError(
      () => parseSamplesCsv("format,delta,tau,guaranteed\nx,1,2\n", "s.csv"),
      "io",
      /s\.csv:2: expected 4 fields, got 3/,
    );
    expectError(() => parseSamplesCsv("format,delta\n", "s.csv"), "io", /expected a column "tau"/);
  });

  // Issue 15, item 2: one bad line of metrics.jsonl gave an empty report and exit 0.
  it("refuses a metrics.jsonl with a damaged line, naming file:line and field", () => {
    const run = join(root, "run-bad-line");
    writeRunDir(run, "fp32", 0, [0.8, 0.9, 0.95]);
    const path = join(run, "metrics.jsonl");
    const lines = readFileSync(path, "utf8").split("\n");
    lines[5] = lines[5].replace('"epoch":', '"epoch:'); // one byte off: the line is no longer JSON
    writeFileSync(path, lines.join("\n"));
    expectError(() => loadReportInputs(run), "format", /metrics\.jsonl:6: not valid JSON/);
    lines[5] = lines[5].replace('"epoch:', '"epoch":').replace('"testAccuracy":0.9', '"testAccuracy":"0.9"');
    writeFileSync(path, lines.join("\n"));
    expectError(
      () => loadReportInputs(run),
      "format",
      /metrics\.jsonl:6: testAccuracy: expected a number, got "0\.9"/,
    );
    writeFileSync(path, lines.slice(0, 5).join("\n") + '\n{"type": "epo'); // an append cut by a crash
    expect(loadReportInputs(run)[0]).toMatchObject({ run: { epochs: [{ epoch: 1 }] } });
  });

  it("refuses a results.json whose fields do not fit, naming the field", () => {
    const run = join(root, "run-bad-results");
    writeRunDir(run, "fp32", 0, [0.9]);
    const path = join(run, "results.json");
    const results = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...results, warnings: "none" }));
    expectError(
      () => loadReportInputs(run),
      "format",
      /results\.json: warnings: expected an array, got "none"/,
    );
  });
  it("reads files as earlier versions wrote them (fields added since absent, an old verdict)", () => {
    const edit = (path: string, change: (json: Record<string, unknown>) => unknown): void => {
      writeFileSync(
        path,
        JSON.stringify(change(JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>)),
      );
    };
    const drop = (o: unknown, key: string): Record<string, unknown> => {
      return Object.fromEntries(Object.entries(o as Record<string, unknown>).filter(([k]) => k !== key));
    };
    const dir = join(root, "old-compare");
    writeCompareDir(dir);
    edit(join(dir, "compare.json"), (c) => ({
      ...c,
      summary: (c.summary as unknown[]).map((s) => drop(s, "vsFp32")),
    }));
    edit(join(dir, "fp32", "seed-0", "results.json"), (r) => drop(r, "batchNormLayers"));
    const [input] = loadReportInputs(dir);
    if (input.kind !== "compare") throw new Error(input.kind);
    expect(input.compare.summary.map((s) => s.vsFp32)).toEqual(Object.keys(ACCURACY).map(() => null));
    const old = join(root, "old-reproduce");
    writeReproduceDir(old);
    edit(join(old, "reproduce.json"), (r) => ({
      ...r,
      claims: (r.claims as unknown[]).map((c) => ({ ...drop(c, "evidence"), verdict: "partly" })),
    }));
    const [reproduce] = loadReportInputs(old);
    if (reproduce.kind !== "reproduce") throw new Error(reproduce.kind);
    expect(new Set(reproduce.reproduce.claims.map((c) => c.verdict))).toEqual(
      new Set(["inconclusive at this scale"]),
    );
    expect(reproduce.reproduce.claims.every((c) => c.evidence.length === 0)).toBe(true);
  });
});
