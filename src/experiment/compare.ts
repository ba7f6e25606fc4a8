/**
 * `minifloat compare`: one run per (policy, seed) under one folder, each a complete run directory that
 * resumes where it stopped (a finished run is reused, not retrained), then a summary per policy: mean and
 * sample standard deviation of the final test accuracy, the difference to fp32 with its 95% interval
 * (predictions.ts: paired on the test samples for one seed, across seeds for several), seconds per epoch
 * and peak bytes. The summary is written to compare.json and compare.md. Every policy is checked, and
 * duplicate runs refused, before the first run starts.
 */
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { MinifloatError } from "../errors.js";
import { checkOutputFolder, markFolder, writeFileAtomic, writeJsonAtomic } from "../io/index.js";
import { makeTrainConfig, type TrainConfig } from "./config.js";
import {
  accuracyDifference,
  readPredictions,
  type AccuracyDifference,
  type SamplePredictions,
} from "./predictions.js";
import { runPaths } from "./run-dir.js";
import { resolvePolicy, type RunData } from "./setup.js";
import { trainRun, type RunResults, type TrainEvents } from "./trainer.js";
import { describeDifference, describeTest } from "./verdict.js";

/** One policy's line of the summary (accuracy as a fraction). */
export interface PolicySummary {
  readonly policy: string;
  readonly runs: number;
  readonly meanAccuracy: number;
  /** Sample standard deviation (n - 1); 0 for a single run. */
  readonly stdAccuracy: number;
  /** meanAccuracy minus fp32's; null when fp32 is not among the policies. */
  readonly deltaVsFp32: number | null;
  /** The difference to fp32 with its 95% interval, the test and its p-value; null for fp32 itself, when
   * fp32 is not among the policies, or when a run kept no predictions. */
  readonly vsFp32: AccuracyDifference | null;
  readonly secondsPerEpoch: number;
  readonly peakBytes: number;
  /** Mean over runs of the last epoch's cancelled-update fraction. */
  readonly cancelledFraction: number;
  readonly skippedSteps: number;
}

/** One run of a comparison. */
export interface ComparedRun {
  readonly policy: string;
  readonly seed: number;
  readonly dir: string;
  readonly testAccuracy: number;
  readonly secondsPerEpoch: number;
  readonly peakBytes: number;
}

/** What compare.json holds. */
export interface CompareResults {
  readonly base: TrainConfig;
  readonly seeds: readonly number[];
  readonly summary: readonly PolicySummary[];
  readonly runs: readonly ComparedRun[];
}

/** Options of compareRuns. */
export interface CompareOptions {
  readonly out: string;
  readonly policies: readonly string[];
  /** Number of seeds: base.seed, base.seed + 1, ... */
  readonly seeds: number;
  readonly force?: boolean | undefined;
  /** The datasets, instead of loading those the configuration names (tests, programmatic use). */
  readonly data?: RunData | undefined;
  /** Called before each run starts, with the events to give it. */
  readonly eventsFor?:
    ((policy: string, seed: number, index: number, total: number) => TrainEvents) | undefined;
  /** How many runs at once (default 1); with more than one, give `runOne` (e.g. child processes). */
  readonly jobs?: number | undefined;
  /** Runs one configuration into `dir` (resuming or, with `force`, restarting it); default: trainRun in
   * this process. `label` names the run for progress output. */
  readonly runOne?: RunOne | undefined;
}

/** A way to run one training configuration into a run directory. */
export type RunOne = (config: TrainConfig, dir: string, label: string, force: boolean) => Promise<RunResults>;

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Sample standard deviation (n - 1 in the denominator); 0 for fewer than two values. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** A folder name for a policy (a policy file path becomes its file name without ".json"). */
export function policyFolder(policy: string): string {
  const base = policy.split("/").at(-1) ?? policy;
  // Leading dots become underscores: a policy file "...json" must not name the folder "..".
  return base
    .replace(/\.json$/, "")
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .replace(/^\.+/, (dots) => "_".repeat(dots.length));
}

