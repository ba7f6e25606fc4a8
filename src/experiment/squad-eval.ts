/**
 * SQuAD v1.1 evaluation of a BertForQuestionAnswering directory, as the original BERT `run_squad.py`
 * predicts and the official v1.1 script scores: features from squad-features.ts, the model run batch-wise
 * over them, for each question the best span over its windows (`write_predictions`: top-n start and end
 * logits, both on context tokens, the start in its max-context window, end >= start, at most
 * max_answer_length tokens, best start + end logit), its text from the original context words refined by
 * `get_final_text`, then exact match and F1 in percent (evaluateSquad).
 */
import { basicTokenize, evaluateSquad, type BertTokenizer, type SquadQuestion } from "../data/index.js";
import { MinifloatError } from "../errors.js";
import { BertForQuestionAnswering, type BertInput, type ModuleContext } from "../nn/index.js";
import {
  resolveFeatureOptions,
  squadFeatures,
  type SquadFeature,
  type SquadFeatureOptions,
} from "./squad-features.js";
import { loadBertDirectory } from "./text-model.js";

/** A question-answering model with its tokenizer. */
export interface QaModel {
  readonly dir: string;
  readonly model: BertForQuestionAnswering;
  readonly tokenizer: BertTokenizer;
  /** tokenizer_config.json's do_lower_case: get_final_text's basic tokenizer follows it. */
  readonly doLowerCase: boolean;
  /** The default window length: 384 (run_squad.py's), at most model_max_length and the positions. */
  readonly maxSeqLength: number;
}

/** Load a BertForQuestionAnswering directory (the conventions of loadTextModel) in float32, or `ctx`'s
 * formats. A pooler or pre-training head in the checkpoint is skipped, as transformers skips it. */
export function loadQaModel(dir: string, ctx?: ModuleContext): QaModel {
  const loaded = loadBertDirectory(dir, {
    architecture: "BertForQuestionAnswering",
    purpose: "SQuAD evaluation needs a BertForQuestionAnswering (qa_outputs) model",
    build: (c, config) => new BertForQuestionAnswering(c, config, { hfInit: false }),
    allowUnexpected: (key) => key.startsWith("cls.") || /(^|\.)pooler\./.test(key),
    ctx,
  });
  const limit = Math.min(loaded.modelMaxLength ?? Infinity, loaded.config.maxPositionEmbeddings);
  return {
    dir,
    model: loaded.model,
    tokenizer: loaded.tokenizer,
    doLowerCase: loaded.doLowerCase,
    maxSeqLength: Math.min(384, limit),
  };
}

/** Start and end logits of a batch, each (B * T) row-major. */
export type QaLogitsFn = (input: BertInput) => {
  readonly startLogits: Float32Array;
  readonly endLogits: Float32Array;
};

/** A model's logits as plain arrays, its tensors freed after each batch. */
export function qaModelLogits(model: BertForQuestionAnswering): QaLogitsFn {
  const engine = model.qaOutputs.weight.engine;
  return (input) =>
    engine.tidy(() => {
      const out = model.forward(input); // (B, T) each
      return { startLogits: out.startLogits.toFloat32Array(), endLogits: out.endLogits.toFloat32Array() };
    });
}

/** Start and end logits of one feature over its padded length (padding positions included, as
 * run_squad.py's top-n are taken over them). */
export interface FeatureLogits {
  readonly start: Float32Array;
  readonly end: Float32Array;
}

