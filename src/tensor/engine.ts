/**
 * The engine: configuration and state shared by the tensors of one computation (which backend runs the
 * kernels, the seed and step that key stochastic rounding, whether gradients are recorded, the memory
 * tracker). Passed explicitly; `defaultEngine` serves callers that do not care. No math here.
 */
import { MinifloatError } from "../errors.js";
import { MemoryTracker } from "./memory.js";

/** A kernel backend's name: `js` (every op, the reference) or one registered with the kernels layer
 * (`backendNames()` there lists them; an unknown name is refused when the first kernel runs). */
export type BackendName = string;

/** Options of a new engine. */
export interface EngineOptions {
  /** Default "js". */
  readonly backend?: BackendName;
  /** Seed of stochastic rounding and dropout; default 0. */
  readonly seed?: number;
}

interface Held {
  readonly format: string;
  readonly bytes: number;
  released: boolean;
}

/** The first tensor id of every step (see Engine.beginStep). */
export const STEP_TENSOR_IDS = 0x80000000;

/** Configuration and state of one computation. */
export class Engine {
  readonly memory = new MemoryTracker();
  backend: BackendName;
  seed: number;
  /** The current step of a run: part of every stochastic-rounding key. */
  step = 0;
  /** Whether ops record their creators for backward. */
  gradEnabled = true;
  private nextTensorId = 0;
  /** Storages made inside each open tidy() scope, innermost last. */
  private readonly scopes: Set<{ dispose(): void }>[] = [];
  private readonly finalizer = new FinalizationRegistry<Held>((h) => {
    this.release(h);
  });

  constructor(options: EngineOptions = {}) {
    this.backend = options.backend ?? "js";
    this.seed = options.seed ?? 0;
    if (!Number.isSafeInteger(this.seed) || this.seed < 0) {
      throw new MinifloatError("argument", `engine seed must be a non-negative integer, got ${this.seed}`);
    }
  }

  /** A fresh tensor id (also the stream of its stochastic rounding). */
  newTensorId(): number {
    return this.nextTensorId++ % 0x100000000;
  }

  /**
   * Start step `step` of a run: stochastic rounding is keyed by (seed, tensor id, step), so tensor ids
   * restart at the same value every step and a run resumed at any step draws the same random bits.
   * Ids from STEP_TENSOR_IDS up are reused; tensors made before the first step keep lower ids.
   */
  beginStep(step: number): void {
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new MinifloatError("argument", `engine step must be a non-negative integer, got ${step}`);
    }
    this.step = step % 0x100000000;
    this.nextTensorId = STEP_TENSOR_IDS;
  }

  /** Run `fn` and then dispose every storage made while it ran (as tf.tidy): what `fn` makes must not be
   * used after it returns, so return plain values. Frees a step's tensors at once, making peak memory a
   * property of the computation rather than of the garbage collector. */
  tidy<T>(fn: () => T): T {
    const made = new Set<{ dispose(): void }>();
    this.scopes.push(made);
    try {
      return fn();
    } finally {
      this.scopes.pop();
      for (const s of made) s.dispose();
    }
  }

  /** Called by each new storage: remember it in the innermost tidy() scope, if any. */
  track(storage: { dispose(): void }): void {
    this.scopes.at(-1)?.add(storage);
  }

  /** Account `bytes` of storage in `format`, released by `release` or when `owner` is collected. */
  hold(owner: object, format: string, bytes: number): Held {
    const h: Held = { format, bytes, released: false };
    this.memory.alloc(format, bytes);
    this.finalizer.register(owner, h, h);
    return h;
  }

  /** Release storage accounted by `hold` (idempotent). */
  release(h: Held): void {
    if (h.released) return;
    h.released = true;
    this.memory.free(h.format, h.bytes);
    this.finalizer.unregister(h);
  }

  /** Run `fn` with gradient recording off (inference, optimizer updates). */
  noGrad<T>(fn: () => T): T {
    const before = this.gradEnabled;
    this.gradEnabled = false;
    try {
      return fn();
    } finally {
      this.gradEnabled = before;
    }
  }
}

/** The engine used when none is given. */
export const defaultEngine = new Engine();