/** The per-policy summary of finished runs, in the order of `policies`; `predictions` (per policy, one
 * per seed in the order of the runs, null where a run kept none) give each policy's interval. */
export function summarize(
  policies: readonly string[],
  results: ReadonlyMap<string, RunResults[]>,
  predictions: ReadonlyMap<string, readonly (SamplePredictions | null)[]> = new Map(),
): PolicySummary[] {
  const fp32 = results.get("fp32");
  const fp32Mean = fp32 === undefined ? null : mean(fp32.map((r) => r.testAccuracy));
  const complete = (policy: string): SamplePredictions[] | null => {
    const p = predictions.get(policy) ?? [];
    return p.length > 0 && p.every((x) => x !== null) ? (p as SamplePredictions[]) : null;
  };
  const base = complete("fp32");
  return policies.map((policy) => {
    const rs = results.get(policy) ?? [];
    const acc = rs.map((r) => r.testAccuracy);
    const m = mean(acc);
    const own = complete(policy);
    return {
      policy,
      runs: rs.length,
      meanAccuracy: m,
      stdAccuracy: sampleStd(acc),
      deltaVsFp32: fp32Mean === null ? null : m - fp32Mean,
      vsFp32: policy === "fp32" || base === null || own === null ? null : accuracyDifference(base, own),
      secondsPerEpoch: mean(rs.map((r) => r.secondsPerEpoch)),
      peakBytes: Math.max(...rs.map((r) => r.peakBytes)),
      cancelledFraction: mean(rs.map((r) => r.epochs.at(-1)?.cancelledFraction ?? 0)),
      skippedSteps: rs.reduce((a, r) => a + r.epochs.reduce((b, e) => b + e.skippedSteps, 0), 0),
    };
  });
}

const pct = (x: number): string => (100 * x).toFixed(2);

/** The summary as a Markdown table. */
export function summaryMarkdown(c: CompareResults): string {
  const b = c.base;
  const lines = [
    `# ${b.model} on ${b.data}: ${c.seeds.length} seed(s), ${b.epochs} epoch(s), batch ${b.batchSize}, ${b.optimizer} lr ${b.lr}` +
      (b.trainLimit === null ? "" : `, first ${b.trainLimit} training samples`),
    "",
    "| policy | runs | test accuracy % (mean ± std) | Δ vs fp32 (points) | Δ vs fp32, 95% CI | test | s/epoch | peak MB | cancelled updates % | skipped steps |",
    "|---|---:|---:|---:|---|---|---:|---:|---:|---:|",
    ...c.summary.map(
      (s) =>
        `| ${s.policy} | ${s.runs} | ${pct(s.meanAccuracy)} ± ${pct(s.stdAccuracy)} | ${s.deltaVsFp32 === null ? "-" : pct(s.deltaVsFp32)} | ` +
        `${s.vsFp32 === null ? "-" : describeDifference(s.vsFp32)} | ${s.vsFp32 === null ? "-" : describeTest(s.vsFp32)} | ` +
        `${s.secondsPerEpoch.toFixed(1)} | ${(s.peakBytes / 1e6).toFixed(2)} | ${pct(s.cancelledFraction)} | ${s.skippedSteps} |`,
    ),
    "",
    "The interval of one seed per policy covers test-sample noise only (McNemar's exact test, paired bootstrap",
    "at least as wide as the Agresti-Min interval); with several seeds it is Student's t over the per-seed",
    "differences and covers training noise too (docs/statistics.md).",
  ];
  return lines.join("\n") + "\n";
}

/** True when every entry of the folder `dir` is a policy folder of `seed-<n>` runs (a comparison
 * stopped before its compare.json, made before folders were marked). */
function isCompareFolder(dir: string, names: readonly string[]): boolean {
  return names.every((n) => {
    const sub = join(dir, n);
    return statSync(sub).isDirectory() && readdirSync(sub).every((m) => /^seed-\d+$/.test(m));
  });
}

