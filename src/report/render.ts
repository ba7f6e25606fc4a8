/**
 * Report -> the three documents: report.html (charts as inline SVG), report.md and report.json (the
 * report's data: key figures, tables, every figure's specification with its data, and the inputs).
 */
import { reportFigures, type Report } from "./document.js";
import { renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { renderSvg } from "./svg.js";

/** The text of each document of a report. */
export interface ReportDocuments {
  readonly html: string;
  readonly markdown: string;
  readonly json: string;
}

/** Render every chart to SVG and write the documents (as text; nothing touches the disk). */
export async function renderReport(r: Report): Promise<ReportDocuments> {
  const svgs = new Map<string, string>();
  for (const f of reportFigures(r)) svgs.set(f.id, await renderSvg(f.spec, f.id));
  return {
    html: renderHtml(r, svgs),
    markdown: renderMarkdown(r),
    json: JSON.stringify(r, null, 2) + "\n",
  };
}
