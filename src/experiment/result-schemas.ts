/**
 * The declared shapes of the result files of compare, tolerance, quantize and reproduce (compare.json,
 * tolerance.json, quantize.json, reproduce.json), each checked by the compiler against the type its writer
 * uses, and readJsonFile, the one bounded reader through which these files are read back (by reproduce
 * when it reuses a part, and by report).
 */
import type { LayerErrorRow, LogHistogram, ToleranceSummary } from "../analysis/index.js";
import { READ_LIMITS, readTextBounded, schema as s, type Infer, type Schema } from "../io/index.js";
import type { Claim } from "./claims.js";
import type { ComparedRun, CompareResults, PolicySummary } from "./compare.js";
import type { AccuracyDifference } from "./predictions.js";
import type { Evidence, Expectation } from "./verdict.js";
import type { FallbackSummary, QuantizeRunResults, QuantLayerCost, QuantRunResult } from "./quantize-run.js";
import type { ReproducePart, ReproduceResults } from "./reproduce.js";
import { trainConfigSchema } from "./run-schema.js";

/** The JSON file at `path` checked against `schema` (bounded; errors name the file and the field). */
export function readJsonFile<T>(schema: Schema<T>, path: string, what = "file"): T {
  return s.parseJson(schema, readTextBounded(path, READ_LIMITS.json, what), path);
}

const accuracyDifference: Schema<AccuracyDifference> = s.object({
  method: s.literal("paired-samples", "seeds"),
  test: s.string,
  difference: s.float,
  low: s.float,
  high: s.float,
  confidence: s.float,
  pValue: s.float,
  samples: s.count,
  seeds: s.count,
  better: s.optional(s.count),
  worse: s.optional(s.count),
});

const policySummary: Schema<PolicySummary> = s.object({
  policy: s.string,
  runs: s.count,
  meanAccuracy: s.float,
  stdAccuracy: s.float,
  deltaVsFp32: s.nullable(s.float),
  vsFp32: s.nullOrAbsent(accuracyDifference), // absent in compare.json files written before it
  secondsPerEpoch: s.float,
  peakBytes: s.float,
  cancelledFraction: s.float,
  skippedSteps: s.float,
});

const comparedRun: Schema<ComparedRun> = s.object({
  policy: s.string,
  seed: s.count,
  dir: s.string,
  testAccuracy: s.float,
  secondsPerEpoch: s.float,
  peakBytes: s.float,
});

/** compare.json. */
export const compareResultsSchema: Schema<CompareResults> = s.object({
  base: trainConfigSchema,
  seeds: s.array(s.count),
  summary: s.array(policySummary),
  runs: s.array(comparedRun),
});

const toleranceSummary: Schema<ToleranceSummary> = s.object({
  format: s.string,
  samples: s.count,
  guaranteed: s.float,
  disagreement: s.float,
  accuracy32: s.float,
  accuracyLow: s.float,
  accuracyChangeBound: s.float,
  nearBoundary: s.count,
  lemmaViolations: s.count,
  medianDelta: s.float,
  medianTau: s.float,
  maxDeltaLogits: s.float,
});

const layerErrorRow: Schema<LayerErrorRow> = s.object({
  layer: s.string,
  kind: s.string,
  fanIn: s.count,
  relativeError: s.float,
  nonFiniteFraction: s.float,
  boundStrict: s.nullable(s.float),
  boundFloat32Accumulate: s.nullable(s.float),
});

const logHistogram: Schema<LogHistogram> = s.object({
  edges: s.array(s.float),
  counts: s.array(s.count),
  below: s.count,
  above: s.count,
});

/** tolerance.json. */
export const toleranceFileSchema = s.object({
  run: s.string,
  checkpoint: s.string,
  data: s.string,
  samples: s.count,
  formats: s.array(toleranceSummary),
  layers: s.array(s.object({ format: s.string, rows: s.array(layerErrorRow) })),
  histograms: s.array(s.object({ format: s.string, delta: logHistogram, tau: logHistogram })),
});

