/**
 * The optimizer base: per-parameter state kept as codes of the policy's optimizer-state format (rounded
 * with that role's rounding each step), the update computed in float32, then applied under the policy's
 * update rule, to the float32 master copy when the policy has one (Micikevicius et al. 2018, section 3.1)
 * with the low-precision parameters re-cast from it. Subclasses give only the update formula.
 */
import { MinifloatError } from "../errors.js";
import {
  decodeArray,
  floatFormat,
  type EncodeOptions,
  type FloatFormat,
  type FloatFormatName,
  type RoundingMode,
} from "../formats/index.js";
import { allocStorage, codesOf, type Tensor } from "../tensor/index.js";
import {
  addStats,
  applyUpdate,
  NO_CANCELLATION,
  openValues,
  storeValues,
  valuesOf,
  type CancellationStats,
  type CodeBuffer,
  type UpdateRule,
} from "./update.js";

/** A role's format and rounding, as a precision policy gives it. */
export interface RoleRounding {
  readonly format: FloatFormatName;
  readonly rounding: RoundingMode;
}

/** The part of a precision policy an optimizer reads (every PrecisionPolicy is one). */
export interface OptimizerPrecision {
  readonly roles: {
    readonly params: RoleRounding;
    readonly masterParams: RoleRounding | null;
    readonly optimizerState: RoleRounding;
    readonly kahanCompensation: RoleRounding;
  };
  readonly updateRule: UpdateRule;
}

const F32: RoleRounding = Object.freeze({ format: "float32", rounding: "nearest-even" });

/** Float32 everything, nearest updates (the fp32 preset, as an optimizer sees it). */
export const FLOAT32_PRECISION: OptimizerPrecision = Object.freeze({
  roles: Object.freeze({ params: F32, masterParams: null, optimizerState: F32, kahanCompensation: F32 }),
  updateRule: "nearest",
});

/** A named parameter tensor (contiguous, as modules make them). */
export interface NamedParameter {
  readonly name: string;
  readonly tensor: Tensor;
}

/** Options of one optimizer step. */
export interface StepOptions {
  /** Gradients in parameter order (default: each tensor's `grad`). */
  readonly grads?: readonly (Tensor | Float32Array)[];
  /** Multiplies every gradient first: 1 / loss scale (default 1). */
  readonly gradScale?: number;
}

interface Slot {
  readonly param: NamedParameter;
  readonly buffer: CodeBuffer;
  readonly master: CodeBuffer | null;
  readonly compensation: CodeBuffer | null;
}

/** A zeroed buffer of `n` values in `format`. */
function newBuffer(format: FloatFormatName, n: number): CodeBuffer {
  const f = floatFormat(format);
  return { format: f, data: allocStorage(f, n) };
}

/** The encode options of a role, keyed for stochastic rounding by (seed, stream, step). */
export function roleEncodeOptions(
  role: RoleRounding,
  seed: number,
  stream: number,
  step: number,
): EncodeOptions {
  return role.rounding === "stochastic"
    ? { rounding: "stochastic", random: { seed, stream, step: step % 0x100000000 } }
    : { rounding: role.rounding };
}

/** Streams of optimizer-state rounding start here (parameters use streams 0, 1, ...). */
const STATE_STREAM_BASE = 0x40000000;
/** Streams of re-casting master weights into the parameter format start here. */
const RECAST_STREAM_BASE = 0x20000000;

/** An optimizer over a fixed list of parameters, with state in the policy's formats. */
export abstract class Optimizer {
  /** Steps taken (the step of stochastic rounding keys; Adam's t). */
  stepCount = 0;
  /** Cancellation counts of the last step. */
  lastStats: CancellationStats = NO_CANCELLATION;
  protected readonly slots: readonly Slot[];
  readonly seed: number;

  constructor(
    readonly params: readonly NamedParameter[],
    readonly precision: OptimizerPrecision = FLOAT32_PRECISION,
    seed?: number,
  ) {
    this.seed = seed ?? (params.length > 0 ? params[0].tensor.engine.seed : 0);
    const roles = precision.roles;
    this.slots = params.map((p) => {
      const t = p.tensor;
      if (!t.isContiguous() || t.offset !== 0 || t.data.length !== t.size) {
        throw new MinifloatError(
          "argument",
          `parameter "${p.name}": expected a contiguous tensor owning its storage`,
        );
      }
      if (t.format.name !== roles.params.format) {
        throw new MinifloatError(
          "config",
          `parameter "${p.name}": expected format ${roles.params.format} (the policy's params), got ${t.format.name}`,
        );
      }
      const buffer: CodeBuffer = { format: t.format, data: t.data };
      let master: CodeBuffer | null = null;
      if (roles.masterParams !== null) {
        master = newBuffer(roles.masterParams.format, t.size);
        storeValues(master, valuesOf(buffer));
      }
      const compensation =
        precision.updateRule === "kahan" ? newBuffer(roles.kahanCompensation.format, t.size) : null;
      return { param: p, buffer, master, compensation };
    });
  }

  /** A new zeroed state buffer in the optimizer-state format, one value per element of parameter i. */
  protected newState(i: number): CodeBuffer {
    return newBuffer(this.precision.roles.optimizerState.format, this.slots[i]?.buffer.data.length ?? 0);
  }

