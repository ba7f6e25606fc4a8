/**
 * The simulated FPU of DESIGN.md rule 4 for elementwise ops: + - x / sqrt into bfloat16 equal the float32
 * result rounded once; transcendental functions into float16 equal the float64 value rounded once (and
 * differ, somewhere, from rounding through float32); stochastic rounding of an output is reproducible and
 * unbiased; broadcasting, comparisons, where and cast against hand-computed values.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { encodeValue, floatFormat, randomWord } from "../../formats/index.js";
import * as ops from "../../ops/index.js";
import { Engine, fromCodes, fromValues, type Tensor } from "../../tensor/index.js";
import { normalCdf } from "./elementwise.js";

const bf16 = floatFormat("bfloat16");
const f16 = floatFormat("float16");

/** Every code of a 16-bit format whose value is finite, in a pseudo-random order (n of them). */
function finiteCodes(format: typeof bf16, n: number, seed: number): Uint16Array {
  const out = new Uint16Array(n);
  for (let i = 0, j = 0; i < n; j++) {
    const c = randomWord(seed, 0, 0, j) & 0xffff;
    const v = fromCodes(Uint16Array.of(c), [1], { format }).toArray()[0] ?? NaN;
    if (Number.isFinite(v) && Math.abs(v) < 1e30 && Math.abs(v) > 1e-30) out[i++] = c;
  }
  return out;
}

function codes(t: Tensor): number[] {
  return Array.from(t.data);
}

const nearest = (format: typeof bf16, v: number): number =>
  encodeValue(format, v, "nearest-even", false, false);

describe("float32 arithmetic, rounded once", () => {
  const e = new Engine();
  const a = fromCodes(finiteCodes(bf16, 4000, 1), [4000], { format: bf16, engine: e });
  const b = fromCodes(finiteCodes(bf16, 4000, 2), [4000], { format: bf16, engine: e });
  const va = a.toArray();
  const vb = b.toArray();
  const cases: [string, (x: Tensor, y: Tensor) => Tensor, (x: number, y: number) => number][] = [
    ["add", ops.add, (x, y) => x + y],
    ["sub", ops.sub, (x, y) => x - y],
    ["mul", ops.mul, (x, y) => x * y],
    ["div", ops.div, (x, y) => x / y],
    ["maximum", ops.maximum, Math.max],
  ];
  test.each(cases)("%s of bfloat16 tensors equals encode(bfloat16, fround(a op b))", (_n, op, f) => {
    const y = op(a, b);
    expect(y.format).toBe(bf16);
    const expected = va.map((x, i) => nearest(bf16, Math.fround(f(x, vb[i] ?? 0))));
    expect(codes(y)).toEqual(expected);
  });
  test("sqrt into float16 equals encode(float16, fround(sqrt(x)))", () => {
    const x = ops.abs(a);
    const expected = x.toArray().map((v) => nearest(f16, Math.fround(Math.sqrt(v))));
    expect(codes(ops.sqrt(x, { format: "float16" }))).toEqual(expected);
  });
});

