/**
 * Running one training configuration in a child process (`minifloat train --config FILE --json`), for
 * `compare --jobs N`: each child is single-threaded (MINIFLOAT_THREADS=1 unless set), its epoch lines
 * reach stderr prefixed with the run's label, and its results come back as the JSON it prints.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MinifloatError } from "../errors.js";
import { runResultsSchema, type RunOne, type RunResults } from "../experiment/index.js";
import { schema as s } from "../io/index.js";
import type { CliIo } from "./io.js";
import { ProgressDisplay } from "./progress.js";

/** The built bin script: next to this file in dist/src/cli, or in dist when this file is the source. */
function mainScript(): string {
  for (const candidate of ["./main.js", "../../dist/src/cli/main.js"]) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new MinifloatError(
    "io",
    "compare --jobs: the built program (dist/src/cli/main.js) is missing; run npm run build",
  );
}

/** A RunOne that trains in a child process of this same program, echoing its stderr lines to `io`
 * (through `display`, which --quiet silences). */
export function childRunner(io: CliIo, display = new ProgressDisplay(io)): RunOne {
  return (config, dir, label, force) =>
    new Promise<RunResults>((resolve, reject) => {
      const temp = mkdtempSync(join(tmpdir(), "minifloat-run-"));
      const configFile = join(temp, "config.json");
      writeFileSync(configFile, JSON.stringify(config));
      const args = [
        mainScript(),
        "train",
        "--config",
        configFile,
        "--out",
        dir,
        force ? "--force" : "--resume",
        "--json",
      ];
      const child = spawn(process.execPath, args, {
        env: { ...process.env, MINIFLOAT_THREADS: process.env.MINIFLOAT_THREADS ?? "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      let pending = "";
      child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
      child.stderr.setEncoding("utf8").on("data", (s: string) => {
        err += s;
        pending += s;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        // The child's own notes and warnings ("minifloat: ...") show even when quiet.
        for (const line of lines) display.note(`[${label}] ${line}\n`, line.startsWith("minifloat: "));
      });
      child.on("error", (e) => {
        rmSync(temp, { recursive: true, force: true });
        reject(e);
      });
      child.on("close", (code) => {
        rmSync(temp, { recursive: true, force: true });
        if (code !== 0) {
          const last = err.trim().split("\n").at(-1) ?? "";
          reject(
            new MinifloatError(
              "argument",
              `run ${label} (${dir}) failed with exit code ${code}: ${last.replace(/^minifloat: /, "")}`,
            ),
          );
          return;
        }
        try {
          resolve(s.parseJson(runResultsSchema, out, `the results run ${label} (${dir}) printed`));
        } catch (e) {
          reject(
            e instanceof MinifloatError
              ? e
              : new MinifloatError("io", `run ${label} (${dir}) printed no JSON results`),
          );
        }
      });
    });
}
