/**
 * Layer `cli` (DESIGN.md): argument parsing and wiring only. Owns the `minifloat` command line: the
 * program and its commands, value parsing, and table/number printing. Must not do numeric work of its
 * own beyond printing (conversions come from src/formats), and nothing imports it; main.ts is the bin.
 */
export { runCli, buildProgram, EXIT_USAGE, EXIT_INTERNAL } from "./program.js";
export type { CliIo } from "./io.js";
