/**
 * Sections of training runs, for one run directory or a comparison of policies and seeds: loss and
 * accuracy curves per policy with a band of mean ± std over seeds, final accuracy per policy with error
 * bars, and the fraction of weight updates that rounding cancels over training (Zamirai et al.).
 */
import {
  describeDifference,
  describeTest,
  sampleStd,
  type CompareResults,
  type PolicySummary,
  type TrainConfig,
} from "../experiment/index.js";
import { bandLineChart, errorBarChart, seriesOf, type BandRow } from "./charts.js";
import { fixed, pct, type Figure, type KeyFigure, type Section, type Table } from "./document.js";
import type { RunSeries } from "./load.js";

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean ± sample std over the runs of each series at each x, in series order then x order. */
export function bandRows(
  runs: readonly RunSeries[],
  series: (r: RunSeries) => string,
  points: (r: RunSeries) => readonly { readonly x: number; readonly y: number }[],
): BandRow[] {
  const groups = new Map<string, Map<number, number[]>>();
  for (const r of runs) {
    const byX = groups.get(series(r)) ?? new Map<number, number[]>();
    groups.set(series(r), byX);
    for (const p of points(r)) {
      if (Number.isFinite(p.y)) byX.set(p.x, [...(byX.get(p.x) ?? []), p.y]);
    }
  }
  return [...groups].flatMap(([s, byX]) =>
    [...byX]
      .sort(([a], [b]) => a - b)
      .map(([x, ys]) => {
        const m = mean(ys);
        const sd = sampleStd(ys);
        return { series: s, x, mean: m, lo: m - sd, hi: m + sd };
      }),
  );
}

/** At most `max` rows per series, evenly spaced and always with the last; says how it thinned. */
function thin(rows: readonly BandRow[], max: number): { rows: BandRow[]; note: string } {
  const out: BandRow[] = [];
  let thinned = false;
  for (const s of seriesOf(rows, (r) => r.series)) {
    const own = rows.filter((r) => r.series === s);
    const every = Math.ceil(own.length / max);
    if (every > 1) thinned = true;
    out.push(...own.filter((_, i) => i % every === 0 || i === own.length - 1));
  }
  return { rows: out, note: thinned ? " (evenly spaced points of each series)" : "" };
}

/** The table behind a band chart: series, x, mean and std. */
function bandTable(title: string, rows: readonly BandRow[], xHeader: string, digits: number): Table {
  const t = thin(rows, 25);
  return {
    title: title + t.note,
    columns: [
      { header: "series" },
      { header: xHeader, align: "right" },
      { header: "mean", align: "right" },
      { header: "std", align: "right" },
    ],
    rows: t.rows.map((r) => [r.series, String(r.x), fixed(r.mean, digits), fixed(r.hi - r.mean, digits)]),
  };
}

/** A curve figure from per-run points: one series per policy, or per quantity for a single policy. */
function curveFigure(
  id: string,
  title: string,
  caption: string,
  runs: readonly RunSeries[],
  quantities: readonly { label: string; points: (r: RunSeries) => { x: number; y: number }[] }[],
  axes: { x: string; y: string; digits: number; zeroY?: boolean },
): Figure {
  const onePolicy = new Set(runs.map((r) => r.policy)).size === 1;
  const rows = quantities.flatMap((q) =>
    bandRows(
      runs,
      (r) => (onePolicy ? q.label : quantities.length === 1 ? r.policy : `${r.policy} ${q.label}`),
      q.points,
    ),
  );
  const legend = onePolicy ? "quantity" : "policy";
  return {
    id,
    title,
    caption,
    spec: bandLineChart(
      title,
      rows,
      { x: axes.x, y: axes.y, legend },
      { integerX: true, zeroY: axes.zeroY === true },
    ),
    table: bandTable(title, rows, axes.x, axes.digits),
  };
}

const seedsNote = (runs: readonly RunSeries[]): string => {
  const perPolicy = Math.max(
    ...seriesOf(runs, (r) => r.policy).map((p) => runs.filter((r) => r.policy === p).length),
  );
  return perPolicy > 1 ? `; the band is mean ± one standard deviation over ${perPolicy} seeds` : "";
};

