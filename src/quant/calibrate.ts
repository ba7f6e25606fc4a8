/**
 * The matmul sites of a model and their calibration. A site is a matrix product a module declares
 * (nn/module.ts MatmulSite): every Linear (x W^T) and, in BERT, the attention products Q K^T and P V.
 * Calibration runs batches through the model in eval mode with pass-through hooks on every activation
 * operand, feeding bounded observers (range, per-channel max, histogram of |x|); clip thresholds are read
 * from them afterwards, for whichever method and target format.
 */
import { MinifloatError, closestName } from "../errors.js";
import type { Module } from "../nn/index.js";
import type { Tensor } from "../tensor/index.js";
import {
  CALIBRATION_METHODS,
  entropyThreshold,
  HistogramObserver,
  MaxObserver,
  mseThreshold,
  type CalibrationMethod,
} from "./observers.js";
import type { ResolvedSpec } from "./quantizer.js";

/** A model as the quant layer sees it: any module (its forward's output is not looked at). */
export type AnyModule<In = never> = Module<In, unknown>;

/** One matrix product of a model, found through the modules' matmulSites(). */
export interface QuantSite {
  /** The module's dotted name, plus "." and the site's own name when it has one ("…self.scores"). */
  readonly name: string;
  /** "linear": an activation times a weight parameter; "matmul": two activations (attention). */
  readonly kind: "linear" | "matmul";
  readonly module: Module<never, unknown>;
  /** Hook points of the activation operands and their keys, `${name}:${point}`. */
  readonly points: readonly string[];
  readonly operands: readonly string[];
  /** Dotted name of the weight parameter (linear sites), else null. */
  readonly weight: string | null;
}

/** Every matmul site of `model`, in forward order as far as module order tells it (a module's own products
 * after its children's: BERT's Q, K, V projections before the attention products); without the
 * activation-activation products when `attention` is false. */
export function findSites(model: AnyModule, attention = true): QuantSite[] {
  const out: QuantSite[] = [];
  const open: [string, Module<never, unknown>][] = []; // ancestors of the current module, outermost first
  const close = (name: string | null): void => {
    for (let top = open.at(-1); top !== undefined; top = open.at(-1)) {
      const [n, m] = top;
      if (name !== null && (n === "" || name.startsWith(`${n}.`))) return;
      open.pop();
      out.push(...sitesOf(n, m, attention));
    }
  };
  for (const [name, m] of model.namedModules()) {
    close(name);
    open.push([name, m]);
  }
  close(null);
  return out;
}

function sitesOf(moduleName: string, m: Module<never, unknown>, attention: boolean): QuantSite[] {
  const join = (a: string, b: string): string => [a, b].filter((p) => p !== "").join(".");
  return m.matmulSites().flatMap((s): QuantSite[] => {
    const kind = s.weight === undefined ? "matmul" : "linear";
    if (kind === "matmul" && !attention) return [];
    const name = join(moduleName, s.name);
    const weight = s.weight === undefined ? null : join(moduleName, s.weight);
    const operands = s.inputs.map((p) => `${name}:${p}`);
    return [{ name, kind, module: m, points: s.inputs, operands, weight }];
  });
}

/** Check that every name in `names` is a site of `sites` (a "config" error suggesting the closest). */
export function checkSiteNames(sites: readonly QuantSite[], names: readonly string[], what: string): void {
  const known = sites.map((s) => s.name);
  for (const n of names) {
    if (!known.includes(n)) {
      const near = closestName(n, known);
      throw new MinifloatError(
        "config",
        `${what}: no matmul site "${n}"${near === undefined ? "" : ` (did you mean "${near}"?)`}`,
      );
    }
  }
}

/** The parameter of `model` called `name` (a dotted name from namedParameters). */
export function namedParameter(model: AnyModule, name: string): Tensor {
  for (const [n, t] of model.namedParameters()) if (n === name) return t;
  throw new MinifloatError("argument", `no parameter "${name}"`);
}

/** What calibration saw of one activation operand. */
export interface OperandObservation {
  readonly max: MaxObserver;
  readonly histogram: HistogramObserver;
}

