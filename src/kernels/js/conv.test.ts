/**
 * The reference convolution kernels against naive float64 loops written here in the scatter form
 * (every multiply-add of the forward pass sends its contribution to y, dx and dw), over stride,
 * padding, dilation, groups (and depthwise) and non-square kernels; and the simulated-FPU contract of
 * DESIGN.md rule 4 for both accumulation modes.
 */
import { describe, expect, it } from "vitest";
import { decodeArray, encodeArray, floatFormat, roundTo } from "../../formats/index.js";
import type { Conv2dAttrs } from "../signatures.js";
import { NEAREST, type Operand } from "../types.js";
import { randomValues } from "../../../test/support/random-values.js";
import { convKernels as k } from "./conv.js";

const f32 = floatFormat("float32");
const bf16 = floatFormat("bfloat16");

function op(data: Float32Array, shape: number[]): Operand {
  return { data, format: f32, shape };
}

interface Case {
  readonly name: string;
  readonly x: [number, number, number, number];
  readonly w: [number, number, number, number];
  readonly attrs: Conv2dAttrs;
}

function attrs(o: Partial<Conv2dAttrs>): Conv2dAttrs {
  return { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1, accumulate: "float32", ...o };
}

const CASES: Case[] = [
  { name: "plain 3x3", x: [2, 3, 6, 5], w: [4, 3, 3, 3], attrs: attrs({}) },
  {
    name: "stride 2, padding 1",
    x: [2, 2, 7, 6],
    w: [3, 2, 3, 3],
    attrs: attrs({ stride: [2, 2], padding: [1, 1] }),
  },
  {
    name: "dilation 2",
    x: [1, 2, 8, 7],
    w: [2, 2, 3, 2],
    attrs: attrs({ dilation: [2, 2], padding: [2, 1] }),
  },
  {
    name: "groups 2, non-square",
    x: [2, 4, 6, 7],
    w: [6, 2, 2, 3],
    attrs: attrs({ groups: 2, stride: [1, 2] }),
  },
  { name: "depthwise", x: [2, 3, 5, 5], w: [3, 1, 3, 3], attrs: attrs({ groups: 3, padding: [1, 1] }) },
  {
    name: "everything",
    x: [1, 4, 9, 8],
    w: [4, 2, 3, 2],
    attrs: attrs({ groups: 2, stride: [2, 1], padding: [1, 2], dilation: [2, 1] }),
  },
];

function outShape(c: Case): [number, number, number, number] {
  const { stride, padding, dilation } = c.attrs;
  const o = (i: number): number =>
    Math.floor((c.x[2 + i] + 2 * padding[i] - dilation[i] * (c.w[2 + i] - 1) - 1) / stride[i]) + 1;
  return [c.x[0], c.w[0], o(0), o(1)];
}

/** Calls body(xi, wi, yi) for every multiply-add of the forward convolution (flat indices). */
function forEachMac(c: Case, body: (xi: number, wi: number, yi: number) => void): void {
  const [n, cin, h, w] = c.x;
  const [cout, cinG, kh, kw] = c.w;
  const [, , oh, ow] = outShape(c);
  const { stride, padding, dilation, groups } = c.attrs;
  const coutG = cout / groups;
  for (let b = 0; b < n; b++)
    for (let co = 0; co < cout; co++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++)
          for (let ci = 0; ci < cinG; ci++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = oy * stride[0] - padding[0] + ky * dilation[0];
                const ix = ox * stride[1] - padding[1] + kx * dilation[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                const cIn = Math.floor(co / coutG) * cinG + ci;
                body(
                  ((b * cin + cIn) * h + iy) * w + ix,
                  ((co * cinG + ci) * kh + ky) * kw + kx,
                  ((b * cout + co) * oh + oy) * ow + ox,
                );
              }
}

function expectClose(got: Float32Array, want: Float64Array, scale: Float64Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 * scale[i] + 1e-30);
  }
}

