/**
 * A worker_threads pool sharing one WebAssembly.Memory. Jobs are synchronous: the caller writes the job
 * into the control words, wakes the workers with Atomics.notify, runs share 0 itself, and sleeps until
 * the other shares are done, so a threaded kernel is an ordinary function call. Workers are unref'd and
 * do not keep the process alive.
 */
import { Worker } from "node:worker_threads";
import { MinifloatError } from "../../errors.js";
import { CTRL_WORDS as W } from "./layout.js";
import type { WasmExports, WasmMemory, WasmModule } from "./wasm-api.js";
import { WORKER_SOURCE } from "./worker-source.js";

/** The threaded entry points, by job number. */
export const THREADED_ENTRIES = ["gemm", "convForward", "convBackwardData", "convBackwardFilter"] as const;

/** A threaded entry point of the module. */
export type ThreadedEntry = (typeof THREADED_ENTRIES)[number];

const STARTUP_MS = 60_000;

/** A pool of `size` threads: the calling thread plus size - 1 workers, coordinated through the eight
 * control words at byte `ctrl` of the memory. */
export class ThreadPool {
  private readonly workers: Worker[] = [];
  private readonly ctrl: Int32Array;

  constructor(
    private readonly main: WasmExports,
    module: WasmModule,
    memory: WasmMemory,
    readonly size: number,
    ctrl: number,
  ) {
    this.ctrl = new Int32Array(memory.buffer, ctrl, 8);
    this.ctrl.fill(0);
    for (let index = 1; index < size; index++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // Not the parent's flags: --input-type=module would make this CommonJS source fail to start.
        execArgv: [],
        workerData: { module, memory, ctrl, index, entries: THREADED_ENTRIES },
      });
      worker.unref();
      this.workers.push(worker);
    }
    this.waitFor(W.READY, size - 1, STARTUP_MS);
    if (Atomics.load(this.ctrl, W.ERROR) !== 0) {
      void this.close();
      throw new MinifloatError("unsupported", "wasm: a pool worker could not instantiate the module");
    }
  }

  /** Sleep until control word `word` reaches `target` (or `ms` pass, which is an error). */
  private waitFor(word: number, target: number, ms = Infinity): void {
    const deadline = performance.now() + ms;
    for (;;) {
      const now = Atomics.load(this.ctrl, word);
      if (now >= target) return;
      const left = deadline - performance.now();
      if (left <= 0) throw new MinifloatError("unsupported", "wasm: the thread pool did not answer");
      Atomics.wait(this.ctrl, word, now, Math.min(left, 1000));
    }
  }

  /** Run `entry(args, tid, nt)` for tid = 0 .. nt-1 (nt <= size), share 0 on this thread; returns when
   * every share is done. */
  run(entry: ThreadedEntry, args: number, nt: number): void {
    const n = Math.max(1, Math.min(nt, this.size));
    if (n === 1) {
      this.main[entry](args, 0, 1);
      return;
    }
    const c = this.ctrl;
    Atomics.store(c, W.DONE, 0);
    Atomics.store(c, W.ERROR, 0);
    Atomics.store(c, W.JOB, THREADED_ENTRIES.indexOf(entry));
    Atomics.store(c, W.ARGS, args);
    Atomics.store(c, W.NT, n);
    Atomics.add(c, W.GEN, 1);
    Atomics.notify(c, W.GEN);
    try {
      this.main[entry](args, 0, n);
    } finally {
      this.waitFor(W.DONE, n - 1);
    }
    if (Atomics.load(c, W.ERROR) !== 0) throw new Error(`wasm: ${entry} failed in a pool worker`);
  }

  /** Stop the workers. */
  async close(): Promise<void> {
    Atomics.store(this.ctrl, W.STOP, 1);
    Atomics.add(this.ctrl, W.GEN, 1);
    Atomics.notify(this.ctrl, W.GEN);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
