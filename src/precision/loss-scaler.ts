/**
 * Loss scaling (Micikevicius et al., "Mixed Precision Training", ICLR 2018, section 3.2): multiply the
 * loss by S so that small gradients survive float16, divide the gradients by S before the update. The
 * dynamic variant skips a step whose gradients hold inf or NaN and multiplies S by `backoff`, and
 * multiplies S by `factor` after `growthInterval` good steps in a row.
 */
import type { Tensor } from "../tensor/index.js";
import type { LossScaling } from "./policy.js";

/** True when every value of every array or tensor is finite. */
export function allFinite(grads: readonly (Tensor | Float32Array)[]): boolean {
  for (const g of grads) {
    const values = g instanceof Float32Array ? g : g.toFloat32Array();
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  }
  return true;
}

/** The state of a run's loss scaling: the current scale and the counts of good and skipped steps. */
export class LossScaler {
  /** The current loss scale S. */
  scale: number;
  /** Good steps since the last change of scale. */
  goodSteps = 0;
  /** Steps skipped because the gradients overflowed. */
  skippedSteps = 0;

  constructor(readonly config: LossScaling) {
    this.scale = config.kind === "dynamic" ? config.initial : config.kind === "static" ? config.scale : 1;
  }

  /** The factor that undoes the scaling of the gradients, 1 / S. */
  get gradScale(): number {
    return 1 / this.scale;
  }

  /** Record a step whose gradients were (or were not) all finite; returns whether to apply the step.
   * Without dynamic scaling every step is applied. */
  update(gradsFinite: boolean): boolean {
    const c = this.config;
    if (c.kind !== "dynamic") return true;
    if (!gradsFinite) {
      this.skippedSteps++;
      this.goodSteps = 0;
      this.scale *= c.backoff;
      return false;
    }
    this.goodSteps++;
    if (this.goodSteps >= c.growthInterval) {
      this.scale *= c.factor;
      this.goodSteps = 0;
    }
    return true;
  }

  /** Check `grads` for inf/NaN and update as `update` does; returns whether to apply the step. */
  check(grads: readonly (Tensor | Float32Array)[]): boolean {
    return this.update(this.config.kind !== "dynamic" || allFinite(grads));
  }
}
