/**
 * Multi-head attention against a float64 reference written out from the definition
 * (softmax(Q K^T / sqrt(D)) V per head, then the output projection), and the config errors of the
 * transformer modules.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { fromValues, type Tensor } from "../tensor/index.js";
import { createContext } from "./module.js";
import { MultiHeadAttention, TransformerEncoderLayer, vitTiny } from "./transformer.js";

/** y = x W^T + b for x (T, C) as rows. */
function linear(x: number[][], w: Tensor, b: Tensor | null): number[][] {
  const wv = w.toArray();
  const bv = b?.toArray() ?? [];
  const [out = 0, inp = 0] = w.shape;
  return x.map((row) =>
    Array.from({ length: out }, (_, o) => {
      let s = bv[o] ?? 0;
      for (let i = 0; i < inp; i++) s += (row[i] ?? 0) * (wv[o * inp + i] ?? 0);
      return s;
    }),
  );
}

describe("MultiHeadAttention", () => {
  it("matches a float64 reference for (B, T, C, H) = (1, 3, 4, 2)", () => {
    const ctx = createContext({ seed: 4 });
    const mha = new MultiHeadAttention(ctx, 4, 2);
    const xv = [0.3, -1.2, 0.5, 0.9, 1.1, 0.2, -0.4, 0.7, -0.6, 0.8, 1.3, -0.1];
    const x = Array.from({ length: 3 }, (_, t) => xv.slice(4 * t, 4 * t + 4));
    const q = linear(x, mha.query.weight, mha.query.bias);
    const k = linear(x, mha.key.weight, mha.key.bias);
    const v = linear(x, mha.value.weight, mha.value.bias);
    const heads: number[][] = x.map(() => [0, 0, 0, 0]); // (T, C): heads side by side
    for (let h = 0; h < 2; h++) {
      for (let i = 0; i < 3; i++) {
        const scores = [0, 1, 2].map(
          (j) => (q[i][2 * h] * k[j][2 * h] + q[i][2 * h + 1] * k[j][2 * h + 1]) / Math.sqrt(2),
        );
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let d = 0; d < 2; d++) {
          heads[i][2 * h + d] = e.reduce((a, p, j) => a + (p / z) * v[j][2 * h + d], 0);
        }
      }
    }
    const expected = linear(heads, mha.out.weight, mha.out.bias).flat();
    const got = mha.forward(fromValues(xv, [1, 3, 4], { engine: ctx.engine }));
    expect(got.shape).toEqual([1, 3, 4]);
    got.toArray().forEach((g, i) => {
      expect(g).toBeCloseTo(expected[i] ?? NaN, 5);
    });
  });

  it("names its parameters and keeps (B, T, C) through an encoder layer", () => {
    const ctx = createContext();
    const layer = new TransformerEncoderLayer(ctx, 8, 2, 16);
    expect([...layer.namedParameters()].map(([n]) => n).slice(0, 4)).toEqual([
      "ln1.weight",
      "ln1.bias",
      "attn.query.weight",
      "attn.query.bias",
    ]);
    const x = fromValues(
      Array.from({ length: 2 * 5 * 8 }, (_, i) => Math.cos(i)),
      [2, 5, 8],
      { engine: ctx.engine },
    );
    expect(layer.forward(x).shape).toEqual([2, 5, 8]);
  });

  it("rejects widths that do not split into heads and images that do not split into patches", () => {
    expectError(
      () => new MultiHeadAttention(createContext(), 6, 4),
      "config",
      /dim 6 is not divisible by heads 4/,
    );
    expectError(
      () => vitTiny(createContext(), { imageSize: 30, patchSize: 4 }),
      "config",
      /imageSize 30 is not a multiple of patchSize 4/,
    );
  });
});