/** How featureLogits batches. */
export interface FeatureLogitsOptions {
  /** Features per forward pass (default 32). */
  readonly batchSize?: number | undefined;
  /** "max_length" (default, as run_squad.py): every feature padded to `maxSeqLength`; "longest": to the
   * longest of its batch, faster, and the same logits on real tokens (padding is masked out). */
  readonly padding?: "max_length" | "longest" | undefined;
  readonly maxSeqLength?: number | undefined;
  readonly padId?: number | undefined;
  /** Called after each batch with the features done so far. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

/** Run `logits` over the features in batches, padded with `padId` (attention mask 0, token type 0). */
export function featureLogits(
  features: readonly SquadFeature[],
  logits: QaLogitsFn,
  options: FeatureLogitsOptions = {},
): FeatureLogits[] {
  const { batchSize = 32, padding = "max_length", maxSeqLength = 384, padId = 0 } = options;
  const out: FeatureLogits[] = [];
  for (let first = 0; first < features.length; first += batchSize) {
    const batch = features.slice(first, first + batchSize);
    const longest = Math.max(...batch.map((f) => f.tokens.length));
    const t = padding === "max_length" ? Math.max(maxSeqLength, longest) : longest;
    const b = batch.length;
    const inputIds = new Int32Array(b * t).fill(padId);
    const tokenTypeIds = new Int32Array(b * t);
    const attentionMask = new Int32Array(b * t);
    batch.forEach((f, r) => {
      inputIds.set(f.inputIds, r * t);
      tokenTypeIds.set(f.tokenTypeIds, r * t);
      attentionMask.fill(1, r * t, r * t + f.tokens.length);
    });
    const { startLogits, endLogits } = logits({ inputIds, tokenTypeIds, attentionMask, shape: [b, t] });
    if (startLogits.length !== b * t || endLogits.length !== b * t) {
      throw new MinifloatError(
        "shape",
        `QA logits: expected ${b * t} start and end values (B ${b}, T ${t}), got ${startLogits.length} and ${endLogits.length}`,
      );
    }
    for (let r = 0; r < b; r++) {
      out.push({
        start: startLogits.slice(r * t, (r + 1) * t),
        end: endLogits.slice(r * t, (r + 1) * t),
      });
    }
    options.onProgress?.(out.length, features.length);
  }
  return out;
}

/** How answers are chosen, with run_squad.py's defaults. */
export interface SquadDecodeOptions {
  /** Longest answer in tokens (default 30). */
  readonly maxAnswerLength?: number | undefined;
  /** Start and end candidates per window (n_best_size, default 20). */
  readonly nBest?: number | undefined;
  /** Lower-case in get_final_text's alignment (default true). */
  readonly doLowerCase?: boolean | undefined;
}

/** A chosen answer: the feature (index into the features), its token span (end inclusive) and score. */
export interface SquadSpan {
  readonly feature: number;
  readonly start: number;
  readonly end: number;
  readonly score: number;
}

/** `_get_best_indexes`: the `k` positions of largest value, largest first, lower position first on ties. */
function topIndices(values: Float32Array, k: number): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => values[b] - values[a] || a - b);
  return order.slice(0, k);
}

/** The best span of one question over its features (indices into `features`), or null when no pair of
 * positions qualifies; the first of equal scores, as run_squad.py's stable sort keeps it. */
export function bestSquadSpan(
  features: readonly SquadFeature[],
  logits: readonly FeatureLogits[],
  indices: readonly number[],
  options: SquadDecodeOptions = {},
): SquadSpan | null {
  const { maxAnswerLength = 30, nBest = 20 } = options;
  let best: SquadSpan | null = null;
  for (const index of indices) {
    const { tokenToWord, maxContext } = features[index];
    const { start, end } = logits[index];
    const onContext = (i: number): boolean => i < tokenToWord.length && tokenToWord[i] >= 0;
    const ends = topIndices(end, nBest);
    for (const s of topIndices(start, nBest)) {
      if (!onContext(s) || maxContext[s] !== 1) continue;
      for (const e of ends) {
        if (!onContext(e) || e < s || e - s + 1 > maxAnswerLength) continue;
        const score = start[s] + end[e];
        if (best === null || score > best.score) best = { feature: index, start: s, end: e, score };
      }
    }
  }
  return best;
}

/** Code points of `text` without its spaces, and the position in `text` of each one (`_strip_spaces`). */
function stripSpaces(chars: readonly string[]): { text: string[]; positions: number[] } {
  const text: string[] = [];
  const positions: number[] = [];
  chars.forEach((c, i) => {
    if (c === " ") return;
    positions.push(i);
    text.push(c);
  });
  return { text, positions };
}

/**
 * run_squad.py's `get_final_text`: the part of `origText` (the span's whole context words) that the
 * detokenized prediction `predText` covers, found by aligning the basic-tokenized `origText` with it
 * character by character (code points, as in Python); `origText` itself when the alignment fails.
 */
