/**
 * The basic tokenizer's rules, each on hand-picked characters whose Unicode category decides the answer
 * (so a wrong category test fails): cleaning (Cc, Cf, Co, Cs, Cn dropped; Zs to space; Zl/Zp kept but
 * split on), CJK spacing, context-free lower-casing, accent stripping, punctuation split, and the options.
 */
import { describe, expect, it } from "vitest";
import {
  basicTokenize,
  cleanText,
  isBertControl,
  isBertPunctuation,
  isBertWhitespace,
  isCjkCodePoint,
  lowerCodePoints,
  spaceCjk,
  splitPunctuation,
  splitWhitespace,
  stripAccents,
  type BasicTokenizerOptions,
} from "./basic-tokenizer.js";

const uncased: BasicTokenizerOptions = {
  doLowerCase: true,
  stripAccents: true,
  tokenizeChineseChars: true,
  neverSplit: new Set(["[CLS]", "[SEP]"]),
};

describe("character classes", () => {
  it("whitespace: space, tab, LF, CR and Zs only", () => {
    for (const ch of [" ", "\t", "\n", "\r", "\u00A0", "\u3000", "\u2009"])
      expect(isBertWhitespace(ch), ch).toBe(true);
    // Vertical tab, form feed, NEL are Cc; U+2028 is Zl; U+200B is Cf: none is BERT whitespace.
    for (const ch of ["\v", "\f", "\u0085", "\u2028", "\u200B", "a"])
      expect(isBertWhitespace(ch), ch).toBe(false);
  });

  it("control: category C except tab, LF, CR", () => {
    for (const ch of [
      "\u0000",
      "\u0007",
      "\v",
      "\u007F",
      "\u0085",
      "\u200B",
      "\u200D",
      "\u00AD",
      "\uFEFF",
      "\uE000",
      "\u0378",
      "\uD800",
    ]) {
      expect(isBertControl(ch), ch.codePointAt(0)?.toString(16)).toBe(true);
    }
    for (const ch of ["\t", "\n", "\r", " ", "a", "\uFFFD"]) expect(isBertControl(ch)).toBe(false);
  });

  it("punctuation: all ASCII non-alphanumerics and category P, but not symbols elsewhere", () => {
    for (const ch of [
      "!",
      "/",
      ":",
      "@",
      "[",
      "`",
      "{",
      "~",
      "$",
      "^",
      "+",
      "¿",
      "«",
      "—",
      "。",
      "、",
      "・",
    ]) {
      expect(isBertPunctuation(ch), ch).toBe(true);
    }
    // Sc, Sm, So outside ASCII are not punctuation: ＄ € ± ☃.
    for (const ch of ["a", "0", " ", "\uFF04", "\u20AC", "\u00B1", "\u2603"])
      expect(isBertPunctuation(ch), ch).toBe(false);
  });

  it("CJK: the unified ideograph blocks, not kana or hangul", () => {
    for (const cp of [0x4e00, 0x9fff, 0x3400, 0x20000, 0x2a700, 0x2ceaf, 0xf900, 0x2fa1f])
      expect(isCjkCodePoint(cp)).toBe(true);
    for (const cp of [0x3041, 0x30a2, 0xac00, 0x4dc0, 0x2ceb0, 0x41]) expect(isCjkCodePoint(cp)).toBe(false);
  });
});

