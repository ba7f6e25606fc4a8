/**
 * The wasm backend's pooling: max pooling and its gradient in wasm over float32 planes, average pooling
 * on the js kernel with the wasm encoder rounding its float32 results (the same codes either way).
 */
import { resultBuffer } from "../../types.js";
import { jsKernels as js } from "../../js/index.js";
import type { Kernels } from "../../signatures.js";
import type { WasmKernels } from "../index.js";
import { floats, formatsFit, roundInto, viaFloat32, wasmOr } from "./shared.js";

type PoolKernels = Pick<Kernels, "maxPool2d" | "maxPool2dBackward" | "avgPool2d" | "avgPool2dBackward">;

/** The pooling kernels in wasm where they fit, else js. */
export function poolKernels(w: WasmKernels): PoolKernels {
  return {
    maxPool2d: wasmOr(
      "maxPool2d",
      (x, _attrs, out) => formatsFit(x, out),
      (x, attrs, out, argmax, r) => {
        const [n = 1, c = 1, h = 1, wd = 1] = x.shape;
        const [oh = 1, ow = 1] = out.shape.slice(2);
        const res = resultBuffer(out); // (N, C, OH, OW)
        w.maxPool2d(floats(w, x), { planes: n * c, h, w: wd, oh, ow, ...attrs }, res, argmax);
        roundInto(w, out, res, r);
      },
    ),

    maxPool2dBackward: wasmOr(
      "maxPool2dBackward",
      (dy, _argmax, dx) => formatsFit(dy, dx),
      (dy, argmax, dx, r) => {
        const res = resultBuffer(dx); // (N, C, H, W)
        w.maxPool2dBackward(floats(w, dy), argmax, res);
        roundInto(w, dx, res, r);
      },
    ),

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
  };
}
