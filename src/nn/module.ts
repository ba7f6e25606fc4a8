/**
 * The Module base and the ModuleContext every module is built with. The context is the seam a precision
 * policy uses: it names the format of parameters, of activations (the `format` of every op in forward),
 * the rounding, and the format of batch-norm running statistics. Parameters are initialized from Philox
 * keyed by (seed, per-parameter stream), so the same seed gives the same values in every format.
 */
import { MinifloatError } from "../errors.js";
import { fillRandomWords, floatFormat, type FloatFormat } from "../formats/index.js";
import type { Accumulate, OpRounding } from "../kernels/index.js";
import type { OpOptions } from "../ops/index.js";
import {
  Engine,
  formatShape,
  fromValues,
  resolveFormat,
  sameShape,
  type Shape,
  type Tensor,
} from "../tensor/index.js";

/** Options of createContext: every field has a default (float32 everywhere, nearest-even, seed 0). */
export interface ContextOptions {
  readonly engine?: Engine;
  /** Storage format of weights and biases; default float32. */
  readonly paramFormat?: FloatFormat | string;
  /** Output format of every op in forward; default float32. */
  readonly activationFormat?: FloatFormat | string;
  /** Rounding of every op in forward; default nearest-even. */
  readonly rounding?: OpRounding;
  /** Format batch-norm running statistics are rounded to after each update; default float32. */
  readonly bnStatsFormat?: FloatFormat | string;
  /** Accumulation of the dot products of Linear, Conv2d and attention in forward (DESIGN.md rule 4);
   * default "float32". */
  readonly accumulate?: Accumulate;
  /** Seed of parameter initialization; default the engine's seed. */
  readonly seed?: number;
}

/** What modules are built with: engine, formats, rounding, and the counter of initialization streams. */
export interface ModuleContext {
  readonly engine: Engine;
  readonly paramFormat: FloatFormat;
  readonly activationFormat: FloatFormat;
  readonly rounding: OpRounding;
  readonly bnStatsFormat: FloatFormat;
  readonly accumulate: Accumulate;
  readonly seed: number;
  /** Next Philox stream for a parameter or a dropout mask (one per call, in construction order). */
  nextStream(): number;
}

/** A module context with defaults filled in and a fresh stream counter. */
export function createContext(options: ContextOptions = {}): ModuleContext {
  const engine = options.engine ?? new Engine();
  const seed = options.seed ?? engine.seed;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new MinifloatError("config", `createContext: seed must be a non-negative integer, got ${seed}`);
  }
  let stream = 0;
  return {
    engine,
    paramFormat: resolveFormat(options.paramFormat),
    activationFormat: resolveFormat(options.activationFormat),
    rounding: options.rounding ?? "nearest-even",
    bnStatsFormat: resolveFormat(options.bnStatsFormat ?? floatFormat("float32")),
    accumulate: options.accumulate ?? "float32",
    seed,
    nextStream: () => stream++,
  };
}

/** The OpOptions of a forward pass under `ctx`: activation format and rounding. */
export function opOptions(ctx: ModuleContext): OpOptions {
  return { format: ctx.activationFormat, rounding: ctx.rounding };
}

/** The options of a forward dot product (matmul, conv2d) under `ctx`: opOptions plus the accumulation. */
export function dotOptions(ctx: ModuleContext): OpOptions & { readonly accumulate: Accumulate } {
  return { ...opOptions(ctx), accumulate: ctx.accumulate };
}

/** `n` uniform values in (-bound, bound) from Philox stream (seed, stream, step 0). */
export function uniformValues(seed: number, stream: number, n: number, bound: number): Float64Array {
  const words = new Uint32Array(n);
  fillRandomWords({ seed, stream, step: 0, offset: 0 }, words);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = bound * (((words[i] ?? 0) + 0.5) / 2 ** 31 - 1);
  return out;
}

