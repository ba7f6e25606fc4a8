/**
 * QDQ export against minifloat's own fake quantization: a tiny BERT with float8 (e4m3fn, e5m2) weights
 * and activations at every matmul input, and one with int8 per-channel weights and uint8 activations
 * with a zero point, run in onnxruntime-node, agree with the same model in minifloat where each site
 * is quantized to its format (x / scale, round to nearest even, saturate) and dequantized, computed here
 * independently of qdq.ts. Both sides then hold the same quantized values, so they differ only by
 * float32 summation order (2.4e-7 measured); one value rounded to a different code would move the
 * logits by about 1e-2 (one float8 step of 2^-3 relative), far above the 1e-4 tolerance.
 */
import type * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { decodeArray, encodeArray, floatFormat } from "../../formats/index.js";
import { BertSelfAttention, type BertForSequenceClassification, type BertHidden } from "../../nn/index.js";
import { add, div, matmul, permute, reshape, softmax } from "../../ops/index.js";
import { fromValues, type Tensor } from "../../tensor/index.js";
import {
  maxAbsDiff,
  ortLogits,
  ortSession,
  paddedBatch,
  randomBert,
} from "../../../test/support/onnx-bert.js";
import { bertQdqSites, type BertOnnxOptions } from "./bert-onnx.js";
import type { QdqMap, QdqSite } from "./qdq.js";

/** Round half to even (ONNX QuantizeLinear's rounding). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Quantize then dequantize `x` (row-major `dims`) as ONNX Q -> DQ does, element by element. */
function fakeQuantize(x: Float32Array, dims: readonly number[], site: QdqSite): Float32Array {
  const scales = typeof site.scale === "number" ? [site.scale] : site.scale;
  const zps =
    site.zeroPoint === undefined
      ? [0]
      : typeof site.zeroPoint === "number"
        ? [site.zeroPoint]
        : site.zeroPoint;
  const axis = site.axis === undefined ? null : (site.axis + dims.length) % dims.length;
  const inner = axis === null ? 1 : dims.slice(axis + 1).reduce((p, d) => p * d, 1);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const k = axis === null ? 0 : Math.floor(i / inner) % dims[axis];
    const s = Math.fround(scales[k]);
    const v = Math.fround(x[i] / s);
    if (site.format === "int8" || site.format === "uint8") {
      const [lo, hi] = site.format === "int8" ? [-128, 127] : [0, 255];
      const zp = zps.length === 1 ? zps[0] : zps[k];
      const q = Math.min(hi, Math.max(lo, roundHalfEven(v) + zp));
      out[i] = (q - zp) * s;
    } else {
      const f = floatFormat(site.format);
      out[i] = decodeArray(f, encodeArray(f, [v], { overflow: "saturate" }))[0] * s;
    }
  }
  return out;
}

/** `t` through site `name` of `qdq` (unchanged when the map has no such site). */
function fq(qdq: QdqMap, name: string, t: Tensor): Tensor {
  if (!Object.hasOwn(qdq, name)) return t;
  return fromValues(fakeQuantize(t.toFloat32Array(), t.shape, qdq[name]), t.shape, { engine: t.engine });
}

/** BertSelfAttention's forward (bert.ts) with q, k, v and probs through their sites. */
function quantizedAttention(self: BertSelfAttention, name: string, qdq: QdqMap) {
  return ({ x, mask }: BertHidden): Tensor => {
    const [b = 0, t = 0, c = 0] = x.shape;
    const h = self.config.numAttentionHeads;
    const d = c / h;
    const heads = (y: Tensor): Tensor => permute(reshape(y, [b, t, h, d]), [0, 2, 1, 3]); // (B, H, T, D)
    const q = heads(fq(qdq, `${name}.q`, self.query.forward(x)));
    const k = heads(fq(qdq, `${name}.k`, self.key.forward(x)));
    const v = heads(fq(qdq, `${name}.v`, self.value.forward(x)));
    let scores = div(matmul(q, k, { transB: true }), Math.sqrt(d)); // (B, H, T, T)
    if (mask !== null) scores = add(scores, mask);
    const probs = fq(qdq, `${name}.probs`, softmax(scores, -1));
    return reshape(permute(matmul(probs, v), [0, 2, 1, 3]), [b, t, c]); // (B, T, C)
  };
}

/** Make `model` compute with every site of `qdq` fake-quantized: weights replaced, inputs wrapped. */
function fakeQuantizeModel(model: BertForSequenceClassification, qdq: QdqMap): void {
  const modules = new Map(model.namedModules());
  for (const [name, m] of modules) {
    if (m instanceof BertSelfAttention) {
      Object.defineProperty(m, "forward", { value: quantizedAttention(m, name, qdq) });
    }
    const weight = `${name}.weight`;
    if (Object.hasOwn(qdq, weight) && !name.includes("LayerNorm")) {
      const w = (m as unknown as { weight: Tensor }).weight;
      model.setParameter(weight, fq(qdq, weight, w));
    }
    if (Object.hasOwn(qdq, `${name}.input`)) {
      const forward = m.forward.bind(m) as (x: Tensor) => Tensor;
      Object.defineProperty(m, "forward", { value: (x: Tensor) => forward(fq(qdq, `${name}.input`, x)) });
    }
  }
}

