/**
 * Report -> Markdown: the title, the key figures, each section's text and tables, then every figure as
 * its title, caption and the table of its numbers (Markdown has no charts; report.html has them), and an
 * index of the figures.
 */
import { reportFigures, type Report, type Table } from "./document.js";

/** A cell with the characters that would break a Markdown table escaped. */
function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A table as GitHub-flavoured Markdown; a cell that marks figures names them ("Figure 3", numbered by
 * `number`). */
export function markdownTable(t: Table, number: ReadonlyMap<string, number> = new Map()): string {
  const header = `| ${t.columns.map((c) => cell(c.header)).join(" | ")} |`;
  const rule = `|${t.columns.map((c) => (c.align === "right" ? "---:" : "---")).join("|")}|`;
  const named = (v: string, k: number, i: number): string => {
    const figures = (t.marks?.[k]?.[i]?.figures ?? []).filter((id) => number.has(id));
    const names = figures.map((id) => `Figure ${number.get(id) ?? 0}`).join(", ");
    return names === "" ? v : v === "" ? names : `${v} ${names}`;
  };
  const rows = t.rows.map((r, k) => `| ${r.map((v, i) => cell(named(v, k, i))).join(" | ")} |`);
  return [header, rule, ...rows].join("\n");
}

/** The whole report as Markdown. */
export function renderMarkdown(r: Report): string {
  const figures = reportFigures(r);
  const number = new Map(figures.map((f, i) => [f.id, i + 1]));
  const out = [`# ${r.title}`, "", r.subtitle, ""];
  if (r.keyFigures.length > 0) {
    out.push("## Key figures", "");
    for (const k of r.keyFigures)
      out.push(`- **${k.label}**: ${k.value}${k.detail === undefined ? "" : ` (${k.detail})`}`);
    out.push("");
  }
  for (const s of r.sections) {
    out.push(`## ${s.title}`, "");
    if (s.text !== undefined) out.push(s.text, "");
    for (const t of s.tables) out.push(`### ${t.title}`, "", markdownTable(t, number), "");
    for (const f of s.figures) {
      out.push(
        `### Figure ${number.get(f.id) ?? 0}: ${f.title}`,
        "",
        f.caption,
        "",
        markdownTable(f.table),
        "",
      );
    }
  }
  out.push(
    "## Figures",
    "",
    markdownTable({
      title: "Figures",
      columns: [{ header: "#", align: "right" }, { header: "figure" }, { header: "what it shows" }],
      rows: figures.map((f, i) => [String(i + 1), f.title, f.caption]),
    }),
    "",
  );
  return out.join("\n");
}