/** `n` normal values N(0, std^2) from Philox stream (seed, stream, step 0), by Box-Muller on word pairs. */
export function normalValues(seed: number, stream: number, n: number, std: number): Float64Array {
  const words = new Uint32Array(2 * n);
  fillRandomWords({ seed, stream, step: 0, offset: 0 }, words);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u1 = ((words[2 * i] ?? 0) + 0.5) / 2 ** 32;
    const u2 = ((words[2 * i + 1] ?? 0) + 0.5) / 2 ** 32;
    out[i] = std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  return out;
}

/** How a new parameter is initialized. */
export type Init =
  | { readonly kind: "uniform"; readonly bound: number }
  | { readonly kind: "normal"; readonly std: number }
  | { readonly kind: "constant"; readonly value: number };

/** A new parameter of `shape` in ctx.paramFormat with requiresGrad, initialized by `init`. */
export function createParameter(ctx: ModuleContext, shape: Shape, init: Init): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  // Every parameter takes a stream, constant or not, so adding a bias never shifts later weights.
  const stream = ctx.nextStream();
  let values: Float64Array;
  if (init.kind === "uniform") values = uniformValues(ctx.seed, stream, n, init.bound);
  else if (init.kind === "normal") values = normalValues(ctx.seed, stream, n, init.std);
  else values = new Float64Array(n).fill(init.value);
  return fromValues(values, shape, { engine: ctx.engine, format: ctx.paramFormat, requiresGrad: true });
}

/** A transform of a tensor at a named point inside a module's forward (see Module.setHook). */
export type TensorHook = (t: Tensor) => Tensor;

/**
 * A matrix product inside a module's forward, declared so that a caller (post-training quantization) can
 * find every product of a model and reach its operands: activation operands through hook points, the
 * weight operand, if any, as a parameter.
 */
export interface MatmulSite {
  /** The site's name within its module ("" for a module's only product, as Linear's). */
  readonly name: string;
  /** The hook points of the activation operands, in operand order. */
  readonly inputs: readonly string[];
  /** The parameter that is the weight operand (e.g. "weight"), when there is one. */
  readonly weight?: string;
}

