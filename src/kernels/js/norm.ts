/**
 * Reference normalization, embedding and dropout kernels (DESIGN.md rule 4). Batch and layer norm compute
 * their statistics and gradients in float64 from exactly decoded inputs (sums in row-major order), keep
 * the mean and 1/sqrt(var + eps) as float32 for the backward pass, and round each result once into its
 * output; running statistics are float32 arrays updated as PyTorch does (unbiased variance, momentum).
 */
import type { BatchNormAttrs, LayerNormAttrs, NormKernels } from "../signatures.js";
import { decoded, resultBuffer, store, type Operand, type OutputRounding, type Store } from "../types.js";

/** x (N, C, ...) seen as N blocks of C channels of S elements each. */
export function channelDims(x: Operand): { n: number; c: number; s: number } {
  const n = x.shape[0];
  const c = x.shape[1];
  return { n, c, s: x.data.length / Math.max(1, n * c) };
}

/** Running statistics of channel ch after a training batch of m values with float64 mean and sum of
 * squared deviations sq, as PyTorch: unbiased variance, (1 - momentum) old + momentum new. */
export function updateRunning(
  running: { mean: Float32Array; variance: Float32Array },
  ch: number,
  mean: number,
  sq: number,
  m: number,
  k: number,
): void {
  const unbiased = m > 1 ? sq / (m - 1) : sq / m;
  running.mean[ch] = (1 - k) * running.mean[ch] + k * mean;
  running.variance[ch] = (1 - k) * running.variance[ch] + k * unbiased;
}

/** Per channel of x (N, C, S): the float64 mean (the sum over b, then i, increasing from +0, divided by
 * M = N S) and sq, the sum of (x - mean)^2 in the same order: [mean (C), sq (C)]. The wasm kernel keeps
 * these orders (docs/wasm.md). */
export function batchNormStatistics(xv: Float32Array, n: number, c: number, s: number): Float64Array {
  const stats = new Float64Array(2 * c);
  const m = n * s;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < s; i++) sum += xv[(b * c + ch) * s + i];
    const mean = sum / m;
    let sq = 0;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < s; i++) {
        const d = xv[(b * c + ch) * s + i] - mean;
        sq += d * d;
      }
    }
    stats[ch] = mean;
    stats[c + ch] = sq;
  }
  return stats;
}

/** Per channel of x and dy (N, C, S) with saved = [mean (C), invstd (C)]: [sum dy (C), sum of
 * (dy (x - mean)) invstd (C)] in float64, each over b, then i, increasing from +0. */
export function batchNormSums(
  xv: Float32Array,
  dv: Float32Array,
  saved: Float32Array,
  n: number,
  c: number,
  s: number,
): Float64Array {
  const sums = new Float64Array(2 * c);
  // Channel by channel with the sums in locals; each channel still adds over (b, i) in increasing order.
  for (let ch = 0; ch < c; ch++) {
    const mean = saved[ch];
    const invstd = saved[c + ch];
    let sDy = 0;
    let sDyXhat = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * s;
      for (let i = base; i < base + s; i++) {
        sDy += dv[i];
        sDyXhat += dv[i] * (xv[i] - mean) * invstd;
      }
    }
    sums[ch] = sDy;
    sums[c + ch] = sDyXhat;
  }
  return sums;
}

/** y = (x - mean) * invstd * gamma + beta per channel, in float64; mean and invstd written to `saved`. */
function batchNorm(
  x: Operand,
  gamma: Operand,
  beta: Operand,
  running: { mean: Float32Array; variance: Float32Array },
  attrs: BatchNormAttrs,
  out: Operand,
  saved: Float32Array,
  r: OutputRounding,
  round: Store,
): void {
  const { n, c, s } = channelDims(x);
  const xv = decoded(x); // (N, C, S)
  const gv = decoded(gamma); // (C)
  const bv = decoded(beta); // (C)
  const m = n * s;
  const stats = attrs.training ? batchNormStatistics(xv, n, c, s) : null; // [mean (C), sq (C)]
  for (let ch = 0; ch < c; ch++) {
    let mean: number;
    let variance: number;
    if (stats !== null) {
      mean = stats[ch];
      variance = stats[c + ch] / m;
      updateRunning(running, ch, mean, stats[c + ch], m, attrs.momentum);
    } else {
      mean = running.mean[ch];
      variance = running.variance[ch];
    }
    saved[ch] = mean;
    saved[c + ch] = 1 / Math.sqrt(variance + attrs.eps);
  }
  const res = new Float64Array(xv.length); // (N, C, S)
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const mean = saved[ch];
      const scale = saved[c + ch] * gv[ch];
      const shift = bv[ch];
      const base = (b * c + ch) * s;
      for (let i = base; i < base + s; i++) res[i] = (xv[i] - mean) * scale + shift;
    }
  }
  round(out, res, r);
}

