/**
 * The `wasm` backend as a kernel table: adapts the WebAssembly kernels of ./wasm (plain typed arrays)
 * to the Kernels signatures. Each kernel takes the wasm path only where the wasm code implements exactly
 * the js kernel's arithmetic (formats it can decode, float32 accumulation, shapes it handles) and hands
 * everything else to its `js` twin, so the backend is always complete and always right.
 */
import {
  fastFloat64Target,
  floatFormat,
  roundToOddFloat32,
  type EncodeOptions,
  type FloatFormat,
} from "../formats/index.js";
import { sizeOf } from "../tensor/index.js";
import { broadcastArray } from "./broadcast.js";
import { jsKernels } from "./js/index.js";
import type { BinaryOp, Conv2dAttrs, Kernels, UnaryOp } from "./signatures.js";
import { channelDims, normKernelsWith, updateRunning } from "./js/norm.js";
import {
  decoded,
  NEAREST,
  resultBuffer,
  store,
  type Operand,
  type OutputRounding,
  type Store,
} from "./types.js";
import {
  wasmFloat64Target,
  wasmSupportsFormat,
  type BinaryOp as WasmBinaryOp,
  type Conv2dGeometry,
  type WasmKernels,
} from "./wasm/index.js";

function encodeOptions(r: OutputRounding): EncodeOptions {
  return r.random === null
    ? { rounding: r.rounding }
    : { rounding: r.rounding, random: r.random, randomBits: r.randomBits };
}

function supported(...formats: FloatFormat[]): boolean {
  return formats.every(wasmSupportsFormat);
}

const BINARY: Partial<Record<BinaryOp, WasmBinaryOp>> = {
  add: "add",
  sub: "sub",
  mul: "mul",
  div: "div",
  maximum: "max",
  minimum: "min",
};

function geometry(x: readonly number[], w: readonly number[], attrs: Conv2dAttrs): Conv2dGeometry {
  const [n = 1, c = 1, h = 1, wd = 1] = x;
  const [o = 1, , kh = 1, kw = 1] = w;
  return {
    n,
    c,
    h,
    w: wd,
    o,
    kh,
    kw,
    stride: attrs.stride,
    padding: attrs.padding,
    dilation: attrs.dilation,
    groups: attrs.groups,
  };
}

/** The operand's values as float32, decoded by the wasm codec (bit-exact with `decoded`). */
function floats(w: WasmKernels, x: Operand): Float32Array {
  return x.data instanceof Float32Array ? x.data : w.decode(x.format, x.data);
}

/** Round float32 results once into `out` as `store` does, with the wasm encoder (bit-exact with it). */
function roundInto(w: WasmKernels, out: Operand, values: Float32Array, r: OutputRounding): void {
  if (out.data === values) return;
  if (out.data instanceof Float32Array) out.data.set(values);
  else w.encode(out.format, values, encodeOptions(r), out.data);
}

const FLOAT32 = floatFormat("float32");

/**
 * `store` with the wasm encoder where it serves the output: float32 values are encoded directly, float64
 * ones (normalization) rounded to odd float32 first, which then rounds to nearest exactly as the float64
 * value would (formats/round-to-odd.ts); the same codes as `store`, several times faster for 16- and 8-bit outputs.
 */
function wasmStore(w: WasmKernels): Store {
  return (out, values, r) => {
    if (out.data === values || out.data instanceof Float32Array || !supported(out.format)) {
      store(out, values, r);
    } else if (values instanceof Float32Array) {
      w.encode(out.format, values, encodeOptions(r), out.data);
    } else if (r.rounding === "nearest-even" && fastFloat64Target(out.format)) {
      w.encode(out.format, roundToOddFloat32(values), encodeOptions(r), out.data);
    } else store(out, values, r);
  };
}

/**
 * Run a js kernel that computes float32 values and rounds them once (pooling, bias gradient) into a
 * float32 scratch output, then round into `out` with the wasm encoder: the same codes as the js store,
 * several times faster for 16- and 8-bit outputs.
 */
function viaFloat32(
  w: WasmKernels,
  out: Operand,
  r: OutputRounding,
  run: (out: Operand, r: OutputRounding) => void,
): void {
  if (out.data instanceof Float32Array || !supported(out.format)) {
    run(out, r);
    return;
  }
  const scratch = { data: new Float32Array(out.data.length), format: FLOAT32, shape: out.shape };
  run(scratch, NEAREST);
  w.encode(out.format, scratch.data, encodeOptions(r), out.data);
}

