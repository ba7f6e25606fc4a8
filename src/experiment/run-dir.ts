/**
 * The run directory of DESIGN.md: config.json (the configuration and the resolved policy), metrics.jsonl
 * (one JSON object per epoch, and per step when asked), checkpoints/, results.json and predictions.json.
 * A finished or started run is never overwritten without `force`; `resume` checks that the configuration
 * is the same (only `epochs` may grow) and drops metrics lines written after the checkpoint it resumes
 * from. A run directory is locked while a process writes it, and config.json is written only once the
 * run starts.
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { MinifloatError } from "../errors.js";
import {
  checkOutputFolder,
  isAtomicTemporary,
  lockFolder,
  markFolder,
  READ_LIMITS,
  readTextBounded,
  schema as s,
  writeFileAtomic,
  writeJsonAtomic,
  type FolderLock,
  type Schema,
} from "../io/index.js";
import { isPresetName, presetPolicy, type PrecisionPolicy } from "../precision/index.js";
import { configDifferences, type TrainConfig } from "./config.js";
import { listCheckpoints, readTrainerState } from "./checkpoint.js";
import { metricsLineSchema, storedPolicySchema, trainConfigSchema, type MetricsLine } from "./run-schema.js";

/** The files of a run directory. */
export const RUN_FILES = Object.freeze({
  config: "config.json",
  metrics: "metrics.jsonl",
  results: "results.json",
  predictions: "predictions.json",
  checkpoints: "checkpoints",
  model: "model",
});

/** The paths of one run directory. */
export interface RunPaths {
  readonly dir: string;
  readonly config: string;
  readonly metrics: string;
  readonly results: string;
  /** The final test-set predictions, per sample (predictions.ts). */
  readonly predictions: string;
  readonly checkpoints: string;
  /** The trained model as a Hugging Face checkpoint directory (models that have one: BERT). */
  readonly model: string;
}

/** The paths of the run directory `dir`. */
export function runPaths(dir: string): RunPaths {
  return {
    dir,
    config: join(dir, RUN_FILES.config),
    metrics: join(dir, RUN_FILES.metrics),
    results: join(dir, RUN_FILES.results),
    predictions: join(dir, RUN_FILES.predictions),
    checkpoints: join(dir, RUN_FILES.checkpoints),
    model: join(dir, RUN_FILES.model),
  };
}

/** What config.json holds. */
export interface RunConfigFile {
  readonly config: TrainConfig;
  readonly policy: PrecisionPolicy;
}

/** config.json of a run: the configuration and the resolved policy (in the policy-file form). */
const runConfigSchema: Schema<RunConfigFile> = s.object({
  config: trainConfigSchema,
  policy: storedPolicySchema,
});

/** Read and validate a run's config.json (bounded, every field checked; a preset's policy must be the
 * preset). */
export function readRunConfig(dir: string): RunConfigFile {
  const path = runPaths(dir).config;
  if (!existsSync(path)) {
    throw new MinifloatError(
      "io",
      `${dir} is not a run directory of minifloat train (it has no ${RUN_FILES.config})`,
    );
  }
  const file = s.parseJson(
    runConfigSchema,
    readTextBounded(path, READ_LIMITS.json, "run configuration"),
    path,
  );
  const { name } = file.policy;
  if (isPresetName(name) && JSON.stringify(presetPolicy(name)) !== JSON.stringify(file.policy)) {
    throw new MinifloatError("format", `${path}: policy "${name}" differs from the preset of that name`);
  }
  return file;
}

/** Remove the temporary files an atomic write leaves when the process is killed before its rename
 * (`.<name>.<pid>.<random>.tmp`, see io/atomic.ts); finished files are never touched. */
function removeStaleTemporaries(paths: RunPaths): void {
  for (const dir of [paths.dir, paths.checkpoints]) {
    for (const name of readdirSync(dir)) {
      if (isAtomicTemporary(name)) rmSync(join(dir, name), { force: true });
    }
  }
}

/** How a run directory is opened. */
export interface OpenRunOptions {
  readonly resume?: boolean | undefined;
  readonly force?: boolean | undefined;
}

/** A run directory this process has locked and checked against a configuration, not yet started. */
export interface RunClaim {
  readonly paths: RunPaths;
  /** A line about a stale lock taken over, or null. */
  readonly note: string | null;
  /** Unlock the folder; called at the end of a run, however it ends. */
  release(): void;
  /** Unlock the folder and remove what claiming it created (a failed start leaves nothing behind). */
  abandon(): void;
}

