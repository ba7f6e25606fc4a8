/**
 * The view and data-movement ops (reshape, permute, transpose, slice with steps, broadcastTo, concat, pad,
 * contiguous): values against hand-computed ones, argument errors, and every gradient rule by finite
 * differences.
 */
import { describe, expect, test } from "vitest";
import { checkGradients, type GradCheckInput } from "../autograd/index.js";
import { Engine, fromValues, type Tensor } from "../tensor/index.js";
import { mul } from "./elementwise.js";
import { broadcastTo, concat, contiguous, pad, permute, reshape, slice, transpose } from "./views.js";

const e = new Engine();
const iota = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const x234 = fromValues(iota(24), [2, 3, 4], { engine: e });

describe("values", () => {
  test("reshape, including -1, shares storage", () => {
    const r = reshape(x234, [4, -1]);
    expect(r.shape).toEqual([4, 6]);
    expect(r.storage).toBe(x234.storage);
    expect(r.toArray()).toEqual(iota(24));
  });
  test("permute and transpose reorder axes", () => {
    const p = permute(x234, [2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.toArray().slice(0, 6)).toEqual([0, 4, 8, 12, 16, 20]);
    const t = transpose(fromValues(iota(6), [2, 3], { engine: e }));
    expect(t.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    expect(contiguous(t).isContiguous()).toBe(true);
  });
  test("slice with steps and negative bounds", () => {
    const s = slice(x234, [1, 0, 0], [2, 3, 4], [1, 2, 3]);
    expect(s.shape).toEqual([1, 2, 2]);
    expect(s.toArray()).toEqual([12, 15, 20, 23]);
    expect(slice(fromValues(iota(5), [5], { engine: e }), [-3], [5]).toArray()).toEqual([2, 3, 4]);
  });
  test("broadcastTo reads with zero strides", () => {
    const b = broadcastTo(fromValues([1, 2, 3], [3], { engine: e }), [2, 3]);
    expect(b.toArray()).toEqual([1, 2, 3, 1, 2, 3]);
  });
  test("concat and pad copy codes", () => {
    const a = fromValues([1, 2, 3, 4], [2, 2], { engine: e, format: "bfloat16" });
    const b = fromValues([5, 6], [2, 1], { engine: e, format: "bfloat16" });
    const c = concat([a, b], -1);
    expect(c.format.name).toBe("bfloat16");
    expect(c.toArray()).toEqual([1, 2, 5, 3, 4, 6]);
    const p = pad(
      b,
      [
        [1, 0],
        [0, 2],
      ],
      -1,
    );
    expect(p.shape).toEqual([3, 3]);
    expect(p.toArray()).toEqual([-1, -1, -1, 5, -1, -1, 6, -1, -1]);
  });
  test("errors name the op and the shapes", () => {
    expect(() => reshape(x234, [5, -1])).toThrow("reshape: cannot view (2, 3, 4) (24 elements) as (5, -1)");
    expect(() => permute(x234, [0, 0, 1])).toThrow(
      "permute: axes must be a permutation of 0..2 for (2, 3, 4)",
    );
    expect(() => broadcastTo(x234, [3, 4])).toThrow("broadcastTo");
    expect(() => concat([x234, fromValues([1], [1, 1, 1], { engine: e })], 2)).toThrow(
      "concat: input 1 expected (2, 3, -1) (any size on axis 2), got (1, 1, 1)",
    );
    expect(() => slice(x234, [0], [1], [0])).toThrow("slice: steps[0] must be a positive integer, got 0");
  });
});

describe("gradient rules", () => {
  const input = (shape: number[], seed: number): GradCheckInput => ({
    values: iota(shape.reduce((p, d) => p * d, 1)).map((i) => Math.fround(Math.sin(seed * 7 + i * 1.3))),
    shape,
  });
  const at = (xs: Tensor[], i: number): Tensor => xs[i];
  const cases: [string, (xs: Tensor[]) => Tensor, GradCheckInput[]][] = [
    ["reshape", (xs) => reshape(at(xs, 0), [3, -1]), [input([2, 3, 2], 1)]],
    ["permute", (xs) => permute(at(xs, 0), [1, 2, 0]), [input([2, 3, 2], 2)]],
    ["transpose then reshape", (xs) => reshape(transpose(at(xs, 0)), [-1]), [input([3, 4], 3)]],
    ["slice with steps", (xs) => slice(at(xs, 0), [0, 1], [5, 4], [2, 2]), [input([5, 4], 4)]],
    ["broadcastTo", (xs) => broadcastTo(at(xs, 0), [2, 3, 4]), [input([3, 1], 5)]],
    ["concat", (xs) => concat([at(xs, 0), at(xs, 1)], 1), [input([2, 2], 6), input([2, 3], 7)]],
    [
      "pad",
      (xs) =>
        pad(
          at(xs, 0),
          [
            [1, 2],
            [0, 1],
          ],
          0.5,
        ),
      [input([2, 3], 8)],
    ],
    ["contiguous of a view", (xs) => contiguous(permute(mul(at(xs, 0), 2), [1, 0])), [input([2, 3], 9)]],
  ];
  test.each(cases)("%s", (_name, fn, inputs) => {
    const r = checkGradients(fn, inputs);
    expect(r.checked).toBeGreaterThan(0);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  });
});
