/**
 * The chart kinds of a report as Vega-Lite specifications with their data inline: curves with a band
 * (mean ± std over seeds), points with error bars, step histograms on a log axis, log-log scatter with the
 * diagonal, and per-layer lines against a bound. Pure functions of rows; svg.ts renders them.
 */
import type { TopLevelSpec } from "vega-lite";

/** Size of the plotting area in pixels (axes and legend come on top). */
const WIDTH = 440;
const HEIGHT = 240;

/** One look for every chart: readable fonts, light grid, no frame. */
const CONFIG = {
  font: "Helvetica, Arial, sans-serif",
  title: { fontSize: 14, fontWeight: "bold", anchor: "start", offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", gridColor: "#ebebeb" },
  legend: {
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: "normal",
    symbolStrokeWidth: 2,
    labelLimit: 280,
    titleLimit: 280,
  },
  view: { stroke: null },
  background: "white",
  padding: 8,
} as const;

/** A color scale that keeps `series` in the given order (the same colors in every chart). */
function colorScale(series: readonly string[]): { domain: string[]; scheme: "tableau10" } {
  return { domain: [...series], scheme: "tableau10" };
}

/** The distinct values of `key` in `rows`, in first-seen order. */
export function seriesOf<T>(rows: readonly T[], key: (r: T) => string): string[] {
  return [...new Set(rows.map(key))];
}

/** A point of a curve with a band. */
export interface BandRow {
  readonly series: string;
  readonly x: number;
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
}

/** Axis titles (with units) and the legend title of a chart. */
export interface Axes {
  readonly x: string;
  readonly y: string;
  readonly legend: string;
}

/** The powers of ten from below the smallest to above the largest positive value: the labelled ticks of
 * a log axis (vega's default also labels 2x and 5x, which crowds a many-decade axis). */
export function decades(values: readonly number[]): number[] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return [1];
  const lo = Math.floor(Math.log10(Math.min(...positive)));
  const hi = Math.ceil(Math.log10(Math.max(...positive)));
  // Number("1e-5") is exactly the double nearest 10^-5; 10 ** -5 is one ulp below it.
  return Array.from({ length: Math.max(1, hi - lo) + 1 }, (_, k) => Number(`1e${lo + k}`));
}

/** A log scale spanning whole decades of `values`, with an axis labelled at each power of ten. */
function logAxis(values: readonly number[]): { scale: object; axis: object } {
  const ticks = decades(values);
  return {
    scale: { type: "log", domain: [ticks[0], ticks.at(-1)] },
    axis: { values: ticks, format: "~e" },
  };
}

/** How a band chart's axes behave. */
export interface BandOptions {
  /** Ticks at whole numbers only (epochs, steps). */
  readonly integerX?: boolean;
  /** The y axis starts at zero (shares); otherwise it spans the data. */
  readonly zeroY?: boolean;
}

/** Lines of the mean with a shaded band from lo to hi (mean ± std over seeds), one per series. */
export function bandLineChart(
  title: string,
  rows: readonly BandRow[],
  axes: Axes,
  options: BandOptions = {},
): TopLevelSpec {
  const integerX = options.integerX === true;
  const yScale = { zero: options.zeroY === true };
  const color = {
    field: "series",
    type: "nominal",
    title: axes.legend,
    scale: colorScale(seriesOf(rows, (r) => r.series)),
    legend: { symbolType: "stroke", symbolOpacity: 1, symbolStrokeWidth: 3 },
  } as const;
  const x = {
    field: "x",
    type: "quantitative",
    title: axes.x,
    scale: { zero: false },
    axis: integerX ? { tickMinStep: 1, format: "d" } : {},
  } as const;
  return {
    title,
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values: rows.map((r) => ({ ...r })) },
    layer: [
      {
        mark: { type: "area", opacity: 0.18 },
        encoding: {
          x,
          y: { field: "lo", type: "quantitative", title: axes.y, scale: yScale },
          y2: { field: "hi" },
          color,
        },
      },
      {
        mark: { type: "line", strokeWidth: 2, point: { filled: true, size: 36 } },
        encoding: { x, y: { field: "mean", type: "quantitative", title: axes.y, scale: yScale }, color },
      },
    ],
  };
}

