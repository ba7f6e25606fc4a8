/**
 * Reference 2-D pooling kernels over NCHW tensors (DESIGN.md rule 4). Max pooling is exact (it only
 * selects values) and records the flat input index of each maximum for the backward scatter; average
 * pooling sums each window in float32 in row-major order and divides once by the window size (padding
 * counts as zeros, as PyTorch's count_include_pad); every result is rounded once into its output.
 */
import type { ConvKernels, Pool2dAttrs } from "../signatures.js";
import { decoded, resultBuffer, store, type Operand, type OutputRounding } from "../types.js";

type Dims = [number, number, number, number];

/** Max over each window (padding never wins); the first maximum in row-major order, NaN propagates. */
function maxPool2d(
  x: Operand,
  attrs: Pool2dAttrs,
  out: Operand,
  argmax: Int32Array,
  r: OutputRounding,
): void {
  const [n, c, h, w] = x.shape as Dims;
  const [, , oh, ow] = out.shape as Dims;
  const [kh, kw] = attrs.kernel;
  const [sy, sx] = attrs.stride;
  const [py, px] = attrs.padding;
  const xv = decoded(x); // (N, C, H, W)
  const res = resultBuffer(out); // (N, C, OH, OW)
  if (py === 0 && px === 0) {
    maxPoolInside(xv, [n * c, h, w, oh, ow], attrs, res, argmax);
    store(out, res, r);
    return;
  }
  let at = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let best = -Infinity;
        let where = -1;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sy - py + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sx - px + kx;
            if (ix < 0 || ix >= w) continue;
            const v = xv[base + iy * w + ix];
            if (where < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
              best = v;
              where = base + iy * w + ix;
            }
          }
        }
        res[at] = best;
        argmax[at++] = where;
      }
    }
  }
  store(out, res, r);
}

/** maxPool2d without padding, where every window lies inside the input: the same selection (the first
 * maximum, the first NaN) without the bounds checks, which dominate the general loop's time. */
function maxPoolInside(
  xv: Float32Array,
  [planes, h, w, oh, ow]: readonly [number, number, number, number, number],
  attrs: Pool2dAttrs,
  res: Float32Array,
  argmax: Int32Array,
): void {
  const [kh, kw] = attrs.kernel;
  const [sy, sx] = attrs.stride;
  let at = 0;
  for (let plane = 0; plane < planes; plane++) {
    for (let oy = 0; oy < oh; oy++) {
      const top = (plane * h + oy * sy) * w;
      for (let ox = 0; ox < ow; ox++) {
        let where = top + ox * sx;
        let best = xv[where];
        for (let ky = 0; ky < kh; ky++) {
          const row = top + ky * w + ox * sx;
          for (let i = row; i < row + kw; i++) {
            const v = xv[i];
            if (v > best || (v !== v && best === best)) {
              best = v;
              where = i;
            }
          }
        }
        res[at] = best;
        argmax[at++] = where;
      }
    }
  }
}

/** dx = dy scattered to the recorded maxima; overlapping windows add in float32 in output order. */
function maxPool2dBackward(dy: Operand, argmax: Int32Array, dx: Operand, r: OutputRounding): void {
  const gv = decoded(dy); // (N, C, OH, OW)
  const res = new Float32Array(dx.data.length); // (N, C, H, W)
  for (let i = 0; i < gv.length; i++) {
    const j = argmax[i];
    if (j >= 0) res[j] = Math.fround(res[j] + gv[i]);
  }
  store(dx, res, r);
}

/** Mean of each window: float32 sum in row-major window order, one division by KH * KW. */
function avgPool2d(x: Operand, attrs: Pool2dAttrs, out: Operand, r: OutputRounding): void {
  const [n, c, h, w] = x.shape as Dims;
  const [, , oh, ow] = out.shape as Dims;
  const [kh, kw] = attrs.kernel;
  const [sy, sx] = attrs.stride;
  const [py, px] = attrs.padding;
  const xv = decoded(x); // (N, C, H, W)
  const res = resultBuffer(out); // (N, C, OH, OW)
  const count = kh * kw;
  let at = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let acc = 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sy - py + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sx - px + kx;
            if (ix >= 0 && ix < w) acc = Math.fround(acc + xv[base + iy * w + ix]);
          }
        }
        res[at++] = Math.fround(acc / count);
      }
    }
  }
  store(out, res, r);
}

/** dx[iy, ix] = (sum of dy over the windows holding (iy, ix), in row-major output order) / (KH * KW). */
function avgPool2dBackward(dy: Operand, attrs: Pool2dAttrs, dx: Operand, r: OutputRounding): void {
  const [n, c, h, w] = dx.shape as Dims;
  const [, , oh, ow] = dy.shape as Dims;
  const [kh, kw] = attrs.kernel;
  const [sy, sx] = attrs.stride;
  const [py, px] = attrs.padding;
  const gv = decoded(dy); // (N, C, OH, OW)
  const res = resultBuffer(dx); // (N, C, H, W)
  const count = kh * kw;
  let at = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * oh * ow;
    for (let iy = 0; iy < h; iy++) {
      // Windows oy with oy*sy - py <= iy < oy*sy - py + kh.
      const oy0 = Math.max(0, Math.ceil((iy + py - kh + 1) / sy));
      const oy1 = Math.min(oh - 1, Math.floor((iy + py) / sy));
      for (let ix = 0; ix < w; ix++) {
        const ox0 = Math.max(0, Math.ceil((ix + px - kw + 1) / sx));
        const ox1 = Math.min(ow - 1, Math.floor((ix + px) / sx));
        let acc = 0;
        for (let oy = oy0; oy <= oy1; oy++) {
          for (let ox = ox0; ox <= ox1; ox++) acc = Math.fround(acc + gv[base + oy * ow + ox]);
        }
        res[at++] = Math.fround(acc / count);
      }
    }
  }
  store(dx, res, r);
}

/** The reference pooling kernels. */
export const poolKernels: Pick<
  ConvKernels,
  "maxPool2d" | "maxPool2dBackward" | "avgPool2d" | "avgPool2dBackward"
> = { maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward };
