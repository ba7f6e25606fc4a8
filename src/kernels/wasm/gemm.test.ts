/**
 * wasm GEMM against a naive JavaScript GEMM that sums k in increasing order with Math.fround after every
 * product and sum: bit-exact for every transpose, every storage format of A, B and C (inputs decoded,
 * C rounded once with encodeArray's rounding, stochastic included), shapes that cut through the register
 * tile, the K, M and N blocks, batches with strides and broadcasting, and for 1, 2 and 3 threads.
 */
import { describe, expect, it } from "vitest";
import { randomValues } from "../../../test/support/random-values.js";
import { gemmReference, kernels } from "../../../test/support/wasm-reference.js";
import {
  decodeArray,
  encodeArray,
  FLOAT_FORMATS,
  resolveEncodeOptions,
  type EncodeOptions,
  type FloatFormat,
  type FloatFormatName,
} from "../../formats/index.js";
import type { Codes } from "./arena.js";
import { KC, MC, NC } from "./layout.js";

/** Codes of `f` for n random values scaled by `scale`, and their decoded float32 values. */
function operand(f: FloatFormat, n: number, seed: number, scale = 1): { codes: Codes; values: Float32Array } {
  const x = randomValues(n, seed).map((v) => v * scale);
  if (f.bits === 32) return { codes: x, values: x };
  const codes = encodeArray(f, x);
  return { codes, values: decodeArray(f, codes) };
}

/** The reference C of a GEMM, rounded into `out` with `rounding` as encodeArray rounds. */
function expected(
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  tA: boolean,
  tB: boolean,
  out: FloatFormat,
  rounding?: EncodeOptions,
): Codes {
  const c = gemmReference(m, n, k, a, b, tA, tB);
  if (out.bits !== 32) return encodeArray(out, c, rounding);
  return new Float32Array(encodeArray(out, c, rounding).buffer); // float32 storage is a Float32Array
}

const SHAPES: readonly [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [4, 8, 16],
  [13, 17, 300],
  [MC + 5, 9, KC + 3],
  [6, NC + 11, 2 * KC + 1],
  [70, 70, 0],
];

describe("wasm gemm, float32", () => {
  it.each(SHAPES)("%i x %i x %i matches the reference for every transpose", (m, n, k) => {
    const a = randomValues(m * k, m + 1);
    const b = randomValues(k * n, n + 2);
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const got = kernels().gemm({ m, n, k, a, b, transA: tA, transB: tB });
        expect(got).toEqual(gemmReference(m, n, k, a, b, tA, tB));
      }
    }
  });

  it("propagates infinities and NaN as float32 arithmetic does", () => {
    const a = Float32Array.of(Infinity, 1, 0, NaN);
    const b = Float32Array.of(0, 1, 2, 3);
    const got = kernels().gemm({ m: 2, n: 2, k: 2, a, b });
    expect(Array.from(got)).toEqual(Array.from(gemmReference(2, 2, 2, a, b)));
  });
});

const LOW: readonly FloatFormatName[] = ["bfloat16", "float16", "float8_e4m3fn", "float8_e5m2"];

describe("wasm gemm, storage formats", () => {
  it.each(LOW)("decodes %s inputs while packing and rounds C into every format", (name) => {
    const f = FLOAT_FORMATS[name];
    const [m, n, k] = [21, 19, 37];
    const a = operand(f, m * k, 5, 4);
    const b = operand(f, k * n, 6, 4);
    for (const outName of ["float32", ...LOW] as const) {
      const out = FLOAT_FORMATS[outName];
      for (const tA of [false, true]) {
        const got = kernels().gemm({
          m,
          n,
          k,
          a: a.codes,
          aFormat: f,
          b: b.codes,
          bFormat: f,
          transA: tA,
          transB: !tA,
          outFormat: out,
        });
        expect(got).toEqual(expected(m, n, k, a.values, b.values, tA, !tA, out));
      }
    }
  });

  it("mixes input formats and rounds with every mode, overflow and stochastic rounding", () => {
    const [m, n, k] = [9, 33, 70];
    const a = operand(FLOAT_FORMATS.bfloat16, m * k, 7, 30);
    const b = operand(FLOAT_FORMATS.float8_e5m2, k * n, 8, 30);
    const modes: EncodeOptions[] = [
      { rounding: "toward-zero" },
      { rounding: "nearest-away", overflow: "saturate" },
      { rounding: "stochastic", random: { seed: 11, stream: 3, step: 2, offset: 5 } },
      { rounding: "stochastic", randomBits: 8, random: { seed: 12 } },
      { flushSubnormals: true },
    ];
    for (const rounding of modes) {
      for (const outName of ["float16", "float8_e4m3fn", "float32"] as const) {
        const out = FLOAT_FORMATS[outName];
        const p = {
          m,
          n,
          k,
          a: a.codes,
          aFormat: FLOAT_FORMATS.bfloat16,
          b: b.codes,
          bFormat: FLOAT_FORMATS.float8_e5m2,
          outFormat: out,
          rounding: resolveEncodeOptions(rounding),
        } as const;
        expect(kernels().gemm(p)).toEqual(expected(m, n, k, a.values, b.values, false, false, out, rounding));
      }
    }
  });
});

describe("wasm gemm, batches", () => {
  it("runs batches with strides, broadcasting a stride-0 operand", () => {
    const [m, n, k, batch] = [5, 12, 9, 4];
    const a = randomValues(batch * m * k, 21);
    const b = randomValues(k * n, 22);
    const rounding = { rounding: "stochastic", random: { seed: 4, offset: 100 } } as const;
    const got = kernels().gemm({
      ...{ m, n, k, a, b, batch, strideB: 0 },
      outFormat: FLOAT_FORMATS.bfloat16,
      rounding: resolveEncodeOptions(rounding),
    });
    const c = new Float32Array(batch * m * n);
    for (let i = 0; i < batch; i++) {
      c.set(gemmReference(m, n, k, a.subarray(i * m * k, (i + 1) * m * k), b), i * m * n);
    }
    expect(got).toEqual(encodeArray(FLOAT_FORMATS.bfloat16, c, rounding));
  });

  it("rejects operands that are too short and an unsupported accumulation", () => {
    const a = new Float32Array(6);
    expect(() => kernels().gemm({ m: 2, n: 2, k: 3, a, b: new Float32Array(5) })).toThrow(/at least 6/);
    expect(() => kernels().gemm({ m: 2, n: 2, k: 3, a, b: a, accumulate: "output" })).toThrow(
      /not implemented/,
    );
    expect(() => kernels().gemm({ m: -1, n: 2, k: 3, a, b: a })).toThrow(/non-negative integer/);
  });
});

describe("wasm gemm, threads", () => {
  it("gives bit-identical results on 1, 2 and 3 threads", () => {
    const k = kernels();
    const before = k.threads;
    const a = randomValues(200 * 300, 31);
    const b = randomValues(300 * 260, 32);
    const rounding = { rounding: "stochastic", random: { seed: 9 } } as const;
    const runs = [1, 2, 3].map((t) => {
      k.setThreads(t);
      return [
        k.gemm({ m: 200, n: 260, k: 300, a, b }),
        k.gemm({
          m: 200,
          n: 260,
          k: 300,
          a,
          b,
          outFormat: FLOAT_FORMATS.bfloat16,
          rounding: resolveEncodeOptions(rounding),
        }),
        k.gemm({ m: 20, n: 26, k: 300, a, b, batch: 9, strideA: 6000, strideB: 7800 }),
      ];
    });
    k.setThreads(before);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    expect(runs[0]?.[0]).toEqual(gemmReference(200, 260, 300, a, b));
  });
});