/** A category's mean with its error bar. */
export interface ErrorBarRow {
  readonly label: string;
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
}

/** One dot per category (its mean) with an error bar from lo to hi, on an axis that need not start at 0. */
export function errorBarChart(
  title: string,
  rows: readonly ErrorBarRow[],
  axes: Omit<Axes, "legend">,
): TopLevelSpec {
  const labels = rows.map((r) => r.label);
  const x = {
    field: "label",
    type: "nominal",
    title: axes.x,
    sort: labels,
    axis: { labelAngle: 0 },
  } as const;
  const y = { field: "mean", type: "quantitative", title: axes.y, scale: { zero: false } } as const;
  const color = { field: "label", type: "nominal", scale: colorScale(labels), legend: null } as const;
  return {
    title,
    width: Math.max(260, Math.min(WIDTH, 90 * rows.length)),
    height: HEIGHT,
    config: CONFIG,
    data: { values: rows.map((r) => ({ ...r })) },
    layer: [
      {
        mark: { type: "rule", strokeWidth: 2 },
        encoding: { x, y: { field: "lo", type: "quantitative", title: axes.y }, y2: { field: "hi" }, color },
      },
      {
        mark: { type: "point", filled: true, size: 90 },
        encoding: { x, y, color },
      },
      {
        mark: { type: "text", align: "left", dx: 9, fontSize: 11 },
        encoding: { x, y, text: { field: "mean", type: "quantitative", format: ".2f" } },
      },
    ],
  };
}

/** One bin of a histogram: values in [lo, hi). */
export interface BinRow {
  readonly series: string;
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
}

/** Step histograms over a log x axis, one outline per series (bins given by their edges). Bins outside
 * [from, to] are left out (default: the span of the non-empty bins, so the axis spans the data). */
export function logHistogramChart(
  title: string,
  bins: readonly BinRow[],
  axes: Axes,
  span?: { readonly from: number; readonly to: number },
): TopLevelSpec {
  const used = bins.filter((b) => b.count > 0);
  const from = span?.from ?? Math.min(...used.map((b) => b.lo));
  const to = span?.to ?? Math.max(...used.map((b) => b.hi));
  const kept = bins.filter((b) => b.lo >= from && b.hi <= to);
  const series = seriesOf(kept, (b) => b.series);
  // A step line needs the right edge of the last bin as one more point.
  const points = series.flatMap((s) => {
    const own = kept.filter((b) => b.series === s);
    const last = own.at(-1);
    const steps = own.map((b) => ({ series: s, x: b.lo, count: b.count }));
    return last === undefined ? steps : [...steps, { series: s, x: last.hi, count: last.count }];
  });
  return {
    title,
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values: points },
    mark: { type: "line", interpolate: "step-after", strokeWidth: 2 },
    encoding: {
      x: { field: "x", type: "quantitative", title: axes.x, ...logAxis(points.map((p) => p.x)) },
      y: { field: "count", type: "quantitative", title: axes.y },
      color: { field: "series", type: "nominal", title: axes.legend, scale: colorScale(series) },
    },
  };
}

/** A point of a scatter plot. */
export interface ScatterRow {
  readonly series: string;
  readonly x: number;
  readonly y: number;
}

/** A log-log scatter plot with the diagonal y = x drawn dashed (points below it have y < x). */
export function logScatterChart(title: string, rows: readonly ScatterRow[], axes: Axes): TopLevelSpec {
  const values = rows.flatMap((r) => [r.x, r.y]);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return {
    title,
    width: WIDTH,
    height: HEIGHT + 60,
    config: CONFIG,
    layer: [
      {
        data: { values: rows.map((r) => ({ ...r })) },
        mark: { type: "point", filled: true, size: 14, opacity: 0.45 },
        encoding: {
          x: { field: "x", type: "quantitative", title: axes.x, ...logAxis(values) },
          y: { field: "y", type: "quantitative", title: axes.y, ...logAxis(values) },
          color: {
            field: "series",
            type: "nominal",
            title: axes.legend,
            scale: colorScale(seriesOf(rows, (r) => r.series)),
          },
        },
      },
      {
        data: { values: [{ d: lo }, { d: hi }] },
        mark: { type: "line", color: "#444", strokeDash: [5, 4], strokeWidth: 1.5 },
        encoding: {
          x: { field: "d", type: "quantitative" },
          y: { field: "d", type: "quantitative" },
        },
      },
    ],
  };
}

