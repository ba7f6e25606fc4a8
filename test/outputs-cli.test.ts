/**
 * Regression tests of issue 15 items 1, 3 and 6 (arguments, folders, failures), through the command line
 * on tiny runs and a copy of the shipped SST-2 model: no output replaces a file or folder without --force
 * or is an input, each command accepts only the folder kind it writes, a run directory is locked while
 * written, and bad arguments or environments fail before any work, in one line with exit code 2,
 * leaving nothing that blocks the corrected command.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.js";
import { LOCK_FILE } from "../src/io/index.js";

const BIN = fileURLToPath(new URL("../dist/src/cli/main.js", import.meta.url));
const SST2 = fileURLToPath(new URL("../models/sst2", import.meta.url));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

/** A one-line user error: exit code 2, one line on stderr matching `pattern`, no internal error. */
function expectRefused(r: { code: number; err: string }, pattern: RegExp): void {
  expect(r.err).not.toMatch(/internal error/);
  expect(r.err.trim().split("\n").at(-1)).toMatch(pattern);
  expect(r.code).toBe(2);
}

const hash = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");
const temp = (): string => mkdtempSync(join(tmpdir(), "minifloat-outputs-"));
const tiny = ["--model", "mlp", "--model-options", '{"hidden":[8]}', "--train-limit", "256"];
const small = [...tiny, "--test-limit", "64", "--batch-size", "64", "--backend", "js"];
/** Small batches: a run that is still busy when a second process tries its folder. */
const slow = [...tiny, "--test-limit", "64", "--batch-size", "8"];

/** A copy of the shipped SST-2 model in a new folder. */
function modelCopy(): string {
  const dir = join(temp(), "model");
  cpSync(SST2, dir, { recursive: true });
  return dir;
}

/** A finished run of `epochs` epochs in a new folder. */
async function finishedRun(epochs = 1): Promise<string> {
  const dir = join(temp(), "run");
  const r = await cli("train", ...small, "--epochs", String(epochs), "--out", dir);
  expect(r.code).toBe(0);
  return dir;
}

