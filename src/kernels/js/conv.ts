/**
 * Reference convolution kernels over NCHW tensors (forward, backward data, backward filter, bias) on the
 * simulated FPU of DESIGN.md rule 4: inputs decoded exactly, products rounded to float32 (exact for
 * formats of 12 significant bits or fewer), each output element summed in one fixed order, one rounding
 * into the output. Direct loops, no im2col: the order is the documentation a faster kernel must match.
 */
import { nearestAdd, type FloatFormat } from "../../formats/index.js";
import type { Conv2dAttrs, ConvKernels } from "../signatures.js";
import {
  decoded,
  resultBuffer,
  store,
  type Accumulate,
  type Operand,
  type OutputRounding,
} from "../types.js";
import { poolKernels } from "./pool.js";

/** Add a float32 product to a running sum: fl32(acc + p) for accumulate "float32"; for "output" the exact
 * acc + p rounded once (nearest-even) to the output format, a strict low-precision FPU (rule 4). */
export type Adder = (acc: number, p: number) => number;

/** The running-sum update of an accumulation mode into `format`. */
export function adder(format: FloatFormat, accumulate: Accumulate): Adder {
  if (accumulate === "float32" || format.bits === 32) return (acc, p) => Math.fround(acc + p);
  return (acc, p) => nearestAdd(format, acc, p);
}

interface Geometry {
  readonly n: number;
  readonly cin: number;
  readonly h: number;
  readonly w: number;
  readonly cout: number;
  readonly kh: number;
  readonly kw: number;
  readonly oh: number;
  readonly ow: number;
  /** Input and output channels per group. */
  readonly cinG: number;
  readonly coutG: number;
}

function geometry(
  xShape: readonly number[],
  wShape: readonly number[],
  yShape: readonly number[],
  groups: number,
): Geometry {
  const [n, cin, h, w] = xShape as [number, number, number, number];
  const [cout, cinG, kh, kw] = wShape as [number, number, number, number];
  const [, , oh, ow] = yShape as [number, number, number, number];
  return { n, cin, h, w, cout, kh, kw, oh, ow, cinG, coutG: cout / groups };
}

/**
 * out[n, co, oy, ox] = sum over (ci in co's group, ky, kx) in increasing order of
 * x[n, ci, oy*sy - py + ky*dy, ox*sx - px + kx*dx] * w[co, ci, ky, kx] (padding contributes nothing),
 * then + bias[co]; each product rounded to float32, each partial sum as `adder` says.
 */
function conv2d(
  x: Operand,
  w: Operand,
  bias: Operand | null,
  attrs: Conv2dAttrs,
  out: Operand,
  r: OutputRounding,
): void {
  const g = geometry(x.shape, w.shape, out.shape, attrs.groups);
  const [sy, sx] = attrs.stride;
  const [py, px] = attrs.padding;
  const [dy, dx] = attrs.dilation;
  const xv = decoded(x); // (N, Cin, H, W)
  const wv = decoded(w); // (Cout, Cin/groups, KH, KW)
  const bv = bias === null ? null : decoded(bias); // (Cout)
  const res = resultBuffer(out); // (N, Cout, OH, OW)
  const add = adder(out.format, attrs.accumulate);
  let at = 0;
  for (let b = 0; b < g.n; b++) {
    for (let co = 0; co < g.cout; co++) {
      const ci0 = Math.floor(co / g.coutG) * g.cinG;
      for (let oy = 0; oy < g.oh; oy++) {
        for (let ox = 0; ox < g.ow; ox++) {
          let acc = 0;
          for (let c = 0; c < g.cinG; c++) {
            const xBase = (b * g.cin + ci0 + c) * g.h;
            const wBase = (co * g.cinG + c) * g.kh;
            for (let ky = 0; ky < g.kh; ky++) {
              const iy = oy * sy - py + ky * dy;
              if (iy < 0 || iy >= g.h) continue;
              for (let kx = 0; kx < g.kw; kx++) {
                const ix = ox * sx - px + kx * dx;
                if (ix < 0 || ix >= g.w) continue;
                acc = add(acc, Math.fround(xv[(xBase + iy) * g.w + ix] * wv[(wBase + ky) * g.kw + kx]));
              }
            }
          }
          res[at++] = bv === null ? acc : add(acc, bv[co]);
        }
      }
    }
  }
  store(out, res, r);
}

/**
 * dx[n, ci, iy, ix] = sum over (co in ci's group, ky, kx) in increasing order of
 * dy[n, co, oy, ox] * w[co, ci, ky, kx] where iy = oy*sy - py + ky*dy (and likewise for x) has an integer
 * solution oy in range: the transposed convolution, gathered per input element.
 */
