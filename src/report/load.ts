/**
 * Reading what a report is made from: a training run directory (config.json, metrics.jsonl,
 * results.json), a comparison directory (compare.json and its run directories) or a tolerance analysis
 * (tolerance.json, samples.csv) or a quantization result (quantize.json). The kind is found from the marker file; the only file reading of the
 * report layer lives here, through experiment's readers, so the builders stay pure.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { MinifloatError } from "../errors.js";
import {
  compareResultsSchema,
  policyFolder,
  quantFileSchema,
  readJsonFile,
  readMetrics,
  readRunConfig,
  reproduceResultsSchema,
  runPaths,
  runResultsSchema,
  RUN_FILES,
  toleranceFileSchema,
  type CompareResults,
  type EpochMetrics,
  type QuantFile,
  type ReproducePart,
  type ReproduceResults,
  type StepMetrics,
  type ToleranceFile,
  type TrainConfig,
} from "../experiment/index.js";
import { READ_LIMITS, readTextBounded } from "../io/index.js";

export type { ToleranceFile } from "../experiment/index.js";

/** One epoch of a run, as the charts need it. */
export interface EpochPoint {
  readonly epoch: number;
  readonly step: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly testLoss: number;
  readonly testAccuracy: number;
  readonly cancelledFraction: number;
  readonly skippedSteps: number;
  readonly seconds: number;
  readonly peakBytes: number;
}

/** One per-step line of a run (written with --log-every). */
export interface StepPoint {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly cancelledFraction: number;
}

/** The metrics of one run directory. */
export interface RunSeries {
  readonly policy: string;
  readonly seed: number;
  readonly epochs: readonly EpochPoint[];
  readonly steps: readonly StepPoint[];
  /** results.json exists: the run finished. */
  readonly finished: boolean;
  readonly parameters: number | null;
  readonly warnings: readonly string[];
}

/** One sample of samples.csv. */
export interface SamplePoint {
  readonly format: string;
  readonly delta: number;
  readonly tau: number;
  readonly guaranteed: boolean;
}

/** A report's input, by kind. */
export type ReportInput =
  | { readonly kind: "run"; readonly dir: string; readonly config: TrainConfig; readonly run: RunSeries }
  | {
      readonly kind: "compare";
      readonly dir: string;
      readonly compare: CompareResults;
      readonly runs: readonly RunSeries[];
    }
  | {
      readonly kind: "tolerance";
      readonly dir: string;
      readonly tolerance: ToleranceFile;
      /** samples.csv, or null when it is missing. */
      readonly samples: readonly SamplePoint[] | null;
    }
  | { readonly kind: "quant"; readonly dir: string; readonly quant: QuantFile }
  | {
      readonly kind: "reproduce";
      readonly dir: string;
      readonly reproduce: ReproduceResults;
      /** Each part's inputs (its sub-directory), in the order of reproduce.json. */
      readonly parts: readonly { readonly part: ReproducePart; readonly inputs: readonly ReportInput[] }[];
    };

/** The kinds of input a report is made from. */
export type ReportKind = ReportInput["kind"];

/** The epoch and step lines of a run directory's metrics.jsonl, and what results.json adds; a line or
 * field that does not fit its schema is a "format" error naming file:line and field. */
export function readRunSeries(dir: string, policy: string, seed: number): RunSeries {
  const paths = runPaths(dir);
  if (!existsSync(paths.metrics)) {
    throw new MinifloatError("io", `${dir}: no ${RUN_FILES.metrics} (has the run started?)`);
  }
  const lines = readMetrics(paths.metrics);
  const epochs = lines
    .filter((m): m is EpochMetrics => m.type === "epoch")
    .map((m) => ({
      epoch: m.epoch,
      step: m.step,
      trainLoss: m.trainLoss,
      trainAccuracy: m.trainAccuracy,
      testLoss: m.testLoss,
      testAccuracy: m.testAccuracy,
      cancelledFraction: m.cancelledFraction,
      skippedSteps: m.skippedSteps,
      seconds: m.seconds,
      peakBytes: m.memory.peakBytes,
    }));
  const steps = lines
    .filter((m): m is StepMetrics => m.type === "step")
    .map(({ step, epoch, loss, cancelledFraction }) => ({ step, epoch, loss, cancelledFraction }));
  const finished = existsSync(paths.results);
  const results = finished ? readJsonFile(runResultsSchema, paths.results, "results") : null;
  return {
    policy,
    seed,
    epochs,
    steps,
    finished,
    parameters: results?.parameters ?? null,
    warnings: results?.warnings ?? [],
  };
}

