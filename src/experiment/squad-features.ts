/**
 * SQuAD evaluation features exactly as the original BERT `run_squad.py` (google-research/bert,
 * `read_squad_examples` and `convert_examples_to_features`, which Hugging Face's slow-tokenizer SQuAD
 * preprocessing copies) makes them: the context split into words on `_is_whitespace`, each word
 * WordPiece-tokenized (tok_to_orig_index), the question cut to max_query_length tokens, and sliding windows
 * `[CLS] question [SEP] context-window [SEP]` (token types 0 then 1) every doc_stride tokens, each context
 * token marked with whether this window gives it the most context (`_check_is_max_context`).
 */
import type { BertTokenizer, SquadQuestion } from "../data/index.js";
import { MinifloatError } from "../errors.js";

/** Window sizes of squadFeatures, with run_squad.py's defaults. */
export interface SquadFeatureOptions {
  /** Tokens per window, specials included (default 384). */
  readonly maxSeqLength?: number | undefined;
  /** Context tokens between the starts of two windows (default 128). */
  readonly docStride?: number | undefined;
  /** Question tokens kept (default 64). */
  readonly maxQueryLength?: number | undefined;
}

/** SquadFeatureOptions with every default filled in. */
export interface ResolvedFeatureOptions {
  readonly maxSeqLength: number;
  readonly docStride: number;
  readonly maxQueryLength: number;
}

/** One window of one question: `[CLS] question [SEP] context tokens [SEP]`, unpadded. */
export interface SquadFeature {
  /** Index of its question in the list given to squadFeatures. */
  readonly question: number;
  /** Which window of the question's context this is (doc_span_index). */
  readonly window: number;
  readonly tokens: readonly string[];
  readonly inputIds: Int32Array;
  /** 0 for [CLS], the question and the first [SEP]; 1 for the context and the last [SEP]. */
  readonly tokenTypeIds: Int32Array;
  /** The context word of each token (token_to_orig_map), -1 outside the context. */
  readonly tokenToWord: Int32Array;
  /** 1 where this window is the one with the most context for the token (token_is_max_context). */
  readonly maxContext: Uint8Array;
}

/** A window of the context's tokens: the first token and how many (run_squad.py's DocSpan). */
export interface DocSpan {
  readonly start: number;
  readonly length: number;
}

/** A context as words (run_squad.py's doc_tokens) and its WordPiece tokens with their words. */
export interface TokenizedContext {
  readonly words: readonly string[];
  readonly tokens: readonly string[];
  /** The word of each token (tok_to_orig_index). */
  readonly tokenToWord: Int32Array;
}

/** Features of a list of questions, and each question's context words (for the answer text). */
export interface SquadFeatures {
  readonly features: readonly SquadFeature[];
  /** Context words of each question, by question index. */
  readonly words: readonly (readonly string[])[];
}

/** run_squad.py's `_is_whitespace`: space, tab, CR, LF and U+202F (fewer than the tokenizer's). */
export function isSquadWhitespace(c: string): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\n" || c === "\u202f";
}

/** The words of a context: maximal runs of non-whitespace code points (as run_squad.py's doc_tokens). */
export function contextWords(context: string): string[] {
  const words: string[] = [];
  let previousWhitespace = true;
  for (const c of context) {
    if (isSquadWhitespace(c)) previousWhitespace = true;
    else {
      if (previousWhitespace) words.push(c);
      else words[words.length - 1] += c;
      previousWhitespace = false;
    }
  }
  return words;
}

/** The context's words, each tokenized on its own, with the word of every token. */
export function tokenizeContext(context: string, tokenizer: BertTokenizer): TokenizedContext {
  const words = contextWords(context);
  const tokens: string[] = [];
  const owner: number[] = [];
  words.forEach((word, i) => {
    for (const piece of tokenizer.tokenize(word)) {
      tokens.push(piece);
      owner.push(i);
    }
  });
  return { words, tokens, tokenToWord: Int32Array.from(owner) };
}

/** Windows of at most `maxTokens` over `count` tokens, starting every `docStride` tokens until one reaches
 * the end (none for no tokens). */
