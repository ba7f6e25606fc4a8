/**
 * One command for the three studies at a scale a 2-core machine allows: (1) standalone 16-bit training
 * (fp32, amp-fp16, pure-fp16, pure-bf16 on MNIST and Fashion-MNIST, several seeds, with the tolerance
 * analysis of the float32 network), (2) BF16 weight updates (nearest against stochastic rounding against
 * Kahan, plain SGD at a small learning rate, where nearest rounding cancels updates), (3) FP8
 * post-training quantization of the shipped SST-2 model. Each part is a directory the report reads; a
 * finished part is reused, so a killed run resumes. reproduce.json sets each claim beside the numbers and
 * its verdict from a 95% interval (claims.ts, docs/statistics.md).
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { MinifloatError } from "../errors.js";
import {
  checkOutputFolder,
  markFolder,
  requireFolderKind,
  shippedModelDir,
  schema as s,
  type Schema,
  writeJsonAtomic,
} from "../io/index.js";
import {
  bf16UpdateClaims,
  ptqClaims,
  standaloneClaims,
  toleranceClaim,
  type Claim,
  type QuantPredictions,
} from "./claims.js";
import { compareRuns, type CompareResults, type RunOne } from "./compare.js";
import { makeTrainConfig, type TrainConfig } from "./config.js";
import { predictionsSchema, type SamplePredictions } from "./predictions.js";
import { runQuantization, type QuantizeRunResults, type QuantRunConfig } from "./quantize-run.js";
import { quantizeResultsSchema, readJsonFile, toleranceFileSchema } from "./result-schemas.js";
import { writeToleranceArtifacts } from "./tolerance-report.js";
import { analyzeTolerance } from "./tolerance-run.js";
import type { ProgressListener } from "./progress.js";
import type { TrainEvents } from "./trainer.js";
import type { ToleranceSummary } from "../analysis/index.js";

/** How much of each study to run. */
export type ReproduceScale = "demo" | "quick" | "full";

/** The scales' names. */
export const REPRODUCE_SCALES: readonly ReproduceScale[] = ["demo", "quick", "full"];

/** A training part of a plan: the configuration each policy trains with, and how many seeds. */
export interface TrainingPart {
  readonly config: Record<string, unknown>;
  readonly seeds: number;
}

/** What one scale runs: the training parts, the tolerance sample and the quantization. */
export interface ScalePlan {
  readonly mnist: TrainingPart;
  readonly fashion: TrainingPart | null;
  readonly bf16: TrainingPart;
  readonly toleranceLimit: number | undefined;
  readonly quant: { readonly limit: number | undefined; readonly configs: readonly QuantRunConfig[] };
}

const STANDALONE_POLICIES = ["fp32", "amp-fp16", "pure-fp16", "pure-bf16"];
const BF16_POLICIES = ["fp32", "pure-bf16", "pure-bf16-sr", "pure-bf16-kahan"];
/** Plain SGD at a small learning rate: updates far below half an ulp of bfloat16 weights. */
const BF16_RECIPE = { model: "lenet5", data: "mnist", lr: 0.01, momentum: 0, logEvery: 50 };
const QUICK_QUANT: readonly QuantRunConfig[] = [
  { format: "float8_e4m3fn", calibration: "max", granularity: "tensor" },
  { format: "float8_e4m3fn", calibration: "percentile", percentile: 99.99, granularity: "tensor" },
  { format: "float8_e5m2", calibration: "max", granularity: "tensor" },
  { format: "int8", calibration: "max", granularity: "tensor" },
  { format: "int8", calibration: "max", granularity: "channel" },
];

/** What each scale runs (the full one is the README's measurement). The short ones decay the learning
 * rate to zero (cosine): after one epoch at a constant 0.05 the last iterate's accuracy swings by
 * several points from seed to seed, which would drown the differences between policies. */
