/**
 * The artifacts of a tolerance analysis: tolerance.json (summary, per-layer table and the delta and tau
 * histograms), samples.csv (every sample's delta, tau and predictions, per format) and tolerance.md. The
 * report issue turns the same JSON into charts.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { logHistogram, type LogHistogram } from "../analysis/index.js";
import { writeFileAtomic, writeJsonAtomic } from "../io/index.js";
import type { ToleranceResults } from "./tolerance-run.js";

/** The delta and tau histograms of one format. */
export interface ToleranceHistograms {
  readonly format: string;
  readonly delta: LogHistogram;
  readonly tau: LogHistogram;
}

/** Log-scale histograms of delta and tau for every format. */
export function toleranceHistograms(r: ToleranceResults): ToleranceHistograms[] {
  return r.formats.map(({ format }) => {
    const samples = r.perSample[format] ?? [];
    return {
      format,
      delta: logHistogram(samples.map((s) => s.delta)),
      tau: logHistogram(samples.map((s) => s.tau)),
    };
  });
}

/** The results as JSON-ready data: everything but the per-sample lists, plus the histograms. */
export function toleranceJson(r: ToleranceResults): object {
  return {
    run: r.run,
    checkpoint: r.checkpoint,
    data: r.data,
    samples: r.samples,
    formats: r.formats,
    layers: r.layers,
    histograms: toleranceHistograms(r),
  };
}

const pct = (x: number): string => (100 * x).toFixed(2);
const sci = (x: number | null): string =>
  x === null ? "-" : Number.isFinite(x) ? x.toExponential(2) : String(x);

/** The summary and per-layer tables as Markdown. */
export function toleranceMarkdown(r: ToleranceResults): string {
  const lines = [
    `# Error against tolerance: ${r.run}`,
    "",
    `Checkpoint ${r.checkpoint}, ${r.samples} test samples of ${r.data}. delta = max_i |p_low(i) - p_32(i)|, ` +
      "tau = (top-1 - top-2 of p_32) / 2; delta < tau guarantees the same prediction.",
    "",
    "| format | guaranteed % | disagreement % | accuracy fp32 % | accuracy low % | bound on change (points) | near boundary | median delta | median tau | lemma violations |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...r.formats.map(
      (s) =>
        `| ${s.format} | ${pct(s.guaranteed)} | ${pct(s.disagreement)} | ${pct(s.accuracy32)} | ${pct(s.accuracyLow)} | ` +
        `${pct(s.accuracyChangeBound)} | ${s.nearBoundary} | ${sci(s.medianDelta)} | ${sci(s.medianTau)} | ${s.lemmaViolations} |`,
    ),
  ];
  for (const { format, rows } of r.layers) {
    lines.push(
      "",
      `## Per layer, ${format}`,
      "",
      "Relative error of each layer's output against float32 (accumulated through the network), beside the " +
        "forward-error bound of the layer's own dot products on exact inputs.",
      "",
      "| layer | kind | n | relative error | non-finite % | bound, every sum rounded | bound, float32 sums |",
      "|---|---|---:|---:|---:|---:|---:|",
      ...rows.map(
        (l) =>
          `| ${l.layer} | ${l.kind} | ${l.fanIn === 0 ? "-" : l.fanIn} | ${sci(l.relativeError)} | ${pct(l.nonFiniteFraction)} | ` +
          `${sci(l.boundStrict)} | ${sci(l.boundFloat32Accumulate)} |`,
      ),
    );
  }
  return lines.join("\n") + "\n";
}

/** The files writeToleranceArtifacts writes. */
export const TOLERANCE_FILES: readonly string[] = ["tolerance.json", "tolerance.md", "samples.csv"];

/** Write tolerance.json, tolerance.md and samples.csv into `dir` (created if needed). */
export function writeToleranceArtifacts(r: ToleranceResults, dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(join(dir, TOLERANCE_FILES[0]), toleranceJson(r));
  writeFileAtomic(join(dir, TOLERANCE_FILES[1]), toleranceMarkdown(r));
  const rows = ["format,index,label,pred32,predLow,delta,deltaLogits,tau,guaranteed"];
  for (const [format, samples] of Object.entries(r.perSample)) {
    samples.forEach((s, i) => {
      rows.push(
        [format, i, s.label, s.pred32, s.predLow, s.delta, s.deltaLogits, s.tau, s.guaranteed].join(","),
      );
    });
  }
  writeFileAtomic(join(dir, TOLERANCE_FILES[2]), rows.join("\n") + "\n");
}
