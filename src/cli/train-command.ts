/**
 * `minifloat train`: one training run under a precision policy into a run directory (config.json,
 * metrics.jsonl, checkpoints/, results.json), with progress on stderr and a table of the epochs (or the
 * results as JSON) on stdout. `--resume` continues a killed run from its last checkpoint.
 */
import { Command } from "commander";
import { policyFolder, trainRun, type RunResults, type TrainConfig } from "../experiment/index.js";
import type { CliIo } from "./io.js";
import { percent } from "./print.js";
import { progressDisplay, progressEvents } from "./progress.js";
import { renderTable } from "./table.js";
import { addTrainOptions, trainConfigFrom, type TrainCliOptions } from "./train-options.js";

interface TrainOptions extends TrainCliOptions {
  readonly policy?: string;
  readonly out?: string;
  readonly resume?: boolean;
  readonly force?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** The default run directory of a configuration. */
export function defaultRunDir(c: TrainConfig): string {
  return `runs/${c.model}-${c.data}-${policyFolder(c.policy)}-seed${c.seed}`;
}

/** The epochs of a run as a table. */
export function epochTable(r: RunResults): string {
  return renderTable(
    [
      { header: "epoch", align: "right" },
      { header: "train loss", align: "right" },
      { header: "train acc %", align: "right" },
      { header: "test acc %", align: "right" },
      { header: "lr", align: "right" },
      { header: "loss scale", align: "right" },
      { header: "skipped", align: "right" },
      { header: "cancelled %", align: "right" },
      { header: "s", align: "right" },
      { header: "samples/s", align: "right" },
      { header: "peak MB", align: "right" },
    ],
    r.epochs.map((m) => [
      String(m.epoch),
      m.trainLoss.toFixed(4),
      percent(m.trainAccuracy),
      percent(m.testAccuracy),
      m.lr.toPrecision(3),
      String(m.lossScale),
      String(m.skippedSteps),
      percent(m.cancelledFraction),
      m.seconds.toFixed(1),
      String(Math.round(m.samplesPerSecond)),
      (m.memory.peakBytes / 1e6).toFixed(2),
    ]),
  );
}

/** The `train` command, writing to `io`. */
export function trainCommand(io: CliIo): Command {
  const command = new Command("train").description(
    "train a model under a precision policy (fp32, amp-fp16, pure-bf16-sr, ... or a JSON policy file)",
  );
  addTrainOptions(command)
    .option("--policy <name|file>", "precision policy: a preset or a JSON policy file (default fp32)")
    .option("--out <dir>", "run directory (default runs/<model>-<data>-<policy>-seed<seed>)")
    .option("--resume", "continue the run in --out from its last checkpoint")
    .option("--force", "start over in a run directory that already holds a run")
    .option("--json", "print the results as one JSON object (progress stays on stderr)")
    .option("--quiet", "no progress on stderr")
    .action((options: TrainOptions) => {
      const { policy, out, resume, force, json, quiet, ...rest } = options;
      const config = trainConfigFrom(rest, policy === undefined ? {} : { policy });
      const dir = out ?? defaultRunDir(config);
      const r = trainRun(config, {
        out: dir,
        resume,
        force,
        events: progressEvents(io, "", progressDisplay(io, quiet)),
      });
      if (r === null) return;
      if (json === true) {
        io.stdout(JSON.stringify(r, null, 2) + "\n");
        return;
      }
      const stats = (r.batchNormLayers ?? 0) > 0 ? ` (batch-norm statistics ${r.batchNormStats})` : "";
      io.stdout(
        `${config.model} on ${config.data}, policy ${r.policy.name}${stats}, ${r.parameters} parameters\n`,
      );
      io.stdout(epochTable(r));
      io.stdout(`test accuracy ${percent(r.testAccuracy)}%; run directory ${dir}\n`);
    });
  return command;
}