describe("text steps", () => {
  it("cleanText drops NUL, U+FFFD and controls and maps whitespace to spaces", () => {
    expect(cleanText("a\u0000b\uFFFDc\u200Bd\u00ADe")).toBe("abcde");
    expect(cleanText("a\tb\nc\r\nd\u00A0e\u3000f")).toBe("a b c  d e f");
    expect(cleanText("x\u2028y")).toBe("x\u2028y");
    expect(cleanText("\uD83D\uDE00 \uD800")).toBe("\uD83D\uDE00 ");
  });

  it("spaceCjk surrounds each ideograph (also astral ones) with spaces", () => {
    expect(spaceCjk("我爱ML")).toBe(" 我  爱 ML");
    expect(spaceCjk("a\u{20000}b")).toBe("a \u{20000} b");
    expect(spaceCjk("カナ")).toBe("カナ");
  });

  it("lowerCodePoints has no final-sigma context, like Python's per-character lower()", () => {
    expect(lowerCodePoints("ΟΔΟΣ")).toBe("οδοσ");
    expect("ΟΔΟΣ".toLowerCase()).toBe("οδος");
    expect(lowerCodePoints("İ")).toBe("i\u0307");
    expect(lowerCodePoints("HeLLo")).toBe("hello");
  });

  it("stripAccents removes Mn after NFD", () => {
    expect(stripAccents("crème brûlée")).toBe("creme brulee");
    expect(stripAccents("i\u0307")).toBe("i");
    expect(stripAccents("\u0301")).toBe("");
    // A spacing mark (Mc, Devanagari vowel sign AA) stays.
    expect(stripAccents("\u0915\u093E")).toBe("\u0915\u093E");
  });

  it("splitWhitespace also splits on U+2028/U+2029 as Python's str.split does", () => {
    expect(splitWhitespace("  a  b\u2028c\u2029d ")).toEqual(["a", "b", "c", "d"]);
    expect(splitWhitespace("   ")).toEqual([]);
  });

  it("splitPunctuation isolates every punctuation character", () => {
    expect(splitPunctuation("don't")).toEqual(["don", "'", "t"]);
    expect(splitPunctuation("...a--b")).toEqual([".", ".", ".", "a", "-", "-", "b"]);
    expect(splitPunctuation("$5")).toEqual(["$", "5"]);
    expect(splitPunctuation("\uFF045")).toEqual(["\uFF045"]);
  });
});

describe("basicTokenize", () => {
  it("runs every step in Hugging Face's order", () => {
    expect(basicTokenize("Hello, World!", uncased)).toEqual(["hello", ",", "world", "!"]);
    expect(basicTokenize("Crème Brûlée", uncased)).toEqual(["creme", "brulee"]);
    expect(basicTokenize("我爱ML", uncased)).toEqual(["我", "爱", "ml"]);
    expect(basicTokenize("a\u200Bb c\u0000d", uncased)).toEqual(["ab", "cd"]);
    expect(basicTokenize(" \t\n ", uncased)).toEqual([]);
  });

  it("applies NFC before splitting, so a decomposed accent stays in its word", () => {
    const cased: BasicTokenizerOptions = { ...uncased, doLowerCase: false, stripAccents: false };
    expect(basicTokenize("Cafe\u0301!", cased)).toEqual(["Café", "!"]);
    expect(basicTokenize("\uF900", cased)).toEqual(["\u8C48"]);
  });

  it("honours doLowerCase, stripAccents and tokenizeChineseChars", () => {
    const opts = (o: Partial<BasicTokenizerOptions>): BasicTokenizerOptions => ({ ...uncased, ...o });
    expect(basicTokenize("Crème", opts({ doLowerCase: false, stripAccents: false }))).toEqual(["Crème"]);
    expect(basicTokenize("Crème", opts({ doLowerCase: false, stripAccents: true }))).toEqual(["Creme"]);
    expect(basicTokenize("Crème", opts({ doLowerCase: true, stripAccents: false }))).toEqual(["crème"]);
    expect(basicTokenize("我爱ML", opts({ tokenizeChineseChars: false }))).toEqual(["我爱ml"]);
  });

  it("keeps never-split words whole, before and after lower-casing and stripping", () => {
    // The text is lower-cased first (BertTokenizer has already split off special tokens by then).
    expect(basicTokenize("Don't x", { ...uncased, neverSplit: new Set(["don't"]) })).toEqual(["don't", "x"]);
    expect(basicTokenize("DON'T", { ...uncased, neverSplit: new Set(["DON'T"]) })).toEqual(["don", "'", "t"]);
    const cased: BasicTokenizerOptions = { ...uncased, doLowerCase: false, stripAccents: true };
    expect(basicTokenize("[CLS] x!", cased)).toEqual(["[CLS]", "x", "!"]);
    // "[CLS\u0301]" becomes "[CLS]" only after accent stripping; Hugging Face checks never_split again then.
    expect(basicTokenize("[CLS\u0301]", cased)).toEqual(["[CLS]"]);
  });
});
