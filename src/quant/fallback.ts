/**
 * Accuracy-driven mixed precision: quantize every site, and while the metric has dropped more than
 * allowed, keep the next most sensitive site in float32. A site's sensitivity is the metric's drop when
 * it alone is quantized (ties broken by lower SQNR), as the per-layer sensitivity analyses of
 * Intel Neural Compressor and NVIDIA's pytorch-quantization do.
 */
import { MinifloatError } from "../errors.js";
import { selectSites, quantizeModel, type QuantConfig, type QuantizedModel, type SiteReport } from "./ptq.js";
import type { AnyModule, Calibration } from "./calibrate.js";

/** Options of `quantizeWithFallback`. */
export interface FallbackOptions<M> {
  /** The metric of the model as it is now (e.g. accuracy on a dev set). */
  readonly evaluate: (model: M) => number;
  /** The float32 metric (default: evaluate(model) before quantizing). */
  readonly baseline?: number;
  /** Largest acceptable drop of the metric (in the metric's units, >= 0). */
  readonly maxDrop: number;
  /** Default true; false for a loss or an error rate. */
  readonly higherIsBetter?: boolean;
}

/** How much quantizing one site alone costs. */
export interface SiteSensitivity {
  readonly site: string;
  /** The metric with only this site quantized, and its drop from the baseline. */
  readonly metric: number;
  readonly drop: number;
  /** Lowest SQNR of the site's operands (weight, and activations over the evaluation), in dB. */
  readonly sqnrDb: number;
  /** Largest fraction of an operand's values that were non-zero and underflowed to zero. */
  readonly underflow: number;
}

/** One site kept in float32, and the metric once it was. */
export interface KeptSite extends SiteSensitivity {
  /** The metric with every site quantized except those kept so far, this one included. */
  readonly metricAfter: number;
}

/** What the fallback did: the sites kept in float32 (in order, with the numbers that decided it), the
 * final metric and the quantized model (restore() undoes it). */
export interface FallbackResult {
  readonly baseline: number;
  /** Metric with every site quantized. */
  readonly metricAllQuantized: number;
  readonly metric: number;
  /** Whether baseline - metric <= maxDrop holds at the end (it may not, if every site was kept). */
  readonly satisfied: boolean;
  /** Per-site sensitivity, measured only when quantizing every site missed the criterion (else empty). */
  readonly sensitivity: readonly SiteSensitivity[];
  readonly kept: readonly KeptSite[];
  readonly model: QuantizedModel;
}

function siteCost(r: SiteReport): { sqnrDb: number; underflow: number } {
  const operands = r.weight === null ? r.activations : [r.weight, ...r.activations];
  return {
    sqnrDb: Math.min(...operands.map((a) => a.sqnrDb)),
    underflow: Math.max(...operands.map((a) => a.underflow)),
  };
}

/** The metric's drop when each site of `config` alone is quantized, with the site's SQNR and underflow. */
export function measureSensitivity<M extends AnyModule>(
  model: M,
  config: QuantConfig,
  calibration: Calibration | null,
  evaluate: (model: M) => number,
  dropOf: (metric: number) => number,
): SiteSensitivity[] {
  return selectSites(model, config).quantized.map(({ name: site }) => {
    const q = quantizeModel(model, { ...config, sites: (s) => s.name === site }, calibration);
    try {
      const metric = evaluate(model);
      return { site, metric, drop: dropOf(metric), ...siteCost(q.report().sites[0]) };
    } finally {
      q.restore();
    }
  });
}

/**
 * Quantize `model` with `config`, keeping the most sensitive sites in float32, greedily, until the metric
 * is within `maxDrop` of the baseline. Costs one evaluation with every site quantized; when that misses
 * the criterion, one more per site (sensitivity) and one per kept site.
 */
export function quantizeWithFallback<In, M extends AnyModule<In>>(
  model: M,
  config: QuantConfig,
  calibration: Calibration | null,
  options: FallbackOptions<M>,
): FallbackResult {
  if (!(options.maxDrop >= 0)) {
    throw new MinifloatError("config", `maxDrop must be a number >= 0, got ${options.maxDrop}`);
  }
  const sign = (options.higherIsBetter ?? true) ? 1 : -1;
  const baseline = options.baseline ?? options.evaluate(model);
  const dropOf = (m: number): number => sign * (baseline - m);
  const skip = [...(config.skip ?? [])];
  let q = quantizeModel(model, { ...config, skip }, calibration);
  const metricAllQuantized = options.evaluate(model);
  let metric = metricAllQuantized;
  const kept: KeptSite[] = [];
  let sensitivity: SiteSensitivity[] = [];
  if (dropOf(metric) > options.maxDrop) {
    q.restore();
    sensitivity = measureSensitivity(model, config, calibration, options.evaluate, dropOf);
    const order = [...sensitivity].sort((a, b) => b.drop - a.drop || a.sqnrDb - b.sqnrDb);
    q = quantizeModel(model, { ...config, skip }, calibration);
    for (const next of order) {
      if (dropOf(metric) <= options.maxDrop) break;
      q.restore();
      skip.push(next.site);
      q = quantizeModel(model, { ...config, skip }, calibration);
      metric = options.evaluate(model);
      kept.push({ ...next, metricAfter: metric });
    }
  }
  const satisfied = dropOf(metric) <= options.maxDrop;
  return { baseline, metricAllQuantized, metric, satisfied, sensitivity, kept, model: q };
}
