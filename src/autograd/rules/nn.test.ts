/**
 * Finite-difference checks (src/autograd/gradcheck.ts) of every neural-network gradient rule on small
 * random inputs: conv2d with stride, padding, dilation, groups, depthwise and non-square kernels (x, w
 * and bias), both poolings, batch norm in training and inference mode, layer norm, embedding with
 * repeated indices, dropout, and a chain of them.
 */
import { describe, expect, it } from "vitest";
import { randomValues } from "../../../test/support/random-values.js";
import {
  avgPool2d,
  batchNorm,
  conv2d,
  dropout,
  embedding,
  globalAvgPool2d,
  layerNorm,
  maxPool2d,
  type Conv2dOptions,
  type Pool2dOptions,
} from "../../ops/index.js";
import type { Tensor } from "../../tensor/index.js";
import { checkGradients, type GradCheckInput, type GradCheckResult } from "../gradcheck.js";

function input(shape: number[], seed: number, scale = 1): GradCheckInput {
  const n = shape.reduce((a, b) => a * b, 1);
  return { values: randomValues(n, seed).map((v) => v * scale), shape };
}

/** Distinct values spaced 0.05 apart in a scrambled order, so a small step never changes a maximum. */
function distinct(shape: number[]): GradCheckInput {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: n }, (_, i) => ((i * 37) % n) * 0.05 - n * 0.025);
  return { values, shape };
}

function expectOk(r: GradCheckResult): void {
  expect(r.worst, JSON.stringify(r.worst)).not.toBeNull();
  expect(r.ok, JSON.stringify(r.worst)).toBe(true);
}

const at = <T>(xs: readonly T[], i: number): T => xs[i];

describe("conv2d gradients", () => {
  const cases: { name: string; x: number[]; w: number[]; o: Conv2dOptions }[] = [
    { name: "plain", x: [2, 2, 5, 5], w: [3, 2, 3, 3], o: {} },
    { name: "stride 2, padding 1", x: [1, 2, 6, 5], w: [2, 2, 3, 3], o: { stride: 2, padding: 1 } },
    { name: "dilation 2", x: [1, 2, 7, 6], w: [2, 2, 3, 2], o: { dilation: 2, padding: [2, 1] } },
    { name: "groups 2, non-square", x: [2, 4, 5, 6], w: [4, 2, 2, 3], o: { groups: 2, stride: [1, 2] } },
    { name: "depthwise", x: [1, 3, 5, 5], w: [3, 1, 3, 3], o: { groups: 3, padding: 1 } },
    {
      name: "everything",
      x: [1, 4, 8, 7],
      w: [4, 2, 3, 2],
      o: { groups: 2, stride: [2, 1], padding: [1, 2], dilation: [2, 1] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const inputs = [input(c.x, 1), input(c.w, 2), input([at(c.w, 0)], 3)];
      expectOk(checkGradients((t) => conv2d(at(t, 0), at(t, 1), at(t, 2), c.o), inputs));
    });
  }

  it("without bias", () => {
    const inputs = [input([2, 3, 4, 4], 4), input([2, 3, 2, 2], 5)];
    expectOk(checkGradients((t) => conv2d(at(t, 0), at(t, 1), null, { padding: 1 }), inputs));
  });
});

describe("pooling gradients", () => {
  const cases: { name: string; x: number[]; o: Pool2dOptions }[] = [
    { name: "2x2 stride 2", x: [2, 2, 4, 4], o: { kernel: 2 } },
    { name: "3x3 stride 1 padding 1", x: [1, 2, 5, 4], o: { kernel: 3, stride: 1, padding: 1 } },
    {
      name: "non-square overlapping",
      x: [1, 2, 7, 6],
      o: { kernel: [3, 2], stride: [2, 1], padding: [1, 0] },
    },
  ];
  for (const c of cases) {
    it(`max pooling, ${c.name}`, () => {
      expectOk(checkGradients((t) => maxPool2d(at(t, 0), c.o), [distinct(c.x)]));
    });
    it(`average pooling, ${c.name}`, () => {
      expectOk(checkGradients((t) => avgPool2d(at(t, 0), c.o), [input(c.x, 6)]));
    });
  }
  it("global average pooling", () => {
    expectOk(checkGradients((t) => globalAvgPool2d(at(t, 0)), [input([2, 3, 3, 4], 7)]));
  });
});

describe("normalization gradients", () => {
  const state = (c: number): { runningMean: Float32Array; runningVar: Float32Array } => ({
    runningMean: randomValues(c, 8).map((v) => v * 0.5),
    runningVar: randomValues(c, 9).map((v) => 1 + v * 0.5),
  });
  for (const shape of [
    [5, 3],
    [2, 3, 3, 2],
  ]) {
    const c = at(shape, 1);
    for (const training of [true, false]) {
      it(`batch norm (${shape.join(", ")}), training ${training}`, () => {
        const inputs = [input(shape, 10, 2), input([c], 11), input([c], 12)];
        const s = state(c);
        expectOk(checkGradients((t) => batchNorm(at(t, 0), at(t, 1), at(t, 2), s, { training }), inputs));
      });
    }
  }

  it("layer norm (2, 3, 5)", () => {
    const inputs = [input([2, 3, 5], 13, 2), input([5], 14), input([5], 15)];
    expectOk(checkGradients((t) => layerNorm(at(t, 0), at(t, 1), at(t, 2)), inputs));
  });
});

describe("embedding and dropout gradients", () => {
  it("embedding with repeated indices scatter-adds", () => {
    const indices = [1, 3, 1, 0, 3, 3];
    expectOk(checkGradients((t) => embedding(at(t, 0), indices, [2, 3]), [input([5, 4], 16)]));
  });

  it("dropout (fixed stream) multiplies by the mask", () => {
    expectOk(checkGradients((t) => dropout(at(t, 0), 0.3, { stream: 5 }), [input([4, 6], 17)]));
  });
});

it("a chain conv2d -> maxPool2d -> batchNorm -> dropout", () => {
  const s = { runningMean: new Float32Array(3), runningVar: new Float32Array(3).fill(1) };
  const inputs = [distinct([2, 2, 5, 5]), input([3, 2, 2, 2], 18), input([3], 19), input([3], 20)];
  const fn = (t: Tensor[]): Tensor => {
    const y = maxPool2d(conv2d(at(t, 0), at(t, 1), null, { padding: 1 }), { kernel: 2 });
    return dropout(batchNorm(y, at(t, 2), at(t, 3), s), 0.25, { stream: 9 });
  };
  expectOk(checkGradients(fn, inputs, { rtol: 2e-2 }));
});
