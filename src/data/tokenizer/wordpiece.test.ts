/**
 * BertTokenizer on the real bert-base-uncased vocabulary, with examples worked out by hand from the
 * reference rules: each expected WordPiece split is also checked to be the greedy longest match (every
 * piece in the vocabulary, no longer piece at the same place), so the expectations cannot merely echo
 * the code. Also special tokens in text, options, ids <-> tokens and decode.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectError } from "../../../test/support/expect-error.js";
import { Vocab } from "./vocab.js";
import { BertTokenizer, cleanUpTokenization, wordpieceTokenize } from "./wordpiece.js";

const cacheDir = mkdtempSync(join(tmpdir(), "minifloat-wordpiece-"));
afterAll(() => {
  rmSync(cacheDir, { recursive: true, force: true });
});
const bert = BertTokenizer.bertBaseUncased({ cacheDir });

/** Assert that `pieces` is the greedy longest-match-first WordPiece split of `word` in `vocab`. */
function expectGreedy(vocab: Vocab, word: string, pieces: readonly string[]): void {
  const chars = Array.from(word);
  let at = 0;
  for (const piece of pieces) {
    expect(vocab.has(piece), piece).toBe(true);
    const body = at > 0 ? piece.slice(2) : piece;
    if (at > 0) expect(piece.startsWith("##")).toBe(true);
    const n = Array.from(body).length;
    expect(chars.slice(at, at + n).join("")).toBe(body);
    for (let end = at + n + 1; end <= chars.length; end++) {
      const longer = (at > 0 ? "##" : "") + chars.slice(at, end).join("");
      expect(vocab.has(longer), `${longer} would be a longer match`).toBe(false);
    }
    at += n;
  }
  expect(at).toBe(chars.length);
}

describe("BertTokenizer.tokenize (bert-base-uncased)", () => {
  it("splits plain sentences on whitespace and punctuation", () => {
    expect(bert.tokenize("Hello, world!")).toEqual(["hello", ",", "world", "!"]);
    expect(bert.convertTokensToIds(["hello", ",", "world", "!"])).toEqual([7592, 1010, 2088, 999]);
    expect(bert.tokenize("The quick brown fox.")).toEqual(["the", "quick", "brown", "fox", "."]);
  });

  it("splits contractions at the apostrophe", () => {
    expect(bert.tokenize("don't")).toEqual(["don", "'", "t"]);
    expect(bert.tokenize("I'm")).toEqual(["i", "'", "m"]);
  });

  it("lower-cases and strips accents before WordPiece", () => {
    const tokens = bert.tokenize("Crème brûlée");
    expect(tokens).toEqual(["cr", "##eme", "br", "##ule", "##e"]);
    expectGreedy(bert.vocab, "creme", ["cr", "##eme"]);
    expectGreedy(bert.vocab, "brulee", ["br", "##ule", "##e"]);
    expect(bert.tokenize("Ünïcödé façade naïve")).toEqual(["unicode", "facade", "naive"]);
    expect(bert.tokenize("İstanbul")).toEqual(["istanbul"]);
  });

  it("splits off each CJK ideograph; one missing from the vocabulary is [UNK]", () => {
    expect(bert.vocab.has("我")).toBe(true);
    expect(bert.vocab.has("爱")).toBe(false);
    expect(bert.tokenize("我爱ML")).toEqual(["我", "[UNK]", "ml"]);
    expect(bert.tokenize("日本語")).toEqual(["日", "本", "語"]);
  });

  it("finds subwords greedily, longest first", () => {
    // Hugging Face's docstring shows un ##aff ##able, but bert-base-uncased has no "##aff".
    expect(bert.vocab.has("##aff")).toBe(false);
    expect(bert.tokenize("unaffable")).toEqual(["una", "##ffa", "##ble"]);
    expectGreedy(bert.vocab, "unaffable", ["una", "##ffa", "##ble"]);
    expect(bert.tokenize("HuggingFace tokenizers")).toEqual(["hugging", "##face", "token", "##izer", "##s"]);
    expectGreedy(bert.vocab, "tokenizers", ["token", "##izer", "##s"]);
  });

  it("turns a word with any uncoverable character into one [UNK]", () => {
    expect(bert.tokenize("☃☄⚇")).toEqual(["[UNK]"]);
    expect(bert.tokenize("abc☃def")).toEqual(["[UNK]"]);
    expect(bert.tokenize("\u{1F600} emoji")).toEqual(["[UNK]", "em", "##oj", "##i"]);
  });

  it("drops control and zero-width characters and splits on every kind of whitespace", () => {
    expect(bert.tokenize("a\u200Bb c\u0000d")).toEqual(["ab", "cd"]);
    expect(bert.tokenize("hello\u00A0world\u3000again\tand\nagain")).toEqual([
      "hello",
      "world",
      "again",
      "and",
      "again",
    ]);
    expect(bert.tokenize("hello\u2028world")).toEqual(["hello", "world"]);
    expect(bert.tokenize("\uFFFDhello\uFFFD")).toEqual(["hello"]);
    expect(bert.tokenize("")).toEqual([]);
    expect(bert.tokenize(" \t\u200B ")).toEqual([]);
  });

  it("gives [UNK] to words over 100 code points, counting astral characters once", () => {
    const hundred = bert.tokenize("x".repeat(100));
    expect(hundred.length).toBe(50);
    expect(hundred[0]).toBe("xx");
    expect(new Set(hundred.slice(1))).toEqual(new Set(["##xx"]));
    expect(bert.tokenize("x".repeat(101))).toEqual(["[UNK]"]);
    // 60 × (e + U+0301) is 120 code points before, 60 after accent stripping: under the limit.
    expect(bert.tokenize("e\u0301".repeat(60))).toHaveLength(30);
  });

  it("keeps special tokens written in the text, case-sensitively", () => {
    expect(bert.tokenize("[CLS] Hi [SEP]")).toEqual(["[CLS]", "hi", "[SEP]"]);
    expect(bert.tokenize("hello[SEP]world[MASK]")).toEqual(["hello", "[SEP]", "world", "[MASK]"]);
    expect(bert.tokenize("[cls]")).toEqual(["[", "cl", "##s", "]"]);
  });

  it("tokenizes a 10,000-word text in linear time", () => {
    const text = "The cat sat on the mat. ".repeat(1667);
    const start = performance.now();
    const tokens = bert.tokenize(text);
    expect(performance.now() - start).toBeLessThan(5000);
    expect(tokens).toHaveLength(7 * 1667);
    expect(tokens.slice(0, 7)).toEqual(["the", "cat", "sat", "on", "the", "mat", "."]);
  });
});

