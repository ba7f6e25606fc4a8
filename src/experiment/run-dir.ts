/**
 * The run directory of DESIGN.md: config.json (the configuration and the resolved policy), metrics.jsonl
 * (one JSON object per epoch, and per step when asked), checkpoints/, results.json and predictions.json.
 * A finished or started run is never overwritten without `force`; `resume` checks that the configuration is the same
 * (only `epochs` may grow) and drops metrics lines written after the checkpoint it resumes from.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { MinifloatError } from "../errors.js";
import { isAtomicTemporary, writeFileAtomic, writeJsonAtomic } from "../io/index.js";
import { isFloatFormatName, ROUNDING_MODES } from "../formats/index.js";
import { isPresetName, POLICY_ROLES, presetPolicy, type PrecisionPolicy } from "../precision/index.js";
import { configDifferences, makeTrainConfig, type TrainConfig } from "./config.js";
import { listCheckpoints } from "./checkpoint.js";

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

/** Read and validate a run's config.json. */
export function readRunConfig(dir: string): RunConfigFile {
  const path = runPaths(dir).config;
  if (!existsSync(path)) {
    throw new MinifloatError(
      "io",
      `${dir} is not a run directory of minifloat train (it has no ${RUN_FILES.config})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8")) as unknown;
  } catch (e) {
    throw new MinifloatError(
      "io",
      `${path}: could not read the run's configuration: ${(e as Error).message}`,
    );
  }
  const file = json as Partial<RunConfigFile> | null;
  if (file === null || typeof file !== "object" || typeof file.policy !== "object") {
    throw new MinifloatError("format", `${path}: expected an object with "config" and "policy"`);
  }
  return { config: makeTrainConfig(file.config, path), policy: checkStoredPolicy(file.policy, path) };
}

/** The policy a run recorded, checked: a preset's must be the preset; any other must name a known float
 * format and rounding mode for every role, so nothing downstream meets a malformed one. */
function checkStoredPolicy(p: unknown, path: string): PrecisionPolicy {
  const bad = (what: string): never => {
    throw new MinifloatError("format", `${path}: policy ${what}`);
  };
  const policy = p as { name?: unknown; roles?: Record<string, unknown> | null };
  if (typeof policy.name !== "string") bad("has no name");
  if (isPresetName(policy.name as string)) {
    const preset = presetPolicy(policy.name as string);
    if (JSON.stringify(preset) !== JSON.stringify(p))
      bad(`"${String(policy.name)}" differs from the preset of that name`);
    return preset;
  }
  if (typeof policy.roles !== "object" || policy.roles === null) bad("has no roles");
  for (const role of POLICY_ROLES) {
    const r = (policy.roles as Record<string, unknown>)[role] as
      { format?: unknown; rounding?: unknown } | null | undefined;
    if (r === null && role === "masterParams") continue;
    if (typeof r !== "object" || r === null) bad(`roles.${role}: expected {format, rounding}`);
    const { format, rounding } = r as { format?: unknown; rounding?: unknown };
    if (typeof format !== "string" || !isFloatFormatName(format))
      bad(`roles.${role}.format: not a float format`);
    if (!(ROUNDING_MODES as readonly unknown[]).includes(rounding))
      bad(`roles.${role}.rounding: not a rounding mode`);
  }
  return p as PrecisionPolicy;
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

/** Create or reopen the run directory for `config`; returns the checkpoint to resume from, if any. */
export function openRunDir(
  dir: string,
  config: TrainConfig,
  policy: PrecisionPolicy,
  options: OpenRunOptions,
): { paths: RunPaths; checkpoint: string | null } {
  const paths = runPaths(dir);
  const started = existsSync(paths.config);
  if (started && options.resume !== true) {
    if (options.force !== true) {
      throw new MinifloatError(
        "io",
        `${dir} already holds a run (${RUN_FILES.config}); pass --resume to continue it or --force to start it over`,
      );
    }
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
  if (started && options.resume === true) {
    const old = readRunConfig(dir);
    const differ = configDifferences(old.config, config);
    if (JSON.stringify(old.policy) !== JSON.stringify(policy)) differ.push("policy (resolved)");
    if (differ.length > 0) {
      throw new MinifloatError(
        "config",
        `${paths.config}: cannot resume with a different configuration (${differ.join(", ")}); use another --out or --force`,
      );
    }
  }
  writeJsonAtomic(paths.config, { config, policy } satisfies RunConfigFile);
  const checkpoint = options.resume === true ? (listCheckpoints(paths.checkpoints).at(-1) ?? null) : null;
  return { paths, checkpoint };
}

/** The JSON objects of metrics.jsonl (an unreadable last line, cut by a crash, is dropped). */
export function readMetrics(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  const out: Record<string, unknown>[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      break;
    }
  }
  return out;
}

/** Keep only the metrics lines of steps <= `step` (those a checkpoint at `step` accounts for). */
export function truncateMetrics(path: string, step: number): Record<string, unknown>[] {
  const kept = readMetrics(path).filter((m) => typeof m.step === "number" && m.step <= step);
  writeFileAtomic(path, kept.map((m) => JSON.stringify(m) + "\n").join(""));
  return kept;
}