/** The training figures of a set of runs (one run, or policies x seeds). */
export function trainingFigures(runs: readonly RunSeries[]): Figure[] {
  const single = new Set(runs.map((r) => r.policy)).size === 1;
  const epochs = (get: (e: RunSeries["epochs"][number]) => number) => (r: RunSeries) =>
    r.epochs.map((e) => ({ x: e.epoch, y: get(e) }));
  const band = seedsNote(runs);
  const figures = [
    curveFigure(
      "loss",
      single ? "Loss per epoch" : "Training loss per epoch",
      single
        ? `Mean cross-entropy over the training set during each epoch and over the test set after it${band}.`
        : `Mean training cross-entropy during each epoch, per precision policy${band}.`,
      runs,
      single
        ? [
            { label: "train", points: epochs((e) => e.trainLoss) },
            { label: "test", points: epochs((e) => e.testLoss) },
          ]
        : [{ label: "train", points: epochs((e) => e.trainLoss) }],
      { x: "epoch", y: "cross-entropy loss (nats per sample)", digits: 4 },
    ),
    curveFigure(
      "accuracy",
      single ? "Accuracy per epoch" : "Test accuracy per epoch",
      single
        ? `Training accuracy during each epoch and test accuracy after it${band}.`
        : `Test accuracy after each epoch, per precision policy${band}.`,
      runs,
      single
        ? [
            { label: "train", points: epochs((e) => 100 * e.trainAccuracy) },
            { label: "test", points: epochs((e) => 100 * e.testAccuracy) },
          ]
        : [{ label: "test", points: epochs((e) => 100 * e.testAccuracy) }],
      { x: "epoch", y: "accuracy (%)", digits: 2 },
    ),
  ];
  const stepLevel = runs.every((r) => r.steps.length > 0);
  figures.push(
    curveFigure(
      "cancelled",
      "Cancelled weight updates over training",
      "Share of non-zero weight updates that rounding to the parameter format cancels (w + u rounds back to w), " +
        (stepLevel ? "at each logged step" : "averaged over each epoch and drawn at its last step") +
        `${band}.`,
      runs,
      [
        {
          label: "cancelled",
          points: (r) =>
            stepLevel
              ? r.steps.map((s) => ({ x: s.step, y: 100 * s.cancelledFraction }))
              : r.epochs.map((e) => ({ x: e.step, y: 100 * e.cancelledFraction })),
        },
      ],
      { x: "training step", y: "cancelled updates (% of non-zero)", digits: 2, zeroY: true },
    ),
  );
  if (stepLevel) {
    figures.push(
      curveFigure(
        "step-loss",
        "Training loss per step",
        `Cross-entropy of the logged training batches${band}.`,
        runs,
        [{ label: "batch loss", points: (r) => r.steps.map((s) => ({ x: s.step, y: s.loss })) }],
        { x: "training step", y: "cross-entropy loss (nats per sample)", digits: 4 },
      ),
    );
  }
  return figures;
}

/** The sections and key figures of one run directory. */
export function runSections(
  config: TrainConfig,
  run: RunSeries,
): { keyFigures: KeyFigure[]; sections: Section[] } {
  const last = run.epochs.at(-1);
  const secondsPerEpoch = mean(run.epochs.map((e) => e.seconds));
  const keyFigures: KeyFigure[] = [
    {
      label: "test accuracy",
      value: `${pct(last?.testAccuracy)} %`,
      detail: `after epoch ${last?.epoch ?? "-"}`,
    },
    { label: "test loss", value: fixed(last?.testLoss, 4), detail: "nats per sample" },
    { label: "policy", value: run.policy, detail: `seed ${run.seed}` },
    {
      label: "cancelled updates",
      value: `${pct(last?.cancelledFraction)} %`,
      detail: "of non-zero updates, last epoch",
    },
    { label: "time", value: `${fixed(secondsPerEpoch, 1)} s`, detail: "per epoch" },
    {
      label: "peak memory",
      value: `${fixed((last?.peakBytes ?? NaN) / 1e6, 2)} MB`,
      detail: "tensors and optimizer state",
    },
  ];
  const table: Table = {
    title: "Epochs",
    columns: [
      "epoch",
      "train loss",
      "train acc %",
      "test loss",
      "test acc %",
      "cancelled %",
      "skipped",
      "s",
    ].map((header, i) => ({ header, align: i === 0 ? "left" : "right" })),
    rows: run.epochs.map((e) => [
      String(e.epoch),
      fixed(e.trainLoss, 4),
      pct(e.trainAccuracy),
      fixed(e.testLoss, 4),
      pct(e.testAccuracy),
      pct(e.cancelledFraction),
      String(e.skippedSteps),
      fixed(e.seconds, 1),
    ]),
  };
  const text =
    `${config.model} on ${config.data}, ${config.epochs} epoch(s) planned, batch ${config.batchSize}, ` +
    `${config.optimizer} lr ${config.lr}` +
    (run.parameters === null ? "" : `, ${run.parameters} parameters`) +
    (run.finished ? "." : "; the run has not finished (no results.json).") +
    (run.warnings.length === 0 ? "" : ` Warnings: ${run.warnings.join("; ")}`);
  return {
    keyFigures,
    sections: [{ title: "Training", text, tables: [table], figures: trainingFigures([run]) }],
  };
}