describe("options", () => {
  const small = Vocab.fromTokens(
    [
      "[PAD]",
      "[UNK]",
      "[CLS]",
      "[SEP]",
      "[MASK]",
      "un",
      "##aff",
      "##able",
      "Hello",
      "hello",
      "##è",
      "##me",
      "cr",
      "##eme",
      "我",
      "##爱",
    ],
    "small",
  );

  it("WordPiece on the docstring example and whole-word [UNK]", () => {
    const opts = { unkToken: "[UNK]", maxInputChars: 100 };
    expect(wordpieceTokenize("unaffable", small, opts)).toEqual(["un", "##aff", "##able"]);
    expect(wordpieceTokenize("unaffablex", small, opts)).toEqual(["[UNK]"]);
    expect(wordpieceTokenize("unaffable", small, { ...opts, maxInputChars: 8 })).toEqual(["[UNK]"]);
  });

  it("doLowerCase false keeps case and (by default) accents", () => {
    const cased = new BertTokenizer(small, { doLowerCase: false });
    expect(cased.tokenize("Hello hello")).toEqual(["Hello", "hello"]);
    expect(new BertTokenizer(small).tokenize("Hello")).toEqual(["hello"]);
  });

  it("stripAccents false keeps accents even when lower-casing", () => {
    const t = new BertTokenizer(small, { stripAccents: false });
    expect(t.tokenize("Crème")).toEqual(["cr", "##è", "##me"]);
    expect(new BertTokenizer(small).tokenize("Crème")).toEqual(["cr", "##eme"]);
  });

  it("tokenizeChineseChars false leaves ideographs inside words", () => {
    expect(new BertTokenizer(small).tokenize("我爱")).toEqual(["我", "[UNK]"]);
    expect(new BertTokenizer(small, { tokenizeChineseChars: false }).tokenize("我爱")).toEqual([
      "我",
      "##爱",
    ]);
  });

  it("neverSplit words pass through whole and map to [UNK] when not in the vocabulary", () => {
    const t = BertTokenizer.bertBaseUncased({ cacheDir, neverSplit: ["don't"] });
    expect(t.tokenize("don't stop")).toEqual(["don't", "stop"]);
    expect(t.convertTokensToIds(["don't"])).toEqual([100]);
  });

  it("refuses a vocabulary without BERT's special tokens and bad settings", () => {
    expectError(
      () => new BertTokenizer(Vocab.fromTokens(["[PAD]", "a"], "tiny.txt")),
      "format",
      /tiny\.txt.*\[UNK\]/,
    );
    expectError(
      () => new BertTokenizer(small, { maxInputCharsPerWord: 0 }),
      "argument",
      /maxInputCharsPerWord/,
    );
    expectError(() => bert.tokenize(42 as unknown as string), "argument", /expected a string, got number/);
  });
});

describe("ids and decode", () => {
  it("maps tokens to ids (unknown -> [UNK]) and back, refusing bad ids", () => {
    expect(bert.convertTokensToIds(["[CLS]", "hello", "no-such-token", "[SEP]"])).toEqual([
      101, 7592, 100, 102,
    ]);
    expect(bert.convertIdsToTokens([101, 7592, 102])).toEqual(["[CLS]", "hello", "[SEP]"]);
    expectError(() => bert.convertIdsToTokens([5, 30522]), "argument", /ids\[1\].*0\.\.30521.*30522/);
    expectError(() => bert.convertIdsToTokens([-1]), "argument", /ids\[0\]/);
    expect(bert.vocabSize).toBe(30522);
  });

  it("decodes as Hugging Face: ## merged, specials apart, contractions and punctuation cleaned", () => {
    const ids = bert.encode("Hello, world! I'm here.", "HuggingFace don't stop").inputIds;
    expect(bert.decode(ids)).toBe("[CLS] hello, world! i'm here. [SEP] huggingface don't stop [SEP]");
    expect(bert.decode(ids, { skipSpecialTokens: true })).toBe(
      "hello, world! i'm here. huggingface don't stop",
    );
    expect(bert.decode(ids, { cleanUpTokenizationSpaces: false })).toBe(
      "[CLS] hello , world ! i ' m here . [SEP] huggingface don ' t stop [SEP]",
    );
    expect(bert.decode([])).toBe("");
    expect(cleanUpTokenization("a , b ' s c n't")).toBe("a, b's cn't");
  });
});
