/**
 * Killed runs (issue: hardening): the built `minifloat train` is killed with SIGKILL at random moments and
 * resumed with --resume until it finishes; its last checkpoint must equal, byte for byte, that of an
 * uninterrupted run with the same seed, every checkpoint left behind must be complete, and no temporary
 * file may survive the resume.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { listCheckpoints, readTrainerState } from "../src/experiment/index.js";
import { readSafetensors } from "../src/io/index.js";

const BIN = fileURLToPath(new URL("../dist/src/cli/main.js", import.meta.url));
const built = existsSync(BIN);

const ARGS = [
  "train",
  "--model",
  "mlp",
  "--model-options",
  '{"hidden":[16]}',
  "--policy",
  "pure-bf16-sr",
  "--train-limit",
  "1536",
  "--test-limit",
  "100",
  "--batch-size",
  "32",
  "--epochs",
  "3",
  "--checkpoint-every",
  "5",
  "--backend",
  "js",
];

/** Run the bin until it exits, or kill it with SIGKILL after `killAfterMs`; resolves to the exit code
 * (null when killed). */
function runBin(args: string[], killAfterMs?: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: "ignore" });
    const timer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("exit", (code) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve(code);
    });
  });
}

function lastCheckpoint(dir: string): Buffer {
  const path = listCheckpoints(join(dir, "checkpoints")).at(-1);
  if (path === undefined) throw new Error(`no checkpoint in ${dir}`);
  return readFileSync(path);
}

describe("kill and resume", () => {
  it.skipIf(!built)(
    built
      ? "SIGKILL at random moments, then --resume: bit-identical to an uninterrupted run"
      : "skipped: dist/ missing",
    async () => {
      const root = mkdtempSync(join(tmpdir(), "minifloat-kill-"));
      const whole = join(root, "whole");
      expect(spawnSync(process.execPath, [BIN, ...ARGS, "--out", whole], { stdio: "ignore" }).status).toBe(0);
      const cut = join(root, "cut");
      let kills = 0;
      let code = await runBin([...ARGS, "--out", cut], 400 + Math.random() * 800);
      for (let attempt = 0; code !== 0 && attempt < 8; attempt++) {
        kills++;
        for (const path of listCheckpoints(join(cut, "checkpoints"))) {
          expect(() => readSafetensors(path)).not.toThrow(); // complete, whatever the moment of the kill
          expect(readTrainerState(path).step).toBeGreaterThan(0);
        }
        const killAfter = attempt < 3 ? 300 + Math.random() * 900 : undefined; // then let it finish
        code = await runBin([...ARGS, "--out", cut, "--resume"], killAfter);
      }
      expect(code).toBe(0);
      expect(kills).toBeGreaterThan(0);
      expect(lastCheckpoint(cut).equals(lastCheckpoint(whole))).toBe(true);
      const leftovers = [...readdirSync(cut), ...readdirSync(join(cut, "checkpoints"))].filter((n) =>
        n.endsWith(".tmp"),
      );
      expect(leftovers).toEqual([]);
      const strip = (text: string): unknown[] =>
        text
          .trim()
          .split("\n")
          .map((l) => ({ ...(JSON.parse(l) as object), seconds: 0, samplesPerSecond: 0 }));
      expect(strip(readFileSync(join(cut, "metrics.jsonl"), "utf8"))).toEqual(
        strip(readFileSync(join(whole, "metrics.jsonl"), "utf8")),
      );
    },
    120_000,
  );
});