/** The run folder of each (policy, seed), after checking every policy (a preset or a readable policy
 * file) and refusing two runs in one folder (a policy named twice, two files of the same name). */
function planTasks(
  out: string,
  policies: readonly string[],
  seeds: readonly number[],
): { policy: string; seed: number; dir: string }[] {
  const byFolder = new Map<string, string>();
  for (const policy of policies) {
    resolvePolicy(policy);
    const folder = policyFolder(policy);
    const other = byFolder.get(folder);
    if (other !== undefined) {
      const what =
        other === policy
          ? `names "${policy}" twice`
          : `has "${other}" and "${policy}", which share the run folder ${folder}`;
      throw new MinifloatError("argument", `compare: --policies ${what}; each run must be distinct`);
    }
    byFolder.set(folder, policy);
  }
  return policies.flatMap((policy) =>
    seeds.map((seed) => ({ policy, seed, dir: join(out, policyFolder(policy), `seed-${seed}`) })),
  );
}

/** Run (or reuse) every (policy, seed) under `out`, `jobs` at a time, and summarize. */
export async function compareRuns(base: TrainConfig, options: CompareOptions): Promise<CompareResults> {
  if (options.policies.length === 0)
    throw new MinifloatError("argument", "compare: --policies needs at least one policy");
  if (!Number.isSafeInteger(options.seeds) || options.seeds < 1) {
    throw new MinifloatError("argument", `compare: --seeds expected an integer >= 1, got ${options.seeds}`);
  }
  const jobs = options.jobs ?? 1;
  if (!Number.isSafeInteger(jobs) || jobs < 1)
    throw new MinifloatError("argument", `compare: --jobs expected an integer >= 1, got ${jobs}`);
  const seeds = Array.from({ length: options.seeds }, (_, k) => base.seed + k);
  const tasks = planTasks(options.out, options.policies, seeds);
  checkOutputFolder(options.out, {
    option: "--out",
    kind: "compare",
    recognise: (names) => isCompareFolder(options.out, names),
  });
  mkdirSync(options.out, { recursive: true });
  markFolder(options.out, "compare");
  const force = options.force === true;
  const inProcess: RunOne = (config, dir, label) => {
    const index = tasks.findIndex((t) => t.policy === config.policy && t.seed === config.seed);
    const events = options.eventsFor?.(config.policy, config.seed, index, tasks.length);
    const r = trainRun(config, { out: dir, resume: !force, force, events, data: options.data });
    if (r === null) throw new MinifloatError("argument", `compare: run ${label} stopped early`);
    return Promise.resolve(r);
  };
  const runOne = options.runOne ?? inProcess;
  const done: (RunResults | undefined)[] = tasks.map(() => undefined);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      const { policy, seed, dir } = tasks[i];
      const config = makeTrainConfig({ ...base, policy, seed });
      const label = `${i + 1}/${tasks.length} ${policy} seed ${seed}`;
      done[i] = await runOne(config, dir, label, force);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  const results = new Map<string, RunResults[]>();
  const predictions = new Map<string, (SamplePredictions | null)[]>();
  const runs: ComparedRun[] = tasks.map(({ policy, seed, dir }, i) => {
    const r = done[i] as RunResults;
    results.set(policy, [...(results.get(policy) ?? []), r]);
    predictions.set(policy, [...(predictions.get(policy) ?? []), readPredictions(runPaths(dir).predictions)]);
    return {
      policy,
      seed,
      dir,
      testAccuracy: r.testAccuracy,
      secondsPerEpoch: r.secondsPerEpoch,
      peakBytes: r.peakBytes,
    };
  });
  const out: CompareResults = {
    base,
    seeds,
    summary: summarize(options.policies, results, predictions),
    runs,
  };
  writeJsonAtomic(join(options.out, "compare.json"), out);
  writeFileAtomic(join(options.out, "compare.md"), summaryMarkdown(out));
  return out;
}