function conv2dBackwardData(
  dyOp: Operand,
  w: Operand,
  attrs: Conv2dAttrs,
  dxOp: Operand,
  r: OutputRounding,
): void {
  const g = geometry(dxOp.shape, w.shape, dyOp.shape, attrs.groups);
  const [sy, sx] = attrs.stride;
  const [py, px] = attrs.padding;
  const [dly, dlx] = attrs.dilation;
  const gv = decoded(dyOp); // (N, Cout, OH, OW)
  const wv = decoded(w); // (Cout, Cin/groups, KH, KW)
  const res = resultBuffer(dxOp); // (N, Cin, H, W)
  const add = adder(dxOp.format, attrs.accumulate);
  let at = 0;
  for (let b = 0; b < g.n; b++) {
    for (let ci = 0; ci < g.cin; ci++) {
      const group = Math.floor(ci / g.cinG);
      const c = ci - group * g.cinG;
      for (let iy = 0; iy < g.h; iy++) {
        for (let ix = 0; ix < g.w; ix++) {
          let acc = 0;
          for (let co = group * g.coutG; co < (group + 1) * g.coutG; co++) {
            const gBase = (b * g.cout + co) * g.oh;
            const wBase = (co * g.cinG + c) * g.kh;
            for (let ky = 0; ky < g.kh; ky++) {
              const ty = iy + py - ky * dly;
              if (ty < 0 || ty % sy !== 0 || ty / sy >= g.oh) continue;
              const oy = ty / sy;
              for (let kx = 0; kx < g.kw; kx++) {
                const tx = ix + px - kx * dlx;
                if (tx < 0 || tx % sx !== 0 || tx / sx >= g.ow) continue;
                acc = add(acc, Math.fround(gv[(gBase + oy) * g.ow + tx / sx] * wv[(wBase + ky) * g.kw + kx]));
              }
            }
          }
          res[at++] = acc;
        }
      }
    }
  }
  store(dxOp, res, r);
}

/**
 * dw[co, c, ky, kx] = sum over (n, oy, ox) in increasing order of
 * x[n, ci, oy*sy - py + ky*dy, ox*sx - px + kx*dx] * dy[n, co, oy, ox], ci the c-th channel of co's group.
 */
function conv2dBackwardFilter(
  x: Operand,
  dyOp: Operand,
  attrs: Conv2dAttrs,
  dw: Operand,
  r: OutputRounding,
): void {
  const g = geometry(x.shape, dw.shape, dyOp.shape, attrs.groups);
  const [sy, sx] = attrs.stride;
  const [py, px] = attrs.padding;
  const [dly, dlx] = attrs.dilation;
  const xv = decoded(x); // (N, Cin, H, W)
  const gv = decoded(dyOp); // (N, Cout, OH, OW)
  const res = resultBuffer(dw); // (Cout, Cin/groups, KH, KW)
  const add = adder(dw.format, attrs.accumulate);
  let at = 0;
  for (let co = 0; co < g.cout; co++) {
    const ci0 = Math.floor(co / g.coutG) * g.cinG;
    for (let c = 0; c < g.cinG; c++) {
      for (let ky = 0; ky < g.kh; ky++) {
        for (let kx = 0; kx < g.kw; kx++) {
          let acc = 0;
          for (let b = 0; b < g.n; b++) {
            const xBase = (b * g.cin + ci0 + c) * g.h;
            const gBase = (b * g.cout + co) * g.oh;
            for (let oy = 0; oy < g.oh; oy++) {
              const iy = oy * sy - py + ky * dly;
              if (iy < 0 || iy >= g.h) continue;
              for (let ox = 0; ox < g.ow; ox++) {
                const ix = ox * sx - px + kx * dlx;
                if (ix < 0 || ix >= g.w) continue;
                acc = add(acc, Math.fround(xv[(xBase + iy) * g.w + ix] * gv[(gBase + oy) * g.ow + ox]));
              }
            }
          }
          res[at++] = acc;
        }
      }
    }
  }
  store(dw, res, r);
}

/** dBias[co] = sum over (n, oy, ox) in increasing order of dy[n, co, oy, ox]. */
function conv2dBackwardBias(dyOp: Operand, attrs: Conv2dAttrs, dBias: Operand, r: OutputRounding): void {
  const [n, cout, oh, ow] = dyOp.shape as [number, number, number, number];
  const gv = decoded(dyOp); // (N, Cout, OH, OW)
  const res = resultBuffer(dBias); // (Cout)
  const add = adder(dBias.format, attrs.accumulate);
  const plane = oh * ow;
  const f32 = attrs.accumulate === "float32" || dBias.format.bits === 32; // the adder is fl32(acc + p)
  for (let co = 0; co < cout; co++) {
    let acc = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * cout + co) * plane;
      // The float32 adder written inline: a closure call per element costs more than the addition.
      if (f32) for (let i = base; i < base + plane; i++) acc = Math.fround(acc + gv[i]);
      else for (let i = base; i < base + plane; i++) acc = add(acc, gv[i]);
    }
    res[co] = acc;
  }
  store(dBias, res, r);
}

/** The reference convolution and pooling kernels. */
export const convKernels: ConvKernels = {
  conv2d,
  conv2dBackwardData,
  conv2dBackwardFilter,
  conv2dBackwardBias,
  ...poolKernels,
};
