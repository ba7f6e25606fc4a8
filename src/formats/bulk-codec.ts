/**
 * Bulk conversion between float arrays and code arrays. From a Float32Array the encoder works on the
 * float32 bit patterns with integer arithmetic (the JavaScript reference of the wasm kernels to come);
 * formats of 8 bits or fewer use a 128 Ki-entry table indexed by the top 16 bits and whether the low 16
 * are zero, which decides every deterministic rounding exactly. Float64 input rounded to nearest-even goes
 * through round-to-odd float32 (round-to-odd.ts) where that is exact; otherwise, and for number[] input,
 * through the scalar codec, element by element. Decoding is a table lookup for formats of 16 bits or fewer.
 */
import { MinifloatError } from "../errors.js";
import { decodeValue, encodeValue, overflowCode, zeroCode, nanInputCode } from "./float-codec.js";
import type { FloatFormat } from "./float-format.js";
import { forEachRandomChunk } from "./philox.js";
import { resolveEncodeOptions, type EncodeOptions, type ResolvedEncodeOptions } from "./rounding.js";
import { fastFloat64Target, roundToOddFloat32 } from "./round-to-odd.js";

/** A typed array of codes in a format's own width. */
export type CodeArray = Uint8Array | Uint16Array | Uint32Array;

/** A new zeroed code array of `n` elements in the width of format `f` (one code per byte below 8 bits). */
export function allocCodes(f: FloatFormat, n: number): CodeArray {
  if (f.bits <= 8) return new Uint8Array(n);
  if (f.bits <= 16) return new Uint16Array(n);
  return new Uint32Array(n);
}

const decodeTables = new Map<string, Float32Array>();

/** The table of every code's value (formats of 16 bits or fewer), built once and cached. */
export function decodeTable(f: FloatFormat): Float32Array {
  if (f.bits > 16) throw new MinifloatError("unsupported", `no decode table for ${f.name} (${f.bits} bits)`);
  let t = decodeTables.get(f.name);
  if (t === undefined) {
    t = new Float32Array(2 ** f.bits);
    for (let c = 0; c < t.length; c++) t[c] = decodeValue(f, c);
    decodeTables.set(f.name, t);
  }
  return t;
}

function checkLength(what: string, got: number, expected: number): void {
  if (got !== expected) {
    throw new MinifloatError("shape", `${what}: expected ${expected} elements, got ${got}`);
  }
}

/** Decode `codes` of format `f` into float32 values (exact for every format here). */
export function decodeArray(f: FloatFormat, codes: ArrayLike<number>, out?: Float32Array): Float32Array {
  const dst = out ?? new Float32Array(codes.length);
  checkLength(`decodeArray(${f.name}) output`, dst.length, codes.length);
  if (f.bits === 32) {
    const bits = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
    for (let i = 0; i < codes.length; i++) bits[i] = codes[i];
    return dst;
  }
  const table = decodeTable(f);
  for (let i = 0; i < codes.length; i++) dst[i] = table[codes[i]];
  return dst;
}

const MODE = { "nearest-even": 0, "toward-zero": 1, "nearest-away": 2, stochastic: 3 } as const;

/** 2^k for k in [-64, 64], as POW2[k + 64]: a table lookup is cheaper than `**` in the inner loop. */
const POW2 = Float64Array.from({ length: 129 }, (_, i) => 2 ** (i - 64));

/** Encode float32 bit patterns with integer arithmetic; every format with emin >= -126 and m < 23. The
 * kept bits n and the discarded bits rem of the significand decide the rounding; `base` is the code of
 * the binade. The scalar codec's twin, tested against the exact reference codec. */
function encodeFloat32Bits(f: FloatFormat, src: Uint32Array, dst: CodeArray, o: ResolvedEncodeOptions): void {
  const m = f.mantissaBits;
  const cutoff = f.emin + 127; // float32 exponent field of the target's smallest normal
  const baseShift = 23 - m;
  const mode = MODE[o.rounding];
  const r = o.randomBits;
  const maxCode = f.maxCode;
  const signBit = f.signBit;
  const ovf = [overflowCode(f, 0, o.saturate), overflowCode(f, 1, o.saturate)] as const;
  const rtzOvf = [maxCode, signBit + maxCode] as const;
  const zero = [zeroCode(f, 0), zeroCode(f, 1)] as const;
  const nan = nanInputCode(f);
  const flush = o.flushSubnormals;
  forEachRandomChunk(o.random, r, src.length, (start, end, rand) => {
    for (let i = start; i < end; i++) {
      const b = src[i];
      const s = b >>> 31;
      const ab = b & 0x7fffffff;
      if (ab >= 0x7f800000) {
        dst[i] = ab === 0x7f800000 ? ovf[s] : nan;
        continue;
      }
      const ef = ab >>> 23;
      let shift = baseShift;
      let base = 0;
      if (ef >= cutoff) base = (ef - cutoff) << m;
      else if (flush || ab === 0) {
        dst[i] = zero[s];
        continue;
      } else shift += cutoff - (ef === 0 ? 1 : ef);
      const sig = ef === 0 ? ab : (ab & 0x7fffff) | 0x800000;
      // sig < 2^24, so a shift of 31 already discards everything; JavaScript shifts count mod 32.
      const sh = shift > 31 ? 31 : shift;
      const n = sig >>> sh;
      const rem = sig & ((1 << sh) - 1);
      const half = 1 << (sh - 1);
      let up = 0;
      if (mode === 0) up = rem > half || (rem === half && (n & 1) === 1) ? 1 : 0;
      else if (mode === 2) up = rem >= half ? 1 : 0;
      else if (mode === 3) {
        const k = shift - r > 40 ? 0 : Math.floor(rem * POW2[r - shift + 64]);
        up = rand[i - start] < k ? 1 : 0;
      }
      const mag = base + n + up;
      if (mag > maxCode) dst[i] = mode === 1 ? rtzOvf[s] : ovf[s];
      else dst[i] = mag === 0 ? zero[s] : s * signBit + mag;
    }
  });
}

