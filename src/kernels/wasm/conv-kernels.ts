/**
 * 2-D convolution (NCHW) through the wasm kernels: forward, backward-data and backward-filter via im2col
 * and the packed GEMM, split across the thread pool by (image, group, chunk) work items. Every output
 * element is computed by one thread in a fixed order (assembly/conv.ts), so results are bit-identical
 * for any thread count; the output is rounded once into its format (stochastic index = offset + its
 * row-major position).
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
} from "./codec-kernels.js";
import { gemmWorkBytes } from "./gemm-kernels.js";
import { CV, CV_FIELDS } from "./layout.js";
import type { WasmRuntime } from "./runtime.js";

/** A convolution's shapes: input (n, c, h, w), filter (o, c / groups, kh, kw). */
export interface Conv2dGeometry {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly o: number;
  readonly kh: number;
  readonly kw: number;
  readonly stride?: number | readonly [number, number];
  readonly padding?: number | readonly [number, number];
  readonly dilation?: number | readonly [number, number];
  readonly groups?: number;
}

/** The geometry with every default filled in and the output size derived. */
export interface ResolvedConv2d extends Required<Omit<Conv2dGeometry, "stride" | "padding" | "dilation">> {
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
  readonly oh: number;
  readonly ow: number;
}

/** Operand formats, output format and rounding of a convolution kernel. */
export interface Conv2dOptions {
  /** Format of the first operand (x; dy for backward data). Default float32. */
  readonly aFormat?: FloatFormat;
  /** Format of the second operand (w; dy for backward filter). Default float32. */
  readonly bFormat?: FloatFormat;
  readonly outFormat?: FloatFormat;
  readonly rounding?: ResolvedEncodeOptions;
  readonly out?: Codes;
}

function pair(v: number | readonly [number, number] | undefined, dflt: number): readonly [number, number] {
  if (v === undefined) return [dflt, dflt];
  return typeof v === "number" ? [v, v] : v;
}