/** Options of `calibrate`. */
export interface CalibrateOptions {
  /** The default threshold method of the result (default "max"); histograms are kept whatever it is. */
  readonly method?: CalibrationMethod;
  /** Percentile of |x| for method "percentile" (default 99.99). */
  readonly percentile?: number;
  /** Histogram bins (default 2048, a power of two). */
  readonly bins?: number;
  /** Observe the attention products too (default true). */
  readonly attention?: boolean;
}

/** Per-operand activation observations of a calibration run (memory bounded by the bin count). */
export interface Calibration {
  readonly method: CalibrationMethod;
  readonly percentile: number;
  /** Number of batches seen. */
  readonly batches: number;
  /** Keyed by operand (`${site}:${point}`). */
  readonly operands: ReadonlyMap<string, OperandObservation>;
}

/** Check a method name and a percentile (both may come from a user). */
export function checkMethod(method: string, percentile: number): CalibrationMethod {
  if (!(CALIBRATION_METHODS as readonly string[]).includes(method)) {
    throw new MinifloatError(
      "config",
      `calibration method: expected one of ${CALIBRATION_METHODS.join(", ")}, got "${method}"`,
    );
  }
  if (!(percentile > 0 && percentile <= 100)) {
    throw new MinifloatError("config", `calibration percentile must be in (0, 100], got ${percentile}`);
  }
  return method as CalibrationMethod;
}

/** Run `fn` on `model` in eval mode with gradient recording off, then put both back. */
export function withInference<T>(model: AnyModule, fn: () => T): T {
  const training = model.training;
  const engine = model.parameters().at(0)?.engine;
  model.eval();
  try {
    return engine === undefined ? fn() : engine.noGrad(fn);
  } finally {
    model.train(training);
  }
}

/** Run `batches` through `model` (in inference mode), returning the number of batches. */
export function runBatches<In>(model: AnyModule<In>, batches: Iterable<In>): number {
  let n = 0;
  withInference(model, () => {
    for (const b of batches) {
      model.forward(b);
      n++;
    }
  });
  return n;
}

/** Observe the activation operands of every matmul site of `model` on `batches`. */
export function calibrate<In>(
  model: AnyModule<In>,
  batches: Iterable<In>,
  options: CalibrateOptions = {},
): Calibration {
  const method = checkMethod(options.method ?? "max", options.percentile ?? 99.99);
  const operands = new Map<string, OperandObservation>();
  const undo: (() => void)[] = [];
  try {
    for (const site of findSites(model, options.attention ?? true)) {
      const channels = site.weight === null ? 0 : (namedParameter(model, site.weight).shape.at(-1) ?? 0);
      site.points.forEach((point, i) => {
        const obs = {
          max: new MaxObserver(channels),
          histogram: new HistogramObserver(options.bins ?? 2048),
        };
        operands.set(site.operands[i], obs);
        const prev = site.module.getHook(point);
        site.module.setHook(point, (t) => {
          const x = prev === null ? t : prev(t);
          const v = x.toFloat32Array();
          obs.max.observe(v);
          obs.histogram.observe(v);
          return x;
        });
        undo.push(() => {
          site.module.setHook(point, prev);
        });
      });
    }
    const n = runBatches(model, batches);
    return { method, percentile: options.percentile ?? 99.99, batches: n, operands };
  } finally {
    for (const u of undo.reverse()) u();
  }
}

/** The clip range [lo, hi] of an operand for `spec` by `method`: the observed range, or it clipped to
 * +-threshold (percentile of |x|, least MSE, least KL divergence). */
export function clipRange(
  obs: OperandObservation,
  spec: ResolvedSpec,
  method: CalibrationMethod,
  percentile: number,
): { lo: number; hi: number; clip: number } {
  const { lo, hi } = obs.max;
  let t: number;
  switch (method) {
    case "max":
      t = Math.max(-lo, hi);
      break;
    case "percentile":
      t = obs.histogram.percentile(percentile);
      break;
    case "mse":
      t = mseThreshold(obs.histogram, spec);
      break;
    case "entropy":
      t = entropyThreshold(obs.histogram, spec);
      break;
    default:
      return method satisfies never;
  }
  return { lo: Math.max(lo, -t), hi: Math.min(hi, t), clip: t };
}
