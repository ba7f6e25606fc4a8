/**
 * Sections of a post-training quantization result: the metric of every (format, calibration,
 * granularity) beside the unquantized baseline, and per layer the signal-to-quantization-noise ratio with
 * the saturated and underflowed fractions. The schema (QuantFile, quantize.json) is the report's reading
 * of what src/quant writes; fields beyond it are ignored.
 */
import type { QuantFile } from "../experiment/index.js";
import { groupedPointChart, layerLineChart } from "./charts.js";
import { fixed, pct, type Figure, type KeyFigure, type Section, type Table } from "./document.js";

/** What quantize.json holds, as the report reads it (declared with its schema in experiment). */
export type { QuantFile } from "../experiment/index.js";

/** One quantized configuration and its metric. */
export type QuantResult = QuantFile["results"][number];

/** One layer of one format: SQNR in dB and the fractions saturated (clamped) and underflowed (to zero). */
export type QuantLayer = NonNullable<QuantFile["layers"]>[number];

const label = (r: QuantResult): string => `${r.format} ${r.calibration} ${r.granularity}`;

function metricFigure(q: QuantFile): Figure {
  const metric = q.baseline.metric;
  const title = `${metric.charAt(0).toUpperCase()}${metric.slice(1)} after quantization`;
  return {
    id: "quant-metric",
    title,
    caption:
      `The ${metric} of the model quantized to each format, per calibration and granularity, against the ` +
      `unquantized baseline (dashed line, ${fixed(q.baseline.value, 4)}).`,
    spec: groupedPointChart(
      title,
      q.results.map((r) => ({
        group: r.format,
        series: `${r.calibration}, ${r.granularity}`,
        value: r.value,
      })),
      { x: "format", y: q.baseline.metric, legend: "calibration, granularity" },
      { label: "baseline", value: q.baseline.value },
    ),
    table: {
      title,
      columns: ["format", "calibration", "granularity", q.baseline.metric, "Δ vs baseline"].map(
        (header, i) => ({
          header,
          align: i < 3 ? "left" : "right",
        }),
      ),
      rows: q.results.map((r) => [
        r.format,
        r.calibration,
        r.granularity,
        fixed(r.value, 4),
        fixed(r.value - q.baseline.value, 4),
      ]),
    },
  };
}

function layerFigure(layers: readonly QuantLayer[]): Figure {
  const title = "Quantization noise per layer";
  const table: Table = {
    title,
    columns: ["format", "layer", "SQNR (dB)", "saturated %", "underflowed %"].map((header, i) => ({
      header,
      align: i < 2 ? "left" : "right",
    })),
    rows: layers.map((l) => [l.format, l.layer, fixed(l.sqnrDb, 1), pct(l.saturation), pct(l.underflow)]),
  };
  return {
    id: "quant-layers",
    title,
    caption:
      "Signal-to-quantization-noise ratio of each layer's weights in each format (higher is better; every " +
      "6 dB is about one more bit).",
    spec: layerLineChart(
      title,
      layers
        .filter((l) => Number.isFinite(l.sqnrDb))
        .map((l) => ({ series: l.format, layer: l.layer, bound: false, value: l.sqnrDb })),
      { x: "layer (network order)", y: "SQNR (dB)", legend: "format" },
      false,
    ),
    table,
  };
}

/** The title, key figures, sections and data of a quantization result. */
export function quantPart(q: QuantFile): {
  title: string;
  keyFigures: KeyFigure[];
  sections: Section[];
  data: unknown;
} {
  const sorted = [...q.results].sort((a, b) => b.value - a.value);
  const best = sorted.at(0);
  const worst = sorted.at(-1);
  const keyFigures: KeyFigure[] = [
    { label: `baseline ${q.baseline.metric}`, value: fixed(q.baseline.value, 4), detail: "unquantized" },
  ];
  for (const [name, r] of [
    ["best", best],
    ["worst", worst],
  ] as const) {
    if (r === undefined) continue;
    const detail = `${label(r)}; ${fixed(r.value - q.baseline.value, 4)} vs baseline`;
    keyFigures.push({ label: name, value: fixed(r.value, 4), detail });
  }
  const layers = q.layers ?? [];
  const figures = [metricFigure(q), ...(layers.length === 0 ? [] : [layerFigure(layers)])];
  const what = [q.model, q.data].filter((s) => s !== undefined).join(" on ");
  return {
    title: `Post-training quantization${what === "" ? "" : `: ${what}`}`,
    keyFigures,
    sections: [
      {
        title: "Post-training quantization",
        text: `${q.results.length} quantized configuration(s) against the unquantized ${q.baseline.metric}.`,
        tables: [],
        figures,
      },
    ],
    data: q,
  };
}
