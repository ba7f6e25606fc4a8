/**
 * SQuAD v1.1: reading small files the test writes (and every malformed field, named by its JSON path), the
 * official evaluation's normalization (ASCII punctuation only, Python's Unicode word boundaries and
 * whitespace), exact match, token F1 and max over ground truths, the x100 averages with unanswered
 * questions; answer-span decoding against hand-worked logits, and token/character offset mapping.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectError } from "../../../test/support/expect-error.js";
import {
  bestSpan,
  bestSpans,
  contextMask,
  evaluateSquad,
  exactMatchScore,
  f1Score,
  maxOverGroundTruths,
  normalizeAnswer,
  type OffsetMapping,
  parseSquad,
  readSquad,
  spanCharOffsets,
  spanText,
  tokenSpanForAnswer,
} from "./squad.js";

const dir = mkdtempSync(join(tmpdir(), "minifloat-squad-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const CONTEXT =
  "Super Bowl 50 was an American football game. The Denver Broncos defeated the Carolina Panthers 24–10 " +
  "at Levi’s Stadium in “Santa Clara”.";
const at = (s: string) => CONTEXT.indexOf(s);
const SAMPLE = {
  version: "1.1",
  data: [
    {
      title: "Super_Bowl_50",
      paragraphs: [
        {
          context: CONTEXT,
          qas: [
            {
              id: "q1",
              question: "Who won Super Bowl 50?",
              answers: [
                { text: "Denver Broncos", answer_start: at("Denver Broncos") },
                { text: "The Denver Broncos", answer_start: at("The Denver Broncos") },
                { text: "Broncos", answer_start: at("Broncos") },
              ],
            },
            {
              id: "q2",
              question: "What was the score?",
              answers: [{ text: "24–10", answer_start: at("24–10") }],
            },
            {
              id: "q3",
              question: "Where?",
              answers: [{ text: "Levi’s Stadium", answer_start: at("Levi’s Stadium") }],
            },
          ],
        },
      ],
    },
  ],
};

describe("reading", () => {
  it("flattens data -> paragraphs -> qas with every answer", () => {
    const path = join(dir, "dev-v1.1.json");
    writeFileSync(path, JSON.stringify(SAMPLE));
    const d = readSquad(path);
    expect(d.version).toBe("1.1");
    expect(d.questions.map((q) => q.id)).toEqual(["q1", "q2", "q3"]);
    expect(d.questions[0].title).toBe("Super_Bowl_50");
    expect(d.questions[0].answers[1]).toEqual({
      text: "The Denver Broncos",
      answerStart: at("The Denver Broncos"),
    });
    expect(d.questions[2].context).toBe(CONTEXT);
    expect(d.misalignedAnswers).toEqual([]);
  });

  it("lists questions whose answer text is not at answer_start", () => {
    const bad = structuredClone(SAMPLE);
    bad.data[0].paragraphs[0].qas[1].answers[0].answer_start += 1;
    expect(parseSquad(bad, "s.json").misalignedAnswers).toEqual(["q2"]);
  });

  it("names the file and the JSON path of each malformed field", () => {
    const mutate = (f: (d: typeof SAMPLE) => unknown) => {
      const d = structuredClone(SAMPLE);
      f(d);
      return () => parseSquad(d, "s.json");
    };
    expectError(() => parseSquad([], "s.json"), "format", /s\.json: the top level must be an object/);
    expectError(
      () => parseSquad({ data: {} }, "s.json"),
      "format",
      /s\.json: \$\.data must be an array, got \{\}/,
    );
    expectError(
      mutate((d) => Reflect.deleteProperty(d.data[0].paragraphs[0], "context")),
      "format",
      /\$\.data\[0\]\.paragraphs\[0\]\.context must be a string, got nothing/,
    );
    expectError(
      mutate((d) => (d.data[0].paragraphs[0].qas[2].answers[0].answer_start = -1)),
      "format",
      /qas\[2\]\.answers\[0\]\.answer_start must be an integer in \[0, 13\d\]/,
    );
    const deep = JSON.parse("[".repeat(20_000) + "]".repeat(20_000)) as unknown; // found by fuzzing
    expectError(
      () => parseSquad({ data: [deep] }, "s.json"),
      "format",
      /data\[0\] must be an object, got a deeply nested array/,
    );
    expectError(
      mutate((d) => (d.data[0].paragraphs[0].qas[1].id = "q1")),
      "format",
      /qas\[1\]\.id must be unique, got "q1"/,
    );
    expectError(
      mutate((d) => (d.data[0].paragraphs[0].qas[0].answers = [])),
      "format",
      /answers must be a non-empty array/,
    );
    expectError(
      mutate((d) => Object.assign(d.data[0].paragraphs[0].qas[0], { is_impossible: true })),
      "unsupported",
      /qas\[0\] is unanswerable \(SQuAD v2\.0\)/,
    );
  });

  // Issue 15, item 6: an empty SQuAD file reported 0.00% and exited 0.
  it("refuses a file without questions, naming it", () => {
    const path = join(dir, "empty.json");
    for (const empty of [{ version: "1.1", data: [] }, { data: [{ title: "t", paragraphs: [] }] }]) {
      writeFileSync(path, JSON.stringify(empty));
      expectError(
        () => readSquad(path),
        "format",
        /empty\.json: no questions \(data holds no paragraphs with qas\)/,
      );
    }
  });

  it("reports invalid JSON and a missing file", () => {
    const path = join(dir, "broken.json");
    writeFileSync(path, '{"data": [');
    expectError(() => readSquad(path), "format", /broken\.json: not valid JSON/);
    expectError(() => readSquad(join(dir, "none.json")), "io", /cannot read .*none\.json/);
  });
});

describe("official v1.1 evaluation", () => {
  it("normalizes as normalize_answer: lower, ASCII punctuation out, articles out, whitespace collapsed", () => {
    expect(normalizeAnswer("The  Denver Broncos!")).toBe("denver broncos");
    expect(normalizeAnswer("U.S.A. (a country)")).toBe("usa country");
    expect(normalizeAnswer("an apple, the pear and A plum")).toBe("apple pear and plum");
    expect(normalizeAnswer("anthem thereof")).toBe("anthem thereof");
    expect(normalizeAnswer("rock'n'roll")).toBe("rocknroll");
    expect(normalizeAnswer("the")).toBe("");
  });

  it("keeps Unicode punctuation (string.punctuation is ASCII) and uses Python's Unicode word boundaries", () => {
    expect(normalizeAnswer("“Santa Clara”")).toBe("“santa clara”");
    expect(normalizeAnswer("24–10")).toBe("24–10");
    expect(normalizeAnswer("Levi’s")).toBe("levi’s");
    // é is a word character in Python's re, so no boundary before "a"; JavaScript's ASCII \b would find one.
    expect(normalizeAnswer("éa ça")).toBe("éa ça");
    // "_" is punctuation, removed before articles: "_a" becomes the article "a".
    expect(normalizeAnswer("2a a2 _a")).toBe("2a a2");
    // No-break space and U+001F are whitespace to str.split(); U+FEFF is not.
    expect(normalizeAnswer("a\u00a0cat\u001fdog\ufeff")).toBe("cat dog\ufeff");
  });

  it("exact match and token F1 (bag of tokens), 0 F1 when nothing is shared", () => {
    expect(exactMatchScore("the Denver Broncos.", "Denver Broncos")).toBe(true);
    expect(exactMatchScore("Broncos", "Denver Broncos")).toBe(false);
    // [cat, sat] vs [cat, sat, down]: precision 1, recall 2/3, F1 0.8.
    expect(f1Score("The cat sat", "a cat sat down")).toBeCloseTo(0.8, 15);
    // [x, x, y] vs [x, y, y]: 2 shared (min counts), precision = recall = 2/3.
    expect(f1Score("x x y", "x y y")).toBeCloseTo(2 / 3, 15);
    expect(f1Score("the", "a")).toBe(0);
    expect(f1Score("Panthers", "Denver Broncos")).toBe(0);
  });

  it("takes the best score over the ground truths", () => {
    const truths = ["Denver Broncos", "The Denver Broncos", "Broncos"];
    expect(maxOverGroundTruths(exactMatchScore, "broncos", truths)).toBe(1);
    expect(maxOverGroundTruths(f1Score, "the Broncos team", truths)).toBeCloseTo(2 / 3, 15);
  });

  it("averages x100 over all questions, an unanswered one scoring 0", () => {
    const { questions } = parseSquad(SAMPLE);
    const s = evaluateSquad(questions, { q1: "Broncos", q2: "24 – 10", extra: "ignored" });
    // q1: EM 1, F1 1; q2: "24 – 10" -> tokens [24, –, 10] vs [24–10]: EM 0, F1 0; q3 unanswered.
    expect(s).toEqual({ exactMatch: 100 / 3, f1: 100 / 3, total: 3, unanswered: ["q3"] });
    const all = evaluateSquad(
      questions,
      new Map([
        ["q1", "Denver"],
        ["q2", "24–10"],
        ["q3", "Levi’s Stadium."],
      ]),
    );
    // q1 "Denver" vs "Denver Broncos": F1 2/3.
    expect(all.exactMatch).toBeCloseTo(200 / 3, 12);
    expect(all.f1).toBeCloseTo((100 * (2 / 3 + 1 + 1)) / 3, 12);
  });
});

describe("answer spans", () => {
  // Positions: 0 [CLS], 1-2 question, 3 [SEP], 4-8 context, 9 [SEP].
  const mask = [0, 0, 0, 0, 1, 1, 1, 1, 1, 0];
  const start = [9, 8, 0, 0, 1, 5, 2, 0, 0, 0];
  const end = [9, 0, 8, 0, 0, 1, 0, 4, 2, 0];

  it("picks the highest start + end score among allowed pairs with start <= end", () => {
    // Unmasked, (0, 0) scores 18; on context tokens the best is start 5 (5) + end 7 (4) = 9.
    expect(bestSpan(start, end)).toMatchObject({ start: 0, end: 0, score: 18 });
    expect(bestSpan(start, end, { mask })).toEqual({
      start: 5,
      end: 7,
      score: 9,
      startLogit: 5,
      endLogit: 4,
    });
  });

  it("applies the length limit (end - start + 1 tokens)", () => {
    // Length 2: (5,6) = 5, (6,7) = 6, (7,8) = 2, (5,5) = 6, (4,5) = 2 ...; best 6 at (5,5) before (6,7) (ties: lower start).
    expect(bestSpan(start, end, { mask, maxAnswerLength: 2 })).toMatchObject({ start: 5, end: 5, score: 6 });
    expect(bestSpan(start, end, { mask, maxAnswerLength: 1 })).toMatchObject({ start: 5, end: 5 });
  });

  it("lists up to nBest spans best first, pairing only the top-nBest positions (as Hugging Face)", () => {
    const spans = bestSpans(start, end, { mask, nBest: 20 });
    expect(spans.length).toBeLessThanOrEqual(20);
    for (let i = 1; i < spans.length; i++) expect(spans[i].score).toBeLessThanOrEqual(spans[i - 1].score);
    expect(spans.every((s) => s.start <= s.end && mask[s.start] === 1 && mask[s.end] === 1)).toBe(true);
    // With nBest 2 the candidates are starts {0, 1} and ends {0, 2}, none on context tokens.
    expect(bestSpan(start, end, { mask, nBest: 2 })).toBeNull();
    expect(bestSpans(start, end, { mask, nBest: 3 }).map((s) => [s.start, s.end])).toEqual([[5, 7]]);
  });

  it("refuses mismatched lengths, bad options and NaN logits", () => {
    expectError(() => bestSpan([1, 2], [1]), "shape", /start logits 2, end logits 1/);
    expectError(() => bestSpan([1], [1], { mask: [1, 1] }), "shape", /mask 2/);
    expectError(() => bestSpan([1], [1], { nBest: 0 }), "argument", /nBest must be a positive integer/);
    expectError(() => bestSpan([NaN], [1]), "numeric", /NaN \(position 0\)/);
  });

  // "Who won?" + "The Denver Broncos won." tokenized as [CLS] who won ? [SEP] the denver bron ##cos won . [SEP].
  const context = "The Denver Broncos won.";
  const offsets: OffsetMapping = [
    null,
    null,
    null,
    null,
    null,
    [0, 3],
    [4, 10],
    [11, 15],
    [15, 18],
    [19, 22],
    [22, 23],
    null,
  ];

  it("maps token spans to context characters and text", () => {
    expect(Array.from(contextMask(offsets))).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0]);
    expect(spanCharOffsets(offsets, { start: 6, end: 8 })).toEqual({ start: 4, end: 18 });
    expect(spanText(context, offsets, { start: 6, end: 8 })).toBe("Denver Broncos");
    expectError(() => spanText(context, offsets, { start: 2, end: 8 }), "argument", /context tokens/);
    expectError(() => spanText(context, offsets, { start: 8, end: 6 }), "argument", /start <= end/);
  });

  it("finds the token span of a character answer, and null when it lies outside the context window", () => {
    expect(tokenSpanForAnswer(offsets, 4, 18)).toEqual({ start: 6, end: 8 });
    expect(tokenSpanForAnswer(offsets, 11, 18)).toEqual({ start: 7, end: 8 });
    expect(tokenSpanForAnswer(offsets, 0, 23)).toEqual({ start: 5, end: 10 });
    const window: OffsetMapping = [null, [4, 10], [11, 16], null];
    expect(tokenSpanForAnswer(window, 19, 22)).toBeNull();
    expect(tokenSpanForAnswer([null, null], 0, 1)).toBeNull();
    const span = tokenSpanForAnswer(offsets, 4, 18);
    expect(span && spanText(context, offsets, span)).toBe("Denver Broncos");
  });
});
