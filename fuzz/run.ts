/**
 * `npm run fuzz`: runs every Jazzer.js target (or those named in FUZZ_TARGETS, comma-separated) for
 * FUZZ_SECONDS seconds each (default 60), niced onto one core. Each target starts from its committed
 * corpus (fuzz/corpus/<target>) and writes the inputs it finds to fuzz/.work/<target>; crashes go to
 * fuzz/.work/crashes/. Prints executions and findings per target and exits non-zero on a finding.
 * Built by `tsc -p fuzz` into dist/fuzz, from where it runs (the targets import the built dist/src).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureAddonLoads } from "./addon-compat.js";

/** Every fuzz target, by the name of its file in fuzz/targets. */
export const TARGETS = [
  "safetensors",
  "idx",
  "tsv",
  "glue",
  "squad",
  "tokenizer",
  "policy",
  "config",
  "cli",
  "parse-value",
] as const;

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const seconds = Number(process.env.FUZZ_SECONDS ?? "60");
const chosen = (process.env.FUZZ_TARGETS ?? TARGETS.join(",")).split(",").filter((t) => t !== "");

function runTarget(target: string): { runs: number; crashed: boolean } {
  const work = join(root, "fuzz", ".work", target);
  const crashes = join(root, "fuzz", ".work", "crashes");
  mkdirSync(work, { recursive: true });
  mkdirSync(crashes, { recursive: true });
  const jazzer = join(root, "node_modules", "@jazzer.js", "core", "dist", "cli.js");
  const args = [
    "-n",
    "10",
    process.execPath,
    "--max-old-space-size=2048",
    jazzer,
    join(root, "dist", "fuzz", "targets", `${target}.fuzz.js`),
    work,
    join(root, "fuzz", "corpus", target),
    "--sync",
    "-i",
    "/dist/src/",
    "--timeout",
    "10000",
    "--",
    `-max_total_time=${seconds}`,
    "-rss_limit_mb=3072",
    "-max_len=16384",
    `-artifact_prefix=${crashes}/${target}-`,
    `-dict=${join(root, "fuzz", "dictionary.txt")}`,
  ];
  const r = spawnSync("nice", args, { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 });
  const log = `${r.stdout}${r.stderr}`;
  const done = /Done (\d+) runs/.exec(log);
  const stats = [...log.matchAll(/^#(\d+)\s/gm)].at(-1);
  const runs = Number(done?.[1] ?? stats?.[1] ?? 0);
  const crashed = r.status !== 0;
  if (crashed) process.stderr.write(log.split("\n").slice(-40).join("\n") + "\n");
  return { runs, crashed };
}

if (!existsSync(join(root, "dist", "fuzz", "targets"))) throw new Error("build first: tsc -p fuzz");
ensureAddonLoads((line) => process.stderr.write(line + "\n"));
let total = 0;
let findings = 0;
for (const target of chosen) {
  if (!(TARGETS as readonly string[]).includes(target)) throw new Error(`unknown fuzz target ${target}`);
  const { runs, crashed } = runTarget(target);
  total += runs;
  if (crashed) findings++;
  const found = readdirSync(join(root, "fuzz", ".work", target)).length;
  process.stdout.write(
    `${target.padEnd(12)} ${String(runs).padStart(10)} executions  ${crashed ? "FINDING" : "ok"}  (${found} inputs in fuzz/.work/${target})\n`,
  );
}
process.stdout.write(
  `total        ${String(total).padStart(10)} executions, ${findings} target(s) with a finding\n`,
);
process.exitCode = findings > 0 ? 1 : 0;
