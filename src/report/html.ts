/**
 * Report + rendered SVG charts -> one self-contained HTML page: inline CSS, inline SVG, no script and no
 * network at view time. Title, key figures as cards, then each section's text, tables and figures (each
 * with its caption and a folded table of its numbers), and an index of the figures at the end.
 */
import { reportFigures, type CellMark, type Report, type Table } from "./document.js";

/** Text with the five HTML-special characters escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6575; --line: #e3e6eb; --accent: #2f6db5; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 Helvetica, Arial, sans-serif; color: var(--ink); background: #f5f6f8; }
main { max-width: 1240px; margin: 0 auto; padding: 28px 32px 48px; }
header h1 { font-size: 26px; margin: 0 0 4px; }
header p { margin: 0; color: var(--muted); }
h2 { font-size: 20px; margin: 36px 0 8px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(175px, 1fr)); gap: 12px; margin: 22px 0 8px; }
.card { background: white; border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 6px; padding: 10px 14px; }
.card .label { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.card .value { font-size: 22px; font-weight: bold; margin: 2px 0; overflow-wrap: anywhere; }
.card .detail { font-size: 12px; color: var(--muted); }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 18px; margin-top: 16px; }
figure { margin: 0; background: white; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; }
figure .chart { overflow-x: auto; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 6px; }
details { margin-top: 6px; font-size: 13px; }
summary { cursor: pointer; color: var(--accent); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; background: white; font-size: 13px; margin: 4px 0 10px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { text-align: left; background: #eef1f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
a { color: var(--accent); }
td.tone-good { background: #e3f4e6; color: #1c5e2a; font-weight: bold; }
td.tone-bad { background: #fbe4e2; color: #8c1d14; font-weight: bold; }
td.tone-neutral { background: #fdf3d8; color: #6e5200; font-weight: bold; }
footer { margin-top: 40px; font-size: 12px; color: var(--muted); }
`;

/** A cell's content: its text, then a link to each figure it marks ("Figure 3", numbered by `number`). */
function cellHtml(text: string, mark: CellMark | undefined, number: ReadonlyMap<string, number>): string {
  const links = (mark?.figures ?? [])
    .filter((id) => number.has(id))
    .map((id) => `<a href="#fig-${escapeHtml(id)}">Figure ${number.get(id) ?? 0}</a>`);
  return escapeHtml(text) + (links.length === 0 ? "" : (text === "" ? "" : " ") + links.join(", "));
}

/** A table as HTML, numbers right-aligned, marked cells toned and linked to figures (`number`: each
 * figure id's number in the report). */
export function htmlTable(t: Table, number: ReadonlyMap<string, number> = new Map()): string {
  const cls = (i: number, mark: CellMark | undefined): string => {
    const names = [
      ...(t.columns[i]?.align === "right" ? ["num"] : []),
      ...(mark?.tone === undefined ? [] : [`tone-${mark.tone}`]),
    ];
    return names.length === 0 ? "" : ` class="${names.join(" ")}"`;
  };
  const head = t.columns.map((c, i) => `<th${cls(i, undefined)}>${escapeHtml(c.header)}</th>`).join("");
  const rows = t.rows
    .map((r, k) => {
      const cells = r.map((v, i) => {
        const mark = t.marks?.[k]?.[i];
        return `<td${cls(i, mark)}>${cellHtml(v, mark, number)}</td>`;
      });
      return `<tr>${cells.join("")}</tr>`;
    })
    .join("\n");
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table></div>`;
}

/** The report as one HTML page; `svgs` maps each figure id to its rendered chart. */
export function renderHtml(r: Report, svgs: ReadonlyMap<string, string>): string {
  const figures = reportFigures(r);
  const number = new Map(figures.map((f, i) => [f.id, i + 1]));
  const cards = r.keyFigures
    .map(
      (k) =>
        `<div class="card"><div class="label">${escapeHtml(k.label)}</div><div class="value">${escapeHtml(k.value)}</div>` +
        (k.detail === undefined ? "" : `<div class="detail">${escapeHtml(k.detail)}</div>`) +
        "</div>",
    )
    .join("\n");
  const sections = r.sections.map((s) => {
    const figs = s.figures.map(
      (f) =>
        `<figure id="fig-${escapeHtml(f.id)}"><div class="chart">${svgs.get(f.id) ?? ""}</div>` +
        `<figcaption><b>Figure ${number.get(f.id) ?? 0}.</b> ${escapeHtml(f.caption)}</figcaption>` +
        `<details><summary>Data</summary>${htmlTable(f.table)}</details></figure>`,
    );
    return [
      `<section><h2>${escapeHtml(s.title)}</h2>`,
      s.text === undefined ? "" : `<p>${escapeHtml(s.text)}</p>`,
      ...s.tables.map((t) => `<h3>${escapeHtml(t.title)}</h3>${htmlTable(t, number)}`),
      figs.length === 0 ? "" : `<div class="figures">\n${figs.join("\n")}\n</div>`,
      "</section>",
    ].join("\n");
  });
  const index = htmlTable({
    title: "Figures",
    columns: [{ header: "#", align: "right" }, { header: "figure" }, { header: "what it shows" }],
    rows: figures.map((f, i) => [String(i + 1), f.title, f.caption]),
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(r.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header><h1>${escapeHtml(r.title)}</h1><p>${escapeHtml(r.subtitle)}</p></header>
<div class="cards">
${cards}
</div>
${sections.join("\n")}
<section><h2>Figures</h2>
${index}
</section>
<footer>Made by minifloat report; the numbers behind every chart are in report.json and report.md.</footer>
</main>
</body>
</html>
`;
}
