/**
 * The reference normalization, embedding and dropout kernels against float64 formulas written here:
 * batch norm (training statistics, PyTorch's running-stat update with the unbiased variance, inference
 * with running statistics), layer norm, the one rounding into a bfloat16 output, embedding gather and
 * scatter-add, and the exact dropout product.
 */
import { describe, expect, it } from "vitest";
import { randomValues } from "../../../test/support/random-values.js";
import { decodeArray, encodeArray, floatFormat } from "../../formats/index.js";
import { NEAREST, type Operand } from "../types.js";
import { normKernels as k } from "./norm.js";

const f32 = floatFormat("float32");
const bf16 = floatFormat("bfloat16");

function op(data: Float32Array, shape: number[]): Operand {
  return { data, format: f32, shape };
}

/** Float64 batch norm of x (N, C, S): y, batch mean and biased variance per channel. */
function batchNormReference(
  x: Float32Array,
  n: number,
  c: number,
  s: number,
  g: Float32Array,
  b: Float32Array,
) {
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  const m = n * s;
  for (let i = 0; i < x.length; i++) mean[Math.floor(i / s) % c] += x[i] / m;
  for (let i = 0; i < x.length; i++)
    variance[Math.floor(i / s) % c] += (x[i] - mean[Math.floor(i / s) % c]) ** 2 / m;
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const ch = Math.floor(i / s) % c;
    y[i] = ((x[i] - mean[ch]) / Math.sqrt(variance[ch] + 1e-5)) * g[ch] + b[ch];
  }
  return { y, mean, variance };
}

describe("batchNorm kernel", () => {
  const [n, c, s] = [3, 4, 5];
  const x = randomValues(n * c * s, 1).map((v, i) => v * 3 + (i % 7));
  const gamma = randomValues(c, 2);
  const beta = randomValues(c, 3);
  const ref = batchNormReference(x, n, c, s, gamma, beta);

  it("training: normalizes with batch statistics and updates the running ones (unbiased variance)", () => {
    const running = { mean: Float32Array.from([0.5, 0, 0, 1]), variance: new Float32Array(c).fill(2) };
    const out = op(new Float32Array(x.length), [n, c, s]);
    const saved = new Float32Array(2 * c);
    const attrs = { training: true, momentum: 0.1, eps: 1e-5 };
    k.batchNorm(op(x, [n, c, s]), op(gamma, [c]), op(beta, [c]), running, attrs, out, saved, NEAREST);
    out.data.forEach((v, i) => {
      expect(v).toBeCloseTo(ref.y[i], 5);
    });
    for (let ch = 0; ch < c; ch++) {
      expect(saved[ch]).toBeCloseTo(ref.mean[ch], 6);
      expect(saved[c + ch]).toBeCloseTo(1 / Math.sqrt(ref.variance[ch] + 1e-5), 5);
      const m0 = [0.5, 0, 0, 1][ch];
      expect(running.mean[ch]).toBeCloseTo(0.9 * m0 + 0.1 * ref.mean[ch], 6);
      const unbiased = (ref.variance[ch] * n * s) / (n * s - 1);
      expect(running.variance[ch]).toBeCloseTo(0.9 * 2 + 0.1 * unbiased, 5);
    }
  });

  it("inference: uses the running statistics and leaves them alone", () => {
    const running = { mean: Float32Array.from([1, 2, 3, 4]), variance: Float32Array.from([1, 4, 0.25, 9]) };
    const out = op(new Float32Array(x.length), [n, c, s]);
    const attrs = { training: false, momentum: 0.1, eps: 1e-5 };
    k.batchNorm(
      op(x, [n, c, s]),
      op(gamma, [c]),
      op(beta, [c]),
      running,
      attrs,
      out,
      new Float32Array(2 * c),
      NEAREST,
    );
    expect(Array.from(running.mean)).toEqual([1, 2, 3, 4]);
    out.data.forEach((v, i) => {
      const ch = Math.floor(i / s) % c;
      const want = ((x[i] - (ch + 1)) / Math.sqrt([1, 4, 0.25, 9][ch] + 1e-5)) * gamma[ch] + beta[ch];
      expect(v).toBeCloseTo(want, 5);
    });
  });

  it("a bfloat16 output is the float64 result (from the saved statistics) rounded once", () => {
    const running = { mean: new Float32Array(c), variance: new Float32Array(c) };
    const attrs = { training: true, momentum: 0.1, eps: 1e-5 };
    const saved = new Float32Array(2 * c);
    const out: Operand = { data: new Uint16Array(x.length), format: bf16, shape: [n, c, s] };
    k.batchNorm(op(x, [n, c, s]), op(gamma, [c]), op(beta, [c]), running, attrs, out, saved, NEAREST);
    const exact = Float64Array.from(x, (v, i) => {
      const ch = Math.floor(i / s) % c;
      return (v - saved[ch]) * (saved[c + ch] * gamma[ch]) + beta[ch];
    });
    expect(Array.from(out.data)).toEqual(Array.from(encodeArray(bf16, exact)));
    decodeArray(bf16, out.data).forEach((v, i) => {
      expect(v).toBeCloseTo(ref.y[i], 1);
    });
  });
});

