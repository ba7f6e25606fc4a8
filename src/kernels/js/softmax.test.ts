/**
 * Softmax, log-softmax and the fused cross-entropy against float64 references (rounded once into the
 * output format), with huge logits (no overflow thanks to the subtracted maximum), any axis, label
 * smoothing, the backward kernel, and argument errors.
 */
import { describe, expect, test } from "vitest";
import { encodeValue, floatFormat, randomWord } from "../../formats/index.js";
import * as ops from "../../ops/index.js";
import { Engine, fromValues } from "../../tensor/index.js";
import { softmaxKernels } from "./softmax.js";
import { NEAREST } from "../types.js";

const f16 = floatFormat("float16");
const e = new Engine();

function refSoftmaxRows(v: ArrayLike<number>, rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: cols }, (_, c) => v[r * cols + c] ?? 0);
    const m = Math.max(...row);
    const z = row.reduce((s, x) => s + Math.exp(x - m), 0);
    out.push(...row.map((x) => Math.exp(x - m) / z));
  }
  return out;
}

describe("softmax and logSoftmax", () => {
  const v = Float32Array.from({ length: 4 * 6 }, (_, i) => (randomWord(2, 0, 0, i) / 2 ** 32 - 0.5) * 10);
  test("softmax into float16 is the float64 reference rounded once", () => {
    const y = ops.softmax(fromValues(v, [4, 6], { engine: e }), -1, { format: "float16" });
    expect(Array.from(y.data)).toEqual(
      refSoftmaxRows(v, 4, 6).map((p) => encodeValue(f16, p, "nearest-even", false, false)),
    );
  });
  test("logSoftmax is log of the reference, and rows of softmax sum to 1", () => {
    const x = fromValues(v, [4, 6], { engine: e });
    const ref = refSoftmaxRows(v, 4, 6);
    ops
      .logSoftmax(x)
      .toArray()
      .forEach((l, i) => {
        expect(l).toBeCloseTo(Math.log(ref[i] ?? 0), 5);
      });
    ops
      .sum(ops.softmax(x), 1)
      .toArray()
      .forEach((s) => {
        expect(s).toBeCloseTo(1, 6);
      });
  });
  test("along axis 0 equals along the last axis of the transpose", () => {
    const x = fromValues(v, [4, 6], { engine: e });
    const a = ops.softmax(x, 0);
    const b = ops.contiguous(ops.transpose(ops.softmax(ops.transpose(x), 1)));
    expect(a.toArray()).toEqual(b.toArray());
  });
  test("huge logits do not overflow", () => {
    const x = fromValues([1000, 1000, -1000, 0], [4], { engine: e });
    expect(ops.softmax(x).toArray()).toEqual([0.5, 0.5, 0, Math.fround(0.5 * Math.exp(-1000))]);
    expect(ops.logSoftmax(x).toArray()[0]).toBeCloseTo(-Math.LN2, 6);
  });
  test("axis errors name the op", () => {
    expect(() => ops.softmax(fromValues([1, 2], [2], { engine: e }), 1)).toThrow(
      "softmax: axis must be an integer in [-1, 1), got 1",
    );
  });
});

describe("crossEntropy", () => {
  const logits = [2, 1, 0.1, -1, 0.5, 3, 0, 0, 0];
  const labels = [0, 2, 1];
  /** -mean_i sum_c target_ic log p_ic with target = (1 - eps) onehot + eps / C, in float64. */
  function refLoss(eps: number): number {
    const p = refSoftmaxRows(logits, 3, 3);
    let total = 0;
    for (let i = 0; i < 3; i++) {
      for (let c = 0; c < 3; c++) {
        const t = (c === labels[i] ? 1 - eps : 0) + eps / 3;
        total -= t * Math.log(p[i * 3 + c] ?? 0);
      }
    }
    return total / 3;
  }
  test.each([0, 0.1, 1])(
    "the mean loss with labelSmoothing %f is the float64 reference rounded once",
    (eps) => {
      const x = fromValues(logits, [3, 3], { engine: e });
      const y = ops.crossEntropy(x, labels, { labelSmoothing: eps });
      expect(y.shape).toEqual([]);
      expect(y.toArray()[0]).toBe(Math.fround(refLoss(eps)));
      const h = ops.crossEntropy(x, Int32Array.from(labels), { labelSmoothing: eps, format: "float16" });
      expect(Array.from(h.data)).toEqual([encodeValue(f16, refLoss(eps), "nearest-even", false, false)]);
    },
  );
  test("the backward kernel gives (softmax - target) * grad / N", () => {
    const eps = 0.2;
    const p = refSoftmaxRows(logits, 3, 3);
    const dLogits = { data: new Float32Array(9), format: floatFormat("float32"), shape: [3, 3] };
    const x = { data: Float32Array.from(logits), format: floatFormat("float32"), shape: [3, 3] };
    softmaxKernels.crossEntropyBackward(
      x,
      Int32Array.from(labels),
      1.5,
      { labelSmoothing: eps },
      dLogits,
      NEAREST,
    );
    const expected = p.map((q, k) => {
      const t = (k % 3 === labels[Math.floor(k / 3)] ? 1 - eps : 0) + eps / 3;
      return Math.fround(((q - t) * 1.5) / 3);
    });
    expect(Array.from(dLogits.data)).toEqual(expected);
  });
  test("errors name the argument and both sides", () => {
    const x = fromValues(logits, [3, 3], { engine: e });
    expect(() => ops.crossEntropy(x, [0, 1])).toThrow(
      "crossEntropy: labels expected 3 entries (one per row of logits), got 2",
    );
    expect(() => ops.crossEntropy(x, [0, 1, 3])).toThrow(
      "crossEntropy: labels[2] must be a class in [0, 3), got 3",
    );
    expect(() => ops.crossEntropy(fromValues(logits, [9], { engine: e }), [0])).toThrow(
      "crossEntropy: logits expected (N, C), got (9)",
    );
    expect(() => ops.crossEntropy(x, labels, { labelSmoothing: 2 })).toThrow(
      "labelSmoothing must be in [0, 1], got 2",
    );
  });
});
