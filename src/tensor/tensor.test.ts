/**
 * The tensor layer: real low-precision storage (a bfloat16 tensor of N elements holds 2N bytes), memory
 * accounting current and peak per format, views over shared storage, strided gathers, creation with one
 * rounding, and the errors that name the argument and both shapes.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { encodeValue, FLOAT_FORMATS } from "../formats/index.js";
import {
  broadcastShapes,
  broadcastStrides,
  contiguousStrides,
  Engine,
  fromCodes,
  fromValues,
  full,
  gatherStrided,
  normalizeAxis,
  Tensor,
  zeros,
} from "./index.js";

describe("storage is real", () => {
  it("holds codes in the format's own width", () => {
    const engine = new Engine();
    expect(zeros([3, 5], { format: "bfloat16", engine }).data).toBeInstanceOf(Uint16Array);
    expect(zeros([3, 5], { format: "float8_e4m3fn", engine }).data).toBeInstanceOf(Uint8Array);
    expect(zeros([3, 5], { format: "float32", engine }).data).toBeInstanceOf(Float32Array);
    expect(zeros([7], { format: "float16", engine }).data.byteLength).toBe(14);
  });

  it("accounts bytes per format, current and peak, and releases on dispose", () => {
    const engine = new Engine();
    const a = zeros([1000], { format: "bfloat16", engine });
    const b = zeros([1000], { format: "float32", engine });
    let s = engine.memory.snapshot();
    expect(s.byFormat.bfloat16.currentBytes).toBe(2000);
    expect(s.byFormat.float32.currentBytes).toBe(4000);
    expect(s.currentBytes).toBe(6000);
    a.dispose();
    a.dispose(); // idempotent
    s = engine.memory.snapshot();
    expect(s.currentBytes).toBe(4000);
    expect(s.peakBytes).toBe(6000);
    expect(s.byFormat.bfloat16).toEqual({ currentBytes: 0, peakBytes: 2000 });
    engine.memory.resetPeak();
    expect(engine.memory.snapshot().peakBytes).toBe(4000);
    b.dispose();
    expect(engine.memory.snapshot().currentBytes).toBe(0);
    expect(() => a.data).toThrow(/after dispose/);
  });

  it("a view shares storage and is not counted twice", () => {
    const engine = new Engine();
    const t = fromValues([1, 2, 3, 4, 5, 6], [2, 3], { engine });
    const v = new Tensor(t.storage, [3, 2], [1, 3], 0); // the transpose as a strided view
    expect(engine.memory.snapshot().currentBytes).toBe(24);
    expect(v.isContiguous()).toBe(false);
    expect(v.toArray()).toEqual([1, 4, 2, 5, 3, 6]);
    expect(t.isContiguous()).toBe(true);
  });
});

describe("creation rounds once into the storage format", () => {
  it("fromValues encodes float64 values with one rounding", () => {
    const engine = new Engine();
    const xs = [0.1, 1 / 3, -2.5e-5, 65519, 65520];
    const t = fromValues(xs, [5], { format: "float16", engine });
    const f = FLOAT_FORMATS.float16;
    expect(Array.from(t.data)).toEqual(xs.map((x) => encodeValue(f, x, "nearest-even", false, false)));
    expect(t.toArray().slice(3)).toEqual([65504, Infinity]);
  });

  it("full fills with the rounded value; fromCodes takes codes as they are", () => {
    const engine = new Engine();
    expect(full([2, 2], 0.1, { format: "bfloat16", engine }).toArray()).toEqual(
      new Array(4).fill(0.10009765625),
    );
    const t = fromCodes(new Uint8Array([0x38, 0x7e, 0xfe]), [3], { format: "float8_e4m3fn", engine });
    expect(t.toArray()).toEqual([1, 448, -448]);
    expect(full([1], 3, { engine, requiresGrad: true }).requiresGrad).toBe(true);
  });

  it("names the argument and both sizes in errors", () => {
    const engine = new Engine();
    expectError(
      () => fromValues([1, 2, 3], [2, 2], { engine }),
      "shape",
      /3 values do not fill shape \(2, 2\)/,
    );
    expectError(() => zeros([2, -1], { engine }), "shape", /zeros: dimensions must be non-negative integers/);
    expectError(() => zeros([2], { format: "bf16", engine }), "format", /did you mean "bfloat16"/);
    expectError(() => new Engine({ seed: -1 }), "argument", /seed must be a non-negative integer/);
  });
});

describe("shapes", () => {
  it("row-major strides and strided gathers", () => {
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([])).toEqual([]);
    const data = Float32Array.from({ length: 24 }, (_, i) => i);
    // x[:, 1, ::2] of a (2, 3, 4) tensor
    expect(Array.from(gatherStrided(data, [2, 2], [12, 2], 4))).toEqual([4, 6, 16, 18]);
  });

  it("broadcasts by NumPy rules and explains failures", () => {
    expect(broadcastShapes("add", [3, 1, 5], [4, 1])).toEqual([3, 4, 5]);
    expect(broadcastShapes("add", [], [2, 2])).toEqual([2, 2]);
    expect(broadcastStrides([4, 1], [1, 1], [3, 4, 5])).toEqual([0, 1, 0]);
    expectError(
      () => broadcastShapes("add", [2, 3], [4, 3]),
      "shape",
      /add: shapes \(2, 3\) and \(4, 3\) do not broadcast/,
    );
  });

  it("normalizes axes and rejects out-of-range ones", () => {
    expect(normalizeAxis("sum", "axis", -1, 3)).toBe(2);
    expectError(
      () => normalizeAxis("sum", "axis", 3, 3),
      "shape",
      /sum: axis must be an integer in \[-3, 3\), got 3/,
    );
  });
});
