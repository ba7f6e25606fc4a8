/**
 * The wasm runtime: WebAssembly SIMD128 kernels compiled from assembly/ by `npm run build`, with a
 * worker_threads pool on one shared memory. Owns conversions, GEMM, convolution, pooling, batch norm and
 * the elementwise hot paths over plain typed arrays; the `wasm` backend (./backend/) adapts them to the
 * Kernels table. Must not import tensors, ops or anything above kernels.
 */
import { MinifloatError } from "../../errors.js";
import type { FloatFormat } from "../../formats/float-format.js";
import type { ResolvedEncodeOptions } from "../../formats/rounding.js";
import type { Codes } from "./arena.js";
import { allocateResident, wasmDecode, wasmEncode } from "./codec-kernels.js";
import {
  wasmConv2d,
  wasmConv2dBackwardData,
  wasmConv2dBackwardFilter,
  type Conv2dGeometry,
  type Conv2dOptions,
} from "./conv-kernels.js";
import { wasmBinary, wasmRelu, type BinaryOp, type ElementwiseOptions } from "./elementwise-kernels.js";
import { wasmGemm, type GemmParams } from "./gemm-kernels.js";
import {
  wasmBatchNorm,
  wasmBatchNormBackward,
  type BatchNormArgs,
  type BatchNormBackwardArgs,
} from "./norm-kernels.js";
import { wasmChannelSum, wasmMaxPool, wasmMaxPoolBackward, type Pool2dGeometry } from "./pool-kernels.js";
import { checkThreads, compileModule, defaultThreads, WasmRuntime } from "./runtime.js";

export type { Codes } from "./arena.js";
export {
  resolveConv2d,
  type Conv2dGeometry,
  type Conv2dOptions,
  type ResolvedConv2d,
} from "./conv-kernels.js";
export { wasmSupportsFormat } from "./descriptors.js";
export { BINARY_OPS, type BinaryOp, type ElementwiseOptions } from "./elementwise-kernels.js";
export type { GemmParams } from "./gemm-kernels.js";
export {
  wasmFloat64Target,
  type BatchNormArgs,
  type BatchNormBackwardArgs,
  type ChannelDims,
  type FormatCodes,
} from "./norm-kernels.js";
export type { Pool2dGeometry } from "./pool-kernels.js";
export { defaultThreads } from "./runtime.js";

/** Options of a new set of wasm kernels. */
export interface WasmOptions {
  /** Threads for GEMM and convolution; default MINIFLOAT_THREADS or the available cores. */
  readonly threads?: number;
}

/** The wasm kernels over one module instance, memory and thread pool. */
export class WasmKernels {
  private constructor(private readonly rt: WasmRuntime) {}

  /** New kernels on their own memory and pool, or null when the module is not built or not supported. */
  static create(options: WasmOptions = {}): WasmKernels | null {
    const module = compileModule();
    if (module === null) return null;
    const threads = checkThreads(options.threads ?? defaultThreads());
    let rt: WasmRuntime;
    try {
      rt = new WasmRuntime(module, threads);
    } catch {
      return null; // no shared WebAssembly.Memory here (threads unsupported)
    }
    return new WasmKernels(rt);
  }

  /** Threads used by GEMM and convolution. */
  get threads(): number {
    return this.rt.threads;
  }

  /** Use `n` threads from now on (1 to 256); results do not depend on it. */
  setThreads(n: number): void {
    this.rt.setThreads(n);
  }

  /** Encode float32 values into codes of `format` (bit-exact with encodeArray). */
  encode(format: FloatFormat, src: Float32Array, options?: ResolvedEncodeOptions, out?: Codes): Codes {
    return wasmEncode(this.rt, format, src, options, out);
  }

  /** Decode codes of `format` into float32 values (bit-exact with decodeArray). */
  decode(format: FloatFormat, codes: Codes, out?: Float32Array): Float32Array {
    return wasmDecode(this.rt, format, codes, out);
  }

  /** C = op(A) op(B), batched, over storage formats; float32 accumulation, C rounded once. */
  gemm(params: GemmParams): Codes {
    return wasmGemm(this.rt, params);
  }

  /** conv2d forward: y (n, o, oh, ow) from x (n, c, h, w) and w (o, c / groups, kh, kw). */
  conv2d(geometry: Conv2dGeometry, x: Codes, w: Codes, options?: Conv2dOptions): Codes {
    return wasmConv2d(this.rt, geometry, x, w, options);
  }