export function getFinalText(predText: string, origText: string, doLowerCase: boolean): string {
  const basic = {
    doLowerCase,
    stripAccents: doLowerCase,
    tokenizeChineseChars: true,
    neverSplit: new Set<string>(),
  };
  const tokText = basicTokenize(origText, basic).join(" ");
  const at = tokText.indexOf(predText);
  if (at === -1) return origText;
  const startPosition = Array.from(tokText.slice(0, at)).length;
  const endPosition = startPosition + Array.from(predText).length - 1;
  const orig = Array.from(origText);
  const origNs = stripSpaces(orig);
  const tokNs = stripSpaces(Array.from(tokText));
  if (origNs.text.length !== tokNs.text.length) return origText;
  const tokToNs = new Map(tokNs.positions.map((s, ns) => [s, ns]));
  const nsStart = tokToNs.get(startPosition);
  const nsEnd = tokToNs.get(endPosition);
  if (nsStart === undefined || nsEnd === undefined) return origText;
  return orig.slice(origNs.positions[nsStart], origNs.positions[nsEnd] + 1).join("");
}

/** The answer text of a span: its WordPiece tokens detokenized, aligned onto its context words. */
export function spanAnswerText(
  feature: SquadFeature,
  words: readonly string[],
  span: { readonly start: number; readonly end: number },
  doLowerCase: boolean,
): string {
  const predText = feature.tokens
    .slice(span.start, span.end + 1)
    .join(" ")
    .replaceAll(" ##", "")
    .replaceAll("##", "")
    .split(/\s+/)
    .filter((w) => w !== "")
    .join(" ");
  const origText = words.slice(feature.tokenToWord[span.start], feature.tokenToWord[span.end] + 1).join(" ");
  return getFinalText(predText, origText, doLowerCase);
}

/** Options of predictSquad and evaluateQaModel. */
export interface SquadEvalOptions
  extends SquadFeatureOptions, SquadDecodeOptions, Omit<FeatureLogitsOptions, "maxSeqLength" | "padId"> {
  /** Evaluate the first N questions only. */
  readonly limit?: number | undefined;
}

/** The predicted answer of every question by id ("empty" when no span qualifies, as run_squad.py) and
 * the number of features (windows) the model ran on. */
export function predictSquad(
  questions: readonly SquadQuestion[],
  tokenizer: BertTokenizer,
  logits: QaLogitsFn,
  options: SquadEvalOptions = {},
): { readonly predictions: Map<string, string>; readonly features: number } {
  const resolved = resolveFeatureOptions(options);
  const { features, words } = squadFeatures(questions, tokenizer, resolved);
  const values = featureLogits(features, logits, {
    ...options,
    maxSeqLength: resolved.maxSeqLength,
    padId: tokenizer.padId,
  });
  const byQuestion: number[][] = questions.map(() => []);
  features.forEach((f, i) => byQuestion[f.question].push(i));
  const predictions = new Map<string, string>();
  questions.forEach((q, i) => {
    const span = bestSquadSpan(features, values, byQuestion[i], options);
    const text =
      span === null
        ? "empty"
        : spanAnswerText(features[span.feature], words[i], span, options.doLowerCase ?? true);
    predictions.set(q.id, text);
  });
  return { predictions, features: features.length };
}

/** Official SQuAD v1.1 scores of a model, in percent, with what was measured. */
export interface SquadEvalResult {
  readonly exactMatch: number;
  readonly f1: number;
  readonly questions: number;
  readonly features: number;
  readonly predictions: ReadonlyMap<string, string>;
  readonly seconds: number;
}

/** Evaluate a QA model on SQuAD v1.1 questions: exact match and F1 in percent as the official script. */
export function evaluateQaModel(
  qm: QaModel,
  questions: readonly SquadQuestion[],
  options: SquadEvalOptions = {},
): SquadEvalResult {
  const maxSeqLength = options.maxSeqLength ?? qm.maxSeqLength;
  const positions = qm.model.config.maxPositionEmbeddings;
  if (maxSeqLength > positions) {
    throw new MinifloatError(
      "config",
      `maxSeqLength ${maxSeqLength} exceeds ${qm.dir}'s max_position_embeddings ${positions}`,
    );
  }
  const chosen = questions.slice(0, options.limit ?? questions.length);
  const t0 = performance.now();
  const { predictions, features } = predictSquad(chosen, qm.tokenizer, qaModelLogits(qm.model), {
    ...options,
    doLowerCase: options.doLowerCase ?? qm.doLowerCase,
    maxSeqLength,
  });
  const seconds = (performance.now() - t0) / 1000;
  const scores = evaluateSquad(chosen, predictions);
  return {
    exactMatch: scores.exactMatch,
    f1: scores.f1,
    questions: chosen.length,
    features,
    predictions,
    seconds,
  };
}
