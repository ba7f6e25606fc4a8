/**
 * SQuAD evaluation pieces checked by hand against run_squad.py's rules: context words on `_is_whitespace`,
 * tok_to_orig_index, sliding windows with a small max_seq_length and doc_stride, token_is_max_context,
 * question truncation; span choice over windows; get_final_text; and exact match / F1 end to end with
 * logits that peak at chosen answers.
 */
import { describe, expect, it } from "vitest";
import {
  bestSquadSpan,
  contextWords,
  docSpans,
  getFinalText,
  isMaxContext,
  predictSquad,
  squadFeatures,
  tokenizeContext,
  type FeatureLogits,
} from "../src/experiment/index.js";
import { evaluateSquad } from "../src/data/index.js";
import { expectError } from "./support/expect-error.js";
import { catQuestions, peakLogits, tokenizer } from "./support/squad-fixtures.js";

const SMALL = { maxSeqLength: 10, docStride: 2, maxQueryLength: 3 };

describe("SQuAD features", () => {
  it("splits the context on run_squad's whitespace only and keeps each token's word", () => {
    expect(contextWords(" a\u00a0b  c\u202fd\te\r\nf ")).toEqual(["a\u00a0b", "c", "d", "e", "f"]);
    const c = tokenizeContext("The cat sat on the mats.", tokenizer());
    expect(c.words).toEqual(["The", "cat", "sat", "on", "the", "mats."]);
    expect(c.tokens).toEqual(["the", "cat", "sat", "on", "the", "mat", "##s", "."]);
    expect(Array.from(c.tokenToWord)).toEqual([0, 1, 2, 3, 4, 5, 5, 5]);
  });

  it("slides windows of max_tokens_for_doc every doc_stride tokens until one reaches the end", () => {
    expect(docSpans(8, 4, 2)).toEqual([
      { start: 0, length: 4 },
      { start: 2, length: 4 },
      { start: 4, length: 4 },
    ]);
    expect(docSpans(10, 4, 6)).toEqual([
      { start: 0, length: 4 },
      { start: 4, length: 4 },
      { start: 8, length: 2 },
    ]);
    expect(docSpans(3, 4, 2)).toEqual([{ start: 0, length: 3 }]);
    expect(docSpans(0, 4, 2)).toEqual([]);
  });

  it("gives a token to the window where min(left, right) context is largest (run_squad's example)", () => {
    // "the man went to the store and bought a gallon of milk": A = 0..4, B = 3..7, C = 6..10.
    const spans = [
      { start: 0, length: 5 },
      { start: 3, length: 5 },
      { start: 6, length: 5 },
    ];
    const bought = 7;
    expect([0, 1, 2].map((w) => isMaxContext(spans, w, bought))).toEqual([false, false, true]);
    // "to" (3): A has left 3 right 1, B left 0 right 4: A.
    expect([0, 1, 2].map((w) => isMaxContext(spans, w, 3))).toEqual([true, false, false]);
    // Equal scores: the first window wins.
    const tie = [
      { start: 0, length: 4 },
      { start: 1, length: 4 },
    ];
    expect([isMaxContext(tie, 0, 2), isMaxContext(tie, 1, 2)]).toEqual([true, false]);
  });

  it("builds [CLS] question [SEP] window [SEP] features with types, words and max context", () => {
    const tok = tokenizer();
    const { features, words } = squadFeatures(catQuestions().slice(0, 1), tok, SMALL);
    expect(words).toEqual([["The", "cat", "sat", "on", "the", "mats."]]);
    // 10 - 3 question tokens - 3 specials = 4 context tokens per window, every 2 tokens.
    expect(features.map((f) => f.tokens.join(" "))).toEqual([
      "[CLS] who sat ? [SEP] the cat sat on [SEP]",
      "[CLS] who sat ? [SEP] sat on the mat [SEP]",
      "[CLS] who sat ? [SEP] the mat ##s . [SEP]",
    ]);
    expect(features.map((f) => f.window)).toEqual([0, 1, 2]);
    const f1 = features[1];
    expect(Array.from(f1.tokenTypeIds)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(Array.from(f1.tokenToWord)).toEqual([-1, -1, -1, -1, -1, 2, 3, 4, 5, -1]);
    expect(Array.from(f1.inputIds)).toEqual(tok.convertTokensToIds(f1.tokens));
    expect(f1.inputIds[0]).toBe(tok.clsId);
    // Context positions 0..7: windows 0..3 / 2..5 / 4..7; by hand, max context 0,1,2 -> w0; 3,4 -> w1; 5,6,7 -> w2.
    const context = (f: (typeof features)[number]): number[] => Array.from(f.maxContext.slice(5, 9));
    expect(features.map(context)).toEqual([
      [1, 1, 1, 0],
      [0, 1, 1, 0],
      [0, 1, 1, 1],
    ]);
    expect(features.every((f) => f.maxContext[0] === 0 && f.maxContext[9] === 0)).toBe(true);
  });

  it("truncates the question to max_query_length and checks the sizes", () => {
    const { features } = squadFeatures(catQuestions().slice(0, 1), tokenizer(), {
      maxSeqLength: 9,
      docStride: 8,
      maxQueryLength: 1,
    });
    // 9 - 1 - 3 = 5 context tokens: windows 0..4 and 5..7 (stride min(5, 8)).
    expect(features.map((f) => f.tokens.join(" "))).toEqual([
      "[CLS] who [SEP] the cat sat on the [SEP]",
      "[CLS] who [SEP] mat ##s . [SEP]",
    ]);
    expectError(
      () => squadFeatures([], tokenizer(), { maxSeqLength: 67, maxQueryLength: 64 }),
      "argument",
      /maxSeqLength \(67\) must be greater than maxQueryLength \(64\) \+ 3/,
    );
    expectError(() => squadFeatures([], tokenizer(), { docStride: 0 }), "argument", /docStride/);
  });
});

describe("SQuAD answers", () => {
  const { features } = squadFeatures(catQuestions().slice(0, 1), tokenizer(), SMALL);
  const zeros = (): FeatureLogits[] =>
    features.map(() => ({ start: new Float32Array(10), end: new Float32Array(10) }));

  it("chooses the best start + end over windows, the start in its max-context window", () => {
    const logits = zeros();
    logits[0].start[1] = 50; // a question token: never an answer
    logits[0].start[8] = 9; // "on" in window 0, which is not its max-context window
    logits[1].start[6] = 3; // "on" in window 1, its max-context window
    logits[1].end[7] = 2; // "the"
    logits[1].end[5] = 8; // before the start: not allowed
    expect(bestSquadSpan(features, logits, [0, 1, 2])).toEqual({ feature: 1, start: 6, end: 7, score: 5 });
    // The end may sit where the window is not the max context ("mat" in window 1).
    logits[1].end[8] = 4;
    expect(bestSquadSpan(features, logits, [0, 1, 2])).toMatchObject({ feature: 1, start: 6, end: 8 });
    // Longer than max_answer_length: the 2-token span wins over the 3-token one.
    expect(bestSquadSpan(features, logits, [0, 1, 2], { maxAnswerLength: 2 })).toMatchObject({ end: 7 });
    // Only the top-n positions are candidates: with n = 1 each window's best start is a question
    // token, [CLS], or after its best end.
    expect(bestSquadSpan(features, logits, [0, 1, 2], { nBest: 1 })).toBeNull();
    expect(bestSquadSpan(features, logits, [])).toBeNull();
  });

  it("maps a span back to the original words with get_final_text", () => {
    expect(getFinalText("steve smith", "Steve Smith's", true)).toBe("Steve Smith");
    expect(getFinalText("cafe", "Café,", true)).toBe("Café");
    expect(getFinalText("1895", "(1895-1943).", true)).toBe("1895");
    expect(getFinalText("smith", "Mr Smith", false)).toBe("Mr Smith"); // not found cased: all of it
    expect(getFinalText("x y", "Steve Smith's", true)).toBe("Steve Smith's");
  });

  it("scores answers at the peaks 100; a partly overlapping span gets the F1 computed by hand", () => {
    const tok = tokenizer();
    const ids = (text: string): number[] => tok.convertTokensToIds(tok.tokenize(text));
    const questions = catQuestions();
    // q1 ("who ...") peaks at "mat ##s" (window 2), q2 ("where ...") at "on the mat" (window 1).
    const answers = new Map([
      [ids("who")[0], ids("mats")],
      [ids("where")[0], ids("on the mat")],
    ]);
    const { predictions, features: count } = predictSquad(questions, tok, peakLogits(answers), SMALL);
    expect(count).toBe(6);
    expect(Object.fromEntries(predictions)).toEqual({ q1: "mats", q2: "on the mat" });
    const one = evaluateSquad(questions.slice(0, 1), predictions);
    expect([one.exactMatch, one.f1]).toEqual([100, 100]);
    // q2's truth "sat on the mats" normalizes to [sat, on, mats], "on the mat" to [on, mat]: one common
    // token, P 1/2, R 1/3, F1 2PR/(P+R) = 0.4.
    const both = evaluateSquad(questions, predictions);
    expect(both.exactMatch).toBe(50);
    expect(both.f1).toBeCloseTo(70, 10);
    // The same with batches padded to their longest feature, one feature per batch.
    const longest = predictSquad(questions, tok, peakLogits(answers), {
      ...SMALL,
      padding: "longest",
      batchSize: 1,
    });
    expect(longest.predictions).toEqual(predictions);
  });

  it("answers 'empty' when no span qualifies, as run_squad.py", () => {
    const q = { ...catQuestions()[0], context: " \t " };
    const { predictions, features: count } = predictSquad([q], tokenizer(), peakLogits(new Map()), SMALL);
    expect(count).toBe(0);
    expect(predictions.get("q1")).toBe("empty");
  });
});