  /** conv2d backward with respect to the input: dx from dy and w. */
  conv2dBackwardData(geometry: Conv2dGeometry, dy: Codes, w: Codes, options?: Conv2dOptions): Codes {
    return wasmConv2dBackwardData(this.rt, geometry, dy, w, options);
  }

  /** conv2d backward with respect to the filter: dw from x and dy. */
  conv2dBackwardFilter(geometry: Conv2dGeometry, x: Codes, dy: Codes, options?: Conv2dOptions): Codes {
    return wasmConv2dBackwardFilter(this.rt, geometry, x, dy, options);
  }

  /** out = a (op) b elementwise, computed in float32 and rounded once into the output format. */
  binary(op: BinaryOp, a: Codes, b: Codes, options?: ElementwiseOptions): Codes {
    return wasmBinary(this.rt, op, a, b, options);
  }

  /** out = a + b. */
  add(a: Codes, b: Codes, options?: ElementwiseOptions): Codes {
    return wasmBinary(this.rt, "add", a, b, options);
  }

  /** out = a - b. */
  sub(a: Codes, b: Codes, options?: ElementwiseOptions): Codes {
    return wasmBinary(this.rt, "sub", a, b, options);
  }

  /** out = a * b. */
  mul(a: Codes, b: Codes, options?: ElementwiseOptions): Codes {
    return wasmBinary(this.rt, "mul", a, b, options);
  }

  /** out = max(x, 0) (options.aFormat is x's format). */
  relu(x: Codes, options?: Omit<ElementwiseOptions, "bFormat">): Codes {
    return wasmRelu(this.rt, x, options);
  }

  /** Max pooling of float32 planes: out and argmax get each window's first maximum and its index. */
  maxPool2d(x: Float32Array, geometry: Pool2dGeometry, out: Float32Array, argmax: Int32Array): void {
    wasmMaxPool(this.rt, x, geometry, out, argmax);
  }

  /** dx = dy scattered to argmax (float32 sums in output order). */
  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
    wasmMaxPoolBackward(this.rt, dy, argmax, dx);
  }

  /** out[c] = the float32 sum of x (n, c, s) over n then s, in increasing order from +0. */
  channelSum(x: Float32Array, dims: readonly [number, number, number], out: Float32Array): void {
    wasmChannelSum(this.rt, x, dims, out);
  }

  /** Batch norm forward (float64, the js kernel's order) into args.out, rounded once to nearest-even;
   * returns the float64 [mean (C), sum of squared deviations (C)] when training. */
  batchNorm(args: BatchNormArgs): Float64Array {
    return wasmBatchNorm(this.rt, args);
  }

  /** Batch norm backward into args.dx; returns the float64 [sum dy (C), sum dy xhat (C)]. */
  batchNormBackward(args: BatchNormBackwardArgs): Float64Array {
    return wasmBatchNormBackward(this.rt, args);
  }

  /** A zeroed array of n codes of `format` that lives in the wasm memory (Float32Array for float32):
   * kernels read and write such arrays in place, without copies. Release it with `free`; a view must
   * not be used after that. */
  allocate(format: FloatFormat, n: number): Codes {
    return allocateResident(this.rt, format, n);
  }

  /** Release an array made by `allocate` (false when it was not one, or was freed already). */
  free(array: Codes): boolean {
    return this.rt.arena.resident(array) && this.rt.arena.heap.free(array.byteOffset);
  }

  /** Whether `array` lives in this wasm memory (so kernels use it without copying). */
  isResident(array: Codes): boolean {
    return this.rt.arena.resident(array);
  }

  /** Stop the worker threads (the kernels stay usable; workers restart when needed). */
  close(): Promise<void> {
    return this.rt.close();
  }
}

let shared: WasmKernels | null | undefined;

/** Whether the wasm kernels can run here (the module is built and WebAssembly SIMD and threads work). */
export function wasmAvailable(): boolean {
  return compileModule() !== null;
}

/** The default wasm kernels, created on first use (synchronously), or null when unavailable. */
export function wasmKernels(): WasmKernels | null {
  if (shared === undefined) shared = WasmKernels.create();
  return shared;
}

/** The default wasm kernels; rejects with an "unsupported" error when unavailable. */
export async function loadWasm(): Promise<WasmKernels> {
  await Promise.resolve();
  const k = wasmKernels();
  if (k === null) {
    throw new MinifloatError(
      "unsupported",
      "wasm kernels unavailable: run `npm run build` to compile assembly/",
    );
  }
  return k;
}