/**
 * Batch-norm gradients in float64 (Ioffe and Szegedy 2015, section 3): dBeta = sum dy, dGamma =
 * sum dy * xhat; training dx = gamma * invstd / M * (M dy - dBeta - xhat dGamma), inference dx =
 * gamma * invstd * dy (statistics constant).
 */
function batchNormBackward(
  x: Operand,
  gamma: Operand,
  dy: Operand,
  saved: Float32Array,
  attrs: BatchNormAttrs,
  dx: Operand,
  dGamma: Operand,
  dBeta: Operand,
  r: OutputRounding,
  round: Store,
): void {
  const { n, c, s } = channelDims(x);
  const xv = decoded(x); // (N, C, S)
  const gv = decoded(gamma); // (C)
  const dv = decoded(dy); // (N, C, S)
  const m = n * s;
  const sums = batchNormSums(xv, dv, saved, n, c, s);
  const sumDy = sums.subarray(0, c); // (C)
  const sumDyXhat = sums.subarray(c); // (C)
  const res = new Float64Array(xv.length); // (N, C, S)
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const mean = saved[ch];
      const invstd = saved[c + ch];
      const sDy = sumDy[ch];
      const sDyXhat = sumDyXhat[ch];
      const k = gv[ch] * invstd;
      const km = k / m;
      const base = (b * c + ch) * s;
      if (!attrs.training) {
        for (let i = base; i < base + s; i++) res[i] = k * dv[i];
        continue;
      }
      for (let i = base; i < base + s; i++) {
        const xhat = (xv[i] - mean) * invstd;
        res[i] = km * (m * dv[i] - sDy - xhat * sDyXhat);
      }
    }
  }
  round(dx, res, r);
  round(dGamma, sumDyXhat, r);
  round(dBeta, sumDy, r);
}

/** Rows of x (..., D) normalized in float64; saved = [mean (rows), invstd (rows)]. */
function layerNorm(
  x: Operand,
  gamma: Operand,
  beta: Operand,
  attrs: LayerNormAttrs,
  out: Operand,
  saved: Float32Array,
  r: OutputRounding,
  round: Store,
): void {
  const d = gamma.data.length;
  const rows = x.data.length / Math.max(1, d);
  const xv = decoded(x); // (rows, D)
  const gv = decoded(gamma); // (D)
  const bv = decoded(beta); // (D)
  const res = new Float64Array(xv.length); // (rows, D)
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    for (let i = 0; i < d; i++) sum += xv[row * d + i];
    const mean = sum / d;
    let sq = 0;
    for (let i = 0; i < d; i++) sq += (xv[row * d + i] - mean) ** 2;
    saved[row] = mean;
    saved[rows + row] = 1 / Math.sqrt(sq / d + attrs.eps);
    for (let i = 0; i < d; i++) {
      res[row * d + i] = (xv[row * d + i] - saved[row]) * saved[rows + row] * gv[i] + bv[i];
    }
  }
  round(out, res, r);
}

/** Layer-norm gradients in float64 (Ba et al. 2016): with g = dy * gamma,
 * dx = invstd * (g - mean(g) - xhat * mean(g * xhat)); dGamma = sum over rows of dy * xhat; dBeta = sum dy. */
