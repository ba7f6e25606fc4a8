/**
 * Layer `analysis`: floating-point error against classification tolerance, forward-error bounds of dot
 * products, per-layer error growth. Pure computations over plain values (imports only formats and
 * ../errors); it must not read files or import tensor, nn, data, io, experiment, report or cli
 * (experiment/tolerance-run.ts wires it to run directories).
 * statistics.ts holds the tests behind accuracy verdicts.
 */
export * from "./tolerance.js";
export * from "./layer-error.js";
export * from "./statistics.js";