export const SCALE_PLANS: { readonly [S in ReproduceScale]: ScalePlan } = {
  demo: {
    mnist: {
      config: {
        model: "lenet5",
        data: "mnist",
        epochs: 1,
        trainLimit: 12000,
        testLimit: 1000,
        logEvery: 25,
        schedule: "cosine",
      },
      seeds: 1,
    },
    fashion: null,
    bf16: { config: { ...BF16_RECIPE, epochs: 2, trainLimit: 12000, testLimit: 1000 }, seeds: 1 },
    toleranceLimit: 500,
    quant: {
      limit: 200,
      configs: QUICK_QUANT.filter((c) => c.calibration === "max" && c.granularity === "tensor"),
    },
  },
  quick: {
    mnist: {
      config: {
        model: "lenet5",
        data: "mnist",
        epochs: 1,
        trainLimit: 30000,
        testLimit: 2000,
        logEvery: 50,
        schedule: "cosine",
      },
      seeds: 2,
    },
    fashion: {
      config: {
        model: "lenet5",
        data: "fashion-mnist",
        epochs: 1,
        trainLimit: 30000,
        testLimit: 2000,
        logEvery: 50,
        schedule: "cosine",
      },
      seeds: 1,
    },
    bf16: { config: { ...BF16_RECIPE, epochs: 2, trainLimit: 15000, testLimit: 2000 }, seeds: 1 },
    toleranceLimit: 2000,
    quant: { limit: undefined, configs: QUICK_QUANT },
  },
  full: {
    mnist: { config: { model: "lenet5", data: "mnist", epochs: 3 }, seeds: 3 },
    fashion: {
      config: {
        model: "vgg-small",
        modelOptions: { layers: [16, 16, "M", 32, 32, "M", 64, "M"], hidden: 128 },
        data: "fashion-mnist",
        epochs: 2,
        trainLimit: 10000,
        testLimit: 2000,
      },
      seeds: 3,
    },
    bf16: { config: { ...BF16_RECIPE, epochs: 3, trainLimit: 30000 }, seeds: 3 },
    toleranceLimit: undefined,
    quant: { limit: undefined, configs: QUICK_QUANT },
  },
};

/** One directory of evidence. */
export interface ReproducePart {
  readonly id: string;
  readonly title: string;
  /** Relative to the reproduce directory. */
  readonly dir: string;
}

/** What reproduce.json holds. */
export interface ReproduceResults {
  readonly scale: ReproduceScale;
  readonly seconds: number;
  readonly claims: readonly Claim[];
  readonly parts: readonly ReproducePart[];
  /** Parts that could not run, and why. */
  readonly notes: readonly string[];
}

/** Options of reproduceStudies. */
export interface ReproduceOptions {
  readonly out: string;
  readonly scale: ReproduceScale;
  readonly force?: boolean | undefined;
  readonly jobs?: number | undefined;
  readonly runOne?: RunOne | undefined;
  /** The SST-2 model (default the shipped one). */
  readonly modelDir?: string | undefined;
  /** Progress lines ("study 1: MNIST ..."). */
  readonly log?: ((line: string) => void) | undefined;
  /** The events of each training run, given its part ("mnist"), policy, seed, index and the part's
   * number of runs (progress). */
  readonly eventsFor?:
    ((part: string, policy: string, seed: number, index: number, total: number) => TrainEvents) | undefined;
  /** Progress of the tolerance analysis and the quantization. */
  readonly onProgress?: ProgressListener | undefined;
  /** What to run instead of the scale's plan (tests, programmatic use). */
  readonly plan?: ScalePlan | undefined;
}

function compare(
  o: ReproduceOptions,
  id: string,
  part: TrainingPart,
  policies: readonly string[],
): Promise<CompareResults> {
  const base: TrainConfig = makeTrainConfig(part.config, `reproduce ${id}`);
  const eventsFor = o.eventsFor;
  return compareRuns(base, {
    out: join(o.out, id),
    policies,
    seeds: part.seeds,
    force: o.force,
    jobs: o.jobs,
    runOne: o.runOne,
    eventsFor: eventsFor && ((policy, seed, i, n) => eventsFor(id, policy, seed, i, n)),
  });
}

/** The entries a studies folder holds: its parts, its report and reproduce.json. */
const STUDIES_ENTRIES = new Set([
  "mnist",
  "fashion",
  "tolerance",
  "bf16-updates",
  "fp8-ptq",
  "reproduce.json",
]);

/** True when every entry of a folder is one a studies folder holds (one stopped before reproduce.json). */
function isStudiesFolder(names: readonly string[]): boolean {
  return names.every((n) => STUDIES_ENTRIES.has(n) || /^report\.(html|md|json)$/.test(n));
}

