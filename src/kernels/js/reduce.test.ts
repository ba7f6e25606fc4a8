/**
 * Reductions against hand-computed values and a float64 reference; the documented summation order
 * (sequential float32, row-major over the reduced axes); accumulate "output" versus "float32" (the
 * cancellation of small addends in a bfloat16 accumulator); mean rounded once; max with NaN.
 */
import { describe, expect, test } from "vitest";
import { encodeValue, floatFormat, randomWord } from "../../formats/index.js";
import * as ops from "../../ops/index.js";
import { Engine, fromValues } from "../../tensor/index.js";

const bf16 = floatFormat("bfloat16");

describe("sum, mean, max", () => {
  const e = new Engine();
  const x = fromValues(
    Array.from({ length: 24 }, (_, i) => i - 5),
    [2, 3, 4],
    { engine: e },
  );
  test("over chosen axes, with and without keepDims", () => {
    expect(ops.sum(x).toArray()).toEqual([156]);
    expect(ops.sum(x).shape).toEqual([]);
    const s1 = ops.sum(x, 1);
    expect(s1.shape).toEqual([2, 4]);
    expect(s1.toArray()).toEqual([-3, 0, 3, 6, 33, 36, 39, 42]);
    const s02 = ops.sum(x, [0, -1], true);
    expect(s02.shape).toEqual([1, 3, 1]);
    expect(s02.toArray()).toEqual([20, 52, 84]);
    expect(ops.mean(x, [2]).toArray()).toEqual([-3.5, 0.5, 4.5, 8.5, 12.5, 16.5]);
    expect(ops.max(x, [0, 1]).toArray()).toEqual([15, 16, 17, 18]);
    expect(ops.max(fromValues([1, NaN, 3], [3], { engine: e })).toArray()).toEqual([NaN]);
  });
  test("agree with a float64 reference on random data", () => {
    const n = 3 * 50 * 7;
    const v = Float32Array.from({ length: n }, (_, i) => randomWord(1, 0, 0, i) / 2 ** 32 - 0.5);
    const t = fromValues(v, [3, 50, 7], { engine: e });
    const got = ops.sum(t, 1).toArray();
    for (let a = 0; a < 3; a++) {
      for (let c = 0; c < 7; c++) {
        let ref = 0;
        for (let b = 0; b < 50; b++) ref += v[(a * 50 + b) * 7 + c] ?? 0;
        expect(Math.abs((got[a * 7 + c] ?? 0) - ref)).toBeLessThan(1e-5);
      }
    }
  });
  test("a sum over leading axes (the row-by-row fast path) equals the sequential float32 sum", () => {
    const v = Float32Array.from(
      { length: 4 * 6 * 5 },
      (_, i) => (randomWord(2, 0, 0, i) / 2 ** 32 - 0.5) * 1e4,
    );
    v[7] = 1e8; // cancellation makes the order visible
    v[37] = -1e8;
    const t = fromValues(v, [4, 6, 5], { engine: e });
    for (const [axes, kept] of [
      [[0], 30],
      [[0, 1], 5],
    ] as const) {
      const got = ops.sum(t, [...axes]).toArray();
      const want = Array.from({ length: kept }, (_, i) => {
        let acc = 0;
        for (let at = i; at < v.length; at += kept) acc = Math.fround(acc + (v[at] ?? 0));
        return acc;
      });
      expect(got).toEqual(want);
    }
  });
  test("the float32 sum is sequential in row-major order (documented, deterministic)", () => {
    // fround(fround(1e8 + 1) - 1e8) = 0: a float64 or pairwise sum would give 1 or 2.
    expect(ops.sum(fromValues([1e8, 1, -1e8, 1], [4], { engine: e })).toArray()).toEqual([1]);
    expect(ops.sum(fromValues([1e8, 1, -1e8, 1], [2, 2], { engine: e }), [0, 1]).toArray()).toEqual([1]);
  });
  test("mean is the float32 sum divided by n, rounded once into the output", () => {
    const v = [1, 2 ** -8, 2 ** -8, 2 ** -8];
    const t = fromValues(v, [4], { engine: e, format: "bfloat16" });
    const exact = (1 + 3 * 2 ** -8) / 4;
    expect(Array.from(ops.mean(t).data)).toEqual([encodeValue(bf16, exact, "nearest-even", false, false)]);
  });
  test("errors name the op and the shape", () => {
    expect(() => ops.sum(x, 3)).toThrow("sum: axes must be an integer in [-3, 3), got 3");
    expect(() => ops.mean(x, [1, -2])).toThrow("mean: axes [1, -2] repeat an axis of (2, 3, 4)");
    expect(() => ops.sum(x, 0, false, { accumulate: "fp64" as "output" })).toThrow(
      'sum: accumulate must be "float32" or "output", got fp64',
    );
    expect(() => ops.sumTo(x, [5, 4])).toThrow("sumTo: x (2, 3, 4) and shape (5, 4) do not broadcast");
  });
});

describe("accumulation", () => {
  // 1 followed by 1000 copies of 0.001 (bfloat16 0.00099945...), summed into bfloat16.
  const values = [1, ...new Array<number>(1000).fill(0.001)];
  const t = fromValues(values, [values.length], { format: "bfloat16" });
  test('"output": every partial sum is rounded to bfloat16, so the small addends cancel', () => {
    expect(ops.sum(t, undefined, false, { accumulate: "output" }).toArray()).toEqual([1]);
  });
  test('"float32" (default): float32 partial sums, one rounding at the end', () => {
    expect(ops.sum(t).toArray()).toEqual([2]);
    expect(ops.sum(t).format).toBe(bf16);
  });
  test('"output" rounds to the output format, not the input format', () => {
    expect(ops.sum(t, undefined, false, { accumulate: "output", format: "float32" }).toArray()[0]).toBe(
      1 + 1000 * 0.00099945068359375,
    );
  });
});
