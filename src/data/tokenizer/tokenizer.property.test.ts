/**
 * Properties of BertTokenizer over arbitrary Unicode (astral characters, lone surrogates, controls,
 * combining marks, CJK, special tokens): tokenize never throws and yields vocabulary tokens only, ids
 * round-trip, text joined by a space tokenizes as the concatenation, and encode obeys maxLength with the
 * right token types and masks under every truncation and padding setting.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { TruncationStrategy } from "./encoding.js";
import { BertTokenizer } from "./wordpiece.js";

const cacheDir = mkdtempSync(join(tmpdir(), "minifloat-tokprop-"));
afterAll(() => {
  rmSync(cacheDir, { recursive: true, force: true });
});
const bert = BertTokenizer.bertBaseUncased({ cacheDir });

/** One UTF-16 code unit (so lone surrogates occur), a whole code point, or a hand-picked tricky piece. */
const unit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
  fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)),
  fc.constantFrom(
    " ",
    "\t",
    "\n",
    "\u00A0",
    "\u2028",
    "\u200B",
    "\u0000",
    "\uFFFD",
    "\u0301",
    "Σ",
    "İ",
    "我",
    "'",
    "[CLS]",
    "[SEP]",
    "[PAD]",
    "[MASK]",
    "[UNK]",
    "the",
    "ing",
    "Hello",
    "é",
    "\u{20000}",
    "ﬁ",
  ),
);
const text = fc.string({ unit, maxLength: 40 });

describe("tokenize on arbitrary Unicode", () => {
  it("never throws and yields vocabulary tokens whose ids round-trip", () => {
    fc.assert(
      fc.property(text, (s) => {
        const tokens = bert.tokenize(s);
        const ids = bert.convertTokensToIds(tokens);
        for (const id of ids) {
          expect(Number.isInteger(id) && id >= 0 && id < bert.vocabSize).toBe(true);
        }
        expect(bert.convertIdsToTokens(ids)).toEqual(tokens);
      }),
      { numRuns: 400 },
    );
  });

  it("tokenizes 'a b' as tokenize(a) followed by tokenize(b)", () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(bert.tokenize(`${a} ${b}`)).toEqual([...bert.tokenize(a), ...bert.tokenize(b)]);
      }),
      { numRuns: 300 },
    );
  });

  it("a word over 100 code points is always one [UNK]", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom("a", "b", "x", "\u{1D400}"), minLength: 101, maxLength: 140 }),
        (w) => {
          expect(bert.tokenize(w)).toEqual(["[UNK]"]);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("encode lengths", () => {
  const strategy = fc.constantFrom<TruncationStrategy>("longest_first", "only_first", "only_second");

  it("longest_first fits maxLength exactly when too long, with types 0…0 1…1 and mask 1", () => {
    fc.assert(
      fc.property(
        text,
        fc.option(text, { nil: undefined }),
        fc.integer({ min: 3, max: 24 }),
        (a, b, maxLength) => {
          const full = bert.encode(a, b);
          const e = bert.encode(a, b, { maxLength });
          expect(e.inputIds.length).toBe(Math.min(full.inputIds.length, maxLength));
          expect(e.attentionMask.every((m) => m === 1)).toBe(true);
          const firstOne = e.tokenTypeIds.indexOf(1);
          const zeros = firstOne === -1 ? e.tokenTypeIds.length : firstOne;
          expect(e.tokenTypeIds.slice(0, zeros).every((t) => t === 0)).toBe(true);
          expect(e.tokenTypeIds.slice(zeros).every((t) => t === 1)).toBe(true);
          expect(firstOne !== -1).toBe(b !== undefined);
          expect(e.inputIds[0]).toBe(bert.clsId);
          expect(e.inputIds[e.inputIds.length - 1]).toBe(bert.sepId);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("every strategy either fits maxLength or refuses with an argument error; padding fills to it", () => {
    fc.assert(
      fc.property(text, text, fc.integer({ min: 3, max: 24 }), strategy, (a, b, maxLength, truncation) => {
        let e;
        try {
          e = bert.encode(a, b, { maxLength, truncation, padding: "max_length" });
        } catch (err) {
          expect((err as { code?: string }).code).toBe("argument");
          return;
        }
        expect(e.inputIds).toHaveLength(maxLength);
        expect(e.tokenTypeIds).toHaveLength(maxLength);
        const real = e.attentionMask.filter((m) => m === 1).length;
        expect(e.attentionMask).toEqual([
          ...Array<number>(real).fill(1),
          ...Array<number>(maxLength - real).fill(0),
        ]);
        expect(e.inputIds.slice(real).every((id) => id === bert.padId)).toBe(true);
        expect(e.tokenTypeIds.slice(real).every((t) => t === 0)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
