#!/usr/bin/env node
/**
 * The `minifloat` bin: runs the command line on the real process streams and sets the exit code
 * (process.exitCode, not process.exit, so piped output is flushed first). A closed pipe on stdout, as
 * in `minifloat formats | head`, ends the output quietly.
 */
import { runCli } from "./program.js";

process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  terminal: process.stderr.isTTY ? process.stderr : undefined,
});
