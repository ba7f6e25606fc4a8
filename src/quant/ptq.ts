/**
 * Post-training quantization of a model's matmul inputs (FP8-BERT, Li et al. 2023): each weight operand is
 * fake-quantized once (scales from its own range, per tensor or per output channel), each activation
 * operand at every forward through a hook, with scales from calibration (per tensor), from the data
 * (per token) or from MX blocks. The handle restores the model exactly and reports, per site, the
 * formats, scales and what quantization cost (weight SQNR; activation SQNR, saturation and underflow
 * accumulated over the forwards run since quantizing, e.g. the calibration data).
 */
import type { Tensor } from "../tensor/index.js";
import { fromValues } from "../tensor/index.js";
import {
  checkMethod,
  checkSiteNames,
  clipRange,
  findSites,
  namedParameter,
  runBatches,
  type AnyModule,
  type Calibration,
  type QuantSite,
} from "./calibrate.js";
import { MinifloatError } from "../errors.js";
import type { CalibrationMethod } from "./observers.js";
import {
  mergeStats,
  dynamicScales,
  emptyStats,
  fakeQuantize,
  resolveSpec,
  saturatedFraction,
  scalesFromRanges,
  sqnrDb,
  underflowFraction,
  type Granularity,
  type QuantFormatName,
  type QuantSpec,
  type QuantStats,
  type ResolvedSpec,
  type ScaleParams,
} from "./quantizer.js";

/** What to quantize, to what, and how activation scales are chosen. */
export interface QuantConfig {
  readonly weights: QuantSpec;
  readonly activations: QuantSpec;
  /** Only the sites this accepts (default all). */
  readonly sites?: (site: QuantSite) => boolean;
  /** Sites kept in float32, by name (each must exist). */
  readonly skip?: readonly string[];
  /** Quantize the attention products Q K^T and P V too (default true, as FP8-BERT quantizes every
   * matmul's inputs). */
  readonly attention?: boolean;
  /** Threshold method of static activation scales (default the calibration's). */
  readonly method?: CalibrationMethod;
  /** Percentile of |x| for method "percentile" (default the calibration's). */
  readonly percentile?: number;
}

/** What quantization cost: SQNR in dB (Infinity when exact), saturated and underflowed fractions. */
export interface CostReport {
  readonly sqnrDb: number;
  readonly saturated: number;
  readonly underflow: number;
  /** Elements measured. */
  readonly count: number;
}

/** One quantized operand: format, granularity, scales (null when computed at run time: per token, MX
 * blocks, or a cast) and its cost. */
export interface OperandReport extends CostReport {
  /** `${site}:${point}` for activations, the parameter name for weights. */
  readonly operand: string;
  readonly format: QuantFormatName;
  readonly granularity: Granularity;
  readonly scales: readonly number[] | null;
  readonly zeroPoints: readonly number[] | null;
  /** The calibrated clip threshold of a static activation, else null. */
  readonly clip: number | null;
}

/** One quantized site. */
export interface SiteReport {
  readonly site: string;
  readonly kind: QuantSite["kind"];
  readonly weight: OperandReport | null;
  readonly activations: readonly OperandReport[];
}

/** Which sites were quantized and how, and which were kept in float32. */
export interface QuantReport {
  readonly weights: ResolvedSpec;
  readonly activations: ResolvedSpec;
  readonly method: CalibrationMethod;
  readonly sites: readonly SiteReport[];
  /** Sites left in float32 (skipped or filtered out). */
  readonly kept: readonly string[];
}

/** A quantized model: its report, and restore() to put back every weight and hook exactly. */
export interface QuantizedModel {
  /** Names of the quantized sites. */
  readonly sites: readonly string[];
  /** The report, with activation costs accumulated over the forwards since quantizing or resetStats. */
  report(): QuantReport;
  /** Forget the accumulated activation costs. */
  resetStats(): void;
  /** Undo the quantization (weights and hooks as they were); a second call does nothing. */
  restore(): void;
}

function cost(s: QuantStats): CostReport {
  return {
    sqnrDb: sqnrDb(s),
    saturated: saturatedFraction(s),
    underflow: underflowFraction(s),
    count: s.count,
  };
}

interface Operand {
  readonly key: string;
  readonly spec: ResolvedSpec;
  readonly params: ScaleParams | null;
  readonly clip: number | null;
  readonly stats: QuantStats;
}

function operandReport(o: Operand): OperandReport {
  return {
    operand: o.key,
    format: o.spec.format,
    granularity: o.spec.granularity,
    scales: o.params === null ? null : Array.from(o.params.scale),
    zeroPoints: o.params?.zeroPoint === undefined ? null : Array.from(o.params.zeroPoint),
    clip: o.clip,
    ...cost(o.stats),
  };
}

/** Whether an activation spec needs calibrated scales: scaled formats per tensor. */
function isStatic(spec: ResolvedSpec): boolean {
  return (spec.kind === "float" || spec.kind === "int") && spec.granularity === "tensor";
}

/** A tensor of the values `t` becomes under `quantize`, in t's format and engine (no gradient: PTQ). */
function transformed(t: Tensor, values: Float32Array): Tensor {
  return fromValues(values, t.shape, { format: t.format, engine: t.engine });
}

