/**
 * Philox4x32-10 against the known-answer vectors of Random123 (kat_vectors, philox4x32_10), its 32-bit
 * high multiply against BigInt, and the stream layout: fillRandomWords with any offset and length equals
 * randomWord element by element, and element i of a stream is word i mod 4 of block i / 4.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fillRandomWords, mulhi32, philox4x32, randomWord } from "./philox.js";

function block(c: readonly number[], k: readonly number[]): number[] {
  const out = new Uint32Array(4);
  philox4x32(c[0] ?? 0, c[1] ?? 0, c[2] ?? 0, c[3] ?? 0, k[0] ?? 0, k[1] ?? 0, out);
  return Array.from(out);
}

describe("philox4x32-10", () => {
  it("matches the Random123 known-answer vectors", () => {
    expect(block([0, 0, 0, 0], [0, 0])).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    const ones = 0xffffffff;
    expect(block([ones, ones, ones, ones], [ones, ones])).toEqual([
      0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd,
    ]);
    expect(block([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])).toEqual([
      0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1,
    ]);
  });

  it("writes at the given position of the output", () => {
    const out = new Uint32Array(7);
    philox4x32(0, 0, 0, 0, 0, 0, out, 3);
    expect(Array.from(out)).toEqual([0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
  });

  it("mulhi32 is the high word of the exact 64-bit product", () => {
    const edges = [
      0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xd2511f53, 0xcd9e8d57,
    ];
    const check = (a: number, b: number) => Number((BigInt(a) * BigInt(b)) >> 32n) === mulhi32(a, b);
    for (const a of edges) for (const b of edges) expect(check(a, b)).toBe(true);
    const u32 = fc.nat({ max: 0xffffffff });
    fc.assert(fc.property(u32, u32, check), { numRuns: 20000, seed: 5 });
  });
});

describe("random streams", () => {
  it("element i of (seed, stream, step) is word i mod 4 of the block with counter i / 4", () => {
    const seed = 2 ** 40 + 77; // a key with both halves non-zero
    for (const i of [0, 1, 2, 3, 4, 7, 2 ** 34 + 5]) {
      const c = Math.floor(i / 4);
      const expected = block(
        [c % 2 ** 32, Math.floor(c / 2 ** 32), 9, 13],
        [seed % 2 ** 32, Math.floor(seed / 2 ** 32)],
      );
      expect(randomWord(seed, 9, 13, i)).toBe(expected[i % 4]);
    }
  });

  it("fillRandomWords equals randomWord element by element, for any offset and length", () => {
    const source = fc.record({
      seed: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      stream: fc.nat({ max: 0xffffffff }),
      step: fc.nat({ max: 0xffffffff }),
      offset: fc.oneof(fc.nat({ max: 50 }), fc.nat({ max: Number.MAX_SAFE_INTEGER - 100 })),
    });
    fc.assert(
      fc.property(source, fc.nat({ max: 23 }), (src, n) => {
        const out = new Uint32Array(n + 2).fill(0xdeadbeef);
        fillRandomWords(src, out, n);
        const expected = Array.from({ length: n }, (_, i) =>
          randomWord(src.seed, src.stream, src.step, src.offset + i),
        );
        return (
          Array.from(out.subarray(0, n)).every((w, i) => w === expected[i]) &&
          out[n] === 0xdeadbeef &&
          out[n + 1] === 0xdeadbeef
        );
      }),
      { numRuns: 2000, seed: 6 },
    );
  });

  it("streams differ by seed, stream and step", () => {
    const words = (seed: number, stream: number, step: number) => {
      const out = new Uint32Array(8);
      fillRandomWords({ seed, stream, step, offset: 0 }, out);
      return Array.from(out);
    };
    const base = words(1, 2, 3);
    expect(words(1, 2, 3)).toEqual(base);
    for (const other of [words(2, 2, 3), words(1, 3, 3), words(1, 2, 4), words(1 + 2 ** 32, 2, 3)]) {
      expect(other.filter((w, i) => w === base[i]).length).toBeLessThan(2);
    }
  });
});