/** The wasm kernels, falling back to `js` wherever wasm does not do exactly the same arithmetic. */
export function wasmBackendKernels(w: WasmKernels): Partial<Kernels> {
  const js = jsKernels;
  const round = wasmStore(w);
  const norm = normKernelsWith(round);
  // Operands decoded by the wasm codec: exact, as `decoded`, and several times faster for 16 bits.
  const f32 = (x: Operand): Operand =>
    x.data instanceof Float32Array || !supported(x.format)
      ? x
      : { data: floats(w, x), format: FLOAT32, shape: x.shape };
  return {
    ...norm,
    batchNorm(x, gamma, beta, running, attrs, out, saved, r) {
      if (r.rounding !== "nearest-even" || !supported(x.format) || !wasmFloat64Target(out.format)) {
        norm.batchNorm(f32(x), f32(gamma), f32(beta), running, attrs, out, saved, r);
        return;
      }
      const dims = channelDims(x);
      const { c } = dims;
      if (!attrs.training) {
        for (let ch = 0; ch < c; ch++) {
          saved[ch] = running.mean[ch];
          saved[c + ch] = 1 / Math.sqrt(running.variance[ch] + attrs.eps);
        }
      }
      const gv = decoded(f32(gamma));
      const bv = decoded(f32(beta));
      const { training, eps } = attrs;
      const stats = w.batchNorm({ x, dims, gamma: gv, beta: bv, training, eps, saved, out });
      if (!attrs.training) return;
      const m = dims.n * dims.s;
      for (let ch = 0; ch < c; ch++) updateRunning(running, ch, stats[ch], stats[c + ch], m, attrs.momentum);
    },
    batchNormBackward(x, gamma, dy, saved, attrs, dx, dGamma, dBeta, r) {
      if (r.rounding !== "nearest-even" || !supported(x.format, dy.format) || !wasmFloat64Target(dx.format)) {
        norm.batchNormBackward(f32(x), f32(gamma), f32(dy), saved, attrs, dx, dGamma, dBeta, r);
        return;
      }
      const dims = channelDims(x);
      const gv = decoded(f32(gamma));
      const sums = w.batchNormBackward({ x, dy, dims, gamma: gv, saved, training: attrs.training, dx });
      round(dGamma, sums.subarray(dims.c), r);
      round(dBeta, sums.subarray(0, dims.c), r);
    },
    matmul(a, b, out, attrs, r) {
      const ra = a.shape.length;
      const rb = b.shape.length;
      const batchA = sizeOf(a.shape.slice(0, -2));
      const batchB = sizeOf(b.shape.slice(0, -2));
      const batch = sizeOf(out.shape.slice(0, -2));
      const fits =
        ra >= 2 &&
        rb >= 2 &&
        attrs.accumulate === "float32" &&
        (batchA === batch || batchA === 1) &&
        (batchB === batch || batchB === 1) &&
        supported(a.format, b.format, out.format);
      if (!fits) {
        js.matmul(a, b, out, attrs, r);
        return;
      }
      const m = out.shape[out.shape.length - 2] ?? 1;
      const n = out.shape[out.shape.length - 1] ?? 1;
      const k = attrs.transA ? (a.shape[ra - 2] ?? 1) : (a.shape[ra - 1] ?? 1);
      w.gemm({
        m,
        n,
        k,
        a: a.data,
        aFormat: a.format,
        transA: attrs.transA,
        b: b.data,
        bFormat: b.format,
        transB: attrs.transB,
        outFormat: out.format,
        rounding: encodeOptions(r),
        batch,
        strideA: batchA === 1 ? 0 : m * k,
        strideB: batchB === 1 ? 0 : k * n,
        out: out.data,
      });
    },

    conv2d(x, wt, bias, attrs, out, r) {
      if (attrs.accumulate !== "float32" || !supported(x.format, wt.format, out.format)) {
        js.conv2d(x, wt, bias, attrs, out, r);
        return;
      }
      const g = geometry(x.shape, wt.shape, attrs);
      if (bias === null) {
        w.conv2d(g, x.data, wt.data, {
          aFormat: x.format,
          bFormat: wt.format,
          outFormat: out.format,
          rounding: encodeOptions(r),
          out: out.data,
        });
        return;
      }
      // The bias joins the float32 dot product before the one rounding, as in the js kernel.
      const acc = resultBuffer(out); // (N, Cout, OH, OW)
      w.conv2d(g, x.data, wt.data, { aFormat: x.format, bFormat: wt.format, outFormat: "float32", out: acc });
      const bv = decoded(bias); // (Cout)
      const plane = (out.shape[2] ?? 1) * (out.shape[3] ?? 1);
      for (let p = 0, at = 0; at < acc.length; p++) {
        const b = bv[p % bv.length];
        for (const end = at + plane; at < end; at++) acc[at] = Math.fround(acc[at] + b);
      }
      roundInto(w, out, acc, r);
    },

    conv2dBackwardData(dy, wt, attrs, dx, r) {
      if (attrs.accumulate !== "float32" || !supported(dy.format, wt.format, dx.format)) {
        js.conv2dBackwardData(dy, wt, attrs, dx, r);
        return;
      }
      const g = geometry(dx.shape, wt.shape, attrs);
      w.conv2dBackwardData(g, dy.data, wt.data, {
        aFormat: dy.format,
        bFormat: wt.format,
        outFormat: dx.format,
        rounding: encodeOptions(r),
        out: dx.data,
      });
    },

    conv2dBackwardFilter(x, dy, attrs, dw, r) {
      if (attrs.accumulate !== "float32" || !supported(x.format, dy.format, dw.format)) {
        js.conv2dBackwardFilter(x, dy, attrs, dw, r);
        return;
      }
      const g = geometry(x.shape, dw.shape, attrs);
      w.conv2dBackwardFilter(g, x.data, dy.data, {
        aFormat: x.format,
        bFormat: dy.format,
        outFormat: dw.format,
        rounding: encodeOptions(r),
        out: dw.data,
      });
    },

    binary(op, a, b, out, r) {
      const wop = BINARY[op];
      if (wop === undefined || !supported(a.format, b.format, out.format)) {
        js.binary(op, a, b, out, r);
        return;
      }
      // A broadcast operand (a bias row, a scalar) is expanded as codes: a copy, exact in any format.
      w.binary(wop, broadcastArray(a.data, a.shape, out.shape), broadcastArray(b.data, b.shape, out.shape), {
        aFormat: a.format,
        bFormat: b.format,
        outFormat: out.format,
        rounding: encodeOptions(r),
        out: out.data,
      });
    },

    compare(op, a, b, out, r) {
      if (!supported(a.format, b.format, out.format)) {
        js.compare(op, a, b, out, r);
        return;
      }
      w.binary(op, broadcastArray(a.data, a.shape, out.shape), broadcastArray(b.data, b.shape, out.shape), {
        aFormat: a.format,
        bFormat: b.format,
        outFormat: out.format,
        rounding: encodeOptions(r),
        out: out.data,
      });
    },

    unary(op: UnaryOp, x: Operand, out: Operand, r: OutputRounding) {
      if (op !== "relu" || !supported(x.format, out.format)) {
        js.unary(op, x, out, r);
        return;
      }
      w.relu(x.data, { aFormat: x.format, outFormat: out.format, rounding: encodeOptions(r), out: out.data });
    },

    maxPool2d(x, attrs, out, argmax, r) {
      if (!supported(x.format, out.format)) {
        js.maxPool2d(x, attrs, out, argmax, r);
        return;
      }
      const [n = 1, c = 1, h = 1, wd = 1] = x.shape;
      const [oh = 1, ow = 1] = out.shape.slice(2);
      const res = resultBuffer(out); // (N, C, OH, OW)
      w.maxPool2d(floats(w, x), { planes: n * c, h, w: wd, oh, ow, ...attrs }, res, argmax);
      roundInto(w, out, res, r);
    },

    maxPool2dBackward(dy, argmax, dx, r) {
      if (!supported(dy.format, dx.format)) {
        js.maxPool2dBackward(dy, argmax, dx, r);
        return;
      }
      const res = resultBuffer(dx); // (N, C, H, W)
      w.maxPool2dBackward(floats(w, dy), argmax, res);
      roundInto(w, dx, res, r);
    },

    avgPool2d(x, attrs, out, r) {
      viaFloat32(w, out, r, (o, ro) => {
        js.avgPool2d(x, attrs, o, ro);
      });
    },

    avgPool2dBackward(dy, attrs, dx, r) {
      viaFloat32(w, dx, r, (o, ro) => {
        js.avgPool2dBackward(dy, attrs, o, ro);
      });
    },

    conv2dBackwardBias(dy, attrs, dBias, r) {
      // Accumulation "output" rounds every partial sum to dBias's format (unless that is float32).
      const f32 = attrs.accumulate === "float32" || dBias.format.bits === 32;
      if (!f32 || !supported(dy.format, dBias.format)) {
        js.conv2dBackwardBias(dy, attrs, dBias, r);
        return;
      }
      const [n = 1, c = 1, oh = 1, ow = 1] = dy.shape;
      const res = resultBuffer(dBias); // (Cout)
      w.channelSum(floats(w, dy), [n, c, oh * ow], res);
      roundInto(w, dBias, res, r);
    },

    cast(x, out, r) {
      if (!(x.data instanceof Float32Array) || !supported(out.format)) {
        js.cast(x, out, r);
        return;
      }
      w.encode(out.format, x.data, encodeOptions(r), out.data);
    },
  };
}
