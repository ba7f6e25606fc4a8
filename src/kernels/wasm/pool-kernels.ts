/**
 * Max pooling, its gradient scatter and the per-channel sum of a bias gradient through wasm
 * (assembly/pool.ts), over float32 arrays copied through the arena: the js kernels' loops and orders
 * (src/kernels/js/pool.ts, conv.ts), so bit-identical with them; the caller decodes and rounds.
 */
import { MinifloatError } from "../../errors.js";
import { checkLength } from "./codec-kernels.js";
import type { WasmRuntime } from "./runtime.js";

/** The windows of a 2-D pooling over `planes` planes of h x w (oh x ow windows each). */
export interface Pool2dGeometry {
  readonly planes: number;
  readonly h: number;
  readonly w: number;
  readonly oh: number;
  readonly ow: number;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}

/** An Int32Array seen as uint32 codes, for the arena's copies. */
function words(a: Int32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** out and argmax (oh x ow per plane) = the first maximum of each window of x and its flat index. */
export function wasmMaxPool(
  rt: WasmRuntime,
  x: Float32Array,
  g: Pool2dGeometry,
  out: Float32Array,
  argmax: Int32Array,
): void {
  checkLength("maxPool2d x", x.length, g.planes * g.h * g.w);
  checkLength("maxPool2d output", out.length, g.planes * g.oh * g.ow);
  checkLength("maxPool2d argmax", argmax.length, out.length);
  const arena = rt.arena;
  arena.reset();
  const px = arena.place(x);
  const po = arena.placeOutput(out);
  const pa = arena.placeOutput(words(argmax));
  const [kh, kw] = g.kernel;
  const [sy, sx] = g.stride;
  const [py, pxl] = g.padding;
  rt.exports.maxPool(px, g.planes, g.h, g.w, g.oh, g.ow, kh, kw, sy, sx, py, pxl, po, pa);
  arena.finish(po, out);
  arena.finish(pa, words(argmax));
}

/** dx (zeroed first) = dy scattered to argmax, float32 sums in output order. */
export function wasmMaxPoolBackward(
  rt: WasmRuntime,
  dy: Float32Array,
  argmax: Int32Array,
  dx: Float32Array,
): void {
  checkLength("maxPool2dBackward argmax", argmax.length, dy.length);
  const arena = rt.arena;
  arena.reset();
  const pd = arena.place(dy);
  const pa = arena.place(words(argmax));
  const po = arena.placeOutput(dx);
  rt.exports.maxPoolBackward(pd, pa, dy.length, po, dx.length);
  arena.finish(po, dx);
}

/** out[c] = float32 sum of x (n x c x s) over n, then s, from +0 (the conv bias gradient's order). */
export function wasmChannelSum(
  rt: WasmRuntime,
  x: Float32Array,
  [n, c, s]: readonly [number, number, number],
  out: Float32Array,
): void {
  if (![n, c, s].every((v) => Number.isSafeInteger(v) && v >= 0)) {
    throw new MinifloatError(
      "argument",
      `channelSum: dims must be non-negative integers, got ${n}, ${c}, ${s}`,
    );
  }
  checkLength("channelSum x", x.length, n * c * s);
  checkLength("channelSum output", out.length, c);
  const arena = rt.arena;
  arena.reset();
  const px = arena.place(x);
  const po = arena.placeOutput(out);
  rt.exports.channelSum(px, n, c, s, po);
  arena.finish(po, out);
}
