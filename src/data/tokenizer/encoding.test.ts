/**
 * Model inputs as Hugging Face builds them: [CLS] a [SEP] b [SEP] with token types, each truncation
 * strategy (longest_first one token at a time from the longer side, the second on ties), the cases where
 * Hugging Face cannot truncate (an error here), padding to max_length / longest, and a 10,000-word text.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectError } from "../../../test/support/expect-error.js";
import { buildEncoding, padEncoding, resolveTokenizerOptions, truncatePair } from "./encoding.js";
import { BertTokenizer } from "./wordpiece.js";

const cacheDir = mkdtempSync(join(tmpdir(), "minifloat-encoding-"));
afterAll(() => {
  rmSync(cacheDir, { recursive: true, force: true });
});
const bert = BertTokenizer.bertBaseUncased({ cacheDir });
const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

describe("truncatePair", () => {
  const a = range(10, 100);
  const b = range(10, 200);

  it("longest_first removes from the longer sequence, from the second on ties", () => {
    // 10 + 10 + 3 = 23 > 18: remove 5 as b, a, b, a, b (ties go to the second sequence).
    const [ta, tb] = truncatePair(a, b, 18, 3, "longest_first");
    expect([ta.length, tb?.length]).toEqual([8, 7]);
    expect(ta).toEqual(a.slice(0, 8));
    expect(tb).toEqual(b.slice(0, 7));
    // 10 + 4 with room for 8: six removals, all from the longer first sequence, give (4, 4); a seventh
    // is a tie and comes from the second.
    const [ua, ub] = truncatePair(a, b.slice(0, 4), 3 + 8, 3, "longest_first");
    expect([ua.length, ub?.length]).toEqual([4, 4]);
    const [va, vb] = truncatePair(a, b.slice(0, 4), 3 + 7, 3, "longest_first");
    expect([va.length, vb?.length]).toEqual([4, 3]);
  });

  it("longest_first on one sequence cuts its end", () => {
    expect(truncatePair(a, undefined, 7, 2, "longest_first")).toEqual([a.slice(0, 5), undefined]);
  });

  it("only_first and only_second cut one side", () => {
    expect(truncatePair(a, b, 18, 3, "only_first")).toEqual([a.slice(0, 5), b]);
    expect(truncatePair(a, b, 18, 3, "only_second")).toEqual([a, b.slice(0, 5)]);
  });

  it("leaves short inputs alone and never modifies its arguments", () => {
    const [ta, tb] = truncatePair(a, b, 512, 3, "longest_first");
    expect(ta).toEqual(a);
    expect(tb).toEqual(b);
    expect(ta).not.toBe(a);
    expect(a).toHaveLength(10);
  });

  it("refuses what Hugging Face can only log an error about", () => {
    expectError(
      () => truncatePair(a, b, 13, 3, "only_first"),
      "argument",
      /only_first.*remove 10.*has only 10/,
    );
    expectError(
      () => truncatePair(a, b, 13, 3, "only_second"),
      "argument",
      /only_second.*second sequence has only 10/,
    );
    expectError(() => truncatePair(a, undefined, 5, 2, "only_second"), "argument", /needs a sequence pair/);
    expectError(
      () => truncatePair(a, undefined, 2, 2, "longest_first"),
      "argument",
      /first sequence has only 10/,
    );
    expectError(
      () => truncatePair(a, b, 2, 3, "longest_first"),
      "argument",
      /maxLength 2 cannot hold the 3 special/,
    );
  });
});

describe("buildEncoding / padEncoding / resolveTokenizerOptions", () => {
  const ids = { cls: 101, sep: 102, pad: 0 };

  it("builds [CLS] a [SEP] b [SEP] with token types 0 then 1", () => {
    expect(buildEncoding([7, 8], [9], ids, true)).toEqual({
      inputIds: [101, 7, 8, 102, 9, 102],
      tokenTypeIds: [0, 0, 0, 0, 1, 1],
      attentionMask: [1, 1, 1, 1, 1, 1],
    });
    expect(buildEncoding([7], undefined, ids, true).inputIds).toEqual([101, 7, 102]);
    expect(buildEncoding([7], [9], ids, false)).toEqual({
      inputIds: [7, 9],
      tokenTypeIds: [0, 0],
      attentionMask: [1, 1],
    });
  });

  it("pads on the right with [PAD]=0, type 0 and mask 0, never shortening", () => {
    const e = buildEncoding([7], [9], ids, true);
    expect(padEncoding(e, 7, 0)).toEqual({
      inputIds: [101, 7, 102, 9, 102, 0, 0],
      tokenTypeIds: [0, 0, 0, 1, 1, 0, 0],
      attentionMask: [1, 1, 1, 1, 1, 0, 0],
    });
    expect(padEncoding(e, 3, 0)).toBe(e);
  });

  it("settles defaults as Hugging Face does and refuses bad values", () => {
    expect(resolveTokenizerOptions({}, 512)).toEqual({
      truncation: false,
      maxLength: 512,
      padding: false,
      addSpecialTokens: true,
    });
    expect(resolveTokenizerOptions({ maxLength: 8 }, 512).truncation).toBe("longest_first");
    expect(resolveTokenizerOptions({ truncation: "only_first" }, 512).maxLength).toBe(512);
    expectError(
      () => resolveTokenizerOptions({ maxLength: 0 }, 512),
      "argument",
      /maxLength.*positive integer, got 0/,
    );
    expectError(() => resolveTokenizerOptions({ maxLength: 2.5 }, 512), "argument", /maxLength/);
    const bad = { truncation: "longest" } as unknown as Parameters<typeof resolveTokenizerOptions>[0];
    expectError(() => resolveTokenizerOptions(bad, 512), "argument", /truncation.*"longest"/);
    const badPad = { padding: true } as unknown as Parameters<typeof resolveTokenizerOptions>[0];
    expectError(() => resolveTokenizerOptions(badPad, 512), "argument", /padding.*true/);
  });
});

describe("BertTokenizer.encode / encodeBatch", () => {
  it("encodes a sentence and a pair", () => {
    expect(bert.encode("Hello, world!")).toEqual({
      inputIds: [101, 7592, 1010, 2088, 999, 102],
      tokenTypeIds: [0, 0, 0, 0, 0, 0],
      attentionMask: [1, 1, 1, 1, 1, 1],
    });
    expect(bert.encode("Hello", "don't")).toEqual({
      inputIds: [101, 7592, 102, 2123, 1005, 1056, 102],
      tokenTypeIds: [0, 0, 0, 1, 1, 1, 1],
      attentionMask: [1, 1, 1, 1, 1, 1, 1],
    });
  });

  it("truncates a pair with each strategy", () => {
    // "the cat sat on the mat ." is 7 tokens, "hello world" 2: total 12 with specials.
    const a = "the cat sat on the mat.";
    const b = "hello world";
    expect(bert.encode(a, b, { maxLength: 9 }).inputIds).toEqual([
      101, 1996, 4937, 2938, 2006, 102, 7592, 2088, 102,
    ]);
    expect(bert.encode(a, b, { maxLength: 10, truncation: "only_first" }).inputIds).toHaveLength(10);
    expect(bert.encode(a, b, { maxLength: 11, truncation: "only_second" }).inputIds).toEqual([
      101, 1996, 4937, 2938, 2006, 1996, 13523, 1012, 102, 7592, 102,
    ]);
    expectError(
      () => bert.encode(a, b, { maxLength: 10, truncation: "only_second" }),
      "argument",
      /only_second/,
    );
    // truncation false: maxLength only matters for padding.
    expect(bert.encode(a, b, { maxLength: 4, truncation: false }).inputIds).toHaveLength(12);
  });

  it("truncates a 10,000-word text to maxLength, keeping its beginning", () => {
    const text = "word ".repeat(10_000);
    const e = bert.encode(text, undefined, { maxLength: 512 });
    expect(e.inputIds).toHaveLength(512);
    expect(e.inputIds[0]).toBe(101);
    expect(e.inputIds[511]).toBe(102);
    expect(new Set(e.inputIds.slice(1, 511))).toEqual(new Set([2773]));
    expect(bert.convertIdsToTokens([2773])).toEqual(["word"]);
    // Against a short second sentence, longest_first takes everything from the long one.
    const p = bert.encode(text, "hello world", { maxLength: 128 });
    expect(p.inputIds).toHaveLength(128);
    expect(p.inputIds.slice(-4)).toEqual([102, 7592, 2088, 102]);
    expect(p.tokenTypeIds.filter((t) => t === 1)).toHaveLength(3);
  });

  it("pads to max_length and to the longest row of a batch", () => {
    const e = bert.encode("Hello", undefined, { maxLength: 6, padding: "max_length" });
    expect(e).toEqual({
      inputIds: [101, 7592, 102, 0, 0, 0],
      tokenTypeIds: [0, 0, 0, 0, 0, 0],
      attentionMask: [1, 1, 1, 0, 0, 0],
    });
    const batch = bert.encodeBatch(["Hello", ["Hello", "world"], "Hello, world!"], { padding: "longest" });
    expect(batch.inputIds).toEqual([
      [101, 7592, 102, 0, 0, 0],
      [101, 7592, 102, 2088, 102, 0],
      [101, 7592, 1010, 2088, 999, 102],
    ]);
    expect(batch.tokenTypeIds[1]).toEqual([0, 0, 0, 1, 1, 0]);
    expect(batch.attentionMask[1]).toEqual([1, 1, 1, 1, 1, 0]);
    expect(bert.encodeBatch(["Hello", "Hello, world!"]).inputIds.map((r) => r.length)).toEqual([3, 6]);
    expect(bert.encodeBatch([], { padding: "longest" }).inputIds).toEqual([]);
  });

  it("uses modelMaxLength when padding to max_length without maxLength", () => {
    const t = BertTokenizer.bertBaseUncased({ cacheDir, modelMaxLength: 8 });
    expect(t.encode("Hello", undefined, { padding: "max_length" }).inputIds).toHaveLength(8);
    expect(t.encode("word ".repeat(20), undefined, { truncation: "longest_first" }).inputIds).toHaveLength(8);
    expect(bert.encode("Hello", undefined, { padding: "max_length" }).inputIds).toHaveLength(512);
  });

  it("names the batch row that cannot be truncated", () => {
    expectError(
      () => bert.encodeBatch(["a", "b c d"], { maxLength: 2 }),
      "argument",
      /inputs\[0\].*first sequence has only 1/,
    );
  });
});