/** One value of a layer: the measured error (`bound` false) or a bound, of one series (format). */
export interface LayerRow {
  readonly series: string;
  readonly layer: string;
  readonly bound: boolean;
  readonly value: number;
}

/** Lines over the layers of a network in order (log y unless `logY` is false), one color per series:
 * the measured values solid with points, the bounds dashed. */
export function layerLineChart(
  title: string,
  rows: readonly LayerRow[],
  axes: Axes,
  logY = true,
): TopLevelSpec {
  const layers = seriesOf(rows, (r) => r.layer);
  const y = logY ? logAxis(rows.map((r) => r.value)) : { scale: { zero: false } };
  const encoding = {
    x: { field: "layer", type: "ordinal", title: axes.x, sort: layers, axis: { labelAngle: -30 } },
    y: { field: "value", type: "quantitative", title: axes.y, ...y },
    color: {
      field: "series",
      type: "nominal",
      title: axes.legend,
      scale: colorScale(seriesOf(rows, (r) => r.series)),
      legend: { symbolType: "stroke", symbolStrokeWidth: 3 },
    },
  } as const;
  return {
    title,
    width: Math.max(WIDTH, 36 * layers.length),
    height: HEIGHT,
    config: CONFIG,
    data: { values: rows.map((r) => ({ ...r })) },
    layer: [
      {
        transform: [{ filter: "datum.bound" }],
        mark: { type: "line", strokeWidth: 1.5, strokeDash: [5, 4] },
        encoding,
      },
      {
        transform: [{ filter: "!datum.bound" }],
        mark: { type: "line", strokeWidth: 2, point: { filled: true, size: 40 } },
        encoding,
      },
    ],
  };
}

/** A value of one group (x) and series (color), e.g. accuracy of (format, calibration). */
export interface GroupedRow {
  readonly group: string;
  readonly series: string;
  readonly value: number;
}

/** Points per group side by side, one color per series, with a dashed reference line (the baseline). */
export function groupedPointChart(
  title: string,
  rows: readonly GroupedRow[],
  axes: Axes,
  reference: { readonly label: string; readonly value: number },
): TopLevelSpec {
  const groups = seriesOf(rows, (r) => r.group);
  const y = { field: "value", type: "quantitative", title: axes.y, scale: { zero: false } } as const;
  return {
    title,
    width: Math.max(260, Math.min(WIDTH, 110 * groups.length)),
    height: HEIGHT,
    config: CONFIG,
    layer: [
      {
        data: { values: [{ value: reference.value, label: reference.label }] },
        mark: { type: "rule", color: "#444", strokeDash: [5, 4], strokeWidth: 1.5 },
        encoding: { y },
      },
      {
        data: { values: [{ value: reference.value, label: reference.label }] },
        mark: {
          type: "text",
          align: "right",
          baseline: "bottom",
          dy: -3,
          x: "width",
          color: "#444",
          fontSize: 11,
        },
        encoding: { y, text: { field: "label" } },
      },
      {
        data: { values: rows.map((r) => ({ ...r })) },
        mark: { type: "point", filled: true, size: 80 },
        encoding: {
          x: { field: "group", type: "nominal", title: axes.x, sort: groups, axis: { labelAngle: 0 } },
          xOffset: { field: "series", type: "nominal", sort: seriesOf(rows, (r) => r.series) },
          y,
          color: {
            field: "series",
            type: "nominal",
            title: axes.legend,
            scale: colorScale(seriesOf(rows, (r) => r.series)),
          },
        },
      },
    ],
  };
}
