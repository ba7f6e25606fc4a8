/**
 * SmoothQuant (Xiao et al., ICML 2023, Eq. 4): migrate quantization difficulty from activations to
 * weights per input channel j of a Linear, s_j = max|X_j|^alpha / max|W_j|^(1 - alpha), Y = (X diag(s)^-1)
 * (diag(s) W^T). Here the division of X happens in the Linear's input hook (the paper folds it into the
 * preceding LayerNorm; the product is the same), so in float32 the model's outputs change only by
 * rounding. Calibrate again after smoothing: the activations the quantizer sees are X / s.
 */
import { MinifloatError } from "../errors.js";
import { fromValues } from "../tensor/index.js";
import { findSites, namedParameter, type AnyModule, type Calibration, type QuantSite } from "./calibrate.js";

/** Options of `smoothQuant`. */
export interface SmoothOptions {
  /** Migration strength in [0, 1] (default 0.5, the paper's choice for most models). */
  readonly alpha?: number;
  /** Only the Linear sites this accepts (default all). */
  readonly sites?: (site: QuantSite) => boolean;
}

/** A smoothed model: the per-input-channel factors of each site, and restore(). */
export interface Smoothing {
  readonly scales: ReadonlyMap<string, Float32Array>;
  /** Put back the weights and hooks; restore after any quantization applied on top. */
  restore(): void;
}

/** Lower bound of max|X_j|, max|W_j| and s_j, as the paper's code (smoothquant/smooth.py) clamps. */
const FLOOR = 1e-5;

/** Smoothing factors for activation channel maxima `xMax` and weight (out, in) values `w`. */
export function smoothingFactors(xMax: ArrayLike<number>, w: Float32Array, alpha: number): Float32Array {
  const cols = xMax.length;
  const wMax = new Float64Array(cols);
  for (let i = 0; i < w.length; i++) wMax[i % cols] = Math.max(wMax[i % cols], Math.abs(w[i]));
  return Float32Array.from(xMax, (x, j) => {
    const s = Math.max(x, FLOOR) ** alpha / Math.max(wMax[j], FLOOR) ** (1 - alpha);
    return Math.max(s, FLOOR);
  });
}

/** Apply SmoothQuant to every selected Linear site whose input channel maxima `calibration` observed. */
export function smoothQuant(
  model: AnyModule,
  calibration: Calibration,
  options: SmoothOptions = {},
): Smoothing {
  const alpha = options.alpha ?? 0.5;
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new MinifloatError("config", `SmoothQuant alpha must be in [0, 1], got ${alpha}`);
  }
  const scales = new Map<string, Float32Array>();
  const undo: (() => void)[] = [];
  for (const site of findSites(model, false).filter((x) => options.sites?.(x) ?? true)) {
    if (site.weight === null) continue;
    const xMax = calibration.operands.get(site.operands[0])?.max.channelAbsMax ?? null;
    if (xMax === null) continue;
    const w = namedParameter(model, site.weight);
    const values = w.toFloat32Array();
    const s = smoothingFactors(xMax, values, alpha);
    const cols = s.length;
    const scaled = values.map((v, i) => v * s[i % cols]);
    model.setParameter(
      site.weight,
      fromValues(scaled, w.shape, { format: w.format, engine: w.engine, requiresGrad: w.requiresGrad }),
    );
    const weightName = site.weight;
    undo.push(() => {
      model.setParameter(weightName, w);
    });
    const point = site.points[0];
    const prev = site.module.getHook(point);
    site.module.setHook(point, (t) => {
      const x = prev === null ? t : prev(t);
      const v = x.toFloat32Array().map((e, i) => e / s[i % cols]);
      return fromValues(v, x.shape, { format: x.format, engine: x.engine });
    });
    undo.push(() => {
      site.module.setHook(point, prev);
    });
    scales.set(site.name, s);
  }
  let restored = false;
  return {
    scales,
    restore: () => {
      if (restored) return;
      restored = true;
      for (const u of undo.reverse()) u();
    },
  };
}
