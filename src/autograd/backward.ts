/**
 * The reverse pass: walk the graph of creators from a root back to the leaves in reverse topological
 * order, apply each op's gradient rule, and accumulate gradients in the format the caller names (the
 * precision policy's gradient format). Leaves (tensors with requiresGrad and no creator) receive `.grad`.
 */
import { MinifloatError } from "../errors.js";
import type { FloatFormat } from "../formats/index.js";
import { add, type OpName, type OpOptions } from "../ops/index.js";
import { formatShape, full, resolveFormat, sameShape, type Tensor } from "../tensor/index.js";
import { GRAD_RULES } from "./rules/index.js";
import type { GradContext } from "./rule.js";

/** Options of backward(). */
export interface BackwardOptions {
  /** Format of every gradient (default: the root's format). */
  readonly gradFormat?: FloatFormat | string;
  /** Rounding of the gradient ops (default nearest-even). */
  readonly rounding?: OpOptions["rounding"];
  /** Gradient of the root (default: ones). */
  readonly grad?: Tensor;
  /** Called with each tensor of the graph and its complete gradient, before the gradient flows on
   * (per-layer diagnostics); must not keep the gradient beyond the call if it disposes tensors. */
  readonly onGrad?: (t: Tensor, grad: Tensor) => void;
}

/** Tensors reachable from `root` through creators, in topological order (inputs before outputs). */
export function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: { t: Tensor; next: number }[] = [{ t: root, next: 0 }];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack.at(-1);
    if (top === undefined) break;
    const inputs = top.t.creator?.inputs ?? [];
    const child = inputs.at(top.next);
    if (child === undefined) {
      order.push(top.t);
      stack.pop();
      continue;
    }
    top.next++;
    if (child.requiresGrad && !seen.has(child)) {
      seen.add(child);
      stack.push({ t: child, next: 0 });
    }
  }
  return order;
}

/** Compute d root / d leaf for every leaf that requires a gradient, into `leaf.grad` (accumulating). */
export function backward(root: Tensor, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new MinifloatError(
      "argument",
      "backward: the root does not depend on any tensor with requiresGrad",
    );
  }
  const engine = root.engine;
  const format = options.gradFormat === undefined ? root.format : resolveFormat(options.gradFormat);
  const opOptions: OpOptions =
    options.rounding === undefined ? { format } : { format, rounding: options.rounding };
  engine.noGrad(() => {
    const seed = options.grad ?? full(root.shape, 1, { format, engine });
    if (!sameShape(seed.shape, root.shape)) {
      throw new MinifloatError(
        "shape",
        `backward: grad expected ${formatShape(root.shape)}, got ${formatShape(seed.shape)}`,
      );
    }
    const grads = new Map<Tensor, Tensor>([[root, seed]]);
    const order = topologicalOrder(root);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (g === undefined) continue;
      options.onGrad?.(t, g);
      const c = t.creator;
      if (c === null) {
        t.grad = t.grad === null ? g : add(t.grad, g, opOptions);
        continue;
      }
      const op = c.op as OpName;
      const rule = GRAD_RULES[op] as (ctx: GradContext<OpName>, dy: Tensor) => readonly (Tensor | null)[];
      const ctx: GradContext<OpName> = {
        inputs: c.inputs,
        output: t,
        attrs: c.attrs as GradContext<OpName>["attrs"],
        saved: c.saved ?? [],
        options: opOptions,
      };
      const inputGrads = rule(ctx, g);
      c.inputs.forEach((x, j) => {
        const gj = inputGrads[j] ?? null;
        if (gj === null || !x.requiresGrad) return;
        if (!sameShape(gj.shape, x.shape)) {
          throw new MinifloatError(
            "shape",
            `backward: the ${op} rule gave input ${j} a gradient of shape ${formatShape(gj.shape)}, expected ${formatShape(x.shape)}`,
          );
        }
        const prev = grads.get(x);
        grads.set(x, prev === undefined ? gj : add(prev, gj, opOptions));
      });
      grads.delete(t);
    }
  });
}
