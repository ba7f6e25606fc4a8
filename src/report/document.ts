/**
 * The report as data, before it is any document: a title, a few key figures, then sections of figures
 * (a Vega-Lite specification, a caption and the table of numbers behind it) and tables. The Markdown,
 * HTML and JSON renderers read only this, so a new kind of input is one more section builder.
 */
import type { TopLevelSpec } from "vega-lite";

/** Alignment of a table column. */
export type Align = "left" | "right";

/** How a cell reads beyond its text: a tone (e.g. a verdict's colour) and the figures it refers to. */
export interface CellMark {
  readonly tone?: "good" | "bad" | "neutral";
  /** Ids of figures of the same report: HTML links each ("Figure 3"), Markdown names it. */
  readonly figures?: readonly string[];
}

/** A table: column headers and rows of already formatted cells. */
export interface Table {
  readonly title: string;
  readonly columns: readonly { readonly header: string; readonly align?: Align }[];
  readonly rows: readonly (readonly string[])[];
  /** Marks of cells, parallel to `rows` (absent or undefined: a plain cell). */
  readonly marks?: readonly (readonly (CellMark | undefined)[])[];
}

/** One chart: a stable id (the HTML anchor), title, one-sentence caption and the numbers behind it. */
export interface Figure {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  /** Vega-Lite specification with its data inline (rendered to SVG by svg.ts). */
  readonly spec: TopLevelSpec;
  /** The figure's numbers, compact enough for Markdown. */
  readonly table: Table;
}

/** A number worth reading first, e.g. {label: "test accuracy", value: "97.85 %"}. */
export interface KeyFigure {
  readonly label: string;
  readonly value: string;
  readonly detail?: string;
}

/** A part of the report about one input (the training curves, the tolerance analysis...). */
export interface Section {
  readonly title: string;
  readonly text?: string;
  readonly tables: readonly Table[];
  readonly figures: readonly Figure[];
}

/** The whole report. */
export interface Report {
  readonly title: string;
  readonly subtitle: string;
  readonly keyFigures: readonly KeyFigure[];
  readonly sections: readonly Section[];
  /** The data the report was made from, as written to report.json. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** Every figure of a report, in order. */
export function reportFigures(r: Report): Figure[] {
  return r.sections.flatMap((s) => s.figures);
}

/** A fraction as a percentage with two decimals ("97.85"); "-" for a missing or non-finite value. */
export function pct(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "-" : (100 * x).toFixed(2);
}

/** A number in scientific notation with three significant digits; "-" for null, inf/NaN spelled out. */
export function sci(x: number | null | undefined): string {
  if (x === null || x === undefined) return "-";
  return Number.isFinite(x) ? x.toExponential(2) : String(x);
}

/** A number with `digits` decimals; "-" for a missing or non-finite value. */
export function fixed(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(digits);
}