/** Largest |w| of each row of a (rows, cols) weight. */
function rowMax(w: Tensor): number[] {
  const [rows = 0, cols = 0] = w.shape;
  const v = w.toFloat32Array();
  return Array.from({ length: rows }, (_, r) =>
    Math.max(...v.subarray(r * cols, (r + 1) * cols).map(Math.abs)),
  );
}

/** Logits of minifloat's float model, of its fake-quantized twin, and of onnxruntime-node's QDQ export. */
async function compare(
  seed: number,
  qdqOf: (m: BertForSequenceClassification) => QdqMap,
  options: BertOnnxOptions = {},
  sessionOptions: ort.InferenceSession.SessionOptions = {},
) {
  const model = randomBert(seed);
  const input = paddedBatch(8);
  const qdq = qdqOf(model);
  const session: ort.InferenceSession = await ortSession(model, { ...options, qdq }, sessionOptions);
  const float = model.forward(input).toFloat32Array();
  fakeQuantizeModel(model, qdq);
  return { float, fake: model.forward(input).toFloat32Array(), ort: await ortLogits(session, input) };
}

/** onnxruntime runs the QDQ graph as written, without fusing Q/DQ into integer kernels: its fusion
 * turns float8 DQ -> MatMul into MatMulIntegerToFloat, which rejects float8 ("invalid model"), and its
 * u8s8 kernels saturate 16-bit pair sums on AVX2 without VNNI when weights use all 8 bits (the reason
 * for its `reduce_range` option), which moves these logits by 0.36. */
const AS_WRITTEN = { extra: { session: { disable_quant_qdq: "1" } } };

/** Every site of `model` in `format`: weights per tensor at amax / (2 max) (the largest saturate), the
 * attention probabilities at 1 / 256, other activations at 1 / 32. */
function float8Sites(model: BertForSequenceClassification, format: "float8_e4m3fn" | "float8_e5m2"): QdqMap {
  const max = floatFormat(format).max;
  const map: Record<string, QdqSite> = {};
  for (const s of bertQdqSites(model)) {
    const param = [...model.namedParameters()].find(([n]) => n === s.name)?.[1];
    const scale =
      param !== undefined
        ? (Math.max(...rowMax(param)) / max) * 0.5
        : s.name.endsWith("probs")
          ? 1 / 256
          : 1 / 32;
    map[s.name] = { format, scale: format === "float8_e5m2" ? scale * 64 : scale };
  }
  return map;
}

describe("QDQ export against minifloat's fake quantization", () => {
  for (const format of ["float8_e4m3fn", "float8_e5m2"] as const) {
    it(`${format} weights and activations at every matmul input`, async () => {
      const r = await compare(21, (m) => float8Sites(m, format), {}, AS_WRITTEN);
      const quantError = maxAbsDiff(r.fake, r.float);
      expect(quantError).toBeGreaterThan(1e-2); // quantization changes the logits (0.80 e4m3, 0.60 e5m2)...
      expect(maxAbsDiff(r.ort, r.fake)).toBeLessThan(1e-4); // ...and onnxruntime gets the same change
    });
  }

  /** int8 weights per output channel at amax / `qmax`, uint8 activations at every Linear input (zero point 128). */
  const int8Sites =
    (qmax: number) =>
    (model: BertForSequenceClassification): QdqMap => {
      const map: Record<string, QdqSite> = {};
      for (const s of bertQdqSites(model)) {
        const param = [...model.namedParameters()].find(([n]) => n === s.name)?.[1];
        if (param !== undefined)
          map[s.name] = { format: "int8", scale: rowMax(param).map((a) => a / qmax), axis: 0 };
        else if (s.name.endsWith(".input")) map[s.name] = { format: "uint8", scale: 0.05, zeroPoint: 128 };
      }
      return map;
    };

  it("int8 per-channel weights (axis 0 of (out, in)) with uint8 activations and a zero point", async () => {
    const r = await compare(22, int8Sites(127), {}, AS_WRITTEN);
    expect(maxAbsDiff(r.fake, r.float)).toBeGreaterThan(1e-2); // 0.12 (8-bit), 0.38 (7-bit) measured
    expect(maxAbsDiff(r.ort, r.fake)).toBeLessThan(1e-4);
  });

  it("int8 with 7-bit weights also through onnxruntime's fused integer kernels (default optimization)", async () => {
    const r = await compare(22, int8Sites(63));
    expect(maxAbsDiff(r.fake, r.float)).toBeGreaterThan(1e-2); // 0.12 (8-bit), 0.38 (7-bit) measured
    expect(maxAbsDiff(r.ort, r.fake)).toBeLessThan(1e-4);
  });
});