function loadRun(dir: string): ReportInput {
  const { config, policy } = readRunConfig(dir);
  return { kind: "run", dir, config, run: readRunSeries(dir, policy.name, config.seed) };
}

function loadCompare(dir: string): ReportInput {
  const compare: CompareResults = readJsonFile(compareResultsSchema, join(dir, "compare.json"), "comparison");
  // The runs lie where compareRuns put them under this folder; the recorded `dir` is not followed (it
  // may be relative to wherever compare was started, and a compare.json must not make the report read
  // another folder). Runs that are not there are left out.
  const runs = compare.runs
    .map((r) => ({ r, here: join(dir, policyFolder(r.policy), `seed-${r.seed}`) }))
    .filter(({ here }) => existsSync(here))
    .map(({ r, here }) => readRunSeries(here, r.policy, r.seed));
  return { kind: "compare", dir, compare, runs };
}

/** The rows of samples.csv (format, delta, tau, guaranteed); malformed lines are an "io" error. */
export function parseSamplesCsv(text: string, path: string): SamplePoint[] {
  const [header = "", ...lines] = text.split("\n").filter((l) => l.trim() !== "");
  const cols = header.split(",");
  const at = (name: string): number => {
    const i = cols.indexOf(name);
    if (i < 0) throw new MinifloatError("io", `${path}: expected a column "${name}", got ${header}`);
    return i;
  };
  const [f, d, t, g] = [at("format"), at("delta"), at("tau"), at("guaranteed")];
  return lines.map((line, k) => {
    const cells = line.split(",");
    if (cells.length !== cols.length) {
      throw new MinifloatError("io", `${path}:${k + 2}: expected ${cols.length} fields, got ${cells.length}`);
    }
    return {
      format: cells[f],
      delta: Number(cells[d]),
      tau: Number(cells[t]),
      guaranteed: cells[g] === "true",
    };
  });
}

function loadTolerance(dir: string): ReportInput {
  const tolerance: ToleranceFile = readJsonFile(
    toleranceFileSchema,
    join(dir, "tolerance.json"),
    "tolerance",
  );
  const csv = join(dir, "samples.csv");
  const samples = existsSync(csv)
    ? parseSamplesCsv(readTextBounded(csv, READ_LIMITS.metrics, "samples"), csv)
    : null;
  return { kind: "tolerance", dir, tolerance, samples };
}

function loadQuant(dir: string): ReportInput {
  const quant: QuantFile = readJsonFile(quantFileSchema, join(dir, "quantize.json"), "quantization");
  return { kind: "quant", dir, quant };
}

function loadReproduce(dir: string): ReportInput {
  const path = join(dir, "reproduce.json");
  const reproduce: ReproduceResults = readJsonFile(reproduceResultsSchema, path, "reproduction");
  const parts = reproduce.parts
    .filter((p) => existsSync(join(dir, p.dir)))
    .map((part) => ({ part, inputs: loadReportInputs(join(dir, part.dir)) }));
  return { kind: "reproduce", dir, reproduce, parts };
}

/** Each kind of input: the file that marks it and its loader, in the order of the report's sections. */
const KINDS: readonly { kind: ReportKind; marker: string; load: (dir: string) => ReportInput }[] = [
  { kind: "reproduce", marker: "reproduce.json", load: loadReproduce },
  { kind: "compare", marker: "compare.json", load: loadCompare },
  { kind: "run", marker: RUN_FILES.config, load: loadRun },
  { kind: "tolerance", marker: "tolerance.json", load: loadTolerance },
  { kind: "quant", marker: "quantize.json", load: loadQuant },
];

/** Every input found in `dir` (a run directory may also hold a tolerance analysis); an "io" error for a
 * folder that is none of them or does not exist, "argument" for a file. */
export function loadReportInputs(dir: string): ReportInput[] {
  if (!existsSync(dir)) throw new MinifloatError("io", `${dir}: no such directory`);
  if (!statSync(dir).isDirectory()) {
    throw new MinifloatError("argument", `${dir}: expected a directory, got a file`);
  }
  const found = KINDS.filter((k) => existsSync(join(dir, k.marker)));
  if (found.length === 0) {
    const expected = KINDS.map((k) => k.marker).join(", ");
    throw new MinifloatError(
      "io",
      `${dir} is not a run, comparison, tolerance, quantization or reproduce directory: expected one of ${expected}, found none`,
    );
  }
  return found.map((k) => k.load(dir));
}
