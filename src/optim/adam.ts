/**
 * Adam (Kingma & Ba, ICLR 2015, algorithm 1, with L2 weight decay added to the gradient) and AdamW
 * (Loshchilov & Hutter, ICLR 2019: decoupled weight decay), in PyTorch's formulation: bias corrections
 * 1 - beta^t and denominator sqrt(v / (1 - beta2^t)) + eps. m and v live in the policy's optimizer-state
 * format, and the denominator is formed in that format too, which is why an epsilon below its smallest
 * subnormal vanishes (see optimizerWarnings).
 */
import { MinifloatError } from "../errors.js";
import { floatFormat, quantizeArray } from "../formats/index.js";
import { Optimizer, type NamedParameter, type OptimizerPrecision } from "./optimizer.js";
import { valuesOf, type CodeBuffer } from "./update.js";

/** Hyper-parameters of Adam and AdamW (learning rate is given per step). */
export interface AdamConfig {
  /** Default [0.9, 0.999]. */
  readonly betas?: readonly [number, number];
  /** Default 1e-8. */
  readonly eps?: number;
  /** Default 0 (Adam: L2 added to the gradient; AdamW: decoupled, default 0.01). */
  readonly weightDecay?: number;
  /** Decoupled weight decay (AdamW); default false. */
  readonly decoupled?: boolean;
}

const f = Math.fround;

/** Adam, or AdamW when `decoupled`: u = -lr * (m_hat / (sqrt(v_hat) + eps) + [AdamW] wd * w). */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  private readonly moments: ({ m: CodeBuffer; v: CodeBuffer } | null)[];

  constructor(
    params: readonly NamedParameter[],
    config: AdamConfig = {},
    precision?: OptimizerPrecision,
    seed?: number,
  ) {
    super(params, precision, seed);
    [this.beta1, this.beta2] = config.betas ?? [0.9, 0.999];
    this.eps = config.eps ?? 1e-8;
    this.decoupled = config.decoupled ?? false;
    this.weightDecay = config.weightDecay ?? (this.decoupled ? 0.01 : 0);
    for (const [name, b] of [
      ["betas[0]", this.beta1],
      ["betas[1]", this.beta2],
    ] as const) {
      if (!(b >= 0 && b < 1)) throw new MinifloatError("config", `adam: ${name} must be in [0, 1), got ${b}`);
    }
    if (!(this.eps >= 0)) throw new MinifloatError("config", `adam: eps must be >= 0, got ${this.eps}`);
    this.moments = params.map(() => null);
  }

  protected override readonly stateKeys = ["exp_avg", "exp_avg_sq"];

  protected override readonly extraState = (i: number): Readonly<Record<string, CodeBuffer>> => {
    const st = this.moments[i];
    return st === null ? {} : { exp_avg: st.m, exp_avg_sq: st.v };
  };

  protected override readonly restoreExtraState = (
    i: number,
    buffers: Readonly<Record<string, CodeBuffer>>,
  ): void => {
    this.moments[i] = { m: buffers.exp_avg, v: buffers.exp_avg_sq };
  };

  protected computeUpdate(i: number, w: Float32Array, g: Float32Array, lr: number): Float32Array {
    const n = g.length;
    const { beta1: b1, beta2: b2, weightDecay: wd } = this;
    if (wd !== 0 && !this.decoupled) for (let j = 0; j < n; j++) g[j] = f(g[j] + f(wd * w[j]));
    const st = this.moments[i] ?? { m: this.newState(i), v: this.newState(i) };
    this.moments[i] = st;
    const m0 = valuesOf(st.m);
    const v0 = valuesOf(st.v);
    for (let j = 0; j < n; j++) {
      m0[j] = f(f(b1 * m0[j]) + f((1 - b1) * g[j]));
      v0[j] = f(f(b2 * v0[j]) + f(f((1 - b2) * g[j]) * g[j]));
    }
    const m = this.writeState(st.m, m0, i, 0);
    const v = this.writeState(st.v, v0, i, 1);
    const t = this.stepCount;
    const bc1 = 1 - b1 ** t;
    const bc2 = 1 - b2 ** t;
    const state = floatFormat(this.precision.roles.optimizerState.format);
    // The denominator sqrt(v_hat) + eps is computed in float32 and rounded once to the state format
    // (the simulated FPU of DESIGN.md rule 4).
    const denom = new Float32Array(n);
    for (let j = 0; j < n; j++) denom[j] = f(Math.sqrt(f(v[j] / bc2))) + this.eps;
    if (state.name !== "float32") quantizeArray(state, denom);
    const u = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      let step = f(f(m[j] / bc1) / denom[j]);
      if (this.decoupled && wd !== 0) step = f(step + f(wd * w[j]));
      u[j] = f(-lr * step);
    }
    return u;
  }
}

/** AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay (default 0.01). */
export class AdamW extends Adam {
  constructor(
    params: readonly NamedParameter[],
    config: Omit<AdamConfig, "decoupled"> = {},
    precision?: OptimizerPrecision,
    seed?: number,
  ) {
    super(params, { ...config, decoupled: true }, precision, seed);
  }
}
