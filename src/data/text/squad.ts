/**
 * SQuAD v1.1: the JSON reader (data -> paragraphs -> qas, every field checked and named by its path), the
 * official v1.1 evaluation (normalize_answer, exact match, token F1, best over the ground truths, averaged
 * x100, an unanswered question scoring 0), and answer decoding as Hugging Face's `postprocess_qa_predictions`
 * does it: the top-n start and end logits, pairs with start <= end within the length limit on context
 * tokens, the best start + end score, mapped back to context characters through the offset mapping.
 */
import { MinifloatError } from "../../errors.js";
import { readTextFile } from "./tsv.js";

/** One reference answer: its text and the character offset where it starts in the context. */
export interface SquadAnswer {
  readonly text: string;
  readonly answerStart: number;
}

/** One question with its paragraph's context (questions of a paragraph share the same string). */
export interface SquadQuestion {
  readonly id: string;
  readonly title: string;
  readonly question: string;
  readonly context: string;
  readonly answers: readonly SquadAnswer[];
}

/** A SQuAD file: the `version` field, every question in file order, and ids whose answer text differs from the context at `answer_start`. */
export interface SquadDataset {
  readonly source: string;
  readonly version: string;
  readonly questions: readonly SquadQuestion[];
  readonly misalignedAnswers: readonly string[];
}

type Json = Record<string, unknown>;

/** A JSON value for messages, cut at 60 characters; too deeply nested to stringify, its kind. */
function shownValue(got: unknown): string {
  if (got === undefined) return "nothing";
  try {
    return JSON.stringify(got).slice(0, 60);
  } catch {
    return Array.isArray(got) ? "a deeply nested array" : "a deeply nested object";
  }
}

function bad(source: string, path: string, expected: string, got: unknown): MinifloatError {
  return new MinifloatError("format", `${source}: ${path} must be ${expected}, got ${shownValue(got)}`);
}