describe("item 1: outputs never overwrite without asking", () => {
  it("convert MODEL --out MODEL (or inside it) is refused and the weights stay as they were", async () => {
    const model = modelCopy();
    const before = hash(join(model, "model.safetensors"));
    expectRefused(
      await cli("convert", model, "--dtype", "bfloat16", "--out", model),
      /is the input model directory/,
    );
    expectRefused(
      await cli("convert", model, "--dtype", "bfloat16", "--out", join(model, "bf16"), "--force"),
      /is inside the input model directory/,
    );
    expect(hash(join(model, "model.safetensors"))).toBe(before);
    expect(readdirSync(model).sort()).toEqual(readdirSync(SST2).sort());
  });

  it("quantize --save MODEL and --onnx MODEL/model.safetensors are refused before any work", async () => {
    const model = modelCopy();
    const before = hash(join(model, "model.safetensors"));
    const t0 = performance.now();
    expectRefused(
      await cli("quantize", model, "--save", model, "--limit", "4"),
      /--save .* is the input model/,
    );
    expectRefused(
      await cli("quantize", model, "--onnx", join(model, "model.safetensors"), "--limit", "4", "--force"),
      /--onnx .* is inside the input model directory/,
    );
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(hash(join(model, "model.safetensors"))).toBe(before);
  });

  it("convert --out RUN_DIR is refused, with or without --force, and the run's config.json stays", async () => {
    const run = await finishedRun();
    const before = hash(join(run, "config.json"));
    for (const force of [[], ["--force"]]) {
      expectRefused(
        await cli("convert", SST2, "--dtype", "float16", "--out", run, ...force),
        /is a run directory \(minifloat train\), not a model directory/,
      );
    }
    expect(hash(join(run, "config.json"))).toBe(before);
  });

  it("train --out MODEL_DIR --force is refused and the model's config.json stays", async () => {
    const model = modelCopy();
    const before = hash(join(model, "config.json"));
    expectRefused(
      await cli("train", ...small, "--epochs", "1", "--out", model, "--force"),
      /is a model directory .*, not a run directory/,
    );
    expect(hash(join(model, "config.json"))).toBe(before);
  });

  it("train --out at a folder of other things is refused: its results.json and checkpoints stay", async () => {
    const dir = join(temp(), "mine");
    mkdirSync(join(dir, "checkpoints"), { recursive: true });
    writeFileSync(join(dir, "results.json"), '{"mine": true}\n');
    writeFileSync(join(dir, "checkpoints", "step-000000001.safetensors"), "not ours");
    for (const force of [[], ["--force"]]) {
      expectRefused(
        await cli("train", ...small, "--epochs", "1", "--out", dir, ...force),
        /is a folder that is not empty and not a run directory/,
      );
    }
    expect(readFileSync(join(dir, "results.json"), "utf8")).toBe('{"mine": true}\n');
    expect(readdirSync(join(dir, "checkpoints"))).toEqual(["step-000000001.safetensors"]);
  });

  it("convert replaces an existing model directory only with --force, by swapping a new folder in", async () => {
    const out = join(temp(), "f16");
    expect((await cli("convert", SST2, "--dtype", "bfloat16", "--out", out)).code).toBe(0);
    const bf16 = hash(join(out, "model.safetensors"));
    expectRefused(
      await cli("convert", SST2, "--dtype", "float16", "--out", out),
      /already holds a model; pass --force/,
    );
    expect(hash(join(out, "model.safetensors"))).toBe(bf16);
    expect((await cli("convert", SST2, "--dtype", "float16", "--out", out, "--force")).code).toBe(0);
    expect(hash(join(out, "model.safetensors"))).not.toBe(bf16);
    expect(readdirSync(join(out, ".."))).toEqual(["f16"]);
    expect(JSON.parse(readFileSync(join(out, ".minifloat"), "utf8"))).toEqual({ kind: "model", version: 1 });
  });

  it("report and tolerance --out refuse to replace an earlier result without --force", async () => {
    const run = await finishedRun();
    expect((await cli("report", run)).code).toBe(0);
    const html = hash(join(run, "report.html"));
    expectRefused(await cli("report", run), /report\.html exists; pass --force/);
    expect(hash(join(run, "report.html"))).toBe(html);
    expect((await cli("report", run, "--force")).code).toBe(0);
    const out = join(temp(), "tol");
    mkdirSync(out);
    writeFileSync(join(out, "samples.csv"), "mine\n");
    expectRefused(
      await cli("tolerance", run, "--limit", "8", "--out", out),
      /samples\.csv exists; pass --force/,
    );
    expectRefused(await cli("tolerance", run, "--limit", "8", "--out", run), /is the input run directory/);
    expect(readFileSync(join(out, "samples.csv"), "utf8")).toBe("mine\n");
  });
});

