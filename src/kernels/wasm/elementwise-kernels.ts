/**
 * Elementwise hot paths through wasm: inputs of any supported format are decoded,
 * the op runs in float32 (bit-exact with a JavaScript loop using Math.fround), and the result is rounded
 * once into the output format; element i rounds stochastically with word offset + i. Long arrays stream
 * through the arena in cache-sized chunks.
 */
import { MinifloatError } from "../../errors.js";
import type { FloatFormat } from "../../formats/float-format.js";
import type { ResolvedEncodeOptions } from "../../formats/rounding.js";
import type { Codes } from "./arena.js";
import {
  allocStorage,
  baseIndex,
  checkCodes,
  checkLength,
  decoderAt,
  encoderAt,
  orFloat32,
  NEAREST_EVEN,
  streamChunk,
} from "./codec-kernels.js";
import type { WasmRuntime } from "./runtime.js";

/** The binary ops the wasm code computes, in the op layer's vocabulary, by their number in
 * assembly/elementwise.ts; the comparisons give 1 where true and +0 where false. */
export const BINARY_OPS = [
  "add",
  "sub",
  "mul",
  "div",
  "maximum",
  "minimum",
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
] as const;

/** A binary elementwise op the wasm code computes. */
export type BinaryOp = (typeof BINARY_OPS)[number];

/** Formats, rounding and destination of an elementwise op (every format defaults to float32). */
export interface ElementwiseOptions {
  readonly aFormat?: FloatFormat;
  readonly bFormat?: FloatFormat;
  readonly outFormat?: FloatFormat;
  readonly rounding?: ResolvedEncodeOptions;
  readonly out?: Codes;
}

interface Output {
  readonly format: FloatFormat;
  readonly options: ResolvedEncodeOptions;
  readonly raw: boolean;
  readonly out: Codes;
}

function output(n: number, o: ElementwiseOptions): Output {
  const format = orFloat32(o.outFormat);
  const options = o.rounding ?? NEAREST_EVEN;
  const out = o.out ?? allocStorage(format, n);
  checkLength("elementwise output", out.length, n);
  checkCodes("elementwise output", out, format);
  return { format, options, out, raw: format.bits === 32 && !options.flushSubnormals };
}

/** out = a (op) b elementwise (a and b of the same length). */
export function wasmBinary(
  rt: WasmRuntime,
  op: BinaryOp,
  a: Codes,
  b: Codes,
  o: ElementwiseOptions = {},
): Codes {
  const fa = orFloat32(o.aFormat);
  const fb = orFloat32(o.bFormat);
  checkCodes(`${op} a`, a, fa);
  checkCodes(`${op} b`, b, fb);
  checkLength(`${op} b`, b.length, a.length);
  const code = BINARY_OPS.indexOf(op);
  if (code < 0) throw new MinifloatError("argument", `unknown elementwise op "${op}"`);
  const w = output(a.length, o);
  const chunk = streamChunk(rt, a, b, w.out);
  for (let s = 0; s < a.length; s += chunk) {
    const n = Math.min(chunk, a.length - s);
    const out = w.out.subarray(s, s + n);
    rt.arena.reset();
    const ad = decoderAt(rt, fa);
    const bd = decoderAt(rt, fb);
    const enc = w.raw ? 0 : encoderAt(rt, w.format, w.options);
    const tls = rt.tls();
    const pa = rt.arena.place(a.subarray(s, s + n));
    const pb = rt.arena.place(b.subarray(s, s + n));
    const po = rt.arena.placeOutput(out);
    rt.exports.binary(code, pa, ad, pb, bd, po, enc, n, baseIndex(w.options) + s, tls);
    rt.arena.finish(po, out);
  }
  return w.out;
}

/** out = max(x, 0): NaN stays NaN and -0 becomes +0, as Math.max(x, 0). */
export function wasmRelu(rt: WasmRuntime, x: Codes, o: Omit<ElementwiseOptions, "bFormat"> = {}): Codes {
  const fx = orFloat32(o.aFormat);
  checkCodes("relu x", x, fx);
  const w = output(x.length, o);
  const chunk = streamChunk(rt, x, w.out);
  for (let s = 0; s < x.length; s += chunk) {
    const n = Math.min(chunk, x.length - s);
    const out = w.out.subarray(s, s + n);
    rt.arena.reset();
    const xd = decoderAt(rt, fx);
    const enc = w.raw ? 0 : encoderAt(rt, w.format, w.options);
    const tls = rt.tls();
    const px = rt.arena.place(x.subarray(s, s + n));
    const po = rt.arena.placeOutput(out);
    rt.exports.relu(px, xd, po, enc, n, baseIndex(w.options) + s, tls);
    rt.arena.finish(po, out);
  }
  return w.out;
}