/** The best policy, fp32's accuracy and the largest drop from it, and the number of runs. */
function compareKeyFigures(c: CompareResults): KeyFigure[] {
  const s = c.summary;
  const best = [...s].sort((a, b) => b.meanAccuracy - a.meanAccuracy).at(0);
  const fp32 = s.find((p) => p.policy === "fp32");
  const worst = s
    .filter((p) => p.policy !== "fp32" && p.deltaVsFp32 !== null)
    .sort((a, b) => (a.deltaVsFp32 ?? 0) - (b.deltaVsFp32 ?? 0))
    .at(0);
  const out: KeyFigure[] = [];
  if (best !== undefined) {
    const detail = `${pct(best.meanAccuracy)} ± ${pct(best.stdAccuracy)} % test accuracy`;
    out.push({ label: "best policy", value: best.policy, detail });
  }
  if (fp32 !== undefined) {
    const detail = `± ${pct(fp32.stdAccuracy)} over ${fp32.runs} run(s)`;
    out.push({ label: "fp32", value: `${pct(fp32.meanAccuracy)} %`, detail });
  }
  if (worst !== undefined) {
    const value = `${pct(worst.deltaVsFp32)} points`;
    out.push({ label: "largest drop vs fp32", value, detail: worst.policy });
  }
  const detail = `${s.length} policies × ${c.seeds.length} seed(s)`;
  out.push({ label: "runs", value: String(c.runs.length), detail });
  return out;
}

/** A policy's difference to fp32 with its 95% interval, and the test (a compare.json from before
 * intervals has none: "-"). */
function intervalCells(p: PolicySummary): [string, string] {
  const vs = (p as Partial<PolicySummary>).vsFp32 ?? null;
  return vs === null ? ["-", "-"] : [describeDifference(vs), describeTest(vs)];
}

/** The sections and key figures of a comparison of policies over seeds. */
export function compareSections(
  c: CompareResults,
  runs: readonly RunSeries[],
): { keyFigures: KeyFigure[]; sections: Section[] } {
  const s = c.summary;
  const keyFigures = compareKeyFigures(c);
  const table: Table = {
    title: "Policies",
    columns: [
      "policy",
      "runs",
      "test acc % (mean ± std)",
      "Δ vs fp32 (points)",
      "Δ vs fp32, 95% CI",
      "test",
      "s/epoch",
      "peak MB",
      "cancelled %",
      "skipped steps",
    ].map((header, i) => ({ header, align: i === 0 || i === 4 || i === 5 ? "left" : "right" })),
    rows: s.map((p) => [
      p.policy,
      String(p.runs),
      `${pct(p.meanAccuracy)} ± ${pct(p.stdAccuracy)}`,
      pct(p.deltaVsFp32),
      ...intervalCells(p),
      fixed(p.secondsPerEpoch, 1),
      fixed(p.peakBytes / 1e6, 2),
      pct(p.cancelledFraction),
      String(p.skippedSteps),
    ]),
  };
  const bars = s.map((p) => ({
    label: p.policy,
    mean: 100 * p.meanAccuracy,
    lo: 100 * (p.meanAccuracy - p.stdAccuracy),
    hi: 100 * (p.meanAccuracy + p.stdAccuracy),
  }));
  const finalFigure: Figure = {
    id: "final-accuracy",
    title: "Final test accuracy per policy",
    caption: `Mean test accuracy after the last epoch; the error bar spans ± one sample standard deviation over ${c.seeds.length} seed(s).`,
    spec: errorBarChart("Final test accuracy per policy", bars, {
      x: "precision policy",
      y: "test accuracy (%)",
    }),
    table: {
      title: "Final test accuracy per policy",
      columns: [
        { header: "policy" },
        { header: "mean %", align: "right" },
        { header: "std %", align: "right" },
      ],
      rows: s.map((p) => [p.policy, pct(p.meanAccuracy), pct(p.stdAccuracy)]),
    },
  };
  const b = c.base;
  const text =
    `${b.model} on ${b.data}: ${s.length} precision policies × ${c.seeds.length} seed(s) (${c.seeds.join(", ")}), ` +
    `${b.epochs} epoch(s), batch ${b.batchSize}, ${b.optimizer} lr ${b.lr}` +
    (b.trainLimit === null ? "." : `, first ${b.trainLimit} training samples.`);
  return {
    keyFigures,
    sections: [
      {
        title: "Comparison of precision policies",
        text,
        tables: [table],
        figures: [finalFigure, ...trainingFigures(runs)],
      },
    ],
  };
}
