/**
 * The wasm batch-norm kernels (assembly/norm.ts) against their js twins (src/kernels/js/norm.ts), at the
 * kernel level so that inference mode, odd shapes and special values are reached directly: outputs,
 * saved statistics, running statistics and all three gradients must be bit-identical for every wasm
 * format, both roundings (stochastic takes the js path), channel counts that do and do not fill the
 * kernel's groups of four, rows that do and do not fill its vectors, and NaN, infinities and overflow.
 */
import { describe, expect, it } from "vitest";
import { encodeArray, floatFormat, randomWord, type FloatFormatName } from "../formats/index.js";
import { batchNormStatistics, batchNormSums, normKernels } from "./js/norm.js";
import type { BatchNormAttrs, NormKernels } from "./signatures.js";
import { decoded, NEAREST, type Operand, type OutputRounding } from "./types.js";
import { wasmBackendKernels } from "./wasm/backend/index.js";
import { wasmKernels } from "./wasm/index.js";

const FORMATS: readonly FloatFormatName[] = [
  "float32",
  "bfloat16",
  "float16",
  "float8_e4m3fn",
  "float8_e5m2",
];
const STOCHASTIC: OutputRounding = {
  rounding: "stochastic",
  random: { seed: 9, stream: 4, step: 2, offset: 0 },
  randomBits: 32,
};

function values(n: number, seed: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => ((randomWord(seed, 3, 0, i) / 2 ** 32) * 2 - 1) * scale);
}

function operand(v: Float32Array, shape: number[], format: FloatFormatName): Operand {
  const f = floatFormat(format);
  // Every format here has 8- or 16-bit codes, which is how tensors store them.
  const data = f.bits === 32 ? v : (encodeArray(f, v) as Uint16Array | Uint8Array);
  return { data, format: f, shape };
}

function empty(like: Operand): Operand {
  const data = like.data.slice();
  data.fill(0);
  return { ...like, data };
}

function bits(o: Operand | Float32Array): number[] {
  const d = o instanceof Float32Array ? o : o.data;
  return Array.from(d instanceof Float32Array ? new Uint32Array(d.buffer, d.byteOffset, d.length) : d);
}

interface Case {
  readonly shape: number[];
  readonly format: FloatFormatName;
  readonly r: OutputRounding;
  readonly training: boolean;
  readonly scale: number;
  readonly specials: boolean;
}

/** Forward then backward on kernels `k`; every output as bits. */
function run(k: NormKernels, c: Case): number[][] {
  const [, ch = 1] = c.shape;
  const size = c.shape.reduce((a, b) => a * b, 1);
  const xv = values(size, 1, c.scale);
  if (c.specials) [NaN, Infinity, -Infinity, -0].forEach((v, i) => (xv[i * ch * 3] = v)); // channel 0
  const x = operand(xv, c.shape, c.format);
  const gamma = operand(values(ch, 2, 2), [ch], c.format);
  const beta = operand(values(ch, 3, 1), [ch], c.format);
  const dy = operand(values(size, 4, c.scale), c.shape, c.format);
  const running = { mean: values(ch, 5, 1), variance: values(ch, 6, 1).map(Math.abs) };
  const attrs: BatchNormAttrs = { training: c.training, momentum: 0.1, eps: 1e-5 };
  const out = empty(x);
  const saved = new Float32Array(2 * ch);
  k.batchNorm(x, gamma, beta, running, attrs, out, saved, c.r);
  const dx = empty(x);
  const dGamma = empty(gamma);
  const dBeta = empty(beta);
  k.batchNormBackward(x, gamma, dy, saved, attrs, dx, dGamma, dBeta, c.r);
  return [
    bits(out),
    bits(saved),
    bits(running.mean),
    bits(running.variance),
    bits(dx),
    bits(dGamma),
    bits(dBeta),
  ];
}

const wasm = wasmKernels();
if (wasm === null) throw new Error("the wasm module is not built: run `npm run build`");
const w = wasmBackendKernels(wasm) as NormKernels;

describe("wasm batch norm against the js kernels", () => {
  // (N, C, S): 4 channels and 4-wide rows; 6 channels (a group and two single ones) and 7-wide rows;
  // rank 2 (S = 1); 9 channels of 20.
  const SHAPES = [
    [3, 4, 2, 2],
    [5, 6, 7],
    [16, 5],
    [2, 9, 4, 5],
  ];
  it.each(FORMATS)("%s: training and inference, nearest and stochastic, odd shapes", (format) => {
    for (const shape of SHAPES) {
      for (const training of [true, false]) {
        for (const r of [NEAREST, STOCHASTIC]) {
          const c: Case = { shape, format, r, training, scale: 3, specials: false };
          expect(run(w, c)).toEqual(run(normKernels, c));
        }
      }
    }
  });

  it.each(FORMATS)("%s: NaN, infinities, -0 in a channel; huge and tiny values", (format) => {
    for (const training of [true, false]) {
      for (const [scale, specials] of [
        [3, true],
        [6e4, false], // overflows float16 and the 8-bit formats
        [1e-6, false], // subnormal results
      ] as const) {
        const c: Case = { shape: [4, 6, 9], format, r: NEAREST, training, scale, specials };
        expect(run(w, c)).toEqual(run(normKernels, c));
      }
    }
  });

  it.each(["float32", "bfloat16"] as const)(
    "%s: the wasm kernel's float64 statistics and gradient sums are the js ones, bit for bit",
    (format) => {
      // Rounding the outputs hides most float64 differences, so compare the sums before it.
      const dims = { n: 8, c: 6, s: 50 };
      const shape = [8, 6, 50];
      const x = operand(values(2400, 1, 3), shape, format);
      const dy = operand(values(2400, 4, 1), shape, format);
      const gamma = values(6, 2, 2);
      const beta = values(6, 3, 1);
      const xv = decoded(x);
      const dv = decoded(dy);
      const saved = new Float32Array(12);
      const out = empty(x);
      const stats = wasm.batchNorm({ x, dims, gamma, beta, training: true, eps: 1e-5, saved, out });
      const f64 = (a: Float64Array): bigint[] => Array.from(new BigUint64Array(a.slice().buffer));
      expect(f64(stats)).toEqual(f64(batchNormStatistics(xv, 8, 6, 50)));
      const sums = wasm.batchNormBackward({ x, dy, dims, gamma, saved, training: true, dx: empty(x) });
      expect(f64(sums)).toEqual(f64(batchNormSums(xv, dv, saved, 8, 6, 50)));
    },
  );
});
