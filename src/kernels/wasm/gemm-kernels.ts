/**
 * GEMM through the wasm kernels: C (m x n) = op(A) (m x k) op(B) (k x n), A and B as codes of any
 * supported format (decoded while packing), float32 accumulation, C rounded once into its format in the
 * epilogue. Batched: matrix b of A starts at b * strideA (0 broadcasts one matrix). Element (b, i, j)
 * of C rounds stochastically with word offset + b*m*n + i*n + j. Results are bit-identical for any
 * thread count: each element is one float32 dot product with k increasing (see assembly/gemm.ts).
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
import { G, G_FIELDS, MR, NC, NR, PACK_A_BYTES, PACK_B_BYTES, TLS_BYTES } from "./layout.js";
import type { WasmRuntime } from "./runtime.js";

/** A GEMM: shapes, operands (codes and formats) and the output's format and rounding. */
export interface GemmParams {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** A as stored: m x k row-major, or k x m when transA. */
  readonly a: Codes;
  readonly aFormat?: FloatFormat;
  readonly transA?: boolean;
  /** B as stored: k x n row-major, or n x k when transB. */
  readonly b: Codes;
  readonly bFormat?: FloatFormat;
  readonly transB?: boolean;
  /** Default float32. */
  readonly outFormat?: FloatFormat;
  /** Rounding of C into outFormat (default nearest-even). */
  readonly rounding?: ResolvedEncodeOptions;
  /** "float32" (default): one rounding at the end. "output" (every partial sum rounded) is not in wasm. */
  readonly accumulate?: "float32" | "output";
  /** Number of matrices (default 1); C holds them one after another (m*n each). */
  readonly batch?: number;
  /** Elements between A matrices (default m*k; 0 = the same A for every batch). */
  readonly strideA?: number;
  /** Elements between B matrices (default k*n; 0 = the same B for every batch). */
  readonly strideB?: number;
  /** Where to write C (batch*m*n codes of outFormat); a new array by default. */
  readonly out?: Codes;
}

/** Below this many flops a GEMM runs on one thread (waking workers costs tens of microseconds). */
export const THREAD_MIN_FLOPS = 2 ** 21;

function checkCount(what: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new MinifloatError("argument", `gemm: ${what} must be a non-negative integer, got ${v}`);
  }
}

/** Tile sizes so that nt threads each get a share: whole matrices when the batch is enough, else the
 * larger dimension cut into register-tile-aligned strips. */
export function gemmTiles(m: number, n: number, batch: number, nt: number): { tileM: number; tileN: number } {
  const parts = Math.ceil(nt / Math.max(1, batch));
  if (parts <= 1) return { tileM: Math.max(1, m), tileN: Math.max(1, n) };
  if (n >= m) return { tileM: Math.max(1, m), tileN: Math.max(NR, Math.ceil(n / parts / NR) * NR) };
  return { tileM: Math.max(MR, Math.ceil(m / parts / MR) * MR), tileN: Math.max(1, n) };
}

/** Bytes of one thread's GEMM work area for tiles of tileM rows (the float32 C rows only when C is
 * rounded into another format). */
export function gemmWorkBytes(tileM: number, raw: boolean): number {
  const bytes = TLS_BYTES + PACK_A_BYTES + PACK_B_BYTES + (raw ? 0 : tileM * NC * 4);
  return Math.ceil(bytes / 64) * 64;
}

/** Run a (batched) GEMM in wasm; returns C. */
export function wasmGemm(rt: WasmRuntime, p: GemmParams): Codes {
  const { m, n, k } = p;
  const batch = p.batch ?? 1;
  for (const [what, v] of [
    ["m", m],
    ["n", n],
    ["k", k],
    ["batch", batch],
  ] as const)
    checkCount(what, v);
  if (p.accumulate === "output") {
    throw new MinifloatError("unsupported", `wasm gemm: accumulate "output" is not implemented in wasm`);
  }
  const fa = orFloat32(p.aFormat);
  const fb = orFloat32(p.bFormat);
  const fc = orFloat32(p.outFormat);
  const o = p.rounding ?? NEAREST_EVEN;
  const strideA = p.strideA ?? m * k;
  const strideB = p.strideB ?? k * n;
  checkCount("strideA", strideA);
  checkCount("strideB", strideB);
  checkCodes("gemm A", p.a, fa);
  checkCodes("gemm B", p.b, fb);
  const needA = batch === 0 ? 0 : (batch - 1) * strideA + m * k;
  const needB = batch === 0 ? 0 : (batch - 1) * strideB + k * n;
  if (p.a.length < needA)
    throw new MinifloatError("shape", `gemm A: expected at least ${needA} elements, got ${p.a.length}`);
  if (p.b.length < needB)
    throw new MinifloatError("shape", `gemm B: expected at least ${needB} elements, got ${p.b.length}`);
  const out = p.out ?? allocStorage(fc, batch * m * n);
  checkLength("gemm output", out.length, batch * m * n);
  checkCodes("gemm output", out, fc);
  if (out.length === 0) return out;
  const raw = fc.bits === 32 && !o.flushSubnormals;
  const nt = 2 * m * n * k * batch >= THREAD_MIN_FLOPS ? rt.threads : 1;
  const { tileM, tileN } = gemmTiles(m, n, batch, nt);
  const stride = gemmWorkBytes(tileM, raw);
  const arena = rt.arena;
  arena.reset();
  const args = new Float64Array(G_FIELDS);
  args[G.M] = m;
  args[G.N] = n;
  args[G.K] = k;
  args[G.BATCH] = batch;
  args[G.A] = arena.place(p.a.subarray(0, needA));
  args[G.A_DESC] = decoderAt(rt, fa);
  args[G.TRANS_A] = p.transA === true ? 1 : 0;
  args[G.LDA] = p.transA === true ? m : k;
  args[G.STRIDE_A] = strideA;
  args[G.B] = arena.place(p.b.subarray(0, needB));
  args[G.B_DESC] = decoderAt(rt, fb);
  args[G.TRANS_B] = p.transB === true ? 1 : 0;
  args[G.LDB] = p.transB === true ? k : n;
  args[G.STRIDE_B] = strideB;
  args[G.C] = arena.placeOutput(out);
  args[G.C_ENC] = raw ? 0 : encoderAt(rt, fc, o);
  args[G.LDC] = n;
  args[G.STRIDE_C] = m * n;
  args[G.INDEX] = baseIndex(o);
  args[G.ACCUMULATE] = 0;
  args[G.TILE_M] = tileM;
  args[G.TILE_N] = tileN;
  args[G.WORK] = arena.alloc(stride * nt);
  args[G.WORK_STRIDE] = stride;
  args[G.B_CONV] = 0;
  rt.run("gemm", arena.writeFloat64(args), nt);
  arena.finish(args[G.C], out);
  return out;
}
