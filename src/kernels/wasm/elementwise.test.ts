/**
 * wasm elementwise ops against JavaScript loops with Math.fround: bit-exact in
 * float32 (NaN, infinities, signed zeros included) and, for storage formats, equal to decoding, the same
 * float32 op and one encodeArray rounding (stochastic included).
 */
import { describe, expect, it } from "vitest";
import { randomValues } from "../../../test/support/random-values.js";
import { kernels } from "../../../test/support/wasm-reference.js";
import { decodeArray, encodeArray, FLOAT_FORMATS, resolveEncodeOptions } from "../../formats/index.js";
import { BINARY_OPS, type BinaryOp } from "./elementwise-kernels.js";

const JS: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => Math.fround(a + b),
  sub: (a, b) => Math.fround(a - b),
  mul: (a, b) => Math.fround(a * b),
  div: (a, b) => Math.fround(a / b),
  maximum: (a, b) => Math.max(a, b),
  minimum: (a, b) => Math.min(a, b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};

/** n values with specials mixed in: signed zeros, infinities, NaN, subnormals and huge values. */
function values(n: number, seed: number): Float32Array {
  const x = randomValues(n, seed).map((v, i) => v * 2 ** ((i % 41) - 20));
  const specials = [0, -0, Infinity, -Infinity, NaN, 1e-40, -3e-39, 3e38, -3e38, 1];
  for (let i = 0; i < n; i += 7) x[i] = specials[(i / 7) % specials.length] ?? 0;
  return x;
}

describe("wasm elementwise, float32", () => {
  it.each(BINARY_OPS)("%s matches the JavaScript loop bit for bit", (op) => {
    const n = 1003;
    const a = values(n, 1);
    const b = values(n, 2).reverse();
    for (let i = 0; i < n; i += 5) b[i] = a[i]; // ties, for the comparisons
    const want = Float32Array.from(a, (v, i) => JS[op](v, b[i] ?? 0));
    expect(kernels().binary(op, a, b)).toEqual(want);
  });

  it("relu is max(x, 0)", () => {
    const x = values(70_001, 3);
    expect(kernels().relu(x)).toEqual(Float32Array.from(x, (v) => Math.max(v, 0)));
  });
});

describe("wasm elementwise, storage formats", () => {
  it("decodes, computes in float32 and rounds once", () => {
    const bf = FLOAT_FORMATS.bfloat16;
    const e5 = FLOAT_FORMATS.float8_e5m2;
    const a = encodeArray(bf, values(5000, 6));
    const b = encodeArray(e5, values(5000, 7));
    const [av, bv] = [decodeArray(bf, a), decodeArray(e5, b)];
    const sr = { rounding: "stochastic", random: { seed: 8, step: 3, offset: 2 } } as const;
    const got = kernels().mul(a, b, {
      aFormat: bf,
      bFormat: e5,
      outFormat: FLOAT_FORMATS.float16,
      rounding: resolveEncodeOptions(sr),
    });
    const want = encodeArray(
      FLOAT_FORMATS.float16,
      Float32Array.from(av, (v, i) => JS.mul(v, bv[i] ?? 0)),
      sr,
    );
    expect(got).toEqual(want);
    expect(kernels().relu(a, { aFormat: bf, outFormat: bf })).toEqual(
      encodeArray(
        bf,
        av.map((v) => Math.max(v, 0)),
      ),
    );
  });

  it("rejects arrays of different lengths", () => {
    expect(() => kernels().add(new Float32Array(3), new Float32Array(4))).toThrow(/expected 3/);
  });
});
