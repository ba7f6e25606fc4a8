/**
 * Shared test helper for the SQuAD evaluation tests: a small WordPiece vocabulary (written as vocab.txt
 * too), hand-made SQuAD v1.1 questions and files, and a fake QA "model" whose start and end logits peak
 * at the tokens of a chosen answer wherever a window holds them.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BertTokenizer, Vocab, parseSquad, type SquadQuestion } from "../../src/data/index.js";
import type { QaLogitsFn } from "../../src/experiment/index.js";

/** Specials first (as BERT's vocab.txt), then words and pieces; "mats" is absent so it splits mat ##s. */
export const VOCAB = [
  "[PAD]",
  "[UNK]",
  "[CLS]",
  "[SEP]",
  "[MASK]",
  "the",
  "cat",
  "sat",
  "on",
  "mat",
  "##s",
  ".",
  "?",
  "who",
  "where",
  "what",
  "a",
  "dog",
  "ran",
  "to",
  "park",
  "in",
  "morning",
  ",",
];

export function tokenizer(): BertTokenizer {
  return new BertTokenizer(Vocab.fromTokens(VOCAB, "test vocab"));
}

/** Write VOCAB as `dir`/vocab.txt. */
export function writeVocab(dir: string): void {
  writeFileSync(join(dir, "vocab.txt"), VOCAB.join("\n") + "\n");
}

/** SQuAD v1.1 JSON: one article, one paragraph per context, the questions with their answers. */
export function squadJson(
  paragraphs: readonly {
    context: string;
    qas: readonly { id: string; question: string; answers: readonly string[] }[];
  }[],
): unknown {
  return {
    version: "1.1",
    data: [
      {
        title: "Test",
        paragraphs: paragraphs.map((p) => ({
          context: p.context,
          qas: p.qas.map((q) => ({
            id: q.id,
            question: q.question,
            answers: q.answers.map((text) => ({ text, answer_start: Math.max(0, p.context.indexOf(text)) })),
          })),
        })),
      },
    ],
  };
}

/** Two questions on "The cat sat on the mats.": q1 answered "mats", q2 "sat on the mats". */
export const CAT_PARAGRAPH = {
  context: "The cat sat on the mats.",
  qas: [
    { id: "q1", question: "Who sat?", answers: ["mats"] },
    { id: "q2", question: "Where sat?", answers: ["sat on the mats"] },
  ],
};

export const CAT_JSON = squadJson([CAT_PARAGRAPH]);

export function catQuestions(): readonly SquadQuestion[] {
  return parseSquad(CAT_JSON, "cat").questions;
}

/**
 * Logits 0 everywhere except where a row's context (token type 1) holds the token ids `answers.get(first
 * question token id)` in a row: start `peak` at its first token, end `peak` at its last.
 */
export function peakLogits(answers: ReadonlyMap<number, readonly number[]>, peak = 10): QaLogitsFn {
  return ({ inputIds, tokenTypeIds, shape: [b, t] }) => {
    const startLogits = new Float32Array(b * t);
    const endLogits = new Float32Array(b * t);
    const types = tokenTypeIds ?? new Int32Array(b * t);
    for (let r = 0; r < b; r++) {
      const answer = answers.get(inputIds[r * t + 1]) ?? [];
      for (let i = 0; i + answer.length <= t && answer.length > 0; i++) {
        const here = answer.every((id, k) => inputIds[r * t + i + k] === id && types[r * t + i + k] === 1);
        if (!here) continue;
        startLogits[r * t + i] = peak;
        endLogits[r * t + i + answer.length - 1] = peak;
      }
    }
    return { startLogits, endLogits };
  };
}
