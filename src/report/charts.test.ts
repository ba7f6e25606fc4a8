/**
 * The chart kinds rendered to SVG through Vega: each SVG names its title and axis titles (with units) and
 * draws the expected number of marks (points, lines, bands, error bars), and log axes are labelled at
 * whole decades only.
 */
import { describe, expect, it } from "vitest";
import {
  bandLineChart,
  decades,
  errorBarChart,
  groupedPointChart,
  layerLineChart,
  logHistogramChart,
  logScatterChart,
} from "./charts.js";
import { renderSvg } from "./svg.js";

/** How many items the SVG draws in marks of type `mark` (symbol, line, area, rule, text), axes and
 * legends excluded: Vega puts each mark's items in a <g class="mark-<type> role-mark ..."> group. */
export function countMarks(svg: string, mark: string): number {
  let n = 0;
  for (const m of svg.matchAll(new RegExp(`<g class="mark-${mark} role-mark[^"]*"[^>]*>(.*?)</g>`, "gs"))) {
    n += (m[1].match(/role="graphics-symbol"/g) ?? []).length;
  }
  return n;
}

/** The texts of the axis titles in an SVG. */
function axisTitles(svg: string): string[] {
  return [...svg.matchAll(/<g class="mark-text role-axis-title"[^>]*>(.*?)<\/g>/gs)].map((m) =>
    m[1].replace(/<[^>]+>/g, ""),
  );
}

describe("charts", () => {
  it("draws one line and one band per series and one point per mean", async () => {
    const rows = ["fp32", "pure-bf16", "pure-fp16"].flatMap((series, k) =>
      [1, 2, 3, 4].map((x) => ({ series, x, mean: 1 / x + k, lo: 1 / x + k - 0.1, hi: 1 / x + k + 0.1 })),
    );
    const svg = await renderSvg(
      bandLineChart(
        "Training loss",
        rows,
        { x: "epoch", y: "loss (nats)", legend: "policy" },
        { integerX: true },
      ),
      "loss",
    );
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("Training loss");
    expect(axisTitles(svg)).toEqual(["epoch", "loss (nats)"]);
    expect(countMarks(svg, "line")).toBe(3);
    expect(countMarks(svg, "area")).toBe(3);
    expect(countMarks(svg, "symbol")).toBe(12);
    for (const s of ["fp32", "pure-bf16", "pure-fp16"]) expect(svg).toContain(`>${s}</text>`);
  });

  it("draws a point, an error bar and a label per category", async () => {
    const rows = [
      { label: "fp32", mean: 89.4, lo: 88.83, hi: 89.97 },
      { label: "pure-bf16", mean: 88.5, lo: 87.51, hi: 89.49 },
    ];
    const svg = await renderSvg(
      errorBarChart("Final accuracy", rows, { x: "policy", y: "test accuracy (%)" }),
      "acc",
    );
    expect(axisTitles(svg)).toEqual(["policy", "test accuracy (%)"]);
    expect(countMarks(svg, "symbol")).toBe(2);
    expect(countMarks(svg, "rule")).toBe(2);
    expect(countMarks(svg, "text")).toBe(2);
    expect(svg).toContain(">89.40</text>");
    expect(svg).toContain(">88.50</text>");
  });

  it("draws step histograms on a log axis cut to the non-empty bins", async () => {
    const edges = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2];
    const bins = ["a", "b"].flatMap((series, s) =>
      edges
        .slice(0, -1)
        .map((lo, k) => ({ series, lo, hi: edges[k + 1], count: k === 1 + s ? 5 : k === 1 ? 2 : 0 })),
    );
    const spec = logHistogramChart("δ", bins, {
      x: "δ (probability)",
      y: "samples (count)",
      legend: "format",
    });
    const svg = await renderSvg(spec, "h");
    expect(axisTitles(svg)).toEqual(["δ (probability)", "samples (count)"]);
    expect(countMarks(svg, "line")).toBe(2);
    // Bins 1e-5..1e-3 hold data: the axis is labelled at those decades only.
    expect(svg).toContain(">1e-5</text>");
    expect(svg).toContain(">1e-3</text>");
    expect(svg).not.toContain(">1e-6</text>");
    expect(svg).not.toContain(">2e-5</text>");
  });

  it("draws one dot per sample and the diagonal", async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({
      series: i < 10 ? "float16" : "bfloat16",
      x: 0.01 * (i + 1),
      y: 1e-4 * (i + 1),
    }));
    const svg = await renderSvg(
      logScatterChart("δ vs τ", rows, { x: "τ (probability)", y: "δ (probability)", legend: "format" }),
      "s",
    );
    expect(axisTitles(svg)).toEqual(["τ (probability)", "δ (probability)"]);
    expect(countMarks(svg, "symbol")).toBe(30);
    expect(countMarks(svg, "line")).toBe(1);
  });

  it("draws measured errors with points and bounds dashed, per format", async () => {
    const rows = ["float16", "bfloat16"].flatMap((series) =>
      ["1 linear", "2 relu", "3 linear"].flatMap((layer, k) => [
        { series, layer, bound: false, value: 1e-4 * (k + 1) },
        ...(layer.endsWith("linear") ? [{ series, layer, bound: true, value: 1e-3 * (k + 1) }] : []),
      ]),
    );
    const svg = await renderSvg(
      layerLineChart("Layers", rows, { x: "layer", y: "relative error", legend: "format" }),
      "l",
    );
    expect(axisTitles(svg)).toEqual(["layer", "relative error"]);
    expect(countMarks(svg, "line")).toBe(4);
    expect(countMarks(svg, "symbol")).toBe(6);
    expect(svg).toContain('stroke-dasharray="5,4"');
  });

  it("draws one point per configuration beside the baseline line", async () => {
    const rows = ["float8_e4m3fn", "int8"].flatMap((group, g) =>
      ["max", "percentile"].map((series, k) => ({ group, series, value: 0.8 + 0.01 * (g + k) })),
    );
    const spec = groupedPointChart(
      "Accuracy",
      rows,
      { x: "format", y: "accuracy", legend: "calibration" },
      {
        label: "baseline",
        value: 0.9,
      },
    );
    const svg = await renderSvg(spec, "q");
    expect(axisTitles(svg)).toEqual(["format", "accuracy"]);
    expect(countMarks(svg, "symbol")).toBe(4);
    expect(countMarks(svg, "rule")).toBe(1);
    expect(svg).toContain(">baseline</text>");
  });

  it("gives two charts in one page distinct ids", async () => {
    const rows = [{ series: "a", x: 1, y: 1 }];
    const [a, b] = await Promise.all(
      ["one", "two"].map((id) => renderSvg(logScatterChart("t", rows, { x: "x", y: "y", legend: "s" }), id)),
    );
    const ids = (svg: string): string[] => [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids(a).filter((id) => ids(b).includes(id))).toEqual([]);
    for (const m of a.matchAll(/url\(#([^)]+)\)/g)) expect(ids(a)).toContain(m[1]);
  });

  it("labels log axes at whole decades", () => {
    expect(decades([3e-5, 0.2])).toEqual([1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
    expect(decades([0, -1, NaN])).toEqual([1]);
    expect(decades([1e-3])).toEqual([1e-3, 1e-2]);
  });
});