/** A layer or model: named parameters and buffers, child modules, a training flag and forward. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- subclasses narrow forward's types (Embedding takes token ids)
export abstract class Module<In = Tensor, Out = Tensor> {
  /** True in training mode (batch statistics, dropout on); set by train() and eval(). */
  training = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Float32Array>();
  private readonly children = new Map<string, Module<never, unknown>>();
  private readonly hooks = new Map<string, TensorHook>();

  /** The module's output for `input`. */
  abstract forward(input: In): Out;

  /** The matrix products of this module's own forward (not its children's); none by default. */
  matmulSites(): readonly MatmulSite[] {
    return [];
  }

  /** The hook points of this module's forward: the activation operands of its matmul sites. */
  hookPoints(): string[] {
    return this.matmulSites().flatMap((s) => s.inputs);
  }

  /** The hook set at `point`, or null. */
  getHook(point: string): TensorHook | null {
    return this.hooks.get(point) ?? null;
  }

  /** Set the hook applied to the tensor at `point` on every forward, or clear it with null. */
  setHook(point: string, hook: TensorHook | null): void {
    const points = this.hookPoints();
    if (!points.includes(point)) {
      const expected = points.length === 0 ? "it has none" : `expected one of: ${points.join(", ")}`;
      throw new MinifloatError(
        "argument",
        `setHook: no hook point "${point}" in ${this.constructor.name}; ${expected}`,
      );
    }
    if (hook === null) this.hooks.delete(point);
    else this.hooks.set(point, hook);
  }

  /** `t` through the hook at `point`: `t` itself when none is set, so an unhooked forward is unchanged. */
  protected hook(point: string, t: Tensor): Tensor {
    const h = this.hooks.get(point);
    return h === undefined ? t : h(t);
  }

  /** Register a parameter under `name` (returns it, for field initializers). */
  protected addParameter(name: string, t: Tensor): Tensor {
    this.ownParams.set(name, t);
    return t;
  }

  /** The own parameter registered as `name` (undefined when there is none, e.g. a disabled bias). */
  protected param(name: string): Tensor | undefined {
    return this.ownParams.get(name);
  }

  /** Replace the parameter at dotted `name` (e.g. "features.0.weight") by `t` of the same shape. */
  setParameter(name: string, t: Tensor): void {
    const dot = name.indexOf(".");
    if (dot >= 0) {
      const child = this.children.get(name.slice(0, dot));
      if (child === undefined)
        throw new MinifloatError("argument", `setParameter: no module "${name.slice(0, dot)}"`);
      child.setParameter(name.slice(dot + 1), t);
      return;
    }
    const old = this.ownParams.get(name);
    if (old === undefined) throw new MinifloatError("argument", `setParameter: no parameter "${name}"`);
    if (!sameShape(old.shape, t.shape)) {
      throw new MinifloatError(
        "shape",
        `setParameter: ${name} expected ${formatShape(old.shape)}, got ${formatShape(t.shape)}`,
      );
    }
    this.ownParams.set(name, t);
  }

  /** Register a buffer (state that is not trained, e.g. running statistics) under `name`. */
  protected addBuffer(name: string, b: Float32Array): Float32Array {
    this.ownBuffers.set(name, b);
    return b;
  }

  /** Register a child module under `name` (returns it). */
  protected addModule<M extends Module<never, unknown>>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** Child modules with their names, in registration order. */
  namedChildren(): [string, Module<never, unknown>][] {
    return [...this.children];
  }

  /** This module and every descendant as [dotted name, module], parents before children ("" is this). */
  *namedModules(prefix = ""): Generator<[string, Module<never, unknown>]> {
    yield [prefix, this];
    for (const [name, m] of this.children) yield* m.namedModules(prefix === "" ? name : `${prefix}.${name}`);
  }

  /** Parameters as [dotted name, tensor], own first then children's, in registration order (as PyTorch). */
  *namedParameters(prefix = ""): Generator<[string, Tensor]> {
    for (const [name, t] of this.ownParams) yield [prefix + name, t];
    for (const [name, m] of this.children) yield* m.namedParameters(`${prefix}${name}.`);
  }

  /** Buffers as [dotted name, values], in the same order as namedParameters. */
  *namedBuffers(prefix = ""): Generator<[string, Float32Array]> {
    for (const [name, b] of this.ownBuffers) yield [prefix + name, b];
    for (const [name, m] of this.children) yield* m.namedBuffers(`${prefix}${name}.`);
  }

  /** The parameters, in namedParameters order. */
  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, t]) => t);
  }

  /** Total number of parameter elements. */
  parameterCount(): number {
    return this.parameters().reduce((a, t) => a + t.size, 0);
  }

  /** Set training mode on this module and every child (returns this). */
  train(on = true): this {
    this.training = on;
    for (const m of this.children.values()) m.train(on);
    return this;
  }

  /** Set evaluation mode (running statistics, dropout off); returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Forget every parameter's gradient (backward accumulates into `.grad`). */
  zeroGrad(): void {
    for (const t of this.parameters()) t.grad = null;
  }
}

/**
 * Call `observer(name, output, input)` after the forward of every leaf module (one without children) of `root`,
 * for per-layer diagnostics; returns a function that removes the observation. Parents call their
 * children's `forward`, so the observation wraps each leaf's own method.
 */
export function observeOutputs(
  root: Module<never, unknown>,
  observer: (name: string, output: unknown, input: unknown) => void,
): () => void {
  const undo: (() => void)[] = [];
  for (const [name, m] of root.namedModules()) {
    if (m.namedChildren().length > 0) continue;
    const own = Object.getOwnPropertyDescriptor(m, "forward");
    const forward = m.forward.bind(m);
    const wrapped = (input: never): unknown => {
      const out = forward(input);
      observer(name, out, input);
      return out;
    };
    Object.defineProperty(m, "forward", { value: wrapped, configurable: true, writable: true });
    undo.push(() => {
      if (own !== undefined) Object.defineProperty(m, "forward", own);
      else Reflect.deleteProperty(m, "forward");
    });
  }
  return () => {
    for (const u of undo) u();
  };
}