  /** Store `values` into state buffer `slot` of parameter i with the state role's rounding, and return
   * the values actually stored (in `values` itself). */
  protected writeState(buf: CodeBuffer, values: Float32Array, i: number, slot: number): Float32Array {
    const streamId = STATE_STREAM_BASE + i * 8 + slot;
    storeValues(
      buf,
      values,
      roleEncodeOptions(this.precision.roles.optimizerState, this.seed, streamId, this.stepCount),
    );
    // Read the rounded values back into the caller's array rather than a new one.
    return decodeArray(buf.format, codesOf(buf.data), values);
  }

  /** The float32 update u of parameter i (w its current values, read only: it may be the parameter's
   * own float32 storage; g its gradient, a private copy). */
  protected abstract computeUpdate(i: number, w: Float32Array, g: Float32Array, lr: number): Float32Array;

  /** One step with learning rate `lr`; returns (and keeps in `lastStats`) the cancellation counts. */
  step(lr: number, options: StepOptions = {}): CancellationStats {
    if (!Number.isFinite(lr)) throw new MinifloatError("argument", `learning rate must be finite, got ${lr}`);
    this.stepCount++;
    const scale = options.gradScale ?? 1;
    let stats = NO_CANCELLATION;
    this.slots.forEach((s, i) => {
      const g = this.gradient(i, options.grads?.[i]);
      if (scale !== 1) for (let j = 0; j < g.length; j++) g[j] = Math.fround(g[j] * scale);
      const target = s.master ?? s.buffer;
      const w = openValues(target); // read only until applyUpdate
      const u = this.computeUpdate(i, w, g, lr);
      const ctx = { seed: this.seed, stream: i, step: this.stepCount % 0x100000000 };
      const st = applyUpdate(
        target,
        u,
        this.precision.updateRule,
        s.compensation === null ? ctx : { ...ctx, compensation: s.compensation },
      );
      if (s.master !== null) {
        storeValues(
          s.buffer,
          openValues(s.master),
          roleEncodeOptions(this.precision.roles.params, this.seed, RECAST_STREAM_BASE + i, this.stepCount),
        );
      }
      stats = addStats(stats, st);
    });
    this.lastStats = stats;
    return stats;
  }

  /** The names of a subclass's per-parameter state buffers (e.g. "momentum"), for checkpoints. */
  protected readonly stateKeys: readonly string[] = [];

  /** A subclass's state buffers of parameter i, keyed as in stateKeys (none before its first step). */
  protected readonly extraState: (i: number) => Readonly<Record<string, CodeBuffer>> = () => ({});

  /** Install restored state buffers of parameter i (every key of stateKeys is present). */
  protected readonly restoreExtraState: (i: number, buffers: Readonly<Record<string, CodeBuffer>>) => void =
    () => undefined;

  /** Every state buffer as ["<key>/<parameter name>", buffer]: master weights, Kahan compensation, then
   * the subclass's state, for checkpoints. The buffers are live: copy them to keep a snapshot. */
  stateDict(): [string, CodeBuffer][] {
    const out: [string, CodeBuffer][] = [];
    this.slots.forEach((s, i) => {
      const name = s.param.name;
      if (s.master !== null) out.push([`master/${name}`, s.master]);
      if (s.compensation !== null) out.push([`compensation/${name}`, s.compensation]);
      for (const [key, b] of Object.entries(this.extraState(i))) out.push([`${key}/${name}`, b]);
    });
    return out;
  }

  /**
   * Restore the state written by stateDict: `find(name, format, length)` returns the bytes of a buffer
   * (codes of `format`, little-endian) or undefined when the checkpoint has none. Master weights and
   * compensation must be present when the policy has them; a subclass's state may be absent (before its
   * first step) but not partly present.
   */
  loadStateDict(
    find: (name: string, format: FloatFormat, length: number) => Uint8Array | undefined,
    stepCount: number,
  ): void {
    const fill = (name: string, b: CodeBuffer, required: boolean): boolean => {
      const bytes = find(name, b.format, b.data.length);
      if (bytes === undefined) {
        if (required) throw new MinifloatError("format", `optimizer state ${name} is missing`);
        return false;
      }
      new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength).set(bytes);
      return true;
    };
    this.slots.forEach((s, i) => {
      const name = s.param.name;
      if (s.master !== null) fill(`master/${name}`, s.master, true);
      if (s.compensation !== null) fill(`compensation/${name}`, s.compensation, true);
      const restored: Record<string, CodeBuffer> = {};
      let found = 0;
      for (const key of this.stateKeys) {
        const b = this.newState(i);
        if (fill(`${key}/${name}`, b, false)) found++;
        restored[key] = b;
      }
      if (found > 0 && found < this.stateKeys.length) {
        throw new MinifloatError(
          "format",
          `optimizer state of ${name}: expected ${this.stateKeys.join(", ")}, some are missing`,
        );
      }
      if (found > 0) this.restoreExtraState(i, restored);
    });
    this.stepCount = stepCount;
  }

  private gradient(i: number, given: Tensor | Float32Array | undefined): Float32Array {
    const s = this.slots[i] as Slot | undefined;
    if (s === undefined) throw new MinifloatError("argument", `no parameter ${i}`);
    const g = given ?? s.param.tensor.grad;
    if (g === null) throw new MinifloatError("argument", `parameter "${s.param.name}" has no gradient`);
    const values = g instanceof Float32Array ? Float32Array.from(g) : g.toFloat32Array();
    if (values.length !== s.buffer.data.length) {
      throw new MinifloatError(
        "shape",
        `gradient of "${s.param.name}": expected ${s.buffer.data.length} elements, got ${values.length}`,
      );
    }
    return values;
  }
}
