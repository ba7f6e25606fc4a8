/**
 * `minifloat reproduce [--quick|--full]` runs the three studies (src/experiment/reproduce.ts) and writes
 * one report that sets each claim beside the measurement; `minifloat demo` is the same tour at a scale
 * that finishes in a few minutes, opened by a look at the formats, ending with where report.html is.
 * Finished parts are reused: a killed run resumes when started again with the same --out.
 */
import { join } from "node:path";
import { Command } from "commander";
import { MinifloatError } from "../errors.js";
import {
  describeEvidence,
  reproduceStudies,
  type ReproduceResults,
  type ReproduceScale,
} from "../experiment/index.js";
import { castValue, floatFormat } from "../formats/index.js";
import { writeReport } from "../report/index.js";
import { childRunner } from "./child-run.js";
import type { CliIo } from "./io.js";
import { integerIn } from "./options.js";
import { formatShort } from "./print.js";
import { progressDisplay, progressEvents } from "./progress.js";
import { renderTable } from "./table.js";

interface StudiesCliOptions {
  readonly quick?: boolean;
  readonly full?: boolean;
  readonly out?: string;
  readonly jobs: number;
  readonly force?: boolean;
  readonly model?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** The claims as a table (each with its evidence: differences with their 95% intervals, facts), then
 * each claim's measured numbers. */
function claimLines(io: CliIo, r: ReproduceResults): void {
  io.stdout(
    renderTable(
      [{ header: "study" }, { header: "claim" }, { header: "evidence" }, { header: "verdict" }],
      r.claims.flatMap((c) =>
        c.evidence.map((e, k) => [
          k === 0 ? String(c.study) : "",
          k === 0 ? c.id : "",
          describeEvidence(e),
          k === 0 ? c.verdict : "",
        ]),
      ),
    ),
  );
  for (const c of r.claims) io.stdout(`  ${c.study}. ${c.id}: ${c.measured}\n`);
  io.stdout("  (95% intervals: one run per policy covers test-sample noise only; see docs/statistics.md)\n");
  for (const n of r.notes) io.stdout(`  note: ${n}\n`);
}

async function runStudies(io: CliIo, scale: ReproduceScale, o: StudiesCliOptions): Promise<void> {
  const out = o.out ?? join("runs", scale === "demo" ? "demo" : `reproduce-${scale}`);
  const display = progressDisplay(io, o.quiet);
  const r = await reproduceStudies({
    out,
    scale,
    force: o.force,
    jobs: o.jobs,
    runOne: o.jobs > 1 ? childRunner(io, display) : undefined,
    modelDir: o.model,
    log: (line) => {
      display.note(`minifloat: ${line}\n`);
    },
    eventsFor: (part, policy, seed, i, n) =>
      progressEvents(io, `[${part} ${i + 1}/${n} ${policy} seed ${seed}] `, display),
    onProgress: display.listener,
  });
  const { files } = await writeReport(out, out, { force: true });
  if (o.json === true) {
    io.stdout(JSON.stringify({ ...r, report: files }, null, 2) + "\n");
    return;
  }
  io.stdout(`\nThe three studies at the ${scale} scale (${(r.seconds / 60).toFixed(1)} min):\n`);
  claimLines(io, r);
  io.stdout(`\nreport: ${files.html}\n`);
}

function studiesOptions(c: Command): Command {
  return c
    .option("--out <dir>", "where the runs and the report go (default runs/<name>)")
    .option("--jobs <n>", "training runs at once, in child processes (default 1)", integerIn(1, 64), 1)
    .option("--force", "run every part again instead of reusing finished ones")
    .option("--model <dir>", "the SST-2 classifier of study 3 (default: the shipped one)")
    .option("--json", "print one JSON object (progress stays on stderr)")
    .option("--quiet", "no progress on stderr");
}

/** The `reproduce` command. */
export function reproduceCommand(io: CliIo): Command {
  return studiesOptions(
    new Command("reproduce")
      .description("run the three studies (16-bit training, BF16 updates, FP8 PTQ) and report each claim")
      .option("--quick", "about 15 minutes on 2 cores (the default)")
      .option("--full", "the README's scale (hours; resumes)"),
  ).action(async (o: StudiesCliOptions) => {
    if (o.quick === true && o.full === true) {
      throw new MinifloatError("argument", "--quick and --full: choose one");
    }
    await runStudies(io, o.full === true ? "full" : "quick", o);
  });
}

/** A first look at the formats: 0.1 and 1/3 in each, with the error. */
function formatsTour(io: CliIo): void {
  const settings = {
    rounding: "nearest-even",
    saturate: false,
    flushSubnormals: false,
    randomBits: 0,
  } as const;
  const rows = [0.1, 1 / 3, 300.7].flatMap((x) =>
    ["float32", "bfloat16", "float16", "float8_e4m3fn", "float8_e5m2"].map((name) => {
      const r = castValue(floatFormat(name), x, settings, 0);
      return [formatShort(x), name, formatShort(r.value), r.relError.toExponential(1)];
    }),
  );
  io.stdout("One number in each format (minifloat cast shows more):\n");
  io.stdout(
    renderTable(
      [
        { header: "value" },
        { header: "format" },
        { header: "stored as", align: "right" },
        { header: "rel error", align: "right" },
      ],
      rows,
    ),
  );
  io.stdout("\n");
}

/** The `demo` command. */
export function demoCommand(io: CliIo): Command {
  return studiesOptions(
    new Command("demo").description(
      "a few-minute tour: formats, training in 16 bits, tolerance, FP8 PTQ, a report",
    ),
  ).action(async (o: StudiesCliOptions) => {
    if (o.json !== true) formatsTour(io);
    await runStudies(io, "demo", o);
  });
}
