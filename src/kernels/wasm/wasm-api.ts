/**
 * The few WebAssembly and module types the loader needs. The project compiles against lib ES2022 without
 * the DOM, which is where TypeScript declares `WebAssembly`, so the global is read once here under a
 * narrow local type instead of adding an ambient declaration.
 */

/** A WebAssembly.Memory (shared: its buffer is a SharedArrayBuffer). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

/** A compiled WebAssembly.Module (opaque; can be posted to worker threads). */
export type WasmModule = object;

/** The functions and constants the kernels module exports (see assembly/index.ts). */
export interface WasmExports {
  decodeRange(src: number, dst: number, n: number, desc: number, tls: number): void;
  encodeRange(src: number, dst: number, n: number, desc: number, index: number, tls: number): void;
  fillRandom(key: number, start: bigint, n: number, shift: number, dst: number): void;
  gemm(args: number, tid: number, nt: number): void;
  convForward(args: number, tid: number, nt: number): void;
  convBackwardData(args: number, tid: number, nt: number): void;
  convBackwardFilter(args: number, tid: number, nt: number): void;
  binary(
    op: number,
    a: number,
    aDesc: number,
    b: number,
    bDesc: number,
    out: number,
    outEnc: number,
    n: number,
    index: number,
    tls: number,
  ): void;
  relu(x: number, xDesc: number, out: number, outEnc: number, n: number, index: number, tls: number): void;
  maxPool(
    x: number,
    planes: number,
    h: number,
    w: number,
    oh: number,
    ow: number,
    kh: number,
    kw: number,
    sy: number,
    sx: number,
    py: number,
    px: number,
    out: number,
    argmax: number,
  ): void;
  maxPoolBackward(dy: number, argmax: number, n: number, dx: number, m: number): void;
  channelSum(x: number, n: number, c: number, s: number, out: number): void;
  batchNorm(
    x: number,
    n: number,
    c: number,
    s: number,
    gamma: number,
    beta: number,
    training: number,
    eps: number,
    stats: number,
    saved: number,
    odd: number,
    tmp: number,
    out: number,
    enc: number,
    tls: number,
  ): void;
  batchNormBackward(
    x: number,
    dy: number,
    n: number,
    c: number,
    s: number,
    gamma: number,
    saved: number,
    training: number,
    sums: number,
    odd: number,
    tmp: number,
    dx: number,
    enc: number,
    tls: number,
  ): void;
  readonly [constant: string]: unknown;
}

interface WebAssemblyApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: object) => { readonly exports: object };
}

/** The global WebAssembly object, or undefined where the runtime has none. */
export const webAssembly = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/** Instantiate `module` on `memory` (its only import). */
export function instantiate(module: WasmModule, memory: WasmMemory): WasmExports {
  if (webAssembly === undefined) throw new Error("WebAssembly is not available");
  return new webAssembly.Instance(module, { env: { memory } }).exports as WasmExports;
}
