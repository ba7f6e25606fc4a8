/**
 * Batch norm forward and backward through wasm (assembly/norm.ts): the js kernels' float64 arithmetic
 * in the same order (src/kernels/js/norm.ts), so the same float64 results, rounded once to nearest-even
 * via round-to-odd float32 and the wasm encoder (src/formats/round-to-odd.ts), so the same codes.
 * Inputs of any wasm format are decoded inside the call; the caller owns the running statistics.
 */
import { MinifloatError } from "../../errors.js";
import type { FloatFormat } from "../../formats/float-format.js";
import type { Codes } from "./arena.js";
import { checkCodes, checkLength, decoderAt, encoderAt, NEAREST_EVEN } from "./codec-kernels.js";
import { wasmSupportsFormat } from "./descriptors.js";
import type { WasmRuntime } from "./runtime.js";

/** x (N, C, ...) as N blocks of C channels of S elements. */
export interface ChannelDims {
  readonly n: number;
  readonly c: number;
  readonly s: number;
}

/** Codes and their format. */
export interface FormatCodes {
  readonly data: Codes;
  readonly format: FloatFormat;
}

/** Operands of the batch-norm forward; `saved` is [mean (C), invstd (C)], written when training. */
export interface BatchNormArgs {
  readonly x: FormatCodes;
  readonly dims: ChannelDims;
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly training: boolean;
  readonly eps: number;
  readonly saved: Float32Array;
  readonly out: FormatCodes;
}

/** Operands of the batch-norm backward. */
export interface BatchNormBackwardArgs {
  readonly x: FormatCodes;
  readonly dy: FormatCodes;
  readonly dims: ChannelDims;
  readonly gamma: Float32Array;
  readonly saved: Float32Array;
  readonly training: boolean;
  readonly dx: FormatCodes;
}

/** Whether a float64 result rounds into `f` here: float32 itself, or a format whose quanta are at least
 * four float32 quanta, where round-to-odd float32 then nearest-even is one rounding (the rule of
 * fastFloat64Target in src/formats/round-to-odd.ts, which this folder may not import). */
export function wasmFloat64Target(f: FloatFormat): boolean {
  return wasmSupportsFormat(f) && (f.bits === 32 || (f.emin >= -126 && f.mantissaBits <= 21));
}

function checkOperands(what: string, d: ChannelDims, inputs: FormatCodes[], out: FormatCodes): void {
  if (![d.n, d.c, d.s].every((v) => Number.isSafeInteger(v) && v >= 0)) {
    throw new MinifloatError(
      "argument",
      `${what}: dims must be non-negative integers, got ${d.n}, ${d.c}, ${d.s}`,
    );
  }
  const size = d.n * d.c * d.s;
  for (const [i, t] of [...inputs, out].entries()) {
    if (!wasmSupportsFormat(t.format)) {
      throw new MinifloatError("unsupported", `${what}: no wasm codec for ${t.format.name}`);
    }
    checkCodes(`${what} operand ${i}`, t.data, t.format);
    checkLength(`${what} operand ${i}`, t.data.length, size);
  }
  if (!wasmFloat64Target(out.format)) {
    throw new MinifloatError("unsupported", `${what}: cannot round float64 results into ${out.format.name}`);
  }
}

/** The address of x's values as float32 in the arena (decoded there unless float32 already). */
function floatsAt(rt: WasmRuntime, x: FormatCodes, tls: number): number {
  const at = rt.arena.place(x.data);
  if (x.format.bits === 32) return at;
  const dst = rt.arena.alloc(x.data.length * 4);
  rt.exports.decodeRange(at, dst, x.data.length, decoderAt(rt, x.format), tls);
  return dst;
}

/** Where the float32 results go (the output itself when float32), the output's address and encoder. */
function resultsAt(rt: WasmRuntime, out: FormatCodes): { tmp: number; to: number; enc: number } {
  const to = rt.arena.placeOutput(out.data);
  const tmp = out.format.bits === 32 ? to : rt.arena.alloc(out.data.length * 4);
  const enc = encoderAt(rt, out.format, NEAREST_EVEN);
  return { tmp, to, enc };
}

function float64s(rt: WasmRuntime, at: number, n: number): Float64Array {
  return new Float64Array(rt.memory.buffer, at, n).slice();
}

/** Batch norm forward into a.out; returns [mean (C), sq (C)] in float64 (sq: the sum of squared
 * deviations) when training, for the running statistics, else zeros. */
export function wasmBatchNorm(rt: WasmRuntime, a: BatchNormArgs): Float64Array {
  const { n, c, s } = a.dims;
  checkOperands("batchNorm", a.dims, [a.x], a.out);
  checkLength("batchNorm gamma", a.gamma.length, c);
  checkLength("batchNorm beta", a.beta.length, c);
  checkLength("batchNorm saved", a.saved.length, 2 * c);
  const arena = rt.arena;
  arena.reset();
  const tls = rt.tls();
  const px = floatsAt(rt, a.x, tls);
  const pg = arena.place(a.gamma);
  const pb = arena.place(a.beta);
  const ps = arena.write(a.saved);
  const stats = arena.alloc(16 * c);
  new Float64Array(rt.memory.buffer, stats, 2 * c).fill(0);
  const { tmp, to, enc } = resultsAt(rt, a.out);
  const odd = a.out.format.bits === 32 ? 0 : 1;
  const training = a.training ? 1 : 0;
  rt.exports.batchNorm(px, n, c, s, pg, pb, training, a.eps, stats, ps, odd, tmp, to, enc, tls);
  arena.finish(to, a.out.data);
  arena.read(ps, a.saved);
  return float64s(rt, stats, 2 * c);
}

/** Batch norm backward into a.dx; returns [sumDy (C), sumDyXhat (C)] in float64 (dBeta and dGamma
 * before their rounding). */
export function wasmBatchNormBackward(rt: WasmRuntime, a: BatchNormBackwardArgs): Float64Array {
  const { n, c, s } = a.dims;
  checkOperands("batchNormBackward", a.dims, [a.x, a.dy], a.dx);
  checkLength("batchNormBackward gamma", a.gamma.length, c);
  checkLength("batchNormBackward saved", a.saved.length, 2 * c);
  const arena = rt.arena;
  arena.reset();
  const tls = rt.tls();
  const px = floatsAt(rt, a.x, tls);
  const pd = floatsAt(rt, a.dy, tls);
  const pg = arena.place(a.gamma);
  const ps = arena.place(a.saved);
  const sums = arena.alloc(16 * c);
  const { tmp, to, enc } = resultsAt(rt, a.dx);
  const odd = a.dx.format.bits === 32 ? 0 : 1;
  const training = a.training ? 1 : 0;
  rt.exports.batchNormBackward(px, pd, n, c, s, pg, ps, training, sums, odd, tmp, to, enc, tls);
  arena.finish(to, a.dx.data);
  return float64s(rt, sums, 2 * c);
}