describe("transcendental functions: float64, rounded once", () => {
  const n = 20000;
  const xs = Float32Array.from({ length: n }, (_, i) => -8 + (16 * randomWord(3, 0, 0, i)) / 2 ** 32);
  const x = fromValues(xs, [n]);
  test("exp into float16 equals the float64 Math.exp rounded once, not through float32", () => {
    const y = codes(ops.exp(x, { format: "float16" }));
    const once = Array.from(xs, (v) => nearest(f16, Math.exp(v)));
    const twice = Array.from(xs, (v) => nearest(f16, Math.fround(Math.exp(v))));
    expect(y).toEqual(once);
    // The test can tell the two apart: double rounding gives a different code for some inputs.
    expect(once.some((c, i) => c !== twice[i])).toBe(true);
  });
  const refs: [string, (t: Tensor) => Tensor, (v: number) => number][] = [
    ["log", (t) => ops.log(ops.abs(t), { format: "bfloat16" }), (v) => Math.log(Math.abs(v))],
    ["tanh", (t) => ops.tanh(t, { format: "bfloat16" }), Math.tanh],
    ["sigmoid", (t) => ops.sigmoid(t, { format: "float16" }), (v) => 1 / (1 + Math.exp(-v))],
    ["rsqrt", (t) => ops.rsqrt(ops.abs(t), { format: "float16" }), (v) => 1 / Math.sqrt(Math.abs(v))],
    [
      "gelu tanh",
      (t) => ops.gelu(t, { format: "float16", approximate: "tanh" }),
      (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
    ],
    ["pow", (t) => ops.pow(ops.abs(t), 1.5, { format: "float16" }), (v) => Math.abs(v) ** 1.5],
  ];
  test.each(refs)("%s equals its float64 reference rounded once", (_n, op, ref) => {
    const y = op(x);
    expect(codes(y)).toEqual(Array.from(xs, (v) => nearest(y.format, ref(v))));
  });
  test("the normal CDF of gelu matches tabulated values in both tails", () => {
    const table: [number, number][] = [
      [0, 0.5],
      [1, 0.8413447460685429],
      [-1, 0.15865525393145707],
      [2.5, 0.9937903346742238],
      [-5, 2.866515718791939e-7],
      [-10, 7.619853024160527e-24],
      [-4.3, 8.539905470991794e-6],
    ];
    for (const [v, p] of table) expect(Math.abs(normalCdf(v) - p)).toBeLessThanOrEqual(1e-14 * p);
    expect(ops.gelu(fromValues([-1, 0, 1, 3])).toArray()).toEqual(
      [-0.15865525393145707, 0, 0.8413447460685429, 3 * 0.9986501019683699].map(Math.fround),
    );
  });
});

describe("stochastic rounding of an op's output", () => {
  // x * y = 1 + 2^-9 + 2^-11 lies between two bfloat16 neighbours 1 and 1 + 2^-7, at 5/16 of the gap.
  const product = 1 + 2 ** -9 + 2 ** -11;
  const run = (seed: number, step: number): number[] => {
    const e = new Engine({ seed });
    e.step = step;
    const x = fromValues(new Float32Array(4096).fill(product), [4096], { engine: e });
    return ops.mul(x, 1, { format: "bfloat16", rounding: "stochastic" }).toArray();
  };
  test("same seed and step give the same codes; another step gives others", () => {
    expect(run(5, 3)).toEqual(run(5, 3));
    expect(run(5, 4)).not.toEqual(run(5, 3));
  });
  test("unbiased: the mean of the rounded values is the exact value", () => {
    const v = run(9, 0);
    expect(new Set(v)).toEqual(new Set([1, 1 + 2 ** -7]));
    const mean = v.reduce((s, a) => s + a, 0) / v.length;
    // 4096 Bernoulli(5/16) draws: standard error of the mean 2^-7 * 0.0072; allow 4 of them.
    expect(Math.abs(mean - product)).toBeLessThan(4 * 0.0072 * 2 ** -7);
  });
});

describe("broadcasting, constants and formats", () => {
  const e = new Engine();
  const a = fromValues([1, 2, 3, 4, 5, 6], [2, 3], { engine: e });
  test("NumPy broadcasting against hand-computed values", () => {
    expect(ops.add(a, fromValues([10, 20, 30], [3], { engine: e })).toArray()).toEqual([
      11, 22, 33, 14, 25, 36,
    ]);
    const col = fromValues([1, 2], [2, 1], { engine: e });
    const row = fromValues([10, 20, 30], [1, 3], { engine: e });
    const y = ops.mul(col, row);
    expect(y.shape).toEqual([2, 3]);
    expect(y.toArray()).toEqual([10, 20, 30, 20, 40, 60]);
    expect(ops.sub(fromValues([1, 2], [2, 1, 1], { engine: e }), row).shape).toEqual([2, 1, 3]);
  });
  test("a number is a float32 constant; the output keeps the tensor's format", () => {
    const x = fromValues([1.5, -3, 0.1], [3], { engine: e, format: "bfloat16" });
    const y = ops.mul(x, 0.1);
    expect(y.format).toBe(bf16);
    expect(codes(y)).toEqual(x.toArray().map((v) => nearest(bf16, Math.fround(v * Math.fround(0.1)))));
    expect(ops.sub(1, x).toArray()).toEqual([-0.5, 4, 0.8984375]);
  });
  test("mixed formats give float32 unless a format is named", () => {
    const h = fromValues([1, 2, 3], [3], { engine: e, format: "float16" });
    const b = fromValues([1, 2, 3], [3], { engine: e, format: "bfloat16" });
    expect(ops.add(h, b).format.name).toBe("float32");
    expect(ops.add(h, b, { format: "float8_e4m3fn" }).format.name).toBe("float8_e4m3fn");
  });
  test("comparisons give 1 and 0, NaN compares unequal", () => {
    const x = fromValues([1, NaN, 3], [3], { engine: e });
    const y = fromValues([1, NaN, 2], [3], { engine: e });
    expect(ops.eq(x, y).toArray()).toEqual([1, 0, 0]);
    expect(ops.ne(x, y).toArray()).toEqual([0, 1, 1]);
    expect(ops.lt(x, 2).toArray()).toEqual([1, 0, 0]);
    expect(ops.le(x, 3).toArray()).toEqual([1, 0, 1]);
    expect(ops.gt(x, y).toArray()).toEqual([0, 0, 1]);
    expect(ops.ge(x, y).toArray()).toEqual([1, 0, 1]);
  });
  test("where picks a or b by cond, broadcasting all three", () => {
    const cond = fromValues([1, 0], [2, 1], { engine: e });
    expect(ops.where(cond, a, -1).toArray()).toEqual([1, 2, 3, -1, -1, -1]);
    const h = fromValues([0, 2, 0], [3], { engine: e, format: "float16" });
    const both = ops.where(h, 1, 0);
    expect(both.format.name).toBe("float32");
    expect(both.toArray()).toEqual([0, 1, 0]);
  });
  test("unary edge values: relu keeps NaN, sign keeps -0, abs", () => {
    const x = fromValues([-2, -0, 0, 3, NaN], [5], { engine: e });
    expect(ops.relu(x).toArray()).toEqual([0, 0, 0, 3, NaN]);
    expect(Object.is(ops.sign(x).toArray()[1], -0)).toBe(true);
    expect(ops.abs(x).toArray()).toEqual([2, 0, 0, 3, NaN]);
    expect(ops.neg(x).toArray()).toEqual([2, 0, -0, -3, NaN]);
  });
  test("cast decodes exactly and rounds once", () => {
    const x = fromValues([1 + 2 ** -8, 1 + 3 * 2 ** -8, 448 * 2, -0.3], [4], { engine: e });
    expect(ops.cast(x, "bfloat16").toArray()).toEqual([1, 1 + 2 ** -6, 896, -0.30078125]);
    const f8 = ops.cast(x, "float8_e4m3fn");
    expect(f8.format.name).toBe("float8_e4m3fn");
    expect(f8.toArray()).toEqual([1, 1, NaN, -0.3125]);
  });
  test("shape errors name the op and both shapes", () => {
    expect(() => ops.add(a, fromValues([1, 2], [2], { engine: e }))).toThrow(
      "add: a (2, 3) and b (2) do not broadcast",
    );
    expect(() => ops.where(fromValues([1, 0, 1, 0], [4], { engine: e }), a, 0)).toThrow(
      "where: cond (4) and a (2, 3) and b () do not broadcast",
    );
    expect(() => ops.gelu(a, { approximate: "fast" as "erf" })).toThrow(
      'gelu: approximate must be "erf" or "tanh"',
    );
  });
});

describe("broadcasting properties", () => {
  /** Two shapes that broadcast: a random result shape, each side dropping leading axes or using 1s. */
  const shapes = fc
    .array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 4 })
    .chain((out) =>
      fc.tuple(
        fc.constant(out),
        fc.tuple(
          fc.nat(out.length),
          fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
        ),
        fc.tuple(
          fc.nat(out.length),
          fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
        ),
      ),
    )
    .map(([out, [dropA, onesA], [dropB, onesB]]) => ({
      out,
      a: out.slice(dropA).map((d, i) => (onesA[i + dropA] ? 1 : d)),
      b: out.slice(dropB).map((d, i) => (onesB[i + dropB] ? 1 : d)),
    }));
  /** The element of a tensor of `shape` that output index `idx` (of rank out.length) reads. */
  const read = (values: number[], shape: number[], idx: number[]): number => {
    const lead = idx.length - shape.length;
    let at = 0;
    shape.forEach((d, i) => (at = at * d + (d === 1 ? 0 : (idx[lead + i] ?? 0))));
    return values[at] ?? NaN;
  };
  test("sub(a, b) reads every element where NumPy says, and add commutes bit for bit", () => {
    fc.assert(
      fc.property(shapes, ({ a, b }) => {
        const size = (s: number[]): number => s.reduce((p, d) => p * d, 1);
        const va = Array.from({ length: size(a) }, (_, i) => i + 1);
        const vb = Array.from({ length: size(b) }, (_, i) => (i + 1) * 100);
        const ta = fromValues(va, a);
        const tb = fromValues(vb, b);
        const y = ops.sub(ta, tb);
        const rank = Math.max(a.length, b.length);
        const full = Array.from({ length: rank }, (_, i) =>
          Math.max(a[a.length - rank + i] ?? 1, b[b.length - rank + i] ?? 1),
        );
        expect(y.shape).toEqual(full);
        const got = y.toArray();
        for (let i = 0; i < got.length; i++) {
          const idx: number[] = [];
          let r = i;
          for (let d = full.length - 1; d >= 0; d--) {
            idx[d] = r % (full[d] ?? 1);
            r = Math.floor(r / (full[d] ?? 1));
          }
          expect(got[i]).toBe(read(va, a, idx) - read(vb, b, idx));
        }
        expect(ops.add(ta, tb).toArray()).toEqual(ops.add(tb, ta).toArray());
      }),
      { numRuns: 200 },
    );
  });
});