/** Remove the folders from `dir` up to `top` (which mkdirSync created), as long as they are empty. */
function removeCreated(dir: string, top: string | undefined): void {
  if (top === undefined) return;
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      rmdirSync(d);
    } catch {
      return;
    }
    if (d === resolve(top) || dirname(d) === d) return;
  }
}

/** Why resuming the run in `paths` with `config` is refused, or null. Only `epochs` may differ, and not
 * below the epochs the run has finished. */
function resumeConflict(paths: RunPaths, config: TrainConfig, policy: PrecisionPolicy): string | null {
  const old = readRunConfig(paths.dir);
  const differ = configDifferences(old.config, config);
  if (JSON.stringify(old.policy) !== JSON.stringify(policy)) differ.push("policy (resolved)");
  if (differ.length > 0) return `cannot resume with a different configuration (${differ.join(", ")})`;
  const last = existsSync(paths.checkpoints) ? listCheckpoints(paths.checkpoints).at(-1) : undefined;
  const done = last === undefined ? 0 : readTrainerState(last).epoch;
  if (config.epochs < done) {
    return `cannot resume with --epochs ${config.epochs}: the run has finished ${done} epoch(s) of ${old.config.epochs}`;
  }
  return null;
}

/** Claim the run directory `dir` for `config`: it must be new, empty or a run directory; it is locked;
 * a run already there needs `resume` (same configuration) or `force`. Nothing of a run is written yet. */
export function claimRunDir(
  dir: string,
  config: TrainConfig,
  policy: PrecisionPolicy,
  options: OpenRunOptions,
): RunClaim {
  const paths = runPaths(dir);
  const state = checkOutputFolder(dir, { option: "--out", kind: "run" });
  const created = state === "missing" ? mkdirSync(dir, { recursive: true }) : undefined;
  let lock: FolderLock;
  try {
    lock = lockFolder(dir, "run directory");
  } catch (e) {
    removeCreated(dir, created);
    throw e;
  }
  const abandon = (): void => {
    lock.release();
    removeCreated(dir, created);
  };
  try {
    const started = [paths.config, paths.metrics, paths.results].some((f) => existsSync(f));
    if (started && options.resume !== true && options.force !== true) {
      throw new MinifloatError(
        "io",
        `${dir} already holds a run (${RUN_FILES.config}); pass --resume to continue it or --force to start it over`,
      );
    }
    const conflict = started && options.resume === true ? resumeConflict(paths, config, policy) : null;
    if (conflict !== null) {
      throw new MinifloatError("config", `${paths.config}: ${conflict}; use another --out or --force`);
    }
  } catch (e) {
    lock.release();
    throw e;
  }
  return {
    paths,
    note: lock.note,
    release: () => {
      lock.release();
    },
    abandon,
  };
}

/** Start the claimed run: with `force` the old run's files go (only now, once the new run is ready),
 * then the kind marker and config.json are written; returns the checkpoint to resume from, if any. */
export function startRun(
  claim: RunClaim,
  config: TrainConfig,
  policy: PrecisionPolicy,
  options: OpenRunOptions,
): string | null {
  const { paths } = claim;
  if (options.resume !== true) {
    for (const f of [
      paths.config,
      paths.metrics,
      paths.results,
      paths.predictions,
      paths.checkpoints,
      paths.model,
    ])
      rmSync(f, { recursive: true, force: true });
  }
  mkdirSync(paths.checkpoints, { recursive: true });
  removeStaleTemporaries(paths);
  markFolder(paths.dir, "run");
  writeJsonAtomic(paths.config, { config, policy } satisfies RunConfigFile);
  return options.resume === true ? (listCheckpoints(paths.checkpoints).at(-1) ?? null) : null;
}

/** The lines of metrics.jsonl, each checked against its schema. A line that does not parse or fit is a
 * "format" error naming file:line and field; only an unterminated last line (an append cut by a crash)
 * that does not parse is dropped. */
export function readMetrics(path: string): MetricsLine[] {
  if (!existsSync(path)) return [];
  const text = readTextBounded(path, READ_LIMITS.metrics, "metrics");
  const lines = text.split("\n");
  const out: MetricsLine[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    const cut = i === lines.length - 1;
    if (cut && !isJson(line)) break;
    out.push(s.parseJson(metricsLineSchema, line, `${path}:${i + 1}`));
  }
  return out;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Keep only the metrics lines of steps <= `step` (those a checkpoint at `step` accounts for); a file
 * with a line it cannot read is refused (readMetrics), never rewritten without it. */
export function truncateMetrics(path: string, step: number): MetricsLine[] {
  const kept = readMetrics(path).filter((m) => m.step <= step);
  writeFileAtomic(path, kept.map((m) => JSON.stringify(m) + "\n").join(""));
  return kept;
}
