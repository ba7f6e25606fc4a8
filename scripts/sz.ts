/**
 * `npm run sz`: the library's line budget (tinygrad's sz.py, for minifloat). Counts the lines of every
 * library file of src/ (unit tests beside the code, *.test.ts, are not library and are not counted),
 * prints them per folder and, with --files, per file, and exits 1 naming each file over FILE_BUDGET or a
 * total over TOTAL_BUDGET. FILE_BUDGET is CONVENTIONS.md's "about 400 lines" with 5% slack; TOTAL_BUDGET
 * leaves about 10% headroom over the library's size when it was set (30,353 lines).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Most lines one library file of src/ may have. */
export const FILE_BUDGET = 420;
/** Most lines the library files of src/ may have together. */
export const TOTAL_BUDGET = 33_500;

/** Lines of one file: its newline count, plus one for a last line without a newline. */
export function lineCount(text: string): number {
  if (text === "") return 0;
  const newlines = text.split("\n").length - 1;
  return text.endsWith("\n") ? newlines : newlines + 1;
}

/** Every library file under `src` (relative, `/`-separated) with its line count, sorted by path. */
export function libraryLines(src: string): { file: string; lines: number }[] {
  return readdirSync(src, { recursive: true, encoding: "utf8" })
    .map((f) => f.split("\\").join("/"))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .sort()
    .map((file) => ({ file, lines: lineCount(readFileSync(join(src, file), "utf8")) }));
}

/** The report `npm run sz` prints and the budget breaches it exits with (empty when within budget). */
export function sizeReport(
  files: readonly { file: string; lines: number }[],
  perFile: boolean,
): { text: string; breaches: string[] } {
  const folders = new Map<string, { files: number; lines: number }>();
  for (const { file, lines } of files) {
    const folder = file.includes("/") ? `src/${dirname(file)}` : "src";
    const row = folders.get(folder) ?? { files: 0, lines: 0 };
    folders.set(folder, { files: row.files + 1, lines: row.lines + lines });
  }
  const total = files.reduce((sum, f) => sum + f.lines, 0);
  const out = [...folders].map(
    ([folder, r]) => `${String(r.lines).padStart(7)}  ${folder} (${r.files} files)`,
  );
  if (perFile) out.push("", ...files.map((f) => `${String(f.lines).padStart(7)}  src/${f.file}`));
  out.push(
    "",
    `${String(total).padStart(7)}  total (budget ${TOTAL_BUDGET}; at most ${FILE_BUDGET} per file)`,
  );
  const breaches = files
    .filter((f) => f.lines > FILE_BUDGET)
    .map((f) => `src/${f.file}: ${f.lines} lines, over the budget of ${FILE_BUDGET} per file`);
  if (total > TOTAL_BUDGET) breaches.push(`src/: ${total} lines in all, over the budget of ${TOTAL_BUDGET}`);
  return { text: `${out.join("\n")}\n`, breaches };
}

function main(): void {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const { text, breaches } = sizeReport(libraryLines(join(root, "src")), process.argv.includes("--files"));
  process.stdout.write(text);
  for (const b of breaches) process.stderr.write(`sz: ${b}\n`);
  if (breaches.length > 0) process.exitCode = 1;
}

if (resolve(process.argv[1] ?? "") === fileURLToPath(import.meta.url)) main();
