/**
 * The wasm backend's convolution family: conv2d forward, its data and filter gradients (implicit GEMM,
 * float32 accumulation, one rounding) and the bias gradient (per-channel float32 sums), each in wasm
 * only where the accumulation is float32 and the wasm codec reads every format.
 */
import { decoded, resultBuffer } from "../../types.js";
import type { Conv2dAttrs, Kernels } from "../../signatures.js";
import type { Conv2dGeometry, WasmKernels } from "../index.js";
import { encodeOptions, FLOAT32, floats, formatsFit, roundInto, wasmOr } from "./shared.js";

function geometry(x: readonly number[], w: readonly number[], attrs: Conv2dAttrs): Conv2dGeometry {
  const [n = 1, c = 1, h = 1, wd = 1] = x;
  const [o = 1, , kh = 1, kw = 1] = w;
  const { stride, padding, dilation, groups } = attrs;
  return { n, c, h, w: wd, o, kh, kw, stride, padding, dilation, groups };
}

type ConvKernels = Pick<
  Kernels,
  "conv2d" | "conv2dBackwardData" | "conv2dBackwardFilter" | "conv2dBackwardBias"
>;

/** The convolution kernels in wasm where they fit, else js. */
export function convKernels(w: WasmKernels): ConvKernels {
  return {
    conv2d: wasmOr(
      "conv2d",
      (x, wt, _bias, attrs, out) => attrs.accumulate === "float32" && formatsFit(x, wt, out),
      (x, wt, bias, attrs, out, r) => {
        const g = geometry(x.shape, wt.shape, attrs);
        const formats = { aFormat: x.format, bFormat: wt.format };
        if (bias === null) {
          w.conv2d(g, x.data, wt.data, {
            ...formats,
            outFormat: out.format,
            rounding: encodeOptions(r),
            out: out.data,
          });
          return;
        }
        // The bias joins the float32 dot product before the one rounding, as in the js kernel.
        const acc = resultBuffer(out); // (N, Cout, OH, OW)
        w.conv2d(g, x.data, wt.data, { ...formats, outFormat: FLOAT32, out: acc });
        const bv = decoded(bias); // (Cout)
        const plane = (out.shape[2] ?? 1) * (out.shape[3] ?? 1);
        for (let p = 0, at = 0; at < acc.length; p++) {
          const b = bv[p % bv.length];
          for (const end = at + plane; at < end; at++) acc[at] = Math.fround(acc[at] + b);
        }
        roundInto(w, out, acc, r);
      },
    ),

    conv2dBackwardData: wasmOr(
      "conv2dBackwardData",
      (dy, wt, attrs, dx) => attrs.accumulate === "float32" && formatsFit(dy, wt, dx),
      (dy, wt, attrs, dx, r) => {
        w.conv2dBackwardData(geometry(dx.shape, wt.shape, attrs), dy.data, wt.data, {
          aFormat: dy.format,
          bFormat: wt.format,
          outFormat: dx.format,
          rounding: encodeOptions(r),
          out: dx.data,
        });
      },
    ),

    conv2dBackwardFilter: wasmOr(
      "conv2dBackwardFilter",
      (x, dy, attrs, dw) => attrs.accumulate === "float32" && formatsFit(x, dy, dw),
      (x, dy, attrs, dw, r) => {
        w.conv2dBackwardFilter(geometry(x.shape, dw.shape, attrs), x.data, dy.data, {
          aFormat: x.format,
          bFormat: dy.format,
          outFormat: dw.format,
          rounding: encodeOptions(r),
          out: dw.data,
        });
      },
    ),

    // Accumulation "output" rounds every partial sum to dBias's format (unless that is float32).
    conv2dBackwardBias: wasmOr(
      "conv2dBackwardBias",
      (dy, attrs, dBias) =>
        (attrs.accumulate === "float32" || dBias.format.bits === 32) && formatsFit(dy, dBias),
      (dy, _attrs, dBias, r) => {
        const [n = 1, c = 1, oh = 1, ow = 1] = dy.shape;
        const res = resultBuffer(dBias); // (Cout)
        w.channelSum(floats(w, dy), [n, c, oh * ow], res);
        roundInto(w, dBias, res, r);
      },
    ),
  };
}
