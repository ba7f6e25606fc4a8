/**
 * `minifloat report DIR`: find what DIR holds, build the report and write report.html, report.md and
 * report.json into the output folder, each atomically (a reader never sees half a report). Existing
 * report files are replaced only with `force` (the output rule of io/output.ts), checked before the build.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkOutputFiles, writeFileAtomic, type FolderKind } from "../io/index.js";
import { buildReport } from "./build.js";
import type { Report } from "./document.js";
import { loadReportInputs } from "./load.js";
import { renderReport } from "./render.js";

/** The files a report writes, by name. */
export const REPORT_FILES = Object.freeze({
  html: "report.html",
  markdown: "report.md",
  json: "report.json",
});

/** What writeReport made. */
export interface WrittenReport {
  readonly report: Report;
  /** Absolute or relative paths as given: html, markdown and json. */
  readonly files: { readonly html: string; readonly markdown: string; readonly json: string };
}

const ALL_KINDS: readonly FolderKind[] = ["run", "model", "compare", "reproduce"];

/** Report on the run, comparison or tolerance directory `dir` into `out` (default `dir` itself, where
 * the report goes beside what it reports on); `force` replaces an earlier report there. */
export async function writeReport(
  dir: string,
  out: string = dir,
  options: { readonly force?: boolean | undefined } = {},
): Promise<WrittenReport> {
  const inputs = loadReportInputs(dir); // first: a missing or wrong input is named as the input
  const beside = resolve(out) === resolve(dir);
  checkOutputFiles(out, Object.values(REPORT_FILES), {
    option: "--out",
    force: options.force,
    inputs: beside ? [] : [{ path: dir, name: "directory" }],
    intoKinds: beside ? ALL_KINDS : [],
  });
  const report = buildReport(dir, inputs);
  const docs = await renderReport(report);
  mkdirSync(out, { recursive: true });
  const files = {
    html: join(out, REPORT_FILES.html),
    markdown: join(out, REPORT_FILES.markdown),
    json: join(out, REPORT_FILES.json),
  };
  writeFileAtomic(files.json, docs.json);
  writeFileAtomic(files.markdown, docs.markdown);
  writeFileAtomic(files.html, docs.html);
  return { report, files };
}