/** Run (or resume) the studies at `scale` into `out` and write reproduce.json. */
export async function reproduceStudies(o: ReproduceOptions): Promise<ReproduceResults> {
  const t0 = performance.now();
  const plan = o.plan ?? SCALE_PLANS[o.scale];
  const log = o.log ?? (() => undefined);
  checkOutputFolder(o.out, { option: "--out", kind: "reproduce", recognise: isStudiesFolder });
  if (o.modelDir !== undefined) requireFolderKind(o.modelDir, "model", "--model");
  mkdirSync(o.out, { recursive: true });
  markFolder(o.out, "reproduce");
  const parts: ReproducePart[] = [];
  const notes: string[] = [];
  const claims: Claim[] = [];

  log("study 1: standalone 16-bit training on MNIST");
  const mnist = await compare(o, "mnist", plan.mnist, STANDALONE_POLICIES);
  parts.push({ id: "mnist", title: "Study 1: precision policies on MNIST", dir: "mnist" });
  const datasets = [{ name: "MNIST", part: "mnist", summary: mnist.summary }];
  if (plan.fashion !== null) {
    log("study 1: standalone 16-bit training on Fashion-MNIST");
    const fashion = await compare(o, "fashion", plan.fashion, STANDALONE_POLICIES);
    parts.push({ id: "fashion", title: "Study 1: precision policies on Fashion-MNIST", dir: "fashion" });
    datasets.push({ name: "Fashion-MNIST", part: "fashion", summary: fashion.summary });
  }
  claims.push(...standaloneClaims(datasets));

  log("study 1: error against classification tolerance");
  const fp32Run = mnist.runs.find((r) => r.policy === "fp32");
  if (fp32Run !== undefined) {
    const dir = join(o.out, "tolerance");
    const formats = toleranceFormats(dir, o.force === true, () => {
      const r = analyzeTolerance(fp32Run.dir, {
        formats: ["float16", "bfloat16"],
        limit: plan.toleranceLimit,
        onProgress: o.onProgress,
      });
      writeToleranceArtifacts(r, dir);
      return r.formats;
    });
    parts.push({
      id: "tolerance",
      title: "Study 1: error against classification tolerance",
      dir: "tolerance",
    });
    const c = toleranceClaim(formats, "tolerance");
    if (c !== null) claims.push(c);
  }

  log("study 2: BF16 weight updates (nearest, stochastic rounding, Kahan)");
  const bf16 = await compare(o, "bf16-updates", plan.bf16, BF16_POLICIES);
  parts.push({ id: "bf16-updates", title: "Study 2: BF16 weight updates", dir: "bf16-updates" });
  claims.push(...bf16UpdateClaims(bf16.summary, "bf16-updates"));

  log("study 3: FP8 post-training quantization of the SST-2 model");
  const modelDir = o.modelDir ?? shippedModelDir("sst2");
  try {
    const { q, predictions } = quantization(join(o.out, "fp8-ptq"), o.force === true, () => ({
      modelDir,
      configs: plan.quant.configs,
      limit: plan.quant.limit,
      onProgress: o.onProgress,
    }));
    parts.push({ id: "fp8-ptq", title: "Study 3: FP8 post-training quantization", dir: "fp8-ptq" });
    claims.push(...ptqClaims(q, "fp8-ptq", predictions));
  } catch (e) {
    notes.push(`study 3 did not run: ${(e as Error).message}`);
  }

  const results: ReproduceResults = {
    scale: o.scale,
    seconds: (performance.now() - t0) / 1000,
    claims,
    parts,
    notes,
  };
  writeJsonAtomic(join(o.out, "reproduce.json"), results);
  return results;
}

/** The tolerance summaries in `dir` when a finished analysis is there (and not forced), else `run()`'s. */
function toleranceFormats(
  dir: string,
  force: boolean,
  run: () => readonly ToleranceSummary[],
): readonly ToleranceSummary[] {
  const file = join(dir, "tolerance.json");
  if (!force && existsSync(file)) {
    return readJsonFile(toleranceFileSchema, file, "tolerance").formats;
  }
  return run();
}

/** predictions.json of the quantization study: float32's and each result's (null without them). */
const quantPredictionsSchema: Schema<QuantPredictions> = s.object({
  baseline: predictionsSchema,
  results: s.array(s.nullable(predictionsSchema)),
});

/** The quantization study in `dir` (quantize.json and its per-sample predictions.json) when a finished
 * one is there (and not forced), else run with `options()` and written. */
function quantization(
  dir: string,
  force: boolean,
  options: () => Parameters<typeof runQuantization>[0],
): { q: QuantizeRunResults; predictions: QuantPredictions } {
  const quantFile = join(dir, "quantize.json");
  const predictionsFile = join(dir, "predictions.json");
  if (!force && existsSync(quantFile) && existsSync(predictionsFile)) {
    return {
      q: readJsonFile(quantizeResultsSchema, quantFile, "quantization"),
      predictions: readJsonFile(quantPredictionsSchema, predictionsFile, "predictions"),
    };
  }
  let baseline: SamplePredictions | null = null;
  const results: (SamplePredictions | null)[] = [];
  const q = runQuantization({
    ...options(),
    onPredictions: (p, i) => {
      if (i === null) baseline = p;
      else results[i] = p;
    },
  });
  const base = baseline as SamplePredictions | null;
  if (base === null)
    throw new MinifloatError("io", "study 3: the quantization run gave no float32 predictions");
  const predictions: QuantPredictions = {
    baseline: base,
    results: q.results.map((_, i) => results[i] ?? null),
  };
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(predictionsFile, predictions);
  writeJsonAtomic(quantFile, q);
  return { q, predictions };
}
