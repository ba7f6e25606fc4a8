/**
 * `minifloat tolerance RUN_DIR`: the floating-point error of a trained network in low-precision formats
 * against its classification tolerance, per format and per layer (src/experiment/tolerance-run.ts). A
 * table on stdout, one JSON object with --json, and with --out the JSON, Markdown and per-sample data
 * (an earlier analysis there is replaced only with --force; checked before the analysis runs).
 */
import { Command } from "commander";
import {
  analyzeTolerance,
  TOLERANCE_FILES,
  toleranceJson,
  writeToleranceArtifacts,
} from "../experiment/index.js";
import { checkOutputFiles, requireFolderKind } from "../io/index.js";
import type { CliIo } from "./io.js";
import { commaList, integerIn } from "./options.js";
import { percent } from "./print.js";
import { progressDisplay } from "./progress.js";
import { renderTable } from "./table.js";

interface ToleranceCliOptions {
  readonly checkpoint?: string;
  readonly data?: string;
  readonly dataDir?: string;
  readonly formats?: string;
  readonly policies?: string;
  readonly limit?: number;
  readonly out?: string;
  readonly force?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** The `tolerance` command, writing to `io`. */
export function toleranceCommand(io: CliIo): Command {
  return new Command("tolerance")
    .description(
      "compare a trained network in low-precision formats with float32: error against classification tolerance",
    )
    .argument("<run-dir>", "a run directory of minifloat train")
    .option("--checkpoint <file>", "a checkpoint of the run (default: its last)")
    .option("--data <name>", "dataset (default: the run's)")
    .option("--data-dir <dir>", "folder of the dataset files")
    .option(
      "--formats <list>",
      "float formats: weights and activations rounded to each (default float16,bfloat16,float8_e4m3fn,float8_e5m2)",
    )
    .option(
      "--policies <list>",
      "precision policies instead of formats (their params and activations formats)",
    )
    .option("--limit <n>", "analyse the first N test samples", integerIn(1, Number.MAX_SAFE_INTEGER))
    .option("--out <dir>", "write tolerance.json, tolerance.md and samples.csv there")
    .option("--force", "replace the files of an earlier analysis in --out")
    .option("--json", "print one JSON object (progress stays on stderr)")
    .option("--quiet", "no progress on stderr")
    .action((runDir: string, o: ToleranceCliOptions) => {
      requireFolderKind(runDir, "run", "RUN_DIR");
      const display = progressDisplay(io, o.quiet);
      if (o.out !== undefined) {
        const inputs = [{ path: runDir, name: "run directory" }];
        if (o.checkpoint !== undefined) inputs.push({ path: o.checkpoint, name: "checkpoint" });
        checkOutputFiles(o.out, TOLERANCE_FILES, { option: "--out", force: o.force, inputs });
      }
      const r = analyzeTolerance(runDir, {
        checkpoint: o.checkpoint,
        data: o.data,
        dataDir: o.dataDir,
        formats: o.formats === undefined ? undefined : commaList(o.formats),
        policies: o.policies === undefined ? undefined : commaList(o.policies),
        limit: o.limit,
        onProgress: display.listener,
      });
      if (o.out !== undefined) writeToleranceArtifacts(r, o.out);
      if (o.json === true) {
        io.stdout(JSON.stringify(toleranceJson(r), null, 2) + "\n");
        return;
      }
      io.stdout(`${r.samples} test samples of ${r.data}, checkpoint ${r.checkpoint}\n`);
      io.stdout(
        renderTable(
          [
            { header: "format" },
            { header: "guaranteed %", align: "right" },
            { header: "disagree %", align: "right" },
            { header: "acc fp32 %", align: "right" },
            { header: "acc low %", align: "right" },
            { header: "bound (points)", align: "right" },
            { header: "near boundary", align: "right" },
            { header: "median delta", align: "right" },
          ],
          r.formats.map((s) => [
            s.format,
            percent(s.guaranteed),
            percent(s.disagreement),
            percent(s.accuracy32),
            percent(s.accuracyLow),
            percent(s.accuracyChangeBound),
            String(s.nearBoundary),
            s.medianDelta.toExponential(2),
          ]),
        ),
      );
      io.stdout(
        o.out === undefined
          ? "per-layer tables: --json or --out\n"
          : `per-layer tables in ${o.out}/tolerance.md\n`,
      );
    });
}