function layerNormBackward(
  x: Operand,
  gamma: Operand,
  dy: Operand,
  saved: Float32Array,
  dx: Operand,
  dGamma: Operand,
  dBeta: Operand,
  r: OutputRounding,
  round: Store,
): void {
  const d = gamma.data.length;
  const rows = x.data.length / Math.max(1, d);
  const xv = decoded(x); // (rows, D)
  const gv = decoded(gamma); // (D)
  const dv = decoded(dy); // (rows, D)
  const res = new Float64Array(xv.length); // (rows, D)
  const sumGamma = new Float64Array(d); // (D)
  const sumBeta = new Float64Array(d); // (D)
  const xhat = new Float64Array(d); // (D), one row
  for (let row = 0; row < rows; row++) {
    const mean = saved[row];
    const invstd = saved[rows + row];
    let meanG = 0;
    let meanGX = 0;
    for (let i = 0; i < d; i++) {
      const at = row * d + i;
      xhat[i] = (xv[at] - mean) * invstd;
      const g = dv[at] * gv[i];
      meanG += g;
      meanGX += g * xhat[i];
      sumGamma[i] += dv[at] * xhat[i];
      sumBeta[i] += dv[at];
    }
    meanG /= d;
    meanGX /= d;
    for (let i = 0; i < d; i++) {
      const at = row * d + i;
      res[at] = invstd * (dv[at] * gv[i] - meanG - xhat[i] * meanGX);
    }
  }
  round(dx, res, r);
  round(dGamma, sumGamma, r);
  round(dBeta, sumBeta, r);
}

/** out[i, :] = table[indices[i], :]: values copied, rounded once when the output format is narrower. */
function embedding(table: Operand, indices: Int32Array, out: Operand, r: OutputRounding, round: Store): void {
  const d = table.shape[1];
  const tv = decoded(table); // (V, D)
  const res = resultBuffer(out); // (..., D)
  for (let i = 0; i < indices.length; i++) res.set(tv.subarray(indices[i] * d, indices[i] * d + d), i * d);
  round(out, res, r);
}

/** dTable[v, :] = sum of dy[i, :] over i with indices[i] = v, in increasing i, float32 sums. */
function embeddingBackward(
  dy: Operand,
  indices: Int32Array,
  dTable: Operand,
  r: OutputRounding,
  round: Store,
): void {
  const d = dTable.shape[1];
  const dv = decoded(dy); // (..., D)
  const res = new Float32Array(dTable.data.length); // (V, D)
  for (let i = 0; i < indices.length; i++) {
    const base = indices[i] * d;
    for (let j = 0; j < d; j++) res[base + j] = Math.fround(res[base + j] + dv[i * d + j]);
  }
  round(dTable, res, r);
}

/** out = x * mask: the float32 x float32 product is exact in float64, so the output rounds once. */
function dropout(x: Operand, mask: Operand, out: Operand, r: OutputRounding, round: Store): void {
  const xv = decoded(x);
  const mv = decoded(mask);
  const res = new Float64Array(xv.length);
  for (let i = 0; i < xv.length; i++) res[i] = xv[i] * mv[i];
  round(out, res, r);
}

/** These kernels with `round` in place of `store` (a backend's faster twin of it, same codes). */
export function normKernelsWith(round: Store): NormKernels {
  return {
    batchNorm: (x, gamma, beta, running, attrs, out, saved, r) => {
      batchNorm(x, gamma, beta, running, attrs, out, saved, r, round);
    },
    batchNormBackward: (x, gamma, dy, saved, attrs, dx, dGamma, dBeta, r) => {
      batchNormBackward(x, gamma, dy, saved, attrs, dx, dGamma, dBeta, r, round);
    },
    layerNorm: (x, gamma, beta, attrs, out, saved, r) => {
      layerNorm(x, gamma, beta, attrs, out, saved, r, round);
    },
    layerNormBackward: (x, gamma, dy, saved, dx, dGamma, dBeta, r) => {
      layerNormBackward(x, gamma, dy, saved, dx, dGamma, dBeta, r, round);
    },
    embedding: (table, indices, out, r) => {
      embedding(table, indices, out, r, round);
    },
    embeddingBackward: (dy, indices, dTable, r) => {
      embeddingBackward(dy, indices, dTable, r, round);
    },
    dropout: (x, mask, out, r) => {
      dropout(x, mask, out, r, round);
    },
  };
}

/** The reference normalization, embedding and dropout kernels. */
export const normKernels: NormKernels = normKernelsWith(store);
