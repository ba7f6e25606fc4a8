/**
 * The backend seam: a backend registered from outside the kernels layer (here a test-only record that
 * implements matmul by delegating to js and counts its calls) is selectable by name, runs the kernels it
 * implements, falls back to js for the rest, and is listed by `backendNames` with no edit elsewhere.
 */
import { describe, expect, it } from "vitest";
import { MinifloatError } from "../errors.js";
import { add, matmul } from "../ops/index.js";
import { Engine, fromValues, type Tensor } from "../tensor/index.js";
import { jsKernels } from "./js/index.js";
import { backendNames, kernelsFor, ownKernelNames, registerBackend } from "./registry.js";

let calls = 0;
registerBackend({
  name: "counting",
  create: () => ({
    matmul(...args) {
      calls++;
      jsKernels.matmul(...args);
    },
  }),
});
registerBackend({ name: "unavailable", create: () => null });

function product(backend: string): Tensor {
  const engine = new Engine({ backend, seed: 3 });
  const a = fromValues([1, 2.5, -3, 4, 0.1, 6], [2, 3], { engine, format: "bfloat16" });
  const b = fromValues([0.5, -1, 2, 3, 1e-3, 7], [3, 2], { engine, format: "bfloat16" });
  return add(matmul(a, b), matmul(a, b));
}

describe("backend registry", () => {
  it("lists every registered backend, js first", () => {
    expect(backendNames()).toEqual(expect.arrayContaining(["js", "wasm", "counting", "unavailable"]));
    expect(backendNames()[0]).toBe("js");
  });

  it("runs a registered backend's own kernels and js for the rest, bit for bit", () => {
    calls = 0;
    const got = product("counting");
    expect(calls).toBe(2);
    expect(ownKernelNames("counting")).toEqual(["matmul"]);
    expect(Array.from(got.data)).toEqual(Array.from(product("js").data));
  });

  it("runs every kernel on js where a backend cannot run here", () => {
    expect(ownKernelNames("unavailable")).toEqual([]);
    calls = 0;
    expect(Array.from(product("unavailable").data)).toEqual(Array.from(product("js").data));
    expect(calls).toBe(0);
  });

  it("refuses an unknown backend, naming the registered ones", () => {
    expect(() => kernelsFor("webgpu")).toThrow(MinifloatError);
    expect(() => kernelsFor("webgpu")).toThrow(/unknown backend "webgpu": expected one of js, wasm/);
  });

  it("keeps js, the reference, from being replaced", () => {
    expect(() => {
      registerBackend({ name: "js", create: () => ({}) });
    }).toThrow(/reference/);
  });
});