/** What tolerance.json holds. */
export type ToleranceFile = Infer<typeof toleranceFileSchema>;

const fallback: Schema<FallbackSummary> = s.object({
  maxDrop: s.float,
  metricAllQuantized: s.float,
  satisfied: s.boolean,
  kept: s.array(
    s.object({ site: s.string, drop: s.float, sqnrDb: s.float, underflow: s.float, metricAfter: s.float }),
  ),
});

const quantResult: Schema<QuantRunResult> = s.object({
  format: s.string,
  calibration: s.string,
  granularity: s.string,
  metric: s.string,
  value: s.float,
  delta: s.float,
  seconds: s.float,
  sites: s.count,
  fallback: s.optional(fallback),
});

const quantLayer: Schema<QuantLayerCost> = s.object({
  layer: s.string,
  format: s.string,
  sqnrDb: s.float,
  saturation: s.float,
  underflow: s.float,
});

/** quantize.json. */
export const quantizeResultsSchema: Schema<QuantizeRunResults> = s.object({
  model: s.string,
  smoothQuant: s.nullable(s.float),
  data: s.string,
  dataDir: s.nullable(s.string),
  samples: s.count,
  calibrationSamples: s.count,
  attention: s.boolean,
  // absent in quantize.json files written before --quoting: read as the default
  quoting: s.refine(s.optional(s.literal("auto", "csv", "none")), (q) => q ?? "auto"),
  baseline: s.object({ metric: s.string, value: s.float, seconds: s.float }),
  results: s.array(quantResult),
  layers: s.array(quantLayer),
});

const verdict = s.literal("holds", "does not hold", "inconclusive at this scale");
/** A claim's verdict as recorded: a reproduce.json written before verdicts had statistics may say
 * "partly", which had no interval behind it and reads as inconclusive. */
const recordedVerdict = s.refine(
  s.literal("holds", "does not hold", "inconclusive at this scale", "partly"),
  (v) => (v === "partly" ? "inconclusive at this scale" : v),
);

const expectation: Schema<Expectation> = s.tagged("kind", {
  within: s.object({ kind: s.literal("within"), margin: s.float }),
  "at-least": s.object({ kind: s.literal("at-least"), bound: s.float }),
  "at-most": s.object({ kind: s.literal("at-most"), bound: s.float }),
});

const evidence: Schema<Evidence> = s.object({
  label: s.string,
  difference: s.optional(accuracyDifference),
  expectation: s.optional(expectation),
  fact: s.optional(s.string),
  verdict,
});

const claim: Schema<Claim> = s.object({
  study: s.refine(s.count, (n, at) => {
    if (n === 1 || n === 2 || n === 3) return n;
    throw new s.SchemaMismatch(at, "1, 2 or 3", String(n));
  }),
  id: s.string,
  claim: s.string,
  measured: s.string,
  evidence: s.refine(s.optional(s.array(evidence)), (e) => e ?? []), // absent before statistics
  verdict: recordedVerdict,
  part: s.string,
});

const reproducePart: Schema<ReproducePart> = s.object({ id: s.string, title: s.string, dir: s.string });

/** reproduce.json. */
export const reproduceResultsSchema: Schema<ReproduceResults> = s.object({
  scale: s.literal("demo", "quick", "full"),
  seconds: s.float,
  claims: s.array(claim),
  parts: s.array(reproducePart),
  notes: s.array(s.string),
});

/** quantize.json as a report reads it (the fields it shows; quantizeResultsSchema is what quantize writes). */
export const quantFileSchema = s.object({
  model: s.optional(s.string),
  data: s.optional(s.string),
  baseline: s.object({ metric: s.string, value: s.float }),
  results: s.array(
    s.object({
      format: s.string,
      calibration: s.string,
      granularity: s.string,
      metric: s.string,
      value: s.float,
    }),
  ),
  layers: s.optional(s.array(quantLayer)),
});

/** What quantize.json holds, as a report reads it. */
export type QuantFile = Infer<typeof quantFileSchema>;
