/**
 * From token ids to model inputs as Hugging Face's `prepare_for_model` builds them for BERT: truncation
 * (`longest_first` removes one token at a time from the longer sequence, from the second on ties;
 * `only_first` / `only_second` cut one sequence), `[CLS] a [SEP] b [SEP]` with token types 0/1, and
 * right padding with the pad id, token type 0 and attention mask 0. Where Hugging Face only logs that it
 * cannot truncate enough (and returns too long a sequence), this throws an "argument" error.
 */
import { MinifloatError } from "../../errors.js";

/** How to shorten an input longer than maxLength. */
export type TruncationStrategy = "longest_first" | "only_first" | "only_second";

/** How to pad: to maxLength, to the longest sequence of the batch, or not at all. */
export type PaddingStrategy = "max_length" | "longest" | false;

/** Options of `encode` and `encodeBatch`. */
export interface TokenizerEncodeOptions {
  /** Longest allowed length, special tokens included (default: the tokenizer's modelMaxLength when needed). */
  readonly maxLength?: number;
  /** Truncation strategy; default "longest_first" when maxLength is given, else no truncation. */
  readonly truncation?: TruncationStrategy | false;
  /** Padding strategy (default false). */
  readonly padding?: PaddingStrategy;
  /** Whether to add [CLS] and [SEP] (default true). */
  readonly addSpecialTokens?: boolean;
}

/** One encoded input: ids, token types (0 first sequence, 1 second) and attention mask (1 real, 0 pad). */
export interface Encoding {
  readonly inputIds: number[];
  readonly tokenTypeIds: number[];
  readonly attentionMask: number[];
}

/** A batch of encoded inputs, one row per input. */
export interface BatchEncoding {
  readonly inputIds: number[][];
  readonly tokenTypeIds: number[][];
  readonly attentionMask: number[][];
}

/** Ids of the tokens that `buildEncoding` and `padEncoding` insert. */
export interface SpecialIds {
  readonly cls: number;
  readonly sep: number;
  readonly pad: number;
}

/** Options of one encode call with every default settled. */
export interface ResolvedTokenizerOptions {
  readonly truncation: TruncationStrategy | false;
  /** Length to truncate to (when truncation is on) and to pad to with "max_length". */
  readonly maxLength: number;
  readonly padding: PaddingStrategy;
  readonly addSpecialTokens: boolean;
}

const TRUNCATIONS: readonly (TruncationStrategy | false)[] = [
  "longest_first",
  "only_first",
  "only_second",
  false,
];
const PADDINGS: readonly PaddingStrategy[] = ["max_length", "longest", false];

/** Settle the defaults of `options` as Hugging Face does; an "argument" error for a bad value. */
export function resolveTokenizerOptions(
  options: TokenizerEncodeOptions,
  modelMaxLength: number,
): ResolvedTokenizerOptions {
  const { maxLength } = options;
  if (maxLength !== undefined && (!Number.isSafeInteger(maxLength) || maxLength < 1)) {
    throw new MinifloatError("argument", `maxLength: expected a positive integer, got ${String(maxLength)}`);
  }
  const truncation = options.truncation ?? (maxLength !== undefined ? "longest_first" : false);
  if (!TRUNCATIONS.includes(truncation)) {
    throw new MinifloatError(
      "argument",
      `truncation: expected "longest_first", "only_first", "only_second" or false, got ${JSON.stringify(truncation)}`,
    );
  }
  const padding = options.padding ?? false;
  if (!PADDINGS.includes(padding)) {
    throw new MinifloatError(
      "argument",
      `padding: expected "max_length", "longest" or false, got ${JSON.stringify(padding)}`,
    );
  }
  return {
    truncation,
    maxLength: maxLength ?? modelMaxLength,
    padding,
    addSpecialTokens: options.addSpecialTokens ?? true,
  };
}

/**
 * Shorten `a` and `b` so that together with `special` added tokens they fit in `maxLength`
 * (Hugging Face's `truncate_sequences`, truncating on the right); the inputs are not modified.
 */
