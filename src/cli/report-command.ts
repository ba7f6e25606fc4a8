/**
 * `minifloat report DIR`: report.html (charts, self-contained), report.md and report.json for a run
 * directory, a comparison directory, a tolerance analysis or a quantization result (src/report). Written into DIR, or --out;
 * stdout names the files and the figures, or with --json gives one JSON object. An earlier report is
 * replaced only with --force.
 */
import { Command } from "commander";
import { reportFigures, writeReport } from "../report/index.js";
import type { CliIo } from "./io.js";

interface ReportCliOptions {
  readonly out?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

/** The `report` command, writing to `io`. */
export function reportCommand(io: CliIo): Command {
  return new Command("report")
    .description(
      "write report.html (charts), report.md and report.json for a run, comparison, tolerance, quantization or reproduce directory",
    )
    .argument("<dir>", "a directory of minifloat train, compare, tolerance or quantize --out")
    .option("--out <dir>", "write the report there (default: <dir> itself)")
    .option("--force", "replace an earlier report there")
    .option("--json", "print one JSON object: the files written and the report's key figures")
    .action(async (dir: string, o: ReportCliOptions) => {
      const { report, files } = await writeReport(dir, o.out, { force: o.force });
      const figures = reportFigures(report);
      if (o.json === true) {
        const summary = {
          title: report.title,
          files,
          keyFigures: report.keyFigures,
          figures: figures.map((f) => ({ id: f.id, title: f.title, caption: f.caption })),
        };
        io.stdout(JSON.stringify(summary, null, 2) + "\n");
        return;
      }
      io.stdout(`${report.title}\n`);
      for (const k of report.keyFigures) {
        io.stdout(`  ${k.label}: ${k.value}${k.detail === undefined ? "" : ` (${k.detail})`}\n`);
      }
      io.stdout(`${figures.length} figure(s): ${figures.map((f) => f.title).join("; ")}\n`);
      io.stdout(`wrote ${files.html}, ${files.markdown} and ${files.json}\n`);
    });
}
