/**
 * Slow JavaScript references for the wasm kernel tests (src/kernels/wasm/*.test.ts): GEMM and the three
 * convolution passes as naive loops over decoded float32 values, each summing in exactly the order the
 * wasm kernels document, with Math.fround after every product and every sum, so results compare bit
 * for bit. Also the kernels under test, which must have been built (`npm run build`).
 */
import { wasmKernels, type WasmKernels } from "../../src/kernels/wasm/index.js";

/** The default wasm kernels; fails the test with a hint when the module has not been built. */
export function kernels(): WasmKernels {
  const k = wasmKernels();
  if (k === null) throw new Error("wasm module missing: run `npm run build` (it compiles assembly/)");
  return k;
}

/** C (m x n) = op(A) op(B) for one matrix: C[i][j] = ((0 + a0 b0) + a1 b1) + ... with k increasing. */
export function gemmReference(
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  transA = false,
  transB = false,
): Float32Array {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        const bv = transB ? b[j * k + p] : b[p * n + j];
        s = Math.fround(s + Math.fround(av * bv));
      }
      c[i * n + j] = s;
    }
  }
  return c;
}

/** A convolution geometry with every field explicit (input n c h w, filter o c/groups kh kw). */
export interface Geometry {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly o: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
  readonly groups: number;
}

/** Output height and width of a geometry. */
export function outputSize(g: Geometry): [number, number] {
  return [
    Math.floor((g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh) + 1,
    Math.floor((g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw) + 1,
  ];
}

/** x[n, c, iy, ix] for the output pixel (oy, ox) and filter tap (ky, kx), or null in the padding. */
function tap(g: Geometry, oy: number, ox: number, ky: number, kx: number): [number, number] | null {
  const iy = oy * g.sh - g.ph + ky * g.dh;
  const ix = ox * g.sw - g.pw + kx * g.dw;
  return iy < 0 || iy >= g.h || ix < 0 || ix >= g.w ? null : [iy, ix];
}

/** y[n,o,oy,ox] = sum over (c, ky, kx) increasing of w[o,c,ky,kx] x[n, g*Cg + c, iy, ix] (padding adds
 * +0 * w, as the im2col GEMM does). */
export function convForwardReference(g: Geometry, x: Float32Array, w: Float32Array): Float32Array {
  const [oh, ow] = outputSize(g);
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const y = new Float32Array(g.n * g.o * oh * ow);
  for (let n = 0; n < g.n; n++) {
    for (let o = 0; o < g.o; o++) {
      const grp = Math.floor(o / og);
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let s = 0;
          for (let c = 0; c < cg; c++) {
            for (let ky = 0; ky < g.kh; ky++) {
              for (let kx = 0; kx < g.kw; kx++) {
                const t = tap(g, oy, ox, ky, kx);
                const xv = t === null ? 0 : x[((n * g.c + grp * cg + c) * g.h + t[0]) * g.w + t[1]];
                const wv = w[((o * cg + c) * g.kh + ky) * g.kw + kx];
                s = Math.fround(s + Math.fround(wv * xv));
              }
            }
          }
          y[((n * g.o + o) * oh + oy) * ow + ox] = s;
        }
      }
    }
  }
  return y;
}

/** dx[n,c,iy,ix] = sum over (o, ky, kx) increasing of w[o,c,ky,kx] dy[n, g*Og + o, oy, ox], where
 * oy = (iy + ph - ky*dh) / sh (likewise ox) and dy reads 0 unless that divides and lies inside. */
export function convBackwardDataReference(g: Geometry, dy: Float32Array, w: Float32Array): Float32Array {
  const [oh, ow] = outputSize(g);
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const dx = new Float32Array(g.n * g.c * g.h * g.w);
  const source = (i: number, p: number, k: number, d: number, s: number, lim: number): number => {
    const num = i + p - k * d;
    return num >= 0 && num % s === 0 && num / s < lim ? num / s : -1;
  };
  for (let n = 0; n < g.n; n++) {
    for (let c = 0; c < g.c; c++) {
      const grp = Math.floor(c / cg);
      for (let iy = 0; iy < g.h; iy++) {
        for (let ix = 0; ix < g.w; ix++) {
          let s = 0;
          for (let o = 0; o < og; o++) {
            for (let ky = 0; ky < g.kh; ky++) {
              for (let kx = 0; kx < g.kw; kx++) {
                const oy = source(iy, g.ph, ky, g.dh, g.sh, oh);
                const ox = source(ix, g.pw, kx, g.dw, g.sw, ow);
                const dv = oy < 0 || ox < 0 ? 0 : dy[((n * g.o + grp * og + o) * oh + oy) * ow + ox];
                const wv = w[(((grp * og + o) * cg + (c - grp * cg)) * g.kh + ky) * g.kw + kx];
                s = Math.fround(s + Math.fround(wv * dv));
              }
            }
          }
          dx[((n * g.c + c) * g.h + iy) * g.w + ix] = s;
        }
      }
    }
  }
  return dx;
}

/** dw[o,c,ky,kx] = sum over (n, oy, ox) increasing of dy[n,o,oy,ox] x[n, g*Cg + c, iy, ix]. */
export function convBackwardFilterReference(g: Geometry, x: Float32Array, dy: Float32Array): Float32Array {
  const [oh, ow] = outputSize(g);
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const dw = new Float32Array(g.o * cg * g.kh * g.kw);
  for (let o = 0; o < g.o; o++) {
    const grp = Math.floor(o / og);
    for (let c = 0; c < cg; c++) {
      for (let ky = 0; ky < g.kh; ky++) {
        for (let kx = 0; kx < g.kw; kx++) {
          let s = 0;
          for (let n = 0; n < g.n; n++) {
            for (let oy = 0; oy < oh; oy++) {
              for (let ox = 0; ox < ow; ox++) {
                const t = tap(g, oy, ox, ky, kx);
                const xv = t === null ? 0 : x[((n * g.c + grp * cg + c) * g.h + t[0]) * g.w + t[1]];
                s = Math.fround(s + Math.fround(dy[((n * g.o + o) * oh + oy) * ow + ox] * xv));
              }
            }
          }
          dw[((o * cg + c) * g.kh + ky) * g.kw + kx] = s;
        }
      }
    }
  }
  return dw;
}
