/**
 * `minifloat compare`: the same training under several precision policies and seeds, then a table per
 * policy (mean and standard deviation of test accuracy, difference to fp32, time per epoch, peak memory).
 * Finished runs under --out are reused, so an interrupted comparison continues where it stopped.
 */
import { Command } from "commander";
import { compareRuns, summaryMarkdown } from "../experiment/index.js";
import { PRESET_NAMES } from "../precision/index.js";
import type { CliIo } from "./io.js";
import { commaList, integerIn } from "./options.js";
import { childRunner } from "./child-run.js";
import { progressDisplay, progressEvents } from "./progress.js";
import { addTrainOptions, trainConfigFrom, type TrainCliOptions } from "./train-options.js";

interface CompareCliOptions extends TrainCliOptions {
  readonly policies: string;
  readonly seeds: number;
  readonly out?: string;
  readonly force?: boolean;
  readonly json?: boolean;
  readonly jobs: number;
  readonly quiet?: boolean;
}

/** The policies compared when --policies is not given. */
export const DEFAULT_COMPARE_POLICIES = [
  "fp32",
  "amp-fp16",
  "pure-fp16",
  "pure-bf16",
  "pure-bf16-sr",
  "pure-bf16-kahan",
];

/** The `compare` command, writing to `io`. */
export function compareCommand(io: CliIo): Command {
  const command = new Command("compare").description(
    "train under several precision policies and seeds and compare accuracy, time and memory",
  );
  addTrainOptions(command)
    .option(
      "--policies <list>",
      `comma-separated presets or policy files (presets: ${PRESET_NAMES.join(", ")})`,
      DEFAULT_COMPARE_POLICIES.join(","),
    )
    .option("--seeds <k>", "seeds per policy: seed, seed+1, ... (default 3)", integerIn(1, 1000), 3)
    .option("--out <dir>", "folder of the runs (default runs/compare-<model>-<data>)")
    .option(
      "--jobs <n>",
      "runs at once, each in its own single-threaded process (default 1)",
      integerIn(1, 64),
      1,
    )
    .option("--force", "retrain runs that already exist")
    .option("--json", "print one JSON object with summary and runs (progress stays on stderr)")
    .option("--quiet", "no progress on stderr")
    .action(async (options: CompareCliOptions) => {
      const { policies, seeds, out, force, json, jobs, quiet, ...rest } = options;
      const display = progressDisplay(io, quiet);
      const base = trainConfigFrom(rest);
      const list = commaList(policies);
      const dir = out ?? `runs/compare-${base.model}-${base.data}`;
      const result = await compareRuns(base, {
        out: dir,
        policies: list,
        seeds,
        force,
        jobs,
        runOne: jobs > 1 ? childRunner(io, display) : undefined,
        eventsFor: (policy, seed, i, total) =>
          progressEvents(io, `[${i + 1}/${total} ${policy} seed ${seed}] `, display),
      });
      if (json === true) io.stdout(JSON.stringify(result, null, 2) + "\n");
      else io.stdout(summaryMarkdown(result) + `\nruns and compare.json in ${dir}\n`);
    });
  return command;
}
