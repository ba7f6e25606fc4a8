/**
 * The public neural-network ops: output shapes and formats, argument errors (op, argument and both
 * shapes named), batch norm's running statistics through the op, and dropout's seeded masks
 * (reproducible for the same seed and step, different for another step, keep fraction near 1 - p).
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { randomValues } from "../../test/support/random-values.js";
import { Engine, fromValues, zeros, type Tensor } from "../tensor/index.js";
import {
  avgPool2d,
  batchNorm,
  conv2d,
  dropout,
  embedding,
  globalAvgPool2d,
  layerNorm,
  maxPool2d,
} from "./index.js";

const rand = (shape: number[], seed = 1, format = "float32", engine?: Engine): Tensor =>
  fromValues(
    randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
    engine === undefined ? { format } : { format, engine },
  );

describe("shapes and formats", () => {
  it("conv2d computes the output size from stride, padding and dilation", () => {
    const x = rand([2, 4, 9, 8]);
    const y = conv2d(x, rand([6, 2, 3, 2]), rand([6]), {
      stride: [2, 1],
      padding: [1, 2],
      dilation: [2, 1],
      groups: 2,
    });
    // OH = floor((9 + 2 - 2*2 - 1) / 2) + 1 = 4; OW = floor((8 + 4 - 1 - 1) / 1) + 1 = 11.
    expect(y.shape).toEqual([2, 6, 4, 11]);
  });

  it("low-precision inputs give a low-precision output unless a format is asked for", () => {
    const x = rand([1, 2, 4, 4], 1, "bfloat16");
    const w = rand([3, 2, 3, 3], 2, "bfloat16");
    expect(conv2d(x, w).format.name).toBe("bfloat16");
    expect(conv2d(x, w, null, { format: "float32" }).format.name).toBe("float32");
    expect(maxPool2d(x, { kernel: 2 }).format.name).toBe("bfloat16");
  });

  it("bfloat16 conv2d: stochastic rounding picks a neighbour of the float32 result; accumulate output differs", () => {
    const x = rand([2, 8, 6, 6], 4, "bfloat16");
    const w = rand([4, 8, 3, 3], 5, "bfloat16");
    const exact = conv2d(x, w, null, { padding: 1, format: "float32" }).toArray();
    const sr = conv2d(x, w, null, { padding: 1, rounding: "stochastic" }).toArray();
    const down = fromValues(exact, [exact.length], { format: "bfloat16", rounding: "toward-zero" }).toArray();
    const ulp = (v: number): number => 2 ** (Math.floor(Math.log2(Math.abs(v))) - 7);
    sr.forEach((v, i) => {
      expect(v === down[i] || Math.abs(v - (down[i] ?? 0)) === ulp(down[i] ?? 0)).toBe(true);
    });
    expect(sr.filter((v, i) => v !== down[i]).length).toBeGreaterThan(0);
    const strict = conv2d(x, w, null, { padding: 1, accumulate: "output" }).toArray();
    expect(strict).not.toEqual(conv2d(x, w, null, { padding: 1 }).toArray());
  });

  it("pooling shapes, and global average pooling keeps (N, C, 1, 1)", () => {
    const x = rand([2, 3, 7, 6]);
    expect(maxPool2d(x, { kernel: 2 }).shape).toEqual([2, 3, 3, 3]);
    expect(avgPool2d(x, { kernel: 3, stride: 1, padding: 1 }).shape).toEqual([2, 3, 7, 6]);
    const g = globalAvgPool2d(x);
    expect(g.shape).toEqual([2, 3, 1, 1]);
    const v = x.toFloat32Array();
    expect(g.toArray()[4]).toBeCloseTo(v.subarray(4 * 42, 5 * 42).reduce((a, b) => a + b, 0) / 42, 5);
  });

  it("embedding returns (...indices shape, D)", () => {
    const table = rand([10, 4]);
    const y = embedding(table, [1, 2, 3, 9, 0, 0], [2, 3]);
    expect(y.shape).toEqual([2, 3, 4]);
    expect(y.toArray().slice(12, 16)).toEqual(table.toArray().slice(36, 40));
  });
});

describe("argument errors", () => {
  const x = rand([8, 3, 32, 32]);
  it("conv2d", () => {
    expectError(
      () => conv2d(x, rand([16, 4, 3, 3])),
      "shape",
      /^conv2d: weight expected \(Cout, 3, KH, KW\) .*for input \(8, 3, 32, 32\) with groups 1, got \(16, 4, 3, 3\)$/,
    );
    expectError(
      () => conv2d(rand([3, 32, 32]), rand([16, 3, 3, 3])),
      "shape",
      /conv2d: input expected \(N, C, H, W\), got \(3, 32, 32\)/,
    );
    expectError(
      () => conv2d(x, rand([16, 3, 3, 3]), null, { groups: 2 }),
      "argument",
      /groups .*3 input channels.*got 2/,
    );
    expectError(
      () => conv2d(x, rand([16, 3, 3, 3]), rand([15])),
      "shape",
      /bias expected \(16\) .*got \(15\)/,
    );
    expectError(
      () => conv2d(x, rand([16, 3, 3, 3]), null, { stride: 0 }),
      "argument",
      /stride must be integers >= 1, got 0/,
    );
    expectError(
      () => conv2d(rand([1, 3, 2, 2]), rand([4, 3, 3, 3])),
      "shape",
      /input \(1, 3, 2, 2\) is too small/,
    );
  });

  it("pooling", () => {
    expectError(
      () => maxPool2d(x, { kernel: 2, padding: 2 }),
      "argument",
      /padding \(2, 2\) must be at most half of kernel \(2, 2\)/,
    );
    expectError(
      () => avgPool2d(rand([2, 3]), { kernel: 2 }),
      "shape",
      /avgPool2d: input expected \(N, C, H, W\), got \(2, 3\)/,
    );
  });

  it("normalization", () => {
    const s = { runningMean: new Float32Array(3), runningVar: new Float32Array(3) };
    expectError(
      () => batchNorm(x, rand([4]), rand([3]), s),
      "shape",
      /batchNorm: gamma expected \(3\) .*\(8, 3, 32, 32\), got \(4\)/,
    );
    const bad = { runningMean: new Float32Array(2), runningVar: new Float32Array(3) };
    expectError(
      () => batchNorm(x, rand([3]), rand([3]), bad),
      "shape",
      /running statistics expected 3 channels/,
    );
    expectError(
      () => layerNorm(x, rand([32]), rand([31])),
      "shape",
      /layerNorm: beta expected \(32\) .*got \(31\)/,
    );
  });

  it("embedding and dropout", () => {
    const table = rand([5, 2]);
    expectError(
      () => embedding(table, [0, 5]),
      "argument",
      /indices\[1\] = 5 is out of range for table \(5, 2\)/,
    );
    expectError(() => embedding(table, [0, 1.5]), "argument", /indices\[1\] = 1.5/);
    expectError(() => embedding(table, [0, 1, 2], [2, 2]), "shape", /3 indices do not fill shape \(2, 2\)/);
    expectError(() => dropout(table, 1.5), "argument", /dropout: p must be in \[0, 1\], got 1.5/);
  });
});

describe("batch norm through the op", () => {
  it("training updates the running statistics; inference uses them", () => {
    const x = rand([16, 2], 3);
    const s = { runningMean: new Float32Array(2), runningVar: new Float32Array(2).fill(1) };
    const [g, b] = [fromValues([1, 1]), fromValues([0, 0])];
    const y = batchNorm(x, g, b, s, { momentum: 0.5 });
    const v = x.toFloat32Array();
    const mean0 = v.filter((_, i) => i % 2 === 0).reduce((a, c) => a + c, 0) / 16;
    expect(s.runningMean[0]).toBeCloseTo(0.5 * mean0, 6);
    expect(
      y
        .toArray()
        .filter((_, i) => i % 2 === 0)
        .reduce((a, c) => a + c, 0),
    ).toBeCloseTo(0, 5);
    const before = Float32Array.from(s.runningMean);
    const z = batchNorm(x, g, b, s, { training: false });
    expect(Array.from(s.runningMean)).toEqual(Array.from(before));
    expect(z.toArray()[0]).toBeCloseTo((v[0] - before[0]) / Math.sqrt(s.runningVar[0] + 1e-5), 5);
  });
});

describe("dropout", () => {
  const masked = (seed: number, step: number, p = 0.3): number[] => {
    const engine = new Engine({ seed });
    engine.step = step;
    const x = fromValues(new Float32Array(4000).fill(1), [4000], { engine });
    return dropout(x, p).toArray();
  };

  it("is reproducible for the same seed and step (default stream), and different for another step or seed", () => {
    expect(masked(3, 7)).toEqual(masked(3, 7));
    expect(masked(3, 8)).not.toEqual(masked(3, 7));
    expect(masked(4, 7)).not.toEqual(masked(3, 7));
  });

  it("keeps 1 - p of the elements (within 5 sigma), scaled by 1 / (1 - p) rounded once", () => {
    const n = 4000;
    for (const p of [0.1, 0.5, 0.9]) {
      const y = masked(1, 0, p);
      const kept = y.filter((v) => v !== 0);
      expect(Math.abs(kept.length / n - (1 - p))).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
      expect(new Set(kept)).toEqual(new Set([Math.fround(1 / (1 - p))]));
    }
  });

  it("a fixed stream gives the same mask on different tensors; the identity when p = 0 or not training", () => {
    const x = rand([64]);
    const a = dropout(x, 0.5, { stream: 11 })
      .toArray()
      .map((v) => v === 0);
    const b = dropout(zeros([64]), 0.5, { stream: 11 });
    const c = dropout(fromValues(new Float32Array(64).fill(2)), 0.5, { stream: 11 })
      .toArray()
      .map((v) => v === 0);
    expect(c).toEqual(a);
    expect(b.toArray().every((v) => v === 0)).toBe(true);
    expect(dropout(x, 0)).toBe(x);
    expect(dropout(x, 0.5, { training: false })).toBe(x);
    expect(dropout(x, 0, { format: "bfloat16" }).format.name).toBe("bfloat16");
  });
});