describe("item 3: a run directory is locked while written; compare refuses duplicate runs", () => {
  it("a second process writing the same run directory is refused while the first runs", async () => {
    const dir = join(temp(), "run");
    const args = [BIN, "train", ...slow, "--epochs", "50", "--out", dir];
    const child = spawn(process.execPath, args, { stdio: "ignore" });
    try {
      const lock = join(dir, LOCK_FILE);
      for (let i = 0; i < 200 && !existsSync(join(dir, "config.json")); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(lock)).toBe(true);
      const r = await cli("train", ...slow, "--epochs", "50", "--out", dir, "--resume");
      expectRefused(r, new RegExp(`in use by process ${child.pid} on .* \\(started `));
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.on("close", r));
    }
    // The killed owner's lock is stale: the next run takes it over, says so, and finishes.
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    const again = await cli("train", ...slow, "--epochs", "1", "--out", dir, "--force");
    expect(again.err).toMatch(/took over .*\.minifloat\.lock: a lock of process \d+ .* no longer running/);
    expect(again.code).toBe(0);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it("compare --policies fp32,fp32 (or two files of one name) is refused before anything runs", async () => {
    const out = join(temp(), "cmp");
    expectRefused(
      await cli(
        "compare",
        ...small,
        "--epochs",
        "1",
        "--seeds",
        "1",
        "--policies",
        "fp32,fp32",
        "--out",
        out,
      ),
      /names "fp32" twice/,
    );
    const root = temp();
    for (const d of ["a", "b"]) {
      mkdirSync(join(root, d));
      writeFileSync(join(root, d, "p.json"), JSON.stringify({ extends: "pure-bf16", name: `p-${d}` }));
    }
    const files = `${join(root, "a", "p.json")},${join(root, "b", "p.json")}`;
    expectRefused(
      await cli("compare", ...small, "--epochs", "1", "--policies", files, "--out", out),
      /share the run folder p/,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe("item 6: validated before work starts; failures leave nothing that blocks the next attempt", () => {
  it("compare --policies fp32,bogus rejects bogus before training fp32", async () => {
    const out = join(temp(), "cmp");
    const r = await cli(
      "compare",
      ...small,
      "--epochs",
      "1",
      "--seeds",
      "1",
      "--policies",
      "fp32,bogus",
      "--out",
      out,
    );
    expectRefused(r, /unknown precision policy "bogus"/);
    expect(existsSync(out)).toBe(false);
  });

  it("demo --model /nonexistent fails at once with exit code 2", async () => {
    const out = join(temp(), "demo");
    const t0 = performance.now();
    expectRefused(
      await cli("demo", "--model", "/nonexistent", "--out", out, "--json"),
      /--model \/nonexistent does not exist; expected a model directory/,
    );
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(existsSync(out)).toBe(false);
  });

  it("a train that fails to start leaves no config.json: the corrected command and --resume both work", async () => {
    const root = temp();
    const dir = join(root, "run");
    const init = ["--init", join(root, "missing")];
    expectRefused(
      await cli("train", ...small, "--epochs", "1", ...init, "--out", dir),
      /--init loads Hugging Face/,
    );
    expect(existsSync(dir)).toBe(false);
    mkdirSync(dir);
    expectRefused(
      await cli("train", ...small, "--epochs", "1", ...init, "--out", dir),
      /--init loads Hugging Face/,
    );
    expect(readdirSync(dir)).toEqual([]);
    expect((await cli("train", ...small, "--epochs", "1", "--out", dir, "--resume")).code).toBe(0);
    expect((await cli("train", ...small, "--epochs", "2", "--out", dir, "--resume")).code).toBe(0);
  });

  it("resuming a finished 4-epoch run with --epochs 2 is refused and metrics.jsonl keeps its 4 lines", async () => {
    const run = await finishedRun(4);
    const before = hash(join(run, "metrics.jsonl"));
    expectRefused(
      await cli("train", ...small, "--epochs", "2", "--out", run, "--resume"),
      /cannot resume with --epochs 2: the run has finished 4 epoch\(s\) of 4/,
    );
    expect(hash(join(run, "metrics.jsonl"))).toBe(before);
    expect(readFileSync(join(run, "metrics.jsonl"), "utf8").trim().split("\n")).toHaveLength(4);
  });

  it("a file for a folder, a read-only parent and a folder as --policy end in one line, exit 2", async () => {
    const root = temp();
    const file = join(root, "file");
    writeFileSync(file, "x");
    expectRefused(
      await cli("train", ...small, "--out", file),
      /--out .*file is a file; expected a run directory/,
    );
    expectRefused(await cli("train", ...small, "--out", join(file, "run")), /ENOTDIR|is a file/);
    expectRefused(
      await cli("convert", SST2, "--dtype", "float16", "--out", join(file, "m")),
      /is a file|ENOTDIR/,
    );
    expectRefused(
      await cli("train", ...small, "--policy", root + "/", "--out", join(root, "r")),
      /policy file .*: expected a regular file, got a directory/,
    );
    expect(existsSync(join(root, "r"))).toBe(false);
    const readOnly = join(root, "ro");
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    // root ignores file modes; /sys refuses everyone.
    const parent = process.getuid?.() === 0 ? "/sys" : readOnly;
    expectRefused(await cli("train", ...small, "--out", join(parent, "run")), /(EACCES|EPERM|EROFS)\)$/);
    expectRefused(
      await cli("convert", SST2, "--dtype", "float16", "--out", join(parent, "m")),
      /(EACCES|EPERM|EROFS)\)$/,
    );
    expectRefused(
      await cli("compare", ...small, "--policies", "fp32", "--out", join(parent, "cmp")),
      /(EACCES|EPERM|EROFS)\)$/,
    );
  });
});
