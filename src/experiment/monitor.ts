/**
 * Per-layer numerics of a training run: for every leaf module, the classes of its output activations,
 * of the gradients flowing back into those outputs, and of its weights' gradients (zero, subnormal,
 * non-finite), counted from the stored codes at every step. Overflow is the non-finite fraction and
 * underflow the subnormal fraction (non-zero values below the smallest normal, which have lost precision
 * and are one step from flushing to zero); see docs/training.md.
 */
import { addClassCounts, countValueClasses, NO_VALUES, type ValueClassCounts } from "../formats/index.js";
import { observeOutputs, type Module } from "../nn/index.js";
import { gatherStrided, Tensor } from "../tensor/index.js";

/** The counts of one layer over a stretch of steps. */
export interface LayerCounts {
  readonly activations: ValueClassCounts;
  readonly gradients: ValueClassCounts;
  readonly weightGradients: ValueClassCounts;
}

/** Overflow, underflow and zero fractions of one kind of value. */
export interface ClassRates {
  readonly overflow: number;
  readonly underflow: number;
  readonly zero: number;
}

/** The rates of one layer, as metrics.jsonl records them. */
export interface LayerRates {
  readonly activations: ClassRates;
  readonly gradients: ClassRates;
  readonly weightGradients: ClassRates;
}

const EMPTY: LayerCounts = Object.freeze({
  activations: NO_VALUES,
  gradients: NO_VALUES,
  weightGradients: NO_VALUES,
});

/** The fractions of a set of counts (0 when there were no elements). */
export function classRates(c: ValueClassCounts): ClassRates {
  const n = c.elements === 0 ? 1 : c.elements;
  return { overflow: c.nonFinite / n, underflow: c.subnormal / n, zero: c.zero / n };
}

/** Count the classes of a tensor's stored values. */
export function tensorClasses(t: Tensor): ValueClassCounts {
  const codes = t.isContiguous()
    ? t.data.subarray(t.offset, t.offset + t.size)
    : gatherStrided(t.data, t.shape, t.strides, t.offset);
  return countValueClasses(t.format, codes);
}

/** The layer a parameter belongs to: its dotted name without the last part ("fc1.weight" -> "fc1"). */
export function layerOf(parameterName: string): string {
  const dot = parameterName.lastIndexOf(".");
  return dot < 0 ? "" : parameterName.slice(0, dot);
}

/** Accumulates per-layer counts while attached to a model. */
export class LayerMonitor {
  private counts = new Map<string, LayerCounts>();
  /** This step's layer outputs, so that backward can attribute their gradients. */
  private outputs = new Map<Tensor, string>();
  /** The first layer whose output held inf or NaN in this step (null when none did). */
  firstNonFiniteLayer: string | null = null;

  private add(layer: string, kind: keyof LayerCounts, c: ValueClassCounts): void {
    const old = this.counts.get(layer) ?? EMPTY;
    this.counts.set(layer, { ...old, [kind]: addClassCounts(old[kind], c) });
  }

  /** Observe every leaf module's outputs; returns the function that detaches. */
  attach(model: Module): () => void {
    return observeOutputs(model, (name, out) => {
      if (!(out instanceof Tensor)) return;
      const c = tensorClasses(out);
      this.add(name, "activations", c);
      if (c.nonFinite > 0 && this.firstNonFiniteLayer === null) this.firstNonFiniteLayer = name;
      if (out.requiresGrad) this.outputs.set(out, name);
    });
  }

  /** Forget the outputs of the last step (call before each forward). */
  beginStep(): void {
    this.outputs.clear();
    this.firstNonFiniteLayer = null;
  }

  /** Backward's gradient observer: counts the gradient of a layer output. */
  readonly onGrad = (t: Tensor, g: Tensor): void => {
    const layer = this.outputs.get(t);
    if (layer !== undefined) this.add(layer, "gradients", tensorClasses(g));
  };

  /** Count the gradients of named parameters, per layer; returns the name of the first parameter whose
   * gradient holds inf or NaN (undefined when all are finite). */
  recordWeightGradients(
    params: readonly { readonly name: string; readonly tensor: Tensor }[],
  ): string | undefined {
    let firstNonFinite: string | undefined;
    for (const p of params) {
      if (p.tensor.grad === null) continue;
      const c = tensorClasses(p.tensor.grad);
      this.add(layerOf(p.name), "weightGradients", c);
      if (c.nonFinite > 0) firstNonFinite ??= p.name;
    }
    return firstNonFinite;
  }

  /** The counts so far, by layer in first-seen order. */
  snapshot(): Record<string, LayerCounts> {
    return Object.fromEntries(this.counts);
  }

  /** Replace the counts (resuming mid-epoch from a checkpoint). */
  restore(counts: Record<string, LayerCounts>): void {
    this.counts = new Map(Object.entries(counts));
  }

  /** Start a new stretch (an epoch). */
  reset(): void {
    this.counts.clear();
  }
}

/** The rates of every layer from counts. */
export function layerRates(counts: Record<string, LayerCounts>): Record<string, LayerRates> {
  const out: Record<string, LayerRates> = {};
  for (const [name, c] of Object.entries(counts)) {
    out[name] = {
      activations: classRates(c.activations),
      gradients: classRates(c.gradients),
      weightGradients: classRates(c.weightGradients),
    };
  }
  return out;
}