/** The sites of `model` that `config` quantizes, and those it keeps in float32. */
export function selectSites(
  model: AnyModule,
  config: QuantConfig,
): { quantized: QuantSite[]; kept: string[] } {
  const all = findSites(model, config.attention ?? true);
  const skip = config.skip ?? [];
  checkSiteNames(all, skip, "skip");
  const quantized: QuantSite[] = [];
  const kept: string[] = [];
  for (const s of all) {
    if (skip.includes(s.name) || !(config.sites?.(s) ?? true)) kept.push(s.name);
    else quantized.push(s);
  }
  return { quantized, kept };
}

/**
 * Quantize the matmul inputs of `model` as `config` says. Static activation scales (scaled formats per
 * tensor) come from `calibration`, which must have observed every such operand; per-token, MX and cast
 * activations need none. `measure`, when given, is run through the quantized model so the report holds
 * activation costs on it (e.g. the calibration batches). Hooks compose with ones already set (e.g.
 * SmoothQuant's), and restore() puts back what was there: restore in the reverse order of quantizing.
 */
export function quantizeModel<In>(
  model: AnyModule<In>,
  config: QuantConfig,
  calibration: Calibration | null = null,
  measure?: Iterable<In>,
): QuantizedModel {
  const root = model as AnyModule;
  const weights = resolveSpec(config.weights, "weight");
  const activations = resolveSpec(config.activations, "activation");
  const method = checkMethod(
    config.method ?? calibration?.method ?? "max",
    config.percentile ?? calibration?.percentile ?? 99.99,
  );
  const percentile = config.percentile ?? calibration?.percentile ?? 99.99;
  const { quantized, kept } = selectSites(root, config);
  const undo: (() => void)[] = [];
  const reports: { site: QuantSite; weight: Operand | null; activations: Operand[] }[] = [];
  try {
    for (const site of quantized) {
      const weight = site.weight === null ? null : quantizeWeight(root, site.weight, weights, undo);
      const acts = site.points.map((point, i) => {
        const key = site.operands[i];
        const { params, clip } = staticScales(key, activations, calibration, method, percentile);
        const o: Operand = { key, spec: activations, params, clip, stats: emptyStats() };
        const prev = site.module.getHook(point);
        site.module.setHook(point, (t) => {
          const x = prev === null ? t : prev(t);
          const r = fakeQuantize(x.toFloat32Array(), x.shape, activations, o.params);
          mergeStats(o.stats, r.stats);
          return transformed(x, r.values);
        });
        undo.push(() => {
          site.module.setHook(point, prev);
        });
        return o;
      });
      reports.push({ site, weight, activations: acts });
    }
  } catch (e) {
    for (const u of undo.reverse()) u();
    throw e;
  }
  let restored = false;
  const handle: QuantizedModel = {
    sites: quantized.map((s) => s.name),
    report: () => ({
      weights,
      activations,
      method,
      kept,
      sites: reports.map((r) => ({
        site: r.site.name,
        kind: r.site.kind,
        weight: r.weight === null ? null : operandReport(r.weight),
        activations: r.activations.map(operandReport),
      })),
    }),
    resetStats: () => {
      for (const r of reports) for (const o of r.activations) Object.assign(o.stats, emptyStats());
    },
    restore: () => {
      if (restored) return;
      restored = true;
      for (const u of undo.reverse()) u();
    },
  };
  if (measure !== undefined) {
    try {
      runBatches(model, measure);
    } catch (e) {
      handle.restore();
      throw e;
    }
  }
  return handle;
}

/** Fake-quantize the weight `name` of `model` once (scales from its own range), registering its undo. */
function quantizeWeight(model: AnyModule, name: string, spec: ResolvedSpec, undo: (() => void)[]): Operand {
  const w = namedParameter(model, name);
  const values = w.toFloat32Array();
  const params = dynamicScales(spec, values, w.shape);
  const r = fakeQuantize(values, w.shape, spec, params);
  const q = fromValues(r.values, w.shape, {
    format: w.format,
    engine: w.engine,
    requiresGrad: w.requiresGrad,
  });
  model.setParameter(name, q);
  undo.push(() => {
    model.setParameter(name, w);
  });
  return { key: name, spec, params, clip: null, stats: r.stats };
}

/** The calibrated scale of a static activation operand (null for dynamic, MX and cast ones). */
function staticScales(
  key: string,
  spec: ResolvedSpec,
  calibration: Calibration | null,
  method: CalibrationMethod,
  percentile: number,
): { params: ScaleParams | null; clip: number | null } {
  if (!isStatic(spec)) return { params: null, clip: null };
  const obs = calibration?.operands.get(key);
  if (obs === undefined) {
    throw new MinifloatError(
      "config",
      `activation ${key}: ${spec.format} per tensor needs calibration, and ${calibration === null ? "none was given" : "the calibration did not observe it"}`,
    );
  }
  const { lo, hi, clip } = clipRange(obs, spec, method, percentile);
  return { params: scalesFromRanges(spec, [lo], [hi]), clip };
}
