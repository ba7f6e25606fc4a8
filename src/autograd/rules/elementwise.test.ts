/**
 * Finite-difference checks of every elementwise gradient rule (float32, inputs away from kinks), with
 * broadcasting and number operands, plus the rules a difference quotient cannot see: ties of
 * maximum/minimum split evenly, sign and comparisons pass nothing, cast passes dy through.
 */
import { describe, expect, test } from "vitest";
import * as ops from "../../ops/index.js";
import { Engine, fromValues, type Shape, type Tensor } from "../../tensor/index.js";
import { backward } from "../backward.js";
import { checkGradients, type GradCheckInput } from "../gradcheck.js";

/** Deterministic values in [lo, hi), kept at least `gap` away from zero when gap > 0. */
function values(n: number, seed: number, lo = -2, hi = 2, gap = 0): number[] {
  let s = seed * 2654435761 + 1;
  const out: number[] = [];
  while (out.length < n) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const v = lo + ((hi - lo) * s) / 2 ** 31;
    if (Math.abs(v) >= gap) out.push(Math.fround(v));
  }
  return out;
}

function input(shape: Shape, seed: number, lo = -2, hi = 2, gap = 0): GradCheckInput {
  return {
    values: values(
      shape.reduce((a, b) => a * b, 1),
      seed,
      lo,
      hi,
      gap,
    ),
    shape,
  };
}

function expectGradientsOk(fn: (xs: Tensor[]) => Tensor, inputs: GradCheckInput[]): void {
  const r = checkGradients(fn, inputs);
  expect(r.checked).toBeGreaterThan(0);
  expect(r.ok, JSON.stringify(r.worst)).toBe(true);
}

const at = (xs: Tensor[], i: number): Tensor => xs[i];

describe("binary rules with broadcasting", () => {
  const pairs: [Shape, Shape][] = [
    [
      [2, 3],
      [2, 3],
    ],
    [[2, 3], [3]],
    [
      [2, 1],
      [1, 3],
    ],
    [[3], [2, 3]],
    [[2, 3], []],
  ];
  const binary = { add: ops.add, sub: ops.sub, mul: ops.mul, maximum: ops.maximum, minimum: ops.minimum };
  for (const [name, f] of Object.entries(binary)) {
    test.each(pairs)(`${name} %j %j`, (sa, sb) => {
      expectGradientsOk((xs) => f(at(xs, 0), at(xs, 1)), [input(sa, 1), input(sb, 2)]);
    });
  }
  test.each(pairs)("div %j %j (b away from 0)", (sa, sb) => {
    expectGradientsOk((xs) => ops.div(at(xs, 0), at(xs, 1)), [input(sa, 3), input(sb, 4, -2, 2, 0.5)]);
  });
  test.each(pairs)("pow %j %j (a > 0)", (sa, sb) => {
    expectGradientsOk((xs) => ops.pow(at(xs, 0), at(xs, 1)), [input(sa, 5, 0.5, 2), input(sb, 6, -1.5, 1.5)]);
  });
  test("number operands on either side", () => {
    expectGradientsOk((xs) => ops.sub(3, ops.mul(at(xs, 0), 0.25)), [input([2, 3], 7)]);
    expectGradientsOk((xs) => ops.div(1, at(xs, 0)), [input([4], 8, -2, 2, 0.5)]);
  });
});

describe("unary rules", () => {
  const cases: [string, (x: Tensor) => Tensor, number, number, number][] = [
    ["neg", (x) => ops.neg(x), -2, 2, 0],
    ["abs", (x) => ops.abs(x), -2, 2, 0.1],
    ["exp", (x) => ops.exp(x), -2, 2, 0],
    ["log", (x) => ops.log(x), 0.2, 3, 0],
    ["sqrt", (x) => ops.sqrt(x), 0.2, 3, 0],
    ["rsqrt", (x) => ops.rsqrt(x), 0.3, 3, 0],
    ["tanh", (x) => ops.tanh(x), -2, 2, 0],
    ["sigmoid", (x) => ops.sigmoid(x), -3, 3, 0],
    ["relu", (x) => ops.relu(x), -2, 2, 0.1],
    ["gelu erf", (x) => ops.gelu(x), -3, 3, 0],
    ["gelu tanh", (x) => ops.gelu(x, { approximate: "tanh" }), -3, 3, 0],
  ];
  test.each(cases)("%s", (_name, f, lo, hi, gap) => {
    expectGradientsOk((xs) => f(at(xs, 0)), [input([2, 5], 11, lo, hi, gap)]);
  });

  test("relu and abs have derivative 0 at 0; sign has derivative 0", () => {
    const e = new Engine();
    const x = fromValues([-1, 0, 2], [3], { engine: e, requiresGrad: true });
    backward(ops.sum(ops.add(ops.relu(x), ops.add(ops.abs(x), ops.sign(x)))));
    expect(x.grad?.toArray()).toEqual([-1, 0, 2]);
  });
});

describe("where, compare and cast", () => {
  test("where sends dy to the chosen branch, with broadcasting", () => {
    const cond: GradCheckInput = { values: [1, 0, 0, 1, 1, 0], shape: [2, 3], check: false };
    expectGradientsOk(
      (xs) => ops.where(at(xs, 0), at(xs, 1), at(xs, 2)),
      [cond, input([2, 3], 21), input([3], 22)],
    );
  });

  test("maximum and minimum split ties evenly", () => {
    const e = new Engine();
    const a = fromValues([1, 2, 3], [3], { engine: e, requiresGrad: true });
    const b = fromValues([1, 5, 0], [3], { engine: e, requiresGrad: true });
    backward(ops.sum(ops.add(ops.maximum(a, b), ops.mul(ops.minimum(a, b), 10))));
    expect(a.grad?.toArray()).toEqual([5.5, 10, 1]);
    expect(b.grad?.toArray()).toEqual([5.5, 1, 10]);
  });

  test("comparisons pass no gradient", () => {
    const e = new Engine();
    const x = fromValues([-1, 0.5, 2], [3], { engine: e, requiresGrad: true });
    const y = ops.sum(ops.gt(x, 0));
    expect(y.requiresGrad).toBe(true);
    backward(y);
    expect(x.grad).toBeNull();
  });

  test("cast passes dy through unchanged, in the gradient format", () => {
    const e = new Engine();
    const x = fromValues([1.001, 2, 3], [3], { engine: e, requiresGrad: true });
    const y = ops.cast(x, "bfloat16");
    backward(y, { grad: fromValues([0.1, 0.2, 0.3], [3], { engine: e }), gradFormat: "float32" });
    expect(x.grad?.toArray()).toEqual(Array.from(Float32Array.of(0.1, 0.2, 0.3)));
    expect(x.grad?.format.name).toBe("float32");
  });
});
