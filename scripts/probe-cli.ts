/**
 * Adversarial invocations of the built CLI (dist/src/cli/main.js; `npm run build` builds both): every
 * command with missing, extra and bad arguments, outputs onto inputs, wrong folder kinds, files for
 * folders, read-only parents and concurrent runs, each in a fresh copy of a fixture folder (a model, a
 * finished run, a folder of a user's files). Each outcome is classified: ok, clear error (exit 2, one
 * line), internal error, stack trace, hang, or data lost (a file that existed before changed or vanished
 * without --force). Prints one line per case (with --verbose) and the counts.
 *
 *   node dist/scripts/probe-cli.js [--verbose] [--only SUBSTRING] [--timeout SECONDS]
 *
 * A case still running after --timeout seconds (default 120) is killed and counted as a hang.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CASES, SMALL, type Case } from "./probe-cases.js";

const BIN = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const SST2 = fileURLToPath(new URL("../../models/sst2", import.meta.url));
const args = process.argv.slice(2);
const verbose = args.includes("--verbose");
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const timeoutMs = 1000 * Number(args.includes("--timeout") ? args[args.indexOf("--timeout") + 1] : 120);
if (!existsSync(BIN)) {
  console.error(`probe-cli: ${BIN} is missing; run npm run build first`);
  process.exit(2);
}

interface Outcome {
  readonly code: number | null;
  readonly signal: string | null;
  readonly out: string;
  readonly err: string;
}

function run(argv: readonly string[], cwd: string): Outcome {
  const r = spawnSync(process.execPath, [BIN, ...argv], { cwd, encoding: "utf8", timeout: timeoutMs });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

/** The fixture every case starts from: a model, a finished run (1 and 4 epochs), a user's folder. */
function makeFixture(): string {
  const root = mkdtempSync(join(tmpdir(), "minifloat-probe-fixture-"));
  cpSync(SST2, join(root, "model"), { recursive: true });
  for (const [dir, epochs] of [
    ["run", "1"],
    ["run4", "4"],
  ] as const) {
    const r = run(["train", ...SMALL, "--epochs", epochs, "--out", join(root, dir)], root);
    if (r.code !== 0) throw new Error(`fixture run ${dir} failed: ${r.err}`);
  }
  mkdirSync(join(root, "mine", "checkpoints"), { recursive: true });
  writeFileSync(join(root, "mine", "results.json"), '{"mine": true}\n');
  writeFileSync(join(root, "mine", "notes.txt"), "my notes\n");
  writeFileSync(join(root, "mine", "checkpoints", "step-000000001.safetensors"), "not ours");
  writeFileSync(join(root, "file.txt"), "a file\n");
  writeFileSync(join(root, "policy.json"), JSON.stringify({ extends: "pure-bf16", name: "mine" }));
  writeFileSync(join(root, "bad-policy.json"), "{ not json");
  mkdirSync(join(root, "a"));
  mkdirSync(join(root, "b"));
  writeFileSync(join(root, "a", "p.json"), JSON.stringify({ extends: "fp32", name: "pa" }));
  writeFileSync(join(root, "b", "p.json"), JSON.stringify({ extends: "fp32", name: "pb" }));
  writeFileSync(join(root, "config.json"), JSON.stringify({ epochs: 1, model: "mlp" }));
  mkdirSync(join(root, "empty"));
  mkdirSync(join(root, "ro"));
  return root;
}

function hashes(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (st === undefined) continue;
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) out.set(path, createHash("sha256").update(readFileSync(path)).digest("hex"));
    }
  };
  walk(root);
  return out;
}

function classify(r: Outcome): string {
  if (r.signal !== null) return "hang";
  if (/^\s+at .+:\d+:\d+\)?$/m.test(r.err)) return "stack trace";
  if (r.code === 1 || /internal error/.test(r.err)) return "internal error";
  if (r.code === 0) return "ok";
  const lines = r.err.trim().split("\n");
  if (r.code === 2 && /^minifloat: /.test(lines.at(-1) ?? "")) return "clear error";
  if (r.code === 2 && /^Usage: minifloat/m.test(r.err)) return "clear error"; // the help, for no command
  return `exit ${r.code}`;
}

/** Files of `before` changed or gone, outside the paths a resuming case may change. */
function lost(before: Map<string, string>, after: Map<string, string>, may: readonly string[]): string[] {
  const out: string[] = [];
  for (const [path, h] of before) {
    if (may.some((m) => path === m || path.startsWith(m + "/"))) continue;
    if (after.get(path) !== h) out.push(path);
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Run case `k` in a fresh copy of `fixture`. */
async function probe(
  fixture: string,
  k: Case,
): Promise<{ outcome: string; expected: boolean; line: string; gone: string[] }> {
  const T = mkdtempSync(join(tmpdir(), "minifloat-probe-"));
  cpSync(fixture, T, { recursive: true });
  chmodSync(join(T, "ro"), 0o555);
  const sub = (argv: readonly string[]): string[] => argv.map((a) => a.replaceAll("$T", T));
  let background: ChildProcess | null = null;
  if (k.before !== undefined) run(sub(k.before), T);
  if (k.concurrent !== undefined) {
    background = spawn(process.execPath, [BIN, ...sub(k.concurrent)], { cwd: T, stdio: "ignore" });
    const started = join(T, "busy", "config.json");
    for (let i = 0; i < 400 && !existsSync(started); i++) await sleep(50);
  }
  const before = hashes(T);
  const r = run(sub(k.argv), T);
  const forced = k.argv.includes("--force");
  let outcome = classify(r);
  const gone = forced ? [] : lost(before, hashes(T), sub(k.may ?? []));
  if (gone.length > 0) outcome = "data lost";
  if (k.then !== undefined && outcome !== "data lost") {
    const again = run(sub(k.then), T);
    if (classify(again) !== "ok") outcome = `then: ${classify(again)}`;
  }
  if (background !== null) {
    const child = background;
    child.kill("SIGKILL");
    await new Promise((res) => child.on("close", res));
  }
  chmodSync(join(T, "ro"), 0o755);
  rmSync(T, { recursive: true, force: true });
  const expected =
    (k.expect === "ok" && outcome === "ok") || (k.expect === "error" && outcome === "clear error");
  return { outcome, expected, line: r.err.trim().split("\n").at(-1) ?? "", gone };
}

const cases = CASES.filter((k) => only === undefined || k.name.includes(only));
const fixture = makeFixture();
const counts = new Map<string, number>();
let unexpected = 0;
const t0 = performance.now();
for (const k of cases) {
  const p = await probe(fixture, k);
  counts.set(p.outcome, (counts.get(p.outcome) ?? 0) + 1);
  if (!p.expected) unexpected++;
  if (verbose || !p.expected) {
    const mark = p.expected ? "  " : "! ";
    console.log(
      `${mark}${p.outcome.padEnd(14)} ${k.name}${p.line === "" ? "" : `  | ${p.line.slice(0, 160)}`}`,
    );
    for (const g of p.gone) console.log(`      changed without --force: ${g}`);
  }
}
rmSync(fixture, { recursive: true, force: true });
console.log(`\n${cases.length} invocations in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
for (const [outcome, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${outcome}: ${n}`);
console.log(`  not as expected (expected ok or a clear error): ${unexpected}`);
process.exitCode = unexpected === 0 ? 0 : 1;
