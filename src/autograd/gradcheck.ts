/**
 * The finite-difference checker every gradient rule is tested with: the analytic gradient of
 * F(x) = sum(w * f(x)) (w fixed pseudo-random weights, so the upstream gradient is not uniform) against
 * central differences (F(x + h) - F(x - h)) / (x+ - x-), with F summed in float64 from float32 outputs and
 * x +- h rounded to float32 so the divisor is the true step.
 */
import { randomWord } from "../formats/index.js";
import { Engine, fromValues, type Shape, type Tensor } from "../tensor/index.js";
import { backward } from "./backward.js";

/** One input of the checked function: float32 values and a shape. */
export interface GradCheckInput {
  readonly values: ArrayLike<number>;
  readonly shape: Shape;
  /** Whether to check this input's gradient (default true); false for constants such as masks. */
  readonly check?: boolean;
}

/** Tolerances and step of the check. */
export interface GradCheckOptions {
  /** Step relative to max(1, |x|); default 1e-3. */
  readonly step?: number;
  /** Default 1e-2. */
  readonly rtol?: number;
  /** Default 1e-3. */
  readonly atol?: number;
}

/** The worst disagreement found, and whether every element was within tolerance. */
export interface GradCheckResult {
  readonly ok: boolean;
  readonly checked: number;
  readonly worst: { input: number; index: number; analytic: number; numeric: number; excess: number } | null;
}

function weightsFor(n: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = (randomWord(7, 1, 0, i) / 2 ** 32) * 2 - 1;
  return w;
}

function weightedSum(y: Tensor, w: Float32Array): number {
  const v = y.toFloat32Array();
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] ?? 0) * (w[i] ?? 0);
  return s;
}

/** Check the gradients of `fn` at `inputs` against float64 central differences. */
export function checkGradients(
  fn: (xs: Tensor[]) => Tensor,
  inputs: readonly GradCheckInput[],
  options: GradCheckOptions = {},
): GradCheckResult {
  const step = options.step ?? 1e-3;
  const rtol = options.rtol ?? 1e-2;
  const atol = options.atol ?? 1e-3;
  const engine = new Engine();
  const leaves = inputs.map((x) =>
    fromValues(x.values, x.shape, { engine, requiresGrad: x.check !== false }),
  );
  const y = fn(leaves);
  const w = weightsFor(y.size);
  backward(y, { grad: fromValues(w, y.shape, { engine }) });
  const evaluate = (which: number, index: number, value: number): number =>
    engine.noGrad(() => {
      const xs = inputs.map((x, i) => {
        const v = Float32Array.from(x.values);
        if (i === which) v[index] = value;
        return fromValues(v, x.shape, { engine });
      });
      return weightedSum(fn(xs), w);
    });
  type Worst = NonNullable<GradCheckResult["worst"]>;
  const found: { worst: Worst | null; checked: number } = { worst: null, checked: 0 };
  inputs.forEach((x, i) => {
    if (x.check === false) return;
    const analytic = leaves[i]?.grad?.toFloat32Array() ?? new Float32Array(x.values.length);
    for (let j = 0; j < x.values.length; j++) {
      const v = x.values[j] ?? 0;
      const h = step * Math.max(1, Math.abs(v));
      const plus = Math.fround(v + h);
      const minus = Math.fround(v - h);
      const numeric = (evaluate(i, j, plus) - evaluate(i, j, minus)) / (plus - minus);
      const a = analytic[j] ?? 0;
      const excess = Math.abs(a - numeric) - (atol + rtol * Math.max(Math.abs(a), Math.abs(numeric)));
      found.checked++;
      if (found.worst === null || excess > found.worst.excess) {
        found.worst = { input: i, index: j, analytic: a, numeric, excess };
      }
    }
  });
  const worst = found.worst;
  return { ok: worst === null || worst.excess <= 0, checked: found.checked, worst };
}
