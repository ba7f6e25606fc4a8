/**
 * The `wasm` backend as a kernel table: adapts the WebAssembly kernels of ./wasm (plain typed arrays)
 * to the Kernels signatures. Each kernel takes the wasm path only where the wasm code implements exactly
 * the js kernel's arithmetic (formats it can decode, float32 accumulation, shapes it handles) and hands
 * everything else to its `js` twin, so the backend is always complete and always right.
 */
import type { EncodeOptions, FloatFormat } from "../formats/index.js";
import { sizeOf } from "../tensor/index.js";
import { jsKernels } from "./js/index.js";
import type { BinaryOp, Conv2dAttrs, Kernels, UnaryOp } from "./signatures.js";
import { decoded, resultBuffer, store, type Operand, type OutputRounding } from "./types.js";
import {
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

/** The wasm kernels, falling back to `js` wherever wasm does not do exactly the same arithmetic. */
export function wasmBackendKernels(w: WasmKernels): Partial<Kernels> {
  const js = jsKernels;
  return {
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
      const acc = resultBuffer(out);
      w.conv2d(g, x.data, wt.data, { aFormat: x.format, bFormat: wt.format, outFormat: "float32", out: acc });
      const bv = decoded(bias);
      const plane = (out.shape[2] ?? 1) * (out.shape[3] ?? 1);
      for (let i = 0; i < acc.length; i++)
        acc[i] = Math.fround(acc[i] + bv[Math.floor(i / plane) % bv.length]);
      store(out, acc, r);
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
      const same = a.data.length === out.data.length && b.data.length === out.data.length;
      if (wop === undefined || !same || !supported(a.format, b.format, out.format)) {
        js.binary(op, a, b, out, r);
        return;
      }
      w.binary(wop, a.data, b.data, {
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

    cast(x, out, r) {
      if (!(x.data instanceof Float32Array) || !supported(out.format)) {
        js.cast(x, out, r);
        return;
      }
      w.encode(out.format, x.data, encodeOptions(r), out.data);
    },
  };
}
