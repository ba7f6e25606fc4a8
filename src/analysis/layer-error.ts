/**
 * Where error grows in a network: the relative error of every layer's output in a low-precision network
 * against its float32 twin, beside the classical forward-error bound of the layer's dot products
 * (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed., section 3.1):
 * |fl(Wx) - Wx| <= gamma_n |W||x| with gamma_n = n u / (1 - n u), n the dot-product length and u the unit
 * roundoff. Given per layer as a relative bound gamma_n ||(|W||x|)|| / ||Wx|| (2-norms over the batch),
 * both with u of the format (every partial sum rounded, a strict 16-bit FPU) and with float32 sums and
 * one rounding to the format (minifloat's default accumulation: gamma_n(2^-24) ... + u).
 */
import type { FloatFormat } from "../formats/index.js";

/** gamma_n = n u / (1 - n u); Infinity once n u >= 1 (the bound says nothing). */
export function gammaN(n: number, u: number): number {
  const nu = n * u;
  return nu >= 1 ? Infinity : nu / (1 - nu);
}

/** The unit roundoff of a float format: 2^-(mantissa bits + 1). */
export function unitRoundoff(f: FloatFormat): number {
  return 2 ** -(f.mantissaBits + 1);
}

/** Running sums for one layer over batches. */
export interface LayerErrorSums {
  readonly kind: string;
  /** Dot-product length of the layer (0 for layers without one). */
  readonly fanIn: number;
  /** sum (y_low - y_32)^2 and sum y_32^2 over all output elements. */
  errorSquares: number;
  referenceSquares: number;
  /** Output elements that are inf or NaN in the low-precision network. */
  nonFinite: number;
  elements: number;
  /** sum (|W||x|)^2 and sum (Wx)^2 over all outputs, float32 inputs and weights (dot layers). */
  absProductSquares: number;
  productSquares: number;
}

/** One layer's line of the per-layer table. */
export interface LayerErrorRow {
  readonly layer: string;
  readonly kind: string;
  readonly fanIn: number;
  /** ||y_low - y_32|| / ||y_32|| over the finite outputs. */
  readonly relativeError: number;
  readonly nonFiniteFraction: number;
  /** gamma_n(u_format) ||(|W||x|)|| / ||Wx||; null for layers without dot products. */
  readonly boundStrict: number | null;
  /** gamma_n(2^-24) ||(|W||x|)|| / ||Wx|| + u_format: float32 sums, one rounding. */
  readonly boundFloat32Accumulate: number | null;
}

/** A new set of sums for a layer. */
export function newLayerSums(kind: string, fanIn: number): LayerErrorSums {
  return {
    kind,
    fanIn,
    errorSquares: 0,
    referenceSquares: 0,
    nonFinite: 0,
    elements: 0,
    absProductSquares: 0,
    productSquares: 0,
  };
}

/** Add one batch of a layer's outputs (low precision and float32, same length) to its sums. */
export function addOutputs(sums: LayerErrorSums, low: Float32Array, ref: Float32Array): void {
  for (let i = 0; i < ref.length; i++) {
    sums.elements++;
    if (!Number.isFinite(low[i])) {
      sums.nonFinite++;
      continue;
    }
    const d = low[i] - ref[i];
    sums.errorSquares += d * d;
    sums.referenceSquares += ref[i] * ref[i];
  }
}

/** Add one batch of |W||x| and Wx (float32) to a dot layer's sums. */
export function addProducts(sums: LayerErrorSums, absProduct: Float32Array, product: Float32Array): void {
  for (let i = 0; i < product.length; i++) {
    sums.absProductSquares += absProduct[i] * absProduct[i];
    sums.productSquares += product[i] * product[i];
  }
}

/** The table row of a layer for format `f`. */
export function layerErrorRow(layer: string, sums: LayerErrorSums, f: FloatFormat): LayerErrorRow {
  const ratio = sums.productSquares > 0 ? Math.sqrt(sums.absProductSquares / sums.productSquares) : Infinity;
  const dot = sums.fanIn > 0;
  return {
    layer,
    kind: sums.kind,
    fanIn: sums.fanIn,
    relativeError:
      sums.referenceSquares > 0
        ? Math.sqrt(sums.errorSquares / sums.referenceSquares)
        : sums.errorSquares > 0
          ? Infinity
          : 0,
    nonFiniteFraction: sums.elements === 0 ? 0 : sums.nonFinite / sums.elements,
    boundStrict: dot ? gammaN(sums.fanIn, unitRoundoff(f)) * ratio : null,
    boundFloat32Accumulate: dot ? gammaN(sums.fanIn, 2 ** -24) * ratio + unitRoundoff(f) : null,
  };
}
