/**
 * The reverse pass itself: gradients of a shared input add up, leaves accumulate across backward calls,
 * the gradient format is the caller's, and misuse (no requiresGrad, a seed of the wrong shape) throws.
 */
import { describe, expect, test } from "vitest";
import { add, exp, matmul, mul, sum } from "../ops/index.js";
import { Engine, fromValues } from "../tensor/index.js";
import { backward, topologicalOrder } from "./backward.js";

describe("backward", () => {
  test("a tensor used twice gets the sum of both gradients", () => {
    const e = new Engine();
    const x = fromValues([1, -2, 3], [3], { engine: e, requiresGrad: true });
    backward(sum(add(mul(x, x), x)));
    expect(x.grad?.toArray()).toEqual([3, -3, 7]);
  });

  test("a diamond visits each node once, after all its consumers", () => {
    const e = new Engine();
    const x = fromValues([0.5, 2], [2], { engine: e, requiresGrad: true });
    const y = exp(x);
    const z = sum(add(y, mul(y, y)));
    const order = topologicalOrder(z);
    expect(order.indexOf(y)).toBeLessThan(order.indexOf(z));
    backward(z);
    const expected = [0.5, 2].map((v) => Math.exp(v) + 2 * Math.exp(2 * v));
    x.grad?.toArray().forEach((g, i) => {
      expect(g).toBeCloseTo(expected[i] ?? 0, 4);
    });
  });

  test("leaves accumulate across two backward calls", () => {
    const e = new Engine();
    const w = fromValues([1, 2, 3, 4], [2, 2], { engine: e, requiresGrad: true });
    const v = fromValues([1, 1], [2, 1], { engine: e });
    backward(sum(matmul(w, v)));
    expect(w.grad?.toArray()).toEqual([1, 1, 1, 1]);
    backward(sum(mul(matmul(w, v), 3)));
    expect(w.grad?.toArray()).toEqual([4, 4, 4, 4]);
  });

  test("gradFormat bfloat16 gives bfloat16 gradients, rounded", () => {
    const e = new Engine();
    const x = fromValues([1.001, 3], [2], { engine: e, requiresGrad: true });
    backward(sum(mul(x, x)), { gradFormat: "bfloat16" });
    expect(x.grad?.format.name).toBe("bfloat16");
    // d/dx x^2 = 2x = 2.002 in float32; the nearest bfloat16 is 2.
    expect(x.grad?.toArray()).toEqual([2, 6]);
  });

  test("the gradient format defaults to the root's format", () => {
    const e = new Engine();
    const x = fromValues([1, 2], [2], { engine: e, requiresGrad: true, format: "float16" });
    backward(sum(x));
    expect(x.grad?.format.name).toBe("float16");
  });

  test("misuse throws a clear error", () => {
    const e = new Engine();
    const c = fromValues([1, 2], [2], { engine: e });
    expect(() => {
      backward(sum(c));
    }).toThrow("backward: the root does not depend on any tensor with requiresGrad");
    const x = fromValues([1, 2], [2], { engine: e, requiresGrad: true });
    expect(() => {
      backward(mul(x, 2), { grad: fromValues([1], [1], { engine: e }) });
    }).toThrow("backward: grad expected (2), got (1)");
  });

  test("noGrad records nothing", () => {
    const e = new Engine();
    const x = fromValues([1, 2], [2], { engine: e, requiresGrad: true });
    const y = e.noGrad(() => mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(y.creator).toBeNull();
  });
});
