/**
 * Progress of the long commands, through the built bin with stderr a pipe (issue 14: a 43-minute
 * `quantize --json` printed nothing): under --json, stdout is one JSON value and stderr has the plain
 * progress lines (a line per finished step or epoch); --quiet leaves stderr empty.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { trainTinyTextModel } from "./support/text-task.js";

const BIN = fileURLToPath(new URL("../dist/src/cli/main.js", import.meta.url));
const built = existsSync(BIN);

/** The bin's output with stderr a pipe (not a terminal); stdout must be exactly one JSON value. */
function bin(...args: string[]): { json: unknown; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, MINIFLOAT_THREADS: "1" },
  });
  expect(r.status, r.stderr).toBe(0);
  return { json: JSON.parse(r.stdout) as unknown, err: r.stderr };
}

const TINY_MLP = ["--model", "mlp", "--model-options", '{"hidden":[16]}', "--backend", "js"];
const TINY_RUN = [...TINY_MLP, "--train-limit", "256", "--test-limit", "100", "--epochs", "1"];

describe.skipIf(!built)("progress of the long commands under --json (built bin)", () => {
  it("eval and quantize: a line per finished step on stderr, JSON alone on stdout", async () => {
    const { run } = await trainTinyTextModel(2);
    const model = join(run, "model");
    const evaluated = bin("eval", model, "--json");
    expect(evaluated.json).toMatchObject({ samples: 20, metric: "accuracy" });
    expect(evaluated.err).toMatch(/^eval: accuracy \d+\.\d\d% on 20 samples \(1\/1 batches, \d+\.\d s\)\n$/);

    const args = ["quantize", model, "--formats", "int8,float8_e4m3fn", "--calibration-samples", "16"];
    const quantized = bin(...args, "--json");
    expect(quantized.json).toMatchObject({
      samples: 20,
      results: [{ format: "int8" }, { format: "float8_e4m3fn" }],
    });
    const lines = quantized.err.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\[1\/3\] float32: accuracy \d+\.\d\d% \(1\/1 batches, \d+\.\d s\)$/);
    expect(lines[1]).toMatch(/^\[2\/3\] int8 max tensor: accuracy \d+\.\d\d% \(1\/1 batches/);
    expect(lines[2]).toMatch(/^\[3\/3\] float8_e4m3fn max tensor: accuracy \d+\.\d\d% \(1\/1 batches/);

    expect(bin(...args, "--json", "--quiet").err).toBe("");
  });

  it("compare and tolerance: epoch lines per run, then the analysis's line", () => {
    const out = mkdtempSync(join(tmpdir(), "minifloat-progress-"));
    const compared = bin(
      "compare",
      ...TINY_RUN,
      "--policies",
      "fp32,pure-bf16",
      "--seeds",
      "1",
      "--out",
      out,
      "--json",
    );
    expect(compared.json).toMatchObject({ summary: [{ policy: "fp32" }, { policy: "pure-bf16" }] });
    expect(compared.err).toMatch(/^\[1\/2 fp32 seed 0\] epoch 1\/1 {2}train loss \d\.\d{4} /m);
    expect(compared.err).toMatch(/^\[2\/2 pure-bf16 seed 0\] epoch 1\/1 {2}train loss \d\.\d{4} /m);

    const run = join(out, "fp32", "seed-0");
    const analysed = bin("tolerance", run, "--formats", "bfloat16,float16", "--limit", "100", "--json");
    expect(analysed.json).toMatchObject({ samples: 100 });
    expect(analysed.err).toMatch(
      /^tolerance bfloat16, float16: 100 samples compared \(\d+\/\d+ batches, \d+\.\d s\)\n$/,
    );
    expect(bin("tolerance", run, "--limit", "100", "--json", "--quiet").err).toBe("");
  });
});
