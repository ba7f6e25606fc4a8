/**
 * Conversions float32 <-> codes through the wasm codec, bit-exact with encodeArray / decodeArray of
 * src/formats (every rounding mode, overflow mode and flushing; stochastic bits from Philox in wasm,
 * element i drawing word offset + i). Long arrays stream through the arena in cache-sized chunks.
 */
import { MinifloatError } from "../../errors.js";
import { allocCodes } from "../../formats/bulk-codec.js";
import type { FloatFormat } from "../../formats/float-format.js";
import { floatFormat } from "../../formats/registry.js";
import { resolveEncodeOptions, type ResolvedEncodeOptions } from "../../formats/rounding.js";
import type { Codes } from "./arena.js";
import { codeBytes, decodeDescriptor, encodeDescriptor, rngKey } from "./descriptors.js";
import type { WasmRuntime } from "./runtime.js";

const FLOAT32 = floatFormat("float32");

/** `f`, or float32 where it is left out (the runtime takes format records, never names). */
export function orFloat32(f: FloatFormat | undefined): FloatFormat {
  return f ?? FLOAT32;
}

/** Round to nearest-even, no flushing: what a kernel does unless given resolved options. */
export const NEAREST_EVEN: ResolvedEncodeOptions = resolveEncodeOptions();

/** Elements per streamed chunk: 64 Ki float32 (256 KiB) in, its codes out, within L2. */
export const STREAM_CHUNK = 65536;

/** Throw a "shape" error unless `got` equals `expected`. */
export function checkLength(what: string, got: number, expected: number): void {
  if (got !== expected)
    throw new MinifloatError("shape", `${what}: expected ${expected} elements, got ${got}`);
}

/** Throw an "argument" error unless `codes` has the element width of format `f`. */
export function checkCodes(what: string, codes: Codes, f: FloatFormat): void {
  if (codes.BYTES_PER_ELEMENT !== codeBytes(f)) {
    throw new MinifloatError(
      "argument",
      `${what}: ${f.name} codes take ${codeBytes(f)} bytes each, got a ${codes.constructor.name}`,
    );
  }
}

/** A new code array of format `f` (Float32Array for float32, as tensor storage). */
export function allocStorage(f: FloatFormat, n: number): Codes {
  return f.bits === 32 ? new Float32Array(n) : allocCodes(f, n);
}

/** Write the encode descriptor (and generator key) of `f` with `o` into the arena; returns its address. */
export function encoderAt(rt: WasmRuntime, f: FloatFormat, o: ResolvedEncodeOptions): number {
  const key = rt.arena.writeInt32(new Int32Array(rngKey(o).buffer));
  return rt.arena.writeInt32(encodeDescriptor(f, o, key));
}

/** Write the decode descriptor of `f` into the arena; returns its address. */
export function decoderAt(rt: WasmRuntime, f: FloatFormat): number {
  return rt.arena.writeInt32(decodeDescriptor(f));
}

/** The stochastic index of element 0 (the source's offset), 0 for deterministic rounding. */
export function baseIndex(o: ResolvedEncodeOptions): number {
  return o.random?.offset ?? 0;
}

/** Elements per call: everything at once when every array lives in the wasm memory, else cache-sized
 * chunks copied through the arena. */
export function streamChunk(rt: WasmRuntime, ...arrays: Codes[]): number {
  return arrays.every((a) => rt.arena.resident(a))
    ? Math.max(1, ...arrays.map((a) => a.length))
    : STREAM_CHUNK;
}

/** Encode float32 values into codes of `format` (the wasm twin of encodeArray). */
export function wasmEncode(
  rt: WasmRuntime,
  format: FloatFormat,
  src: Float32Array,
  options?: ResolvedEncodeOptions,
  out?: Codes,
): Codes {
  const f = orFloat32(format);
  const o = options ?? NEAREST_EVEN;
  const dst = out ?? allocCodes(f, src.length);
  checkLength(`encode(${f.name}) output`, dst.length, src.length);
  checkCodes(`encode(${f.name}) output`, dst, f);
  const index = baseIndex(o);
  const chunk = streamChunk(rt, src, dst);
  for (let start = 0; start < src.length; start += chunk) {
    const n = Math.min(chunk, src.length - start);
    const s = src.subarray(start, start + n);
    const d = dst.subarray(start, start + n);
    rt.arena.reset();
    const desc = encoderAt(rt, f, o);
    const tls = rt.tls();
    const to = rt.arena.placeOutput(d);
    rt.exports.encodeRange(rt.arena.place(s), to, n, desc, index + start, tls);
    rt.arena.finish(to, d);
  }
  return dst;
}

/** Decode codes of `format` into float32 values (the wasm twin of decodeArray). */
export function wasmDecode(
  rt: WasmRuntime,
  format: FloatFormat,
  codes: Codes,
  out?: Float32Array,
): Float32Array {
  const f = orFloat32(format);
  checkCodes(`decode(${f.name}) input`, codes, f);
  const dst = out ?? new Float32Array(codes.length);
  checkLength(`decode(${f.name}) output`, dst.length, codes.length);
  const chunk = streamChunk(rt, codes, dst);
  for (let start = 0; start < codes.length; start += chunk) {
    const n = Math.min(chunk, codes.length - start);
    const s = codes.subarray(start, start + n);
    const d = dst.subarray(start, start + n);
    rt.arena.reset();
    const desc = decoderAt(rt, f);
    const tls = rt.tls();
    const to = rt.arena.placeOutput(d);
    rt.exports.decodeRange(rt.arena.place(s), to, n, desc, tls);
    rt.arena.finish(to, d);
  }
  return dst;
}

/** A zeroed array of n codes of `f` in the wasm memory's heap (Float32Array for float32). */
export function allocateResident(rt: WasmRuntime, f: FloatFormat, n: number): Codes {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new MinifloatError("argument", `allocate: n must be a non-negative integer, got ${n}`);
  }
  const bytes = codeBytes(f);
  const at = rt.arena.allocLasting(n * bytes);
  const buffer = rt.memory.buffer;
  if (bytes === 4) return new Float32Array(buffer, at, n);
  return bytes === 2 ? new Uint16Array(buffer, at, n) : new Uint8Array(buffer, at, n);
}
