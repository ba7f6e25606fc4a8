/**
 * Matmul against hand-computed values, against an independent float64 reference (every transpose and
 * broadcast batch), bit for bit against the documented order (sequential float32 over k, one rounding
 * at the end), accumulate "output", 1-D operands and shape errors naming both shapes.
 */
import { describe, expect, test } from "vitest";
import { encodeValue, floatFormat, randomWord } from "../../formats/index.js";
import * as ops from "../../ops/index.js";
import { Engine, fromValues, type Shape } from "../../tensor/index.js";

const bf16 = floatFormat("bfloat16");

function randomValues(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => randomWord(seed, 0, 0, i) / 2 ** 31 - 1);
}

/** Plain triple loop over logical indices (no packing), in float64 or in the documented float32 order. */
function reference(
  a: Float32Array,
  sa: Shape,
  b: Float32Array,
  sb: Shape,
  transA: boolean,
  transB: boolean,
  float32: boolean,
): { values: number[]; shape: number[] } {
  const [m, k] = transA ? [sa.at(-1) ?? 0, sa.at(-2) ?? 0] : [sa.at(-2) ?? 0, sa.at(-1) ?? 0];
  const n = transB ? (sb.at(-2) ?? 0) : (sb.at(-1) ?? 0);
  const batchA = sa.slice(0, -2);
  const batchB = sb.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const pad = (s: readonly number[]): number[] => [...new Array<number>(rank - s.length).fill(1), ...s];
  const [pa, pb] = [pad(batchA), pad(batchB)];
  const batch = pa.map((d, i) => Math.max(d, pb[i] ?? 1));
  const count = batch.reduce((p, d) => p * d, 1);
  const values: number[] = [];
  const flat = (idx: number[], dims: number[]): number =>
    idx.reduce((acc, v, i) => acc * (dims[i] ?? 1) + ((dims[i] ?? 1) === 1 ? 0 : v), 0);
  for (let t = 0; t < count; t++) {
    const idx: number[] = [];
    let r = t;
    for (let i = rank - 1; i >= 0; i--) {
      idx[i] = r % (batch[i] ?? 1);
      r = Math.floor(r / (batch[i] ?? 1));
    }
    const oa = flat(idx, pa) * m * k;
    const ob = flat(idx, pb) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let q = 0; q < k; q++) {
          const x = a[oa + (transA ? q * m + i : i * k + q)] ?? 0;
          const y = b[ob + (transB ? j * k + q : q * n + j)] ?? 0;
          acc = float32 ? Math.fround(acc + Math.fround(x * y)) : acc + x * y;
        }
        values.push(acc);
      }
    }
  }
  return { values, shape: [...batch, m, n] };
}

describe("matmul", () => {
  const e = new Engine();
  test("a hand-computed product", () => {
    const a = fromValues([1, 2, 3, 4, 5, 6], [2, 3], { engine: e });
    const b = fromValues([7, 8, 9, 10, 11, 12], [3, 2], { engine: e });
    expect(ops.matmul(a, b).toArray()).toEqual([58, 64, 139, 154]);
    expect(ops.matmul(a, a, { transB: true }).toArray()).toEqual([14, 32, 32, 77]);
    expect(ops.matmul(a, a, { transA: true }).shape).toEqual([3, 3]);
  });
  const cases: [Shape, Shape, boolean, boolean][] = [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[2, 1, 5, 7], [3, 7, 4], false, false],
    [[4, 5, 7], [7, 2], false, false],
    [[1, 7, 5], [3, 2, 7], true, true],
  ];
  test.each(cases)(
    "a %j b %j transA %s transB %s: float64 reference and documented order",
    (sa, sb, ta, tb) => {
      const va = randomValues(
        sa.reduce((p, d) => p * d, 1),
        1,
      );
      const vb = randomValues(
        sb.reduce((p, d) => p * d, 1),
        2,
      );
      const y = ops.matmul(fromValues(va, sa, { engine: e }), fromValues(vb, sb, { engine: e }), {
        transA: ta,
        transB: tb,
      });
      const f64 = reference(va, sa, vb, sb, ta, tb, false);
      expect(y.shape).toEqual(f64.shape);
      const got = y.toArray();
      got.forEach((v, i) => {
        expect(Math.abs(v - (f64.values[i] ?? 0))).toBeLessThan(1e-5);
      });
      expect(got).toEqual(reference(va, sa, vb, sb, ta, tb, true).values);
    },
  );
  test("bfloat16 x bfloat16 into bfloat16: exact products, float32 sums, one rounding", () => {
    const va = randomValues(4 * 64, 3);
    const vb = randomValues(64 * 3, 4);
    const a = fromValues(va, [4, 64], { engine: e, format: "bfloat16" });
    const b = fromValues(vb, [64, 3], { engine: e, format: "bfloat16" });
    const ref = reference(a.toFloat32Array(), [4, 64], b.toFloat32Array(), [64, 3], false, false, true);
    const y = ops.matmul(a, b);
    expect(y.format).toBe(bf16);
    expect(Array.from(y.data)).toEqual(
      ref.values.map((v) => encodeValue(bf16, v, "nearest-even", false, false)),
    );
  });
  test('accumulate "output" rounds every partial sum to the output format', () => {
    const row = fromValues([1, ...new Array<number>(300).fill(0.001)], [1, 301], {
      engine: e,
      format: "bfloat16",
    });
    const ones = fromValues(new Array<number>(301).fill(1), [301, 1], { engine: e, format: "bfloat16" });
    expect(ops.matmul(row, ones, { accumulate: "output" }).toArray()).toEqual([1]);
    expect(ops.matmul(row, ones).toArray()).toEqual([1.296875]);
  });
  test("1-D operands are a row and a column, and their axis is dropped", () => {
    const v = fromValues([1, 2, 3], [3], { engine: e });
    const m = fromValues([1, 2, 3, 4, 5, 6], [3, 2], { engine: e });
    expect(ops.matmul(v, m).shape).toEqual([2]);
    expect(ops.matmul(v, m).toArray()).toEqual([22, 28]);
    expect(ops.matmul(v, m, { transA: true }).toArray()).toEqual([22, 28]);
    expect(ops.matmul(m, fromValues([1, -1], [2], { engine: e })).toArray()).toEqual([-1, -1, -1]);
    const dot = ops.matmul(v, v);
    expect(dot.shape).toEqual([]);
    expect(dot.toArray()).toEqual([14]);
  });
  test("shape errors name the op and both shapes", () => {
    const a = fromValues(new Array<number>(6).fill(1), [2, 3], { engine: e });
    const b = fromValues(new Array<number>(20).fill(1), [4, 5], { engine: e });
    expect(() => ops.matmul(a, b)).toThrow("matmul: a (2, 3) and b (4, 5): inner dimensions 3 and 4 differ");
    const a3 = fromValues(new Array<number>(12).fill(1), [2, 2, 3], { engine: e });
    const b3 = fromValues(new Array<number>(18).fill(1), [3, 3, 2], { engine: e });
    expect(() => ops.matmul(a3, b3)).toThrow(
      "matmul: a (2, 2, 3) and b (3, 3, 2): batch dimensions (2) and (3) do not broadcast",
    );
    expect(() => ops.matmul(a, a, { accumulate: "bad" as "output" })).toThrow("matmul: accumulate must be");
    expect(() => ops.matmul(fromValues([2], [], { engine: e }), a)).toThrow(
      "matmul: a () and b (2, 3): both need rank >= 1",
    );
  });
});
