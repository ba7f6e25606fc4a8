/**
 * Sections of a tolerance analysis (src/experiment/tolerance-run.ts): the delta and tau histograms on a
 * log axis, delta against tau per sample (below the diagonal the prediction provably equals float32's,
 * Yun et al. section 4), and each layer's relative error against the gamma_n forward-error bound.
 */
import { logHistogramChart, layerLineChart, logScatterChart, type BinRow, type LayerRow } from "./charts.js";
import { pct, sci, type Figure, type KeyFigure, type Section, type Table } from "./document.js";
import type { SamplePoint, ToleranceFile } from "./load.js";

/** Samples drawn per format in the scatter plot (SVG size stays reasonable for 10 000 test samples). */
export const SCATTER_SAMPLES_PER_FORMAT = 1000;

type Histogram = ToleranceFile["histograms"][number]["delta"];

/** The bins of `h` as rows of series `series`. */
function binRows(series: string, h: Histogram): BinRow[] {
  return h.counts.map((count, k) => ({ series, lo: h.edges[k], hi: h.edges[k + 1], count }));
}

function histogramTable(title: string, rows: readonly BinRow[]): Table {
  return {
    title,
    columns: [
      { header: "series" },
      { header: "bin from", align: "right" },
      { header: "bin to", align: "right" },
      { header: "samples", align: "right" },
    ],
    rows: rows.filter((r) => r.count > 0).map((r) => [r.series, sci(r.lo), sci(r.hi), String(r.count)]),
  };
}

/** The delta histograms (one per format) and the tau histogram, on the same log axis so that one can be
 * read against the other; tau depends on float32 alone, so it is the same for every format. */
function histogramFigures(t: ToleranceFile): Figure[] {
  const delta = t.histograms.flatMap((h) => binRows(h.format, h.delta));
  const tau = t.histograms.length === 0 ? [] : binRows("τ", t.histograms[0].tau);
  const used = [...delta, ...tau].filter((b) => b.count > 0);
  const span = { from: Math.min(...used.map((b) => b.lo)), to: Math.max(...used.map((b) => b.hi)) };
  const x = "(softmax probability, log scale)";
  const y = "test samples (count)";
  const outside = t.histograms.map((h) => `${h.format} ${h.delta.below} below, ${h.delta.above} above`);
  const deltaTitle = "Output error δ per format";
  const tauTitle = "Classification tolerance τ";
  const tauOutside = t.histograms[0] as ToleranceFile["histograms"][number] | undefined;
  return [
    {
      id: "delta-histogram",
      title: deltaTitle,
      caption:
        "How many test samples have each size of output error δ = max |p_low − p_32| in each format " +
        `(outside the axis: ${outside.join("; ")}).`,
      spec: logHistogramChart(deltaTitle, delta, { x: `δ ${x}`, y, legend: "format" }, span),
      table: histogramTable(deltaTitle, delta),
    },
    {
      id: "tau-histogram",
      title: tauTitle,
      caption:
        "How many test samples have each tolerance τ = (top-1 − top-2 of p_32) / 2, on the same axis as δ: " +
        "a sample whose δ lies left of its τ keeps its float32 prediction" +
        (tauOutside === undefined
          ? "."
          : ` (outside the axis: ${tauOutside.tau.below} below, ${tauOutside.tau.above} above).`),
      spec: logHistogramChart(tauTitle, tau, { x: `τ ${x}`, y, legend: "quantity" }, span),
      table: histogramTable(tauTitle, tau),
    },
  ];
}

/** Every k-th sample of each format with positive finite delta and tau, at most `max` per format. */
export function scatterSample(samples: readonly SamplePoint[], max: number): SamplePoint[] {
  const formats = [...new Set(samples.map((s) => s.format))];
  return formats.flatMap((f) => {
    const own = samples.filter((s) => s.format === f && s.delta > 0 && s.tau > 0 && Number.isFinite(s.delta));
    const every = Math.max(1, Math.ceil(own.length / max));
    return own.filter((_, i) => i % every === 0);
  });
}