export function docSpans(count: number, maxTokens: number, docStride: number): DocSpan[] {
  const spans: DocSpan[] = [];
  let start = 0;
  while (start < count) {
    const length = Math.min(count - start, maxTokens);
    spans.push({ start, length });
    if (start + length === count) break;
    start += Math.min(length, docStride);
  }
  return spans;
}

/** Whether window `current` gives the context token at `position` the most context: the largest
 * min(left, right) + 0.01 * window length, the first window on ties (`_check_is_max_context`). */
export function isMaxContext(spans: readonly DocSpan[], current: number, position: number): boolean {
  let bestScore = -Infinity;
  let best = -1;
  spans.forEach((span, i) => {
    const end = span.start + span.length - 1;
    if (position < span.start || position > end) return;
    const score = Math.min(position - span.start, end - position) + 0.01 * span.length;
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return best === current;
}

/** The window sizes with defaults, checked as run_squad.py's validate_flags_or_throw does. */
export function resolveFeatureOptions(options: SquadFeatureOptions): ResolvedFeatureOptions {
  const maxSeqLength = options.maxSeqLength ?? 384;
  const docStride = options.docStride ?? 128;
  const maxQueryLength = options.maxQueryLength ?? 64;
  for (const [name, v] of Object.entries({ maxSeqLength, docStride, maxQueryLength })) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new MinifloatError("argument", `${name} must be a positive integer, got ${v}`);
    }
  }
  if (maxSeqLength <= maxQueryLength + 3) {
    throw new MinifloatError(
      "argument",
      `maxSeqLength (${maxSeqLength}) must be greater than maxQueryLength (${maxQueryLength}) + 3`,
    );
  }
  return { maxSeqLength, docStride, maxQueryLength };
}

/** The windows of one question over its tokenized context. */
function questionFeatures(
  question: number,
  query: readonly string[],
  context: TokenizedContext,
  tokenizer: BertTokenizer,
  options: ResolvedFeatureOptions,
): SquadFeature[] {
  const maxTokens = options.maxSeqLength - query.length - 3; // [CLS], [SEP], [SEP]
  const spans = docSpans(context.tokens.length, maxTokens, options.docStride);
  return spans.map((span, window) => {
    const tokens = ["[CLS]", ...query, "[SEP]"];
    const types: number[] = tokens.map(() => 0);
    const words: number[] = tokens.map(() => -1);
    const maxContext: number[] = tokens.map(() => 0);
    for (let i = span.start; i < span.start + span.length; i++) {
      tokens.push(context.tokens[i]);
      types.push(1);
      words.push(context.tokenToWord[i]);
      maxContext.push(isMaxContext(spans, window, i) ? 1 : 0);
    }
    tokens.push("[SEP]");
    types.push(1);
    words.push(-1);
    maxContext.push(0);
    return {
      question,
      window,
      tokens,
      inputIds: Int32Array.from(tokenizer.convertTokensToIds(tokens)),
      tokenTypeIds: Int32Array.from(types),
      tokenToWord: Int32Array.from(words),
      maxContext: Uint8Array.from(maxContext),
    };
  });
}

/** Every window of every question, in order (a question whose context has no tokens has none). Contexts
 * shared by several questions are tokenized once. */
export function squadFeatures(
  questions: readonly SquadQuestion[],
  tokenizer: BertTokenizer,
  options: SquadFeatureOptions = {},
): SquadFeatures {
  const resolved = resolveFeatureOptions(options);
  const contexts = new Map<string, TokenizedContext>();
  const features: SquadFeature[] = [];
  const words: (readonly string[])[] = [];
  questions.forEach((q, index) => {
    let context = contexts.get(q.context);
    if (context === undefined) {
      context = tokenizeContext(q.context, tokenizer);
      contexts.set(q.context, context);
    }
    words.push(context.words);
    const query = tokenizer.tokenize(q.question).slice(0, resolved.maxQueryLength);
    features.push(...questionFeatures(index, query, context, tokenizer, resolved));
  });
  return { features, words };
}
