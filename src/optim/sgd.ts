/**
 * Stochastic gradient descent with momentum, Nesterov momentum, dampening and L2 weight decay, in the
 * formulation of PyTorch's torch.optim.SGD (Sutskever et al., ICML 2013, for Nesterov): the momentum
 * buffer starts as the first gradient and is kept in the policy's optimizer-state format.
 */
import { MinifloatError } from "../errors.js";
import { Optimizer, type NamedParameter, type OptimizerPrecision } from "./optimizer.js";
import { openValues, type CodeBuffer } from "./update.js";

/** Hyper-parameters of SGD (learning rate is given per step). */
export interface SgdConfig {
  readonly momentum?: number;
  readonly dampening?: number;
  readonly nesterov?: boolean;
  readonly weightDecay?: number;
}

const f = Math.fround;

/** SGD: u = -lr * d with d = g (no momentum), b, or g + momentum * b (Nesterov). */
export class Sgd extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private readonly buffers: (CodeBuffer | null)[];

  constructor(
    params: readonly NamedParameter[],
    config: SgdConfig = {},
    precision?: OptimizerPrecision,
    seed?: number,
  ) {
    super(params, precision, seed);
    this.momentum = config.momentum ?? 0;
    this.dampening = config.dampening ?? 0;
    this.nesterov = config.nesterov ?? false;
    this.weightDecay = config.weightDecay ?? 0;
    if (this.momentum < 0 || this.weightDecay < 0) {
      throw new MinifloatError(
        "config",
        `sgd: momentum and weightDecay must be >= 0, got ${this.momentum}, ${this.weightDecay}`,
      );
    }
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new MinifloatError("config", "sgd: nesterov needs momentum > 0 and dampening 0");
    }
    this.buffers = params.map(() => null);
  }

  protected override readonly stateKeys = ["momentum"];

  protected override readonly extraState = (i: number): Readonly<Record<string, CodeBuffer>> => {
    const b = this.buffers[i];
    return b === null ? {} : { momentum: b };
  };

  protected override readonly restoreExtraState = (
    i: number,
    buffers: Readonly<Record<string, CodeBuffer>>,
  ): void => {
    this.buffers[i] = buffers.momentum;
  };

  protected computeUpdate(i: number, w: Float32Array, g: Float32Array, lr: number): Float32Array {
    const n = g.length;
    const wd = this.weightDecay;
    if (wd !== 0) for (let j = 0; j < n; j++) g[j] = f(g[j] + f(wd * w[j]));
    let d = g;
    if (this.momentum !== 0) {
      const mu = this.momentum;
      const first = this.buffers[i] === null;
      const buf = this.buffers[i] ?? this.newState(i);
      this.buffers[i] = buf;
      const next = new Float32Array(n);
      if (first) next.set(g);
      else {
        const b = openValues(buf); // read only
        for (let j = 0; j < n; j++) next[j] = f(f(mu * b[j]) + f((1 - this.dampening) * g[j]));
      }
      const b = this.writeState(buf, next, i, 0);
      if (this.nesterov) {
        d = new Float32Array(n);
        for (let j = 0; j < n; j++) d[j] = f(g[j] + f(mu * b[j]));
      } else d = b;
    }
    const u = new Float32Array(n);
    for (let j = 0; j < n; j++) u[j] = f(-lr * d[j]);
    return u;
  }
}
