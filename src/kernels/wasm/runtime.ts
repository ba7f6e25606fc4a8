/**
 * The WebAssembly runtime: finds and compiles the module that `npm run build` compiles from assembly/
 * (dist/wasm/minifloat.wasm), creates the shared memory, instantiates the module on this thread and
 * owns the arena and the thread pool. The pool size defaults to MINIFLOAT_THREADS or the number of cores.
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { MinifloatError } from "../../errors.js";
import { Arena } from "./arena.js";
import { CTRL, TLS_BYTES } from "./layout.js";
import { ThreadPool, type ThreadedEntry } from "./pool.js";
import { instantiate, webAssembly, type WasmExports, type WasmMemory, type WasmModule } from "./wasm-api.js";

/** Pages of 64 KiB: the memory starts at 1 MiB and may grow to 2 GiB (the module's declared maximum). */
const INITIAL_PAGES = 16;
const MAXIMUM_PAGES = 32768;

/** Where the compiled module may be: next to dist/src (built) or in dist/ (running from src/). */
const CANDIDATES = ["../../../wasm/minifloat.wasm", "../../../dist/wasm/minifloat.wasm"];

/** The compiled module's file, or null when it has not been built. */
export function wasmFile(): URL | null {
  for (const c of CANDIDATES) {
    const url = new URL(c, import.meta.url);
    if (existsSync(url)) return url;
  }
  return null;
}

let compiled: WasmModule | null | undefined;

/** The compiled module (cached), or null when there is no file or no WebAssembly SIMD/threads here. */
export function compileModule(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  const file = wasmFile();
  if (file !== null && webAssembly !== undefined) {
    try {
      compiled = new webAssembly.Module(readFileSync(file));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** The thread count: MINIFLOAT_THREADS when set, else the available cores. */
export function defaultThreads(): number {
  const env = process.env.MINIFLOAT_THREADS;
  if (env === undefined || env.trim() === "") return availableParallelism();
  return checkThreads(Number(env), "MINIFLOAT_THREADS");
}

/** Validate a thread count (an integer from 1 to 256). */
export function checkThreads(n: number, what = "threads"): number {
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new MinifloatError("config", `${what} must be an integer from 1 to 256, got ${n}`);
  }
  return n;
}

const CTRL_SLOTS = 16;
let poolsMade = 0;

/** One instance of the module on its own shared memory, with its arena and thread pool. */
export class WasmRuntime {
  readonly memory: WasmMemory;
  readonly exports: WasmExports;
  readonly arena: Arena;
  private pool: ThreadPool | null = null;
  private count: number;

  constructor(
    private readonly module: WasmModule,
    threads: number,
  ) {
    if (webAssembly === undefined) throw new MinifloatError("unsupported", "WebAssembly is not available");
    this.memory = new webAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
    this.exports = instantiate(module, this.memory);
    this.arena = new Arena(this.memory);
    this.count = checkThreads(threads);
  }

  /** Threads used by threaded kernels. */
  get threads(): number {
    return this.count;
  }

  /** Use `n` threads from now on (workers start on the next threaded call that needs them). */
  setThreads(n: number): void {
    this.count = checkThreads(n);
  }

  /** Run a threaded entry on `nt` threads (at most `threads`); results do not depend on nt. */
  run(entry: ThreadedEntry, args: number, nt: number): void {
    const n = Math.max(1, Math.min(nt, this.count));
    if (n > 1 && (this.pool === null || this.pool.size < n)) {
      const old = this.pool;
      this.pool = null;
      if (old !== null) void old.close();
      const slot = CTRL + 64 * (poolsMade++ % CTRL_SLOTS);
      this.pool = new ThreadPool(this.exports, this.module, this.memory, this.count, slot);
    }
    if (n === 1 || this.pool === null) this.exports[entry](args, 0, 1);
    else this.pool.run(entry, args, n);
  }

  /** A thread-local scratch area for single-threaded calls (from the arena). */
  tls(): number {
    return this.arena.alloc(TLS_BYTES);
  }

  /** Stop the worker threads (the runtime stays usable on one thread until more are needed). */
  async close(): Promise<void> {
    const p = this.pool;
    this.pool = null;
    if (p !== null) await p.close();
  }
}
