/**
 * Fuzz target: the `minifloat` command line on arbitrary argv (the input split at newlines). Every
 * command is parsed by the real program; the actions of train and compare only build and check their
 * configuration and policy (no training), tolerance and bench do nothing. A commander error or a
 * MinifloatError is the accepted refusal; anything else (runCli's "internal error") is a finding.
 * Arguments that name files outside the scratch folder are dropped, so the target reads no files of
 * the machine it runs on.
 */
import { CommanderError, type Command } from "commander";
import { parsesOrRefuses } from "../contract.js";
import { buildProgram } from "../../src/cli/program.js";
import { trainConfigFrom, type TrainCliOptions } from "../../src/cli/train-options.js";
import { resolvePolicy } from "../../src/experiment/setup.js";
import { commaList } from "../../src/cli/options.js";

const sink = { stdout: () => undefined, stderr: () => undefined };

/** Options of train and compare that say where and how to run, not what: not configuration fields. */
const RUN_ONLY = new Set(["out", "resume", "force", "json", "seeds", "jobs"]);

interface StubOptions extends TrainCliOptions {
  readonly policy?: string;
  readonly policies?: string;
}

/** Check options the way train and compare do before they start work. */
function checkTrainOptions(options: StubOptions): void {
  const { policy, policies, ...rest } = options;
  const fields = Object.fromEntries(Object.entries(rest).filter(([key]) => !RUN_ONLY.has(key)));
  trainConfigFrom(fields, policy === undefined ? {} : { policy });
  for (const p of policy === undefined ? [] : [policy]) resolvePolicy(p);
  for (const p of policies === undefined ? [] : commaList(policies)) resolvePolicy(p);
}

function stubbed(program: Command): Command {
  for (const c of program.commands) {
    if (c.name() === "train" || c.name() === "compare") c.action(checkTrainOptions);
    else if (c.name() === "tolerance" || c.name() === "bench") c.action(() => undefined);
  }
  return program;
}

/** One argv through the program. */
export function fuzz(data: Buffer): void {
  const argv = data
    .toString("utf8")
    .split("\n")
    .filter((a) => !a.includes("/") && !a.includes("\\"));
  parsesOrRefuses(() => {
    try {
      stubbed(buildProgram(sink)).parse(argv, { from: "user" });
    } catch (e) {
      if (e instanceof CommanderError) return;
      throw e;
    }
  });
}