it("layerNorm kernel normalizes each row in float64", () => {
  const [rows, d] = [4, 6];
  const x = randomValues(rows * d, 4).map((v, i) => v + i);
  const gamma = randomValues(d, 5);
  const beta = randomValues(d, 6);
  const out = op(new Float32Array(x.length), [rows, d]);
  const saved = new Float32Array(2 * rows);
  k.layerNorm(op(x, [rows, d]), op(gamma, [d]), op(beta, [d]), { eps: 1e-5 }, out, saved, NEAREST);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * d, r * d + d));
    const mean = row.reduce((a, b) => a + b, 0) / d;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
    expect(saved[r]).toBeCloseTo(mean, 5);
    row.forEach((v, i) => {
      expect(out.data[r * d + i]).toBeCloseTo(
        ((v - mean) / Math.sqrt(variance + 1e-5)) * gamma[i] + beta[i],
        5,
      );
    });
  }
});

describe("embedding and dropout kernels", () => {
  it("embedding gathers rows and the backward scatter-adds them", () => {
    const table = randomValues(5 * 3, 7);
    const indices = Int32Array.from([4, 0, 4, 2]);
    const out = op(new Float32Array(12), [4, 3]);
    k.embedding(op(table, [5, 3]), indices, out, NEAREST);
    indices.forEach((v, i) => {
      expect(Array.from(out.data.subarray(i * 3, i * 3 + 3))).toEqual(
        Array.from(table.subarray(v * 3, v * 3 + 3)),
      );
    });
    const dy = randomValues(12, 8);
    const dTable = op(new Float32Array(15), [5, 3]);
    k.embeddingBackward(op(dy, [4, 3]), indices, dTable, NEAREST);
    const want = new Float64Array(15);
    indices.forEach((v, i) => {
      for (let j = 0; j < 3; j++) want[v * 3 + j] += dy[i * 3 + j];
    });
    dTable.data.forEach((v, i) => {
      expect(v).toBeCloseTo(want[i], 6);
    });
    expect(Array.from(dTable.data.subarray(3, 6))).toEqual([0, 0, 0]);
  });

  it("dropout rounds the exact product x * mask once", () => {
    const x = randomValues(64, 9);
    const mask = new Float32Array(64).map((_, i) => (i % 3 === 0 ? 0 : Math.fround(1 / 0.7)));
    const out: Operand = { data: new Uint16Array(64), format: bf16, shape: [64] };
    k.dropout(op(x, [64]), op(mask, [64]), out, NEAREST);
    const exact = Float64Array.from(x, (v, i) => v * mask[i]);
    expect(Array.from(decodeArray(bf16, out.data))).toEqual(
      Array.from(decodeArray(bf16, encodeArray(bf16, exact))),
    );
  });
});