/** float32 to float32: every value is exact, so only NaN canonicalization and flushing remain. */
function copyFloat32Bits(src: Uint32Array, dst: CodeArray, flush: boolean): void {
  for (let i = 0; i < src.length; i++) {
    const b = src[i];
    const ab = b & 0x7fffffff;
    if (ab > 0x7f800000) dst[i] = 0x7fc00000;
    else if (flush && ab < 0x00800000) dst[i] = b & 0x80000000;
    else dst[i] = b;
  }
}

const byteTables = new Map<string, Uint8Array>();

/** For formats of 8 bits or fewer and deterministic rounding: the code of every (top 16 bits, low 16
 * bits non-zero) pair, built with the scalar codec and cached. */
function byteTable(f: FloatFormat, o: ResolvedEncodeOptions): Uint8Array {
  const key = `${f.name}/${o.rounding}/${o.saturate}/${o.flushSubnormals}`;
  let t = byteTables.get(key);
  if (t === undefined) {
    t = new Uint8Array(2 ** 17);
    const bits = new Uint32Array(1);
    const value = new Float32Array(bits.buffer);
    for (let hi = 0; hi < 2 ** 16; hi++) {
      for (let low = 0; low < 2; low++) {
        bits[0] = hi * 2 ** 16 + low;
        t[hi * 2 + low] = encodeValue(f, value[0], o.rounding, o.saturate, o.flushSubnormals);
      }
    }
    byteTables.set(key, t);
  }
  return t;
}

/** Encode float values into codes of format `f`, each rounded once (Float32Array input takes the fast
 * integer path, and so does Float64Array input rounded to nearest-even, via round-to-odd float32, where
 * that is exact; number[] input and the other cases the exact scalar path). */
export function encodeArray(
  f: FloatFormat,
  src: Float32Array | Float64Array | readonly number[],
  options?: EncodeOptions,
  out?: CodeArray,
): CodeArray {
  const o = resolveEncodeOptions(options);
  const dst = out ?? allocCodes(f, src.length);
  checkLength(`encodeArray(${f.name}) output`, dst.length, src.length);
  if (src instanceof Float32Array && f.bits === 32) {
    copyFloat32Bits(new Uint32Array(src.buffer, src.byteOffset, src.length), dst, o.flushSubnormals);
    return dst;
  }
  if (src instanceof Float32Array && f.emin >= -126 && f.mantissaBits < 23) {
    const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
    if (f.bits <= 8 && o.rounding !== "stochastic") {
      const t = byteTable(f, o);
      for (let i = 0; i < bits.length; i++) {
        const b = bits[i];
        dst[i] = t[(b >>> 16) * 2 + ((b & 0xffff) === 0 ? 0 : 1)];
      }
    } else encodeFloat32Bits(f, bits, dst, o);
    return dst;
  }
  if (src instanceof Float64Array && viaFloat32(f, o)) {
    // float32 itself: a Float32Array store rounds to nearest-even with overflow to infinity, as the codec.
    const narrowed = f.bits === 32 ? Float32Array.from(src) : roundToOddFloat32(src);
    return encodeArray(f, narrowed, options, dst);
  }
  encodeScalars(f, src, dst, o);
  return dst;
}

/** Whether float64 input may go through float32 (round-to-odd, or nearest for float32 itself) and the
 * integer path: nearest-even without flushing (which looks at the value before rounding); float32 itself
 * only without saturation (the store overflows to infinity). */
function viaFloat32(f: FloatFormat, o: ResolvedEncodeOptions): boolean {
  return (
    o.rounding === "nearest-even" &&
    !o.flushSubnormals &&
    fastFloat64Target(f) &&
    (f.bits < 32 || !o.saturate)
  );
}

function encodeScalars(
  f: FloatFormat,
  src: Float32Array | Float64Array | readonly number[],
  dst: CodeArray,
  o: ResolvedEncodeOptions,
): void {
  const r = o.randomBits;
  forEachRandomChunk(o.random, r, src.length, (start, end, rand) => {
    for (let i = start; i < end; i++) {
      dst[i] = encodeValue(f, src[i], o.rounding, o.saturate, o.flushSubnormals, rand[i - start], r);
    }
  });
}

/** Round every element of `x` to format `f` in place: x = decode(encode(x)). Returns x. */
export function quantizeArray(f: FloatFormat, x: Float32Array, options?: EncodeOptions): Float32Array {
  const codes = encodeArray(f, x, options);
  return decodeArray(f, codes, x);
}
