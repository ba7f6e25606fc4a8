/**
 * The source of a pool worker, run with `eval: true` so that it needs no file of its own (the same text
 * works from src/ under vitest and from dist/). It instantiates the shared module on the shared memory,
 * says it is ready, then sleeps on the generation word and runs its share of each job.
 */
import { CTRL_WORDS } from "./layout.js";

const W = CTRL_WORDS;

/** CommonJS source of one worker; workerData = { module, memory, ctrl, index, entries }. */
export const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { module, memory, ctrl, index, entries } = workerData;
const c = new Int32Array(memory.buffer, ctrl, 8);
let exports = null;
try {
  exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
} catch (e) {
  Atomics.store(c, ${W.ERROR}, 1);
}
// Read the generation before saying ready: the first job may be posted the moment the last worker is.
let gen = Atomics.load(c, ${W.GEN});
Atomics.add(c, ${W.READY}, 1);
Atomics.notify(c, ${W.READY});
for (;;) {
  Atomics.wait(c, ${W.GEN}, gen);
  gen = Atomics.load(c, ${W.GEN});
  if (Atomics.load(c, ${W.STOP}) !== 0) break;
  const nt = Atomics.load(c, ${W.NT});
  if (index >= nt) continue;
  try {
    exports[entries[Atomics.load(c, ${W.JOB})]](Atomics.load(c, ${W.ARGS}), index, nt);
  } catch (e) {
    Atomics.store(c, ${W.ERROR}, 1);
  }
  Atomics.add(c, ${W.DONE}, 1);
  Atomics.notify(c, ${W.DONE});
}
`;