export function truncatePair(
  a: readonly number[],
  b: readonly number[] | undefined,
  maxLength: number,
  special: number,
  strategy: TruncationStrategy,
): [number[], number[] | undefined] {
  const total = a.length + (b?.length ?? 0) + special;
  const remove = total - maxLength;
  if (remove <= 0) return [a.slice(), b?.slice()];
  if (strategy === "longest_first" && b !== undefined) {
    if (remove > a.length + b.length) {
      throw new MinifloatError(
        "argument",
        `maxLength ${maxLength} cannot hold the ${special} special tokens of a sequence pair`,
      );
    }
    let na = a.length;
    let nb = b.length;
    for (let k = 0; k < remove; k++) {
      if (na > nb) na--;
      else nb--;
    }
    return [a.slice(0, na), b.slice(0, nb)];
  }
  if (strategy === "only_second") {
    if (b === undefined) {
      throw new MinifloatError(
        "argument",
        `truncation "only_second" needs a sequence pair, got one sequence`,
      );
    }
    if (b.length <= remove) {
      throw new MinifloatError(
        "argument",
        `truncation "only_second": need to remove ${remove} tokens to fit maxLength ${maxLength}, ` +
          `but the second sequence has only ${b.length}`,
      );
    }
    return [a.slice(), b.slice(0, b.length - remove)];
  }
  // "only_first", or "longest_first" with a single sequence.
  if (a.length <= remove) {
    throw new MinifloatError(
      "argument",
      `truncation "${strategy}": need to remove ${remove} tokens to fit maxLength ${maxLength}, ` +
        `but the first sequence has only ${a.length}`,
    );
  }
  return [a.slice(0, a.length - remove), b?.slice()];
}

/** `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]` (or just a, b without special tokens), with token types. */
export function buildEncoding(
  a: readonly number[],
  b: readonly number[] | undefined,
  ids: SpecialIds,
  addSpecialTokens: boolean,
): Encoding {
  const inputIds: number[] = [];
  const tokenTypeIds: number[] = [];
  const push = (id: number, type: number): void => {
    inputIds.push(id);
    tokenTypeIds.push(type);
  };
  if (addSpecialTokens) push(ids.cls, 0);
  for (const id of a) push(id, 0);
  if (addSpecialTokens) push(ids.sep, 0);
  if (b !== undefined) {
    // Without special tokens Hugging Face gives the second sequence token type 0 as well.
    const type = addSpecialTokens ? 1 : 0;
    for (const id of b) push(id, type);
    if (addSpecialTokens) push(ids.sep, type);
  }
  return { inputIds, tokenTypeIds, attentionMask: inputIds.map(() => 1) };
}

/** `encoding` padded on the right to `length` with the pad id, token type 0 and mask 0 (never shortened). */
export function padEncoding(encoding: Encoding, length: number, padId: number): Encoding {
  const extra = length - encoding.inputIds.length;
  if (extra <= 0) return encoding;
  const fill = (values: number[], x: number): number[] => values.concat(new Array<number>(extra).fill(x));
  return {
    inputIds: fill(encoding.inputIds, padId),
    tokenTypeIds: fill(encoding.tokenTypeIds, 0),
    attentionMask: fill(encoding.attentionMask, 0),
  };
}

/** Truncate and add special tokens to one input as `options` say (padding is the caller's step). */
export function encodeIds(
  a: readonly number[],
  b: readonly number[] | undefined,
  ids: SpecialIds,
  options: ResolvedTokenizerOptions,
): Encoding {
  let first: readonly number[] = a;
  let second = b;
  if (options.truncation !== false) {
    const special = options.addSpecialTokens ? (b === undefined ? 2 : 3) : 0;
    [first, second] = truncatePair(a, b, options.maxLength, special, options.truncation);
  }
  return buildEncoding(first, second, ids, options.addSpecialTokens);
}

/** Pad a batch as `options` say: to maxLength ("max_length") or to its longest row ("longest"). */
export function padBatch(
  rows: readonly Encoding[],
  padId: number,
  options: ResolvedTokenizerOptions,
): BatchEncoding {
  let target = 0;
  if (options.padding === "max_length") target = options.maxLength;
  else if (options.padding === "longest") {
    for (const r of rows) target = Math.max(target, r.inputIds.length);
  }
  const padded = rows.map((r) => padEncoding(r, target, padId));
  return {
    inputIds: padded.map((r) => r.inputIds),
    tokenTypeIds: padded.map((r) => r.tokenTypeIds),
    attentionMask: padded.map((r) => r.attentionMask),
  };
}
