/**
 * The reference pooling kernels against naive loops written here: max and average over each window
 * (padding excluded from max, counted as zero in the average), and the backward passes in scatter form
 * (each output's gradient sent to the inputs its window read).
 */
import { describe, expect, it } from "vitest";
import { floatFormat } from "../../formats/index.js";
import type { Pool2dAttrs } from "../signatures.js";
import { NEAREST, type Operand } from "../types.js";
import { randomValues } from "../../../test/support/random-values.js";
import { poolKernels as k } from "./pool.js";

const f32 = floatFormat("float32");

function op(data: Float32Array, shape: number[]): Operand {
  return { data, format: f32, shape };
}

const CASES: { name: string; x: [number, number, number, number]; attrs: Pool2dAttrs }[] = [
  { name: "2x2 stride 2", x: [2, 3, 6, 6], attrs: { kernel: [2, 2], stride: [2, 2], padding: [0, 0] } },
  {
    name: "3x3 stride 1 padding 1",
    x: [1, 2, 5, 6],
    attrs: { kernel: [3, 3], stride: [1, 1], padding: [1, 1] },
  },
  {
    name: "non-square overlapping",
    x: [2, 2, 7, 6],
    attrs: { kernel: [3, 2], stride: [2, 1], padding: [1, 0] },
  },
];

/** Calls body(inputIndex | -1 for padding, outputIndex) for every window element. */
function forEachWindow(
  shape: readonly number[],
  a: Pool2dAttrs,
  body: (xi: number, yi: number) => void,
): [number, number, number, number] {
  const [n, c, h, w] = shape as [number, number, number, number];
  const oh = Math.floor((h + 2 * a.padding[0] - a.kernel[0]) / a.stride[0]) + 1;
  const ow = Math.floor((w + 2 * a.padding[1] - a.kernel[1]) / a.stride[1]) + 1;
  for (let p = 0; p < n * c; p++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ky = 0; ky < a.kernel[0]; ky++)
          for (let kx = 0; kx < a.kernel[1]; kx++) {
            const iy = oy * a.stride[0] - a.padding[0] + ky;
            const ix = ox * a.stride[1] - a.padding[1] + kx;
            const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            body(inside ? (p * h + iy) * w + ix : -1, (p * oh + oy) * ow + ox);
          }
  return [n, c, oh, ow];
}

describe("pooling kernels against naive loops", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const x = randomValues(
        c.x.reduce((a, b) => a * b, 1),
        11,
      );
      const ys = forEachWindow(c.x, c.attrs, () => undefined);
      const ny = ys.reduce((a, b) => a * b, 1);
      const dy = randomValues(ny, 12);
      const max = new Float64Array(ny).fill(-Infinity);
      const where = new Int32Array(ny).fill(-1);
      const sum = new Float64Array(ny);
      const dxAvg = new Float64Array(x.length);
      const count = c.attrs.kernel[0] * c.attrs.kernel[1];
      forEachWindow(c.x, c.attrs, (xi, yi) => {
        if (xi < 0) return;
        if (x[xi] > max[yi]) [max[yi], where[yi]] = [x[xi], xi];
        sum[yi] += x[xi];
        dxAvg[xi] += dy[yi] / count;
      });
      const dxMax = new Float64Array(x.length);
      where.forEach((xi, yi) => (dxMax[xi] += dy[yi]));

      const out = op(new Float32Array(ny), ys);
      const argmax = new Int32Array(ny);
      k.maxPool2d(op(x, c.x), c.attrs, out, argmax, NEAREST);
      expect(Array.from(out.data)).toEqual(Array.from(max));
      expect(Array.from(argmax)).toEqual(Array.from(where));
      const dx = op(new Float32Array(x.length), c.x);
      k.maxPool2dBackward(op(dy, ys), argmax, dx, NEAREST);
      dx.data.forEach((v, i) => {
        expect(v).toBeCloseTo(dxMax[i], 6);
      });

      k.avgPool2d(op(x, c.x), c.attrs, out, NEAREST);
      out.data.forEach((v, i) => {
        expect(v).toBeCloseTo(sum[i] / count, 6);
      });
      k.avgPool2dBackward(op(dy, ys), c.attrs, dx, NEAREST);
      dx.data.forEach((v, i) => {
        expect(v).toBeCloseTo(dxAvg[i], 6);
      });
    });
  }

  it("max pooling propagates NaN and takes the first of equal maxima", () => {
    const x = op(Float32Array.from([1, 3, 3, 0, NaN, 2, 5, 1]), [1, 2, 2, 2]);
    const out = op(new Float32Array(2), [1, 2, 1, 1]);
    const argmax = new Int32Array(2);
    k.maxPool2d(x, { kernel: [2, 2], stride: [2, 2], padding: [0, 0] }, out, argmax, NEAREST);
    expect(Array.from(argmax)).toEqual([1, 4]);
    expect(out.data[0]).toBe(3);
    expect(Number.isNaN(out.data[1])).toBe(true);
  });
});
