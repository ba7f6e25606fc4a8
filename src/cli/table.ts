/**
 * Plain-text tables for the command line: a header row, a rule, and columns padded to their widest
 * cell. Numbers align right, text aligns left. No colours and no box drawing, so the output pastes
 * cleanly into issues, Markdown code blocks and logs.
 */

/** How a column's cells are aligned. */
export type Align = "left" | "right";

/** One column: its header and alignment. */
export interface Column {
  readonly header: string;
  readonly align?: Align;
}

/** Render `rows` (one string per column) under `columns` as lines of text ending in a newline. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, j) => Math.max(c.header.length, ...rows.map((r) => (r[j] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, j) => {
        const cell = cells[j] ?? "";
        const w = widths[j] ?? 0;
        return c.align === "right" ? cell.padStart(w) : cell.padEnd(w);
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(columns.map((c) => c.header)), rule, ...rows.map(line)].join("\n") + "\n";
}