function scatterFigure(samples: readonly SamplePoint[]): Figure {
  const drawn = scatterSample(samples, SCATTER_SAMPLES_PER_FORMAT);
  const formats = [...new Set(samples.map((s) => s.format))];
  const title = "Error δ against tolerance τ per sample";
  const table: Table = {
    title,
    columns: ["format", "samples", "drawn", "δ < τ", "δ ≥ τ / 2", "δ = 0 or not finite"].map((header, i) => ({
      header,
      align: i === 0 ? "left" : "right",
    })),
    rows: formats.map((f) => {
      const own = samples.filter((s) => s.format === f);
      return [
        f,
        String(own.length),
        String(drawn.filter((s) => s.format === f).length),
        String(own.filter((s) => s.guaranteed).length),
        String(own.filter((s) => s.delta >= s.tau / 2).length),
        String(own.filter((s) => !(s.delta > 0 && Number.isFinite(s.delta))).length),
      ];
    }),
  };
  return {
    id: "delta-tau-scatter",
    title,
    caption:
      "Each dot is one test sample; below the dashed diagonal δ < τ and the low-precision prediction provably " +
      `equals float32's (at most ${SCATTER_SAMPLES_PER_FORMAT} evenly spaced samples per format are drawn).`,
    spec: logScatterChart(
      title,
      drawn.map((s) => ({ series: s.format, x: s.tau, y: s.delta })),
      { x: "τ (softmax probability, log scale)", y: "δ (softmax probability, log scale)", legend: "format" },
    ),
    table,
  };
}

function layerFigure(t: ToleranceFile): Figure {
  const rows: LayerRow[] = [];
  for (const { format, rows: layers } of t.layers) {
    for (const l of layers) {
      const layer = `${l.layer} ${l.kind}`;
      if (l.relativeError > 0 && Number.isFinite(l.relativeError)) {
        rows.push({ series: format, layer, bound: false, value: l.relativeError });
      }
      const b = l.boundFloat32Accumulate;
      if (b !== null && b > 0 && Number.isFinite(b))
        rows.push({ series: format, layer, bound: true, value: b });
    }
  }
  const title = "Error growth through the layers";
  return {
    id: "layer-error",
    title,
    caption:
      "Relative error of each layer's output against float32, accumulated through the network (solid), beside " +
      "the γ_n forward-error bound of that layer's own dot products with float32 sums (dashed).",
    spec: layerLineChart(title, rows, {
      x: "layer (network order)",
      y: "relative error ‖y_low − y_32‖ / ‖y_32‖",
      legend: "format",
    }),
    table: {
      title,
      columns: [
        "format",
        "layer",
        "kind",
        "n",
        "relative error",
        "non-finite %",
        "bound, every sum rounded",
        "bound, float32 sums",
      ].map((header, i) => ({ header, align: i < 3 ? "left" : "right" })),
      rows: t.layers.flatMap(({ format, rows: layers }) =>
        layers.map((l) => [
          format,
          l.layer,
          l.kind,
          l.fanIn === 0 ? "-" : String(l.fanIn),
          sci(l.relativeError),
          pct(l.nonFiniteFraction),
          sci(l.boundStrict),
          sci(l.boundFloat32Accumulate),
        ]),
      ),
    },
  };
}

/** The title, key figures, sections and data of a tolerance analysis (the scatter needs samples.csv). */
export function tolerancePart(
  t: ToleranceFile,
  samples: readonly SamplePoint[] | null,
): { title: string; keyFigures: KeyFigure[]; sections: Section[]; data: unknown } {
  const keyFigures: KeyFigure[] = t.formats.map((f) => ({
    label: f.format,
    value: `${pct(f.guaranteed)} %`,
    detail: `same prediction guaranteed (δ < τ); ${pct(f.disagreement)} % differ`,
  }));
  const summary: Table = {
    title: "Formats",
    columns: [
      "format",
      "guaranteed %",
      "disagreement %",
      "accuracy fp32 %",
      "accuracy low %",
      "bound on change (points)",
      "near boundary",
      "median δ",
      "median τ",
    ].map((header, i) => ({ header, align: i === 0 ? "left" : "right" })),
    rows: t.formats.map((f) => [
      f.format,
      pct(f.guaranteed),
      pct(f.disagreement),
      pct(f.accuracy32),
      pct(f.accuracyLow),
      pct(f.accuracyChangeBound),
      String(f.nearBoundary),
      sci(f.medianDelta),
      sci(f.medianTau),
    ]),
  };
  const figures = [
    ...histogramFigures(t),
    ...(samples === null ? [] : [scatterFigure(samples)]),
    layerFigure(t),
  ];
  const text =
    `${t.samples} test samples of ${t.data}, checkpoint ${t.checkpoint}. δ < τ guarantees the same prediction as float32.` +
    (samples === null ? " samples.csv is missing, so the per-sample scatter plot is left out." : "");
  return {
    title: `Error against classification tolerance: ${t.data}`,
    keyFigures,
    sections: [{ title: "Error against classification tolerance", text, tables: [summary], figures }],
    // samples.csv stays out of report.json: the figures carry the samples they draw.
    data: t,
  };
}
