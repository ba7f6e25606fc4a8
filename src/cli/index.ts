/**
 * Layer `cli` (DESIGN.md): argument parsing and wiring only. Owns the `minifloat` command line: the
 * program and its commands, value parsing, and table/number printing. Must not do numeric work of its
 * own beyond printing (conversions and IEEE flags come from src/formats), and nothing in src/ imports it;
 * main.ts is the bin. bench-command.ts loads the benchmarks of a source checkout (bench/, not shipped).
 */
export { runCli, buildProgram, EXIT_USAGE, EXIT_INTERNAL } from "./program.js";
export type { CliIo } from "./io.js";
