/**
 * Philox4x32-10, the counter-based generator of Salmon et al., "Parallel Random Numbers: As Easy as
 * 1, 2, 3" (SC 2011), as in Random123, cuRAND and JAX. A counter-based generator gives element i of a
 * stream the same bits however the work is split across threads or backends (DESIGN.md rule 6).
 * Element i of stream (seed, stream, step) is word i mod 4 of Philox(counter = [i/4 lo, i/4 hi, stream,
 * step], key = [seed lo, seed hi]).
 */
import type { StochasticSource } from "./rounding.js";

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32 values, exactly: with b = bh * 2^16 + bl the
 * partial products a * bh and a * bl are below 2^48, so float64 holds them, and
 * floor(a * b / 2^32) = floor((a * bh + floor(a * bl / 2^16)) / 2^16). */
export function mulhi32(a: number, b: number): number {
  const low = a * (b & 0xffff);
  const high = a * (b >>> 16);
  return Math.floor((high + Math.floor(low / 65536)) / 65536);
}

/** One Philox4x32-10 block: writes the 4 output words for counter (c0..c3) and key (k0, k1) to `out`. */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
  at = 0,
): void {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi32(M0, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi32(M1, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0;
    x3 = lo0;
    key0 = (key0 + W0) >>> 0;
    key1 = (key1 + W1) >>> 0;
  }
  out[at] = x0;
  out[at + 1] = x1;
  out[at + 2] = x2;
  out[at + 3] = x3;
}

const TWO32 = 2 ** 32;
const block = new Uint32Array(4);

/** The uint32 random word of element `index` in stream (seed, stream, step). */
export function randomWord(seed: number, stream: number, step: number, index: number): number {
  const b = Math.floor(index / 4);
  philox4x32(b % TWO32, Math.floor(b / TWO32), stream, step, seed % TWO32, Math.floor(seed / TWO32), block);
  return block[index & 3];
}

/** Fill `out[0..n)` with the words of elements offset .. offset+n-1 of a stochastic source. */
export function fillRandomWords(src: Required<StochasticSource>, out: Uint32Array, n = out.length): void {
  const k0 = src.seed % TWO32;
  const k1 = Math.floor(src.seed / TWO32);
  let i = 0;
  // Leading partial block.
  while (i < n && (src.offset + i) % 4 !== 0) {
    out[i] = randomWord(src.seed, src.stream, src.step, src.offset + i);
    i++;
  }
  let b = (src.offset + i) / 4;
  for (; i + 4 <= n; i += 4, b++) {
    philox4x32(b % TWO32, Math.floor(b / TWO32), src.stream, src.step, k0, k1, out, i);
  }
  for (; i < n; i++) out[i] = randomWord(src.seed, src.stream, src.step, src.offset + i);
}

/** Elements per chunk of random values: large enough to amortize, small enough to stay in cache. */
const RANDOM_CHUNK = 4096;

/**
 * Walk [0, n) in chunks, handing `body` each chunk's random values in [0, 2^randomBits) (the top
 * randomBits bits of each element's word; all zero when `random` is null): rand[i - start] belongs to
 * element i, which is element offset + i of the stream, so any slicing gives the same values.
 */
export function forEachRandomChunk(
  random: Required<StochasticSource> | null,
  randomBits: number,
  n: number,
  body: (start: number, end: number, rand: Uint32Array) => void,
): void {
  const rand = new Uint32Array(Math.min(RANDOM_CHUNK, n));
  const shift = 32 - randomBits;
  for (let start = 0; start < n; start += RANDOM_CHUNK) {
    const end = Math.min(n, start + RANDOM_CHUNK);
    if (random !== null) {
      fillRandomWords({ ...random, offset: random.offset + start }, rand, end - start);
      for (let j = 0; j < end - start; j++) rand[j] >>>= shift;
    }
    body(start, end, rand);
  }
}
