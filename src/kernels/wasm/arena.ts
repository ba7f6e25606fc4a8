/**
 * Memory management inside the shared WebAssembly memory: a bump arena above the long-lived heap, reset
 * at the start of every kernel call. Operands are copied in, the kernel runs, results are copied out
 * (a copy moves several GB/s, little next to GEMM or convolution arithmetic; bench/engine.ts reports
 * both ways); operands that already live in this memory (Arena.resident) are used in place. Calls are
 * synchronous, so one arena serves them all; memory grows on demand and never shrinks.
 */
import { MinifloatError } from "../../errors.js";
import type { CodeArray } from "../../formats/bulk-codec.js";
import { Heap } from "./heap.js";
import type { WasmMemory } from "./wasm-api.js";

/** Typed arrays that hold codes (formats' CodeArray) or float32 values. */
export type Codes = Float32Array | CodeArray;

const PAGE = 65536;
const ALIGN = 64;
/** Memory kept readable past the last allocation: vector loads near a row's edge may read a little
 * beyond it (the lanes are masked; see assembly/im2col.ts). */
const GUARD = 8192;

/** A bump allocator over a WebAssembly memory, above a heap of long-lived buffers. */
export class Arena {
  readonly heap = new Heap();
  private top: number;
  /** Every buffer object this memory has had: a view on any of them lives in the memory. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  constructor(readonly memory: WasmMemory) {
    this.top = this.heap.top;
    this.buffers.add(memory.buffer);
  }

  /** Forget every allocation (the start of a kernel call). */
  reset(): void {
    this.top = this.heap.top;
  }

  /** Make the memory at least `end` bytes long. */
  private reach(used: number): void {
    const end = used + GUARD;
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    try {
      this.memory.grow(Math.ceil((end - have) / PAGE));
    } catch (e) {
      throw new MinifloatError("unsupported", `wasm memory: cannot grow to ${end} bytes`, { cause: e });
    }
    this.buffers.add(this.memory.buffer);
  }

  /** Reserve `bytes` (64-byte aligned, contents undefined); returns the address. */
  alloc(bytes: number): number {
    const at = Math.ceil(this.top / ALIGN) * ALIGN;
    const end = at + Math.max(0, bytes);
    this.reach(end);
    this.top = end;
    return at;
  }

  /** A long-lived block of `bytes` in the heap (zeroed); returns the address. */
  allocLasting(bytes: number): number {
    const at = this.heap.alloc(bytes);
    this.reach(this.heap.top);
    this.bytes().fill(0, at, at + bytes);
    return at;
  }

  /** Whether `a` is a view on this memory (then its address is a.byteOffset). */
  resident(a: Codes): boolean {
    return this.buffers.has(a.buffer);
  }

  /** The address of `a`'s data: where it lives, or a copy in the arena. */
  place(a: Codes): number {
    return this.resident(a) ? a.byteOffset : this.write(a);
  }

  /** Where to write `n` bytes of output `out`: in place when resident, else arena space. */
  placeOutput(out: Codes): number {
    return this.resident(out) ? out.byteOffset : this.alloc(out.byteLength);
  }

  /** Copy output written at `at` into `out` unless it was written in place. */
  finish(at: number, out: Codes): void {
    if (!this.resident(out)) this.read(at, out);
  }

  /** The whole memory as bytes (a fresh view: the buffer changes when memory grows). */
  bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  /** Copy `src` into new space; returns its address. */
  write(src: Codes): number {
    const at = this.alloc(src.byteLength);
    this.bytes().set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), at);
    return at;
  }

  /** Copy int32 words into new space; returns their address. */
  writeInt32(words: ArrayLike<number>): number {
    const at = this.alloc(words.length * 4);
    new Int32Array(this.memory.buffer, at, words.length).set(words);
    return at;
  }

  /** Copy float64 fields into new space; returns their address. */
  writeFloat64(fields: ArrayLike<number>): number {
    const at = this.alloc(fields.length * 8);
    new Float64Array(this.memory.buffer, at, fields.length).set(fields);
    return at;
  }

  /** Copy `dst.byteLength` bytes at `at` into `dst`. */
  read(at: number, dst: Codes): void {
    new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(
      new Uint8Array(this.memory.buffer, at, dst.byteLength),
    );
  }
}