describe("conv2d kernels against float64 loops", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
      const ys = outShape(c);
      const x = randomValues(size(c.x), 1);
      const w = randomValues(size(c.w), 2);
      const bias = randomValues(c.w[0], 3);
      const dy = randomValues(size(ys), 4);
      const [y, yAbs] = [new Float64Array(size(ys)), new Float64Array(size(ys))];
      const [dx, dxAbs] = [new Float64Array(x.length), new Float64Array(x.length)];
      const [dw, dwAbs] = [new Float64Array(w.length), new Float64Array(w.length)];
      forEachMac(c, (xi, wi, yi) => {
        y[yi] += x[xi] * w[wi];
        yAbs[yi] += Math.abs(x[xi] * w[wi]);
        dx[xi] += dy[yi] * w[wi];
        dxAbs[xi] += Math.abs(dy[yi] * w[wi]);
        dw[wi] += x[xi] * dy[yi];
        dwAbs[wi] += Math.abs(x[xi] * dy[yi]);
      });
      const dBias = new Float64Array(c.w[0]);
      const dBiasAbs = new Float64Array(c.w[0]);
      const plane = ys[2] * ys[3];
      for (let i = 0; i < dy.length; i++) {
        const co = Math.floor(i / plane) % c.w[0];
        dBias[co] += dy[i];
        dBiasAbs[co] += Math.abs(dy[i]);
      }
      for (let i = 0; i < y.length; i++) {
        const co = Math.floor(i / plane) % c.w[0];
        y[i] += bias[co];
        yAbs[i] += Math.abs(bias[co]);
      }
      const out = op(new Float32Array(y.length), ys);
      k.conv2d(op(x, c.x), op(w, c.w), op(bias, [c.w[0]]), c.attrs, out, NEAREST);
      expectClose(out.data as Float32Array, y, yAbs);
      const dxOut = op(new Float32Array(x.length), c.x);
      k.conv2dBackwardData(op(dy, ys), op(w, c.w), c.attrs, dxOut, NEAREST);
      expectClose(dxOut.data as Float32Array, dx, dxAbs);
      const dwOut = op(new Float32Array(w.length), c.w);
      k.conv2dBackwardFilter(op(x, c.x), op(dy, ys), c.attrs, dwOut, NEAREST);
      expectClose(dwOut.data as Float32Array, dw, dwAbs);
      const dbOut = op(new Float32Array(c.w[0]), [c.w[0]]);
      k.conv2dBackwardBias(op(dy, ys), c.attrs, dbOut, NEAREST);
      expectClose(dbOut.data as Float32Array, dBias, dBiasAbs);
    });
  }
});

describe("conv2d on the simulated FPU (DESIGN.md rule 4)", () => {
  const c: Case = { name: "", x: [2, 8, 6, 6], w: [4, 8, 3, 3], attrs: attrs({ padding: [1, 1] }) };
  const ys = outShape(c);
  const n = ys.reduce((a, b) => a * b, 1);
  const xCodes = encodeArray(
    bf16,
    randomValues(2 * 8 * 36, 5).map((v) => v * 4),
  );
  const wCodes = encodeArray(bf16, randomValues(4 * 8 * 9, 6));
  const x: Operand = { data: xCodes as Uint16Array, format: bf16, shape: c.x };
  const w: Operand = { data: wCodes as Uint16Array, format: bf16, shape: c.w };
  const float32Result = (): Float32Array => {
    const out = op(new Float32Array(n), ys);
    k.conv2d(x, w, null, c.attrs, out, NEAREST);
    return out.data as Float32Array;
  };

  it("bfloat16 output with float32 accumulation equals the float32 result rounded once", () => {
    const out: Operand = { data: new Uint16Array(n), format: bf16, shape: ys };
    k.conv2d(x, w, null, c.attrs, out, NEAREST);
    expect(Array.from(out.data)).toEqual(Array.from(encodeArray(bf16, float32Result())));
  });

  it('accumulate "output" rounds every partial sum to bfloat16', () => {
    const xv = decodeArray(bf16, xCodes);
    const wv = decodeArray(bf16, wCodes);
    const want = new Float64Array(n);
    forEachMac(c, (xi, wi, yi) => {
      want[yi] = roundTo(bf16, want[yi] + xv[xi] * wv[wi]);
    });
    const out: Operand = { data: new Uint16Array(n), format: bf16, shape: ys };
    k.conv2d(x, w, null, { ...c.attrs, accumulate: "output" }, out, NEAREST);
    const got = decodeArray(bf16, out.data);
    expect(Array.from(got)).toEqual(Array.from(want));
    const once = decodeArray(bf16, encodeArray(bf16, float32Result()));
    const differing = got.filter((v, i) => v !== once[i]).length;
    expect(differing).toBeGreaterThan(n / 10);
  });
});