function field(
  obj: Json,
  key: string,
  kind: "string" | "array" | "object",
  source: string,
  path: string,
): unknown {
  const v = obj[key];
  const ok = kind === "array" ? Array.isArray(v) : kind === "object" ? isObject(v) : typeof v === kind;
  if (!ok) throw bad(source, `${path}.${key}`, `a${kind === "array" ? "n" : ""} ${kind}`, v);
  return v;
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Check and flatten parsed SQuAD v1.1 JSON; `source` names it in errors. */
export function parseSquad(json: unknown, source = "<squad>"): SquadDataset {
  if (!isObject(json)) throw bad(source, "the top level", "an object with a `data` array", json);
  const version = typeof json.version === "string" ? json.version : "";
  const data = field(json, "data", "array", source, "$") as unknown[];
  const questions: SquadQuestion[] = [];
  const misaligned: string[] = [];
  const seen = new Set<string>();
  data.forEach((article, a) => {
    const ap = `$.data[${a}]`;
    if (!isObject(article)) throw bad(source, ap, "an object", article);
    const title = typeof article.title === "string" ? article.title : "";
    (field(article, "paragraphs", "array", source, ap) as unknown[]).forEach((paragraph, p) => {
      const pp = `${ap}.paragraphs[${p}]`;
      if (!isObject(paragraph)) throw bad(source, pp, "an object", paragraph);
      const context = field(paragraph, "context", "string", source, pp) as string;
      (field(paragraph, "qas", "array", source, pp) as unknown[]).forEach((qa, q) => {
        const qp = `${pp}.qas[${q}]`;
        if (!isObject(qa)) throw bad(source, qp, "an object", qa);
        const id = field(qa, "id", "string", source, qp) as string;
        if (seen.has(id)) throw bad(source, `${qp}.id`, "unique", id);
        seen.add(id);
        const question = field(qa, "question", "string", source, qp) as string;
        if (qa.is_impossible === true) {
          throw new MinifloatError(
            "unsupported",
            `${source}: ${qp} is unanswerable (SQuAD v2.0); only v1.1 is read`,
          );
        }
        const raw = field(qa, "answers", "array", source, qp) as unknown[];
        if (raw.length === 0) throw bad(source, `${qp}.answers`, "a non-empty array (SQuAD v1.1)", raw);
        const answers = raw.map((answer, k): SquadAnswer => {
          const kp = `${qp}.answers[${k}]`;
          if (!isObject(answer)) throw bad(source, kp, "an object", answer);
          const text = field(answer, "text", "string", source, kp) as string;
          const start = answer.answer_start;
          if (typeof start !== "number" || !Number.isInteger(start) || start < 0 || start > context.length) {
            throw bad(
              source,
              `${kp}.answer_start`,
              `an integer in [0, ${context.length}] (the context length)`,
              start,
            );
          }
          return { text, answerStart: start };
        });
        if (answers.some((x) => context.slice(x.answerStart, x.answerStart + x.text.length) !== x.text)) {
          misaligned.push(id);
        }
        questions.push({ id, title, question, context, answers });
      });
    });
  });
  if (questions.length === 0) {
    throw new MinifloatError(
      "format",
      `${source}: no questions (data holds no paragraphs with qas); nothing to evaluate`,
    );
  }
  return { source, version, questions, misalignedAnswers: misaligned };
}

/** Read and check a SQuAD v1.1 JSON file. */
export function readSquad(path: string): SquadDataset {
  const text = readTextFile(path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new MinifloatError("format", `${path}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  return parseSquad(json, path);
}

// Python's str.split() whitespace, `string.punctuation` (ASCII only: Unicode punctuation is kept, as in the
// official script), and `\b(a|an|the)\b` with Python's Unicode word characters (letters, numbers, `_`).
// eslint-disable-next-line no-control-regex -- U+001C..U+001F are whitespace to Python's str.split()
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/** The official SQuAD v1.1 `normalize_answer`: lower case, drop ASCII punctuation and a/an/the, collapse whitespace. */
export function normalizeAnswer(s: string): string {
  const text = s.toLowerCase().replace(ASCII_PUNCTUATION, "").replace(ARTICLES, " ");
  return text
    .split(PY_WHITESPACE)
    .filter((t) => t !== "")
    .join(" ");
}

/** Whether prediction and ground truth are equal after `normalizeAnswer`. */
export function exactMatchScore(prediction: string, groundTruth: string): boolean {
  return normalizeAnswer(prediction) === normalizeAnswer(groundTruth);
}

/** Token-level F1 of the normalized strings (bag of tokens); 0 when they share no token, as in v1.1. */
export function f1Score(prediction: string, groundTruth: string): number {
  const predicted = normalizeAnswer(prediction)
    .split(" ")
    .filter((t) => t !== "");
  const truth = normalizeAnswer(groundTruth)
    .split(" ")
    .filter((t) => t !== "");
  const counts = new Map<string, number>();
  for (const t of truth) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of predicted) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      same++;
      counts.set(t, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / predicted.length;
  const recall = same / truth.length;
  return (2 * precision * recall) / (precision + recall);
}

/** The best score of `prediction` against any of the ground truths. */
export function maxOverGroundTruths(
  score: (prediction: string, groundTruth: string) => number | boolean,
  prediction: string,
  groundTruths: readonly string[],
): number {
  return Math.max(...groundTruths.map((g) => Number(score(prediction, g))));
}

/** Official v1.1 scores (x100), the number of questions, and the ids that had no prediction (scored 0). */
export interface SquadScores {
  readonly exactMatch: number;
  readonly f1: number;
  readonly total: number;
  readonly unanswered: readonly string[];
}

/** Evaluate predicted answer strings by question id as the official v1.1 script does. */
export function evaluateSquad(
  questions: readonly SquadQuestion[],
  predictions: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): SquadScores {
  const lookup = (id: string): string | undefined =>
    predictions instanceof Map
      ? (predictions as ReadonlyMap<string, string>).get(id)
      : Object.hasOwn(predictions, id)
        ? (predictions as Readonly<Record<string, string>>)[id]
        : undefined;
  let em = 0;
  let f1 = 0;
  const unanswered: string[] = [];
  for (const q of questions) {
    const prediction = lookup(q.id);
    if (prediction === undefined) {
      unanswered.push(q.id);
      continue;
    }
    const truths = q.answers.map((a) => a.text);
    em += maxOverGroundTruths(exactMatchScore, prediction, truths);
    f1 += maxOverGroundTruths(f1Score, prediction, truths);
  }
  const total = questions.length;
  return {
    exactMatch: total === 0 ? 0 : (100 * em) / total,
    f1: total === 0 ? 0 : (100 * f1) / total,
    total,
    unanswered,
  };
}

/** Options of `bestSpans`: answer length limit in tokens, candidates per side, and the allowed positions. */
export interface SpanOptions {
  /** Longest answer in tokens, end - start + 1 (default 30). */
  readonly maxAnswerLength?: number;
  /** How many top start and top end positions to pair, and how many spans to return (default 20). */
  readonly nBest?: number;
  /** Positions an answer may start or end at (non-zero / true: context tokens); default all. */
  readonly mask?: ArrayLike<number | boolean>;
}

/** A candidate answer: token positions (end inclusive) and its score, start logit + end logit. */
export interface AnswerSpan {
  readonly start: number;
  readonly end: number;
  readonly score: number;
  readonly startLogit: number;
  readonly endLogit: number;
}

/** Indices of the `k` largest values, largest first (ties: lower index first). */
function topIndices(values: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => values[b] - values[a] || a - b);
  return order.slice(0, k);
}

/**
 * The best answer spans, best first: pairs of the top-`nBest` start and end positions (over the whole
 * sequence, as Hugging Face takes them) with both ends allowed by the mask, start <= end and at most
 * `maxAnswerLength` tokens, scored by start logit + end logit; at most `nBest` spans, none if no pair fits.
 */
export function bestSpans(
  startLogits: ArrayLike<number>,
  endLogits: ArrayLike<number>,
  options: SpanOptions = {},
): AnswerSpan[] {
  const { maxAnswerLength = 30, nBest = 20, mask } = options;
  const n = startLogits.length;
  if (endLogits.length !== n || (mask !== undefined && mask.length !== n)) {
    const m = mask === undefined ? "" : `, mask ${mask.length}`;
    throw new MinifloatError(
      "shape",
      `start logits ${n}, end logits ${endLogits.length}${m}: lengths must agree`,
    );
  }
  for (const [name, v] of [
    ["maxAnswerLength", maxAnswerLength],
    ["nBest", nBest],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new MinifloatError("argument", `${name} must be a positive integer, got ${v}`);
  }
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(startLogits[i]) || Number.isNaN(endLogits[i])) {
      throw new MinifloatError("numeric", `start/end logits must not be NaN (position ${i})`);
    }
  }
  const allowed = (i: number): boolean => mask === undefined || Boolean(mask[i]);
  const spans: AnswerSpan[] = [];
  for (const start of topIndices(startLogits, nBest)) {
    for (const end of topIndices(endLogits, nBest)) {
      if (!allowed(start) || !allowed(end) || end < start || end - start + 1 > maxAnswerLength) continue;
      const startLogit = startLogits[start];
      const endLogit = endLogits[end];
      spans.push({ start, end, score: startLogit + endLogit, startLogit, endLogit });
    }
  }
  spans.sort((a, b) => b.score - a.score || a.start - b.start || a.end - b.end);
  return spans.slice(0, nBest);
}

/** The highest-scoring answer span, or null when no pair of positions is allowed. */
export function bestSpan(
  startLogits: ArrayLike<number>,
  endLogits: ArrayLike<number>,
  options: SpanOptions = {},
): AnswerSpan | null {
  return bestSpans(startLogits, endLogits, options)[0] ?? null;
}

/** Character [start, end) of each token in the context, or null for tokens outside it (question, specials). */
export type OffsetMapping = readonly (readonly [number, number] | null)[];

/** 1 for context tokens (non-null offsets), 0 elsewhere: the mask `bestSpans` expects. */
export function contextMask(offsets: OffsetMapping): Uint8Array {
  return Uint8Array.from(offsets, (o) => (o === null ? 0 : 1));
}

/** Context characters [start, end) covered by a token span (end inclusive), through the offset mapping. */
export function spanCharOffsets(
  offsets: OffsetMapping,
  span: { readonly start: number; readonly end: number },
): { start: number; end: number } {
  const first = offsets[span.start] as OffsetMapping[number] | undefined;
  const last = offsets[span.end] as OffsetMapping[number] | undefined;
  if (first == null || last == null || span.end < span.start) {
    throw new MinifloatError(
      "argument",
      `span [${span.start}, ${span.end}] must have start <= end on context tokens of an offset mapping of ${offsets.length}`,
    );
  }
  return { start: first[0], end: last[1] };
}

/** The answer text of a token span: the context between its first token's start and last token's end. */
export function spanText(
  context: string,
  offsets: OffsetMapping,
  span: { readonly start: number; readonly end: number },
): string {
  const { start, end } = spanCharOffsets(offsets, span);
  return context.slice(start, end);
}

/**
 * Token span (end inclusive) of the answer at context characters [answerStart, answerEnd), as Hugging Face
 * labels training features: the last token starting at or before answerStart and the first token ending at
 * or after answerEnd; null when the answer is not wholly inside the context tokens (a truncated window).
 */
export function tokenSpanForAnswer(
  offsets: OffsetMapping,
  answerStart: number,
  answerEnd: number,
): { start: number; end: number } | null {
  let first = 0;
  while (first < offsets.length && offsets[first] === null) first++;
  let last = offsets.length - 1;
  while (last >= 0 && offsets[last] === null) last--;
  if (last < first) return null;
  const at = (i: number): readonly [number, number] => offsets[i] ?? [Infinity, -Infinity];
  if (at(first)[0] > answerStart || at(last)[1] < answerEnd) return null;
  let start = first;
  while (start <= last && at(start)[0] <= answerStart) start++;
  let end = last;
  while (end >= first && at(end)[1] >= answerEnd) end--;
  return { start: start - 1, end: end + 1 };
}