/** Validate a geometry and derive the output size (floor((h + 2p - d (k - 1) - 1) / s) + 1). */
export function resolveConv2d(g: Conv2dGeometry): ResolvedConv2d {
  const [sh, sw] = pair(g.stride, 1);
  const [ph, pw] = pair(g.padding, 0);
  const [dh, dw] = pair(g.dilation, 1);
  const groups = g.groups ?? 1;
  const fields = { n: g.n, c: g.c, h: g.h, w: g.w, o: g.o, kh: g.kh, kw: g.kw, ph, pw };
  for (const [name, v] of Object.entries(fields)) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new MinifloatError("argument", `conv2d: ${name} must be a non-negative integer, got ${v}`);
    }
  }
  for (const [name, v] of Object.entries({ sh, sw, dh, dw, groups })) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new MinifloatError("argument", `conv2d: ${name} must be a positive integer, got ${v}`);
    }
  }
  if (g.c % groups !== 0 || g.o % groups !== 0) {
    throw new MinifloatError(
      "shape",
      `conv2d: channels ${g.c} and filters ${g.o} must divide into ${groups} groups`,
    );
  }
  const oh = Math.floor((g.h + 2 * ph - dh * (g.kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((g.w + 2 * pw - dw * (g.kw - 1) - 1) / sw) + 1;
  if (oh < 1 || ow < 1 || g.kh < 1 || g.kw < 1) {
    throw new MinifloatError("shape", `conv2d: a ${g.kh}x${g.kw} filter does not fit a ${g.h}x${g.w} input`);
  }
  return {
    n: g.n,
    c: g.c,
    h: g.h,
    w: g.w,
    o: g.o,
    kh: g.kh,
    kw: g.kw,
    groups,
    sh,
    sw,
    ph,
    pw,
    dh,
    dw,
    oh,
    ow,
  };
}

type Mode = "convForward" | "convBackwardData" | "convBackwardFilter";

/** Below this many multiply-adds a convolution runs on one thread. */
const THREAD_MIN_MACS = 2 ** 20;
/** Float32 values of one work item's column buffer, at most (256 KiB, to stay in L2 with the packs). */
const COL_FLOATS = 2 ** 16;

/** Work-item chunk size and per-thread float32 scratch of each mode, for nt threads: pixel chunks for
 * the implicit GEMMs (whole images unless there are fewer than nt of them), filter-column chunks for
 * the filter gradient (its column buffer bounded to stay in L2). */
function plan(mode: Mode, g: ResolvedConv2d, nt: number): { chunk: number; floats: number } {
  const Cg = g.c / g.groups;
  const Og = g.o / g.groups;
  const khw = g.kh * g.kw;
  const P = g.oh * g.ow;
  const HW = g.h * g.w;
  const split = (items: number, total: number): number =>
    Math.max(1, Math.ceil(total / Math.ceil(nt / Math.max(1, items))));
  if (mode === "convForward") {
    const chunk = split(g.n * g.groups, P);
    return { chunk, floats: Cg * HW + directFloats(g, chunk, P, g.ow, Cg, Og) };
  }
  if (mode === "convBackwardData") {
    const chunk = split(g.n * g.groups, HW);
    return { chunk, floats: Og * P + Cg * Og * khw + directFloats(g, chunk, HW, g.w, Og, Cg) };
  }
  const K = Cg * khw;
  const chunk = Math.max(1, Math.min(split(g.groups, K), Math.floor(COL_FLOATS / Math.max(1, P))));
  return { chunk, floats: chunk * P + Og * chunk + Cg * HW + directFilterFloats(g, chunk, Cg, Og) };
}

/** Scratch floats of the direct kernel (assembly/direct-conv.ts), which assembly/conv.ts uses for unit
 * strides over whole images: the zero-padded source volume (depth planes of the grid plus the taps'
 * reach, 8 columns of slack), A packed in tiles of 4 rows, and C rows with 8 floats of slack. */
function directFloats(
  g: ResolvedConv2d,
  chunk: number,
  pixels: number,
  gridW: number,
  depth: number,
  rows: number,
): number {
  if (g.sh !== 1 || g.sw !== 1 || chunk < pixels) return 0;
  const padded = (pixels / gridW + (g.kh - 1) * g.dh) * (gridW + (g.kw - 1) * g.dw + 8);
  const rows4 = Math.ceil(rows / 4) * 4;
  return depth * padded + rows4 * depth * g.kh * g.kw + rows4 * (pixels + 8);
}

/** Scratch floats of the unit-stride filter gradient (filterDirect in assembly/conv.ts): the padded
 * image group, dy decoded and transposed (output channels rounded up to 4), the accumulators of a
 * chunk rounded up to 8 slots, and one output row (reserved for every unit stride: the module also
 * looks at the filter count, and reserving more than it uses is harmless). */
function directFilterFloats(g: ResolvedConv2d, chunk: number, Cg: number, Og: number): number {
  if (g.sh !== 1 || g.sw !== 1) return 0;
  const P = g.oh * g.ow;
  const padded = (g.oh + (g.kh - 1) * g.dh) * (g.ow + (g.kw - 1) * g.dw + 8);
  const rows4 = Math.ceil(Og / 4) * 4;
  const slots = Math.ceil(chunk / 8) * 8;
  return Cg * padded + Og * P + P * rows4 + slots * rows4 + slots;
}

function run(
  rt: WasmRuntime,
  mode: Mode,
  g: ResolvedConv2d,
  a: Codes,
  b: Codes,
  lengths: readonly [number, number, number],
  o: Conv2dOptions,
): Codes {
  const fa = orFloat32(o.aFormat);
  const fb = orFloat32(o.bFormat);
  const fo = orFloat32(o.outFormat);
  const opts = o.rounding ?? NEAREST_EVEN;
  checkCodes(`${mode} first operand`, a, fa);
  checkCodes(`${mode} second operand`, b, fb);
  checkLength(`${mode} first operand`, a.length, lengths[0]);
  checkLength(`${mode} second operand`, b.length, lengths[1]);
  const out = o.out ?? allocStorage(fo, lengths[2]);
  checkLength(`${mode} output`, out.length, lengths[2]);
  checkCodes(`${mode} output`, out, fo);
  if (out.length === 0) return out;
  const macs = g.n * g.o * g.oh * g.ow * (g.c / g.groups) * g.kh * g.kw;
  const nt = macs >= THREAD_MIN_MACS ? rt.threads : 1;
  const { chunk, floats } = plan(mode, g, nt);
  const raw = fo.bits === 32 && !opts.flushSubnormals;
  const rows = Math.max(g.o / g.groups, g.c / g.groups); // the float32 C rows of the inner GEMMs
  const stride = gemmWorkBytes(rows, false) + Math.ceil((floats * 4) / 64) * 64;
  const arena = rt.arena;
  arena.reset();
  const f = new Float64Array(CV_FIELDS);
  const dims = [
    g.n,
    g.c,
    g.h,
    g.w,
    g.o,
    g.kh,
    g.kw,
    g.oh,
    g.ow,
    g.sh,
    g.sw,
    g.ph,
    g.pw,
    g.dh,
    g.dw,
    g.groups,
  ];
  f.set(dims, CV.N);
  f[CV.IN1] = arena.place(a);
  f[CV.IN1_DESC] = decoderAt(rt, fa);
  f[CV.IN2] = arena.place(b);
  f[CV.IN2_DESC] = decoderAt(rt, fb);
  f[CV.OUT] = arena.placeOutput(out);
  f[CV.OUT_ENC] = raw ? 0 : encoderAt(rt, fo, opts);
  f[CV.INDEX] = baseIndex(opts);
  f[CV.CHUNK] = chunk;
  f[CV.WORK] = arena.alloc(stride * nt);
  f[CV.WORK_STRIDE] = stride;
  rt.run(mode, arena.writeFloat64(f), nt);
  arena.finish(f[CV.OUT], out);
  return out;
}

/** y (n, o, oh, ow) = conv2d(x (n, c, h, w), w (o, c / groups, kh, kw)); options.aFormat is x's format,
 * bFormat w's. */
export function wasmConv2d(
  rt: WasmRuntime,
  geometry: Conv2dGeometry,
  x: Codes,
  w: Codes,
  o: Conv2dOptions = {},
): Codes {
  const g = resolveConv2d(geometry);
  const lengths = [
    g.n * g.c * g.h * g.w,
    g.o * (g.c / g.groups) * g.kh * g.kw,
    g.n * g.o * g.oh * g.ow,
  ] as const;
  return run(rt, "convForward", g, x, w, lengths, o);
}

/** dx (n, c, h, w) from dy (n, o, oh, ow) and w; options.aFormat is dy's format, bFormat w's. */
export function wasmConv2dBackwardData(
  rt: WasmRuntime,
  geometry: Conv2dGeometry,
  dy: Codes,
  w: Codes,
  o: Conv2dOptions = {},
): Codes {
  const g = resolveConv2d(geometry);
  const lengths = [
    g.n * g.o * g.oh * g.ow,
    g.o * (g.c / g.groups) * g.kh * g.kw,
    g.n * g.c * g.h * g.w,
  ] as const;
  return run(rt, "convBackwardData", g, dy, w, lengths, o);
}

/** dw (o, c / groups, kh, kw) from x and dy; options.aFormat is x's format, bFormat dy's. */
export function wasmConv2dBackwardFilter(
  rt: WasmRuntime,
  geometry: Conv2dGeometry,
  x: Codes,
  dy: Codes,
  o: Conv2dOptions = {},
): Codes {
  const g = resolveConv2d(geometry);
  const lengths = [
    g.n * g.c * g.h * g.w,
    g.n * g.o * g.oh * g.ow,
    g.o * (g.c / g.groups) * g.kh * g.kw,
  ] as const;
  return run(rt, "convBackwardFilter", g, x, dy, lengths, o);
}
