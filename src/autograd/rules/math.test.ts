/**
 * Finite-difference checks of the reduction, matmul and softmax-family gradient rules (float32), with
 * transposes, broadcast batch axes and 1-D operands, plus max's even split among tied maxima.
 */
import { describe, expect, test } from "vitest";
import * as ops from "../../ops/index.js";
import { Engine, fromValues, type Shape, type Tensor } from "../../tensor/index.js";
import { backward } from "../backward.js";
import { checkGradients, type GradCheckInput } from "../gradcheck.js";

function input(shape: Shape, seed: number, lo = -2, hi = 2): GradCheckInput {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = seed * 2654435761 + 7;
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    values.push(Math.fround(lo + ((hi - lo) * s) / 2 ** 31));
  }
  return { values, shape };
}

function expectGradientsOk(fn: (xs: Tensor[]) => Tensor, inputs: GradCheckInput[]): void {
  const r = checkGradients(fn, inputs);
  expect(r.checked).toBeGreaterThan(0);
  expect(r.ok, JSON.stringify(r.worst)).toBe(true);
}

const at = (xs: Tensor[], i: number): Tensor => xs[i];

describe("reductions", () => {
  const axesCases: [number[] | undefined, boolean][] = [
    [undefined, false],
    [[1], false],
    [[0, 2], true],
    [[-1], true],
  ];
  test.each(axesCases)("sum, mean and max over %j (keepDims %s)", (axes, keepDims) => {
    const x = input([2, 3, 4], 1);
    expectGradientsOk((xs) => ops.sum(at(xs, 0), axes, keepDims), [x]);
    expectGradientsOk((xs) => ops.mean(at(xs, 0), axes, keepDims), [x]);
    expectGradientsOk((xs) => ops.max(at(xs, 0), axes, keepDims), [x]);
  });

  test("max splits the gradient evenly among tied maxima", () => {
    const e = new Engine();
    const x = fromValues([3, 1, 3, 3, 2, 0, 5, 5], [2, 4], { engine: e, requiresGrad: true });
    backward(ops.max(x, 1), { grad: fromValues([6, 4], [2], { engine: e }) });
    expect(x.grad?.toArray()).toEqual([2, 0, 2, 2, 0, 0, 2, 2]);
  });

  test("sumTo sums the broadcast axes away", () => {
    expectGradientsOk((xs) => ops.sumTo(at(xs, 0), [3, 1]), [input([2, 3, 4], 2)]);
    const e = new Engine();
    const y = ops.sumTo(fromValues([1, 2, 3, 4, 5, 6], [2, 3], { engine: e }), [1, 3]);
    expect(y.shape).toEqual([1, 3]);
    expect(y.toArray()).toEqual([5, 7, 9]);
  });
});

describe("matmul", () => {
  const cases: [string, Shape, Shape, boolean, boolean][] = [
    ["plain", [3, 4], [4, 2], false, false],
    ["transA", [4, 3], [4, 2], true, false],
    ["transB", [3, 4], [2, 4], false, true],
    ["both", [4, 3], [2, 4], true, true],
    ["batched", [2, 3, 4], [2, 4, 2], false, false],
    ["batch broadcast", [2, 1, 3, 4], [3, 4, 2], false, false],
    ["batch broadcast, transposed", [2, 1, 4, 3], [3, 2, 4], true, true],
    ["b shared by a batch", [2, 3, 4], [4, 2], false, false],
  ];
  test.each(cases)("%s: a %j b %j", (_name, sa, sb, transA, transB) => {
    expectGradientsOk(
      (xs) => ops.matmul(at(xs, 0), at(xs, 1), { transA, transB }),
      [input(sa, 3), input(sb, 4)],
    );
  });
  test("1-D operands", () => {
    expectGradientsOk((xs) => ops.matmul(at(xs, 0), at(xs, 1)), [input([4], 5), input([4, 3], 6)]);
    expectGradientsOk((xs) => ops.matmul(at(xs, 0), at(xs, 1)), [input([2, 4], 7), input([4], 8)]);
    expectGradientsOk((xs) => ops.matmul(at(xs, 0), at(xs, 1)), [input([4], 9), input([4], 10)]);
  });
});

describe("softmax family", () => {
  test.each([-1, 0, 1])("softmax and logSoftmax along axis %i", (axis) => {
    const x = input([3, 4, 2], 11, -3, 3);
    expectGradientsOk((xs) => ops.softmax(at(xs, 0), axis), [x]);
    expectGradientsOk((xs) => ops.logSoftmax(at(xs, 0), axis), [x]);
  });
  test.each([0, 0.1])("crossEntropy with labelSmoothing %f", (labelSmoothing) => {
    expectGradientsOk(
      (xs) => ops.crossEntropy(at(xs, 0), [2, 0, 4], { labelSmoothing }),
      [input([3, 5], 12, -3, 3)],
    );
  });
  test("crossEntropy composed with a layer: gradients reach the weights", () => {
    expectGradientsOk(
      (xs) => ops.crossEntropy(ops.matmul(at(xs, 0), at(xs, 1)), Int32Array.of(1, 0)),
      [input([2, 3], 13), input([3, 4], 14)],
    );
  });
});
