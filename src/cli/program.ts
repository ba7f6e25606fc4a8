/**
 * The `minifloat` program: builds a fresh commander program per call and runs it in-process, turning
 * every user error (commander's own, a MinifloatError from the library) into one line on stderr and exit
 * code 2, an error of the environment (EACCES, ENOSPC, ENOTDIR...) into one line naming the path and exit
 * code 2, and anything unexpected into its message and exit code 1. No stack traces for user errors.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { isMinifloatError } from "../errors.js";
import { environmentMessage } from "../io/index.js";
import { benchCommand } from "./bench-command.js";
import { castCommand } from "./cast-command.js";
import { compareCommand } from "./compare-command.js";
import { formatsCommand } from "./formats-command.js";
import { reportCommand } from "./report-command.js";
import { toleranceCommand } from "./tolerance-command.js";
import { evalCommand } from "./eval-command.js";
import { convertCommand } from "./convert-command.js";
import { quantizeCommand } from "./quantize-command.js";
import { demoCommand, reproduceCommand } from "./reproduce-command.js";
import { trainCommand } from "./train-command.js";
import type { CliIo } from "./io.js";

/** Exit code of a user error: bad arguments, unknown names, unparseable values. */
export const EXIT_USAGE = 2;

/** Exit code of an unexpected internal error. */
export const EXIT_INTERNAL = 1;

/** The version in the package.json above this file (src/cli in a checkout, dist/src/cli when built). */
function packageVersion(): string {
  for (const up of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), "utf8")) as Record<string, unknown>;
      if (pkg.name === "minifloat" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // not there: try one level up
    }
  }
  return "unknown";
}

/** A new `minifloat` program writing to `io`, with commander's exits and output redirected. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("minifloat")
    .description("bit-exact low-precision number formats (bfloat16, float16, FP8, FP6, FP4) for Node.js")
    .version(packageVersion(), "--version", "print the version")
    .addCommand(formatsCommand(io))
    .addCommand(castCommand(io))
    .addCommand(trainCommand(io))
    .addCommand(compareCommand(io))
    .addCommand(toleranceCommand(io))
    .addCommand(evalCommand(io))
    .addCommand(convertCommand(io))
    .addCommand(quantizeCommand(io))
    .addCommand(reproduceCommand(io))
    .addCommand(demoCommand(io))
    .addCommand(reportCommand(io))
    .addCommand(benchCommand(io))
    .showSuggestionAfterError(true);
  const configure = (c: Command): void => {
    c.exitOverride().configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: () => undefined, // runCli prints the one-line message itself
    });
    c.commands.forEach(configure);
  };
  configure(program);
  return program;
}

/** The message of a commander error as one line: "error: unknown option '--x'" -> "unknown option '--x'". */
function commanderMessage(e: CommanderError): string {
  return e.message
    .replace(/^error: /, "")
    .replace(/\s*\n\s*/g, " ")
    .trim();
}

/** Run the command line `argv` (without node and script) in-process; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with exit code 0; help shown for a missing command ends with 1.
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
      if (e.code === "commander.help") return EXIT_USAGE;
      io.stderr(`minifloat: ${commanderMessage(e)}\n`);
      return EXIT_USAGE;
    }
    if (isMinifloatError(e)) {
      io.stderr(`minifloat: ${e.message}\n`);
      return EXIT_USAGE;
    }
    const environment = environmentMessage(e);
    if (environment !== undefined) {
      io.stderr(`minifloat: ${environment}\n`);
      return EXIT_USAGE;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`minifloat: internal error: ${message}\n`);
    return EXIT_INTERNAL;
  }
}
