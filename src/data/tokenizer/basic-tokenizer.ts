/**
 * BERT's basic tokenization, rule for rule as Hugging Face's slow BertTokenizer does it (BasicTokenizer
 * plus the lower-casing of PreTrainedTokenizer.tokenize): drop NUL, U+FFFD and every category-C character
 * but tab/LF/CR; map whitespace to spaces; put spaces around CJK ideographs; NFC; split on whitespace;
 * lower-case and strip accents (NFD, drop Mn); split off each punctuation character. Character classes
 * come from the running engine's Unicode tables, as Python's come from unicodedata.
 */

/** Options of the basic tokenizer, resolved (no defaults left). */
export interface BasicTokenizerOptions {
  readonly doLowerCase: boolean;
  readonly stripAccents: boolean;
  readonly tokenizeChineseChars: boolean;
  /** Whitespace-separated tokens kept whole: neither lower-cased, nor stripped, nor split. */
  readonly neverSplit: ReadonlySet<string>;
}

/** Characters `_clean_text` drops: NUL, U+FFFD and category C (Cc Cf Cs Co Cn) except tab, LF and CR. */
const DROPPED = /\uFFFD|(?![\t\n\r])\p{C}/gu;

/** Characters `_clean_text` turns into a space: space, tab, LF, CR and category Zs. */
const WHITESPACE = /[\t\n\r\p{Zs}]/gu;

/** The CJK Unified Ideographs blocks and their extensions and compatibility blocks (`_is_chinese_char`). */
const CJK =
  /[\u4E00-\u9FFF\u3400-\u4DBF\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B820}-\u{2CEAF}\uF900-\uFAFF\u{2F800}-\u{2FA1F}]/gu;

/**
 * Separators of Python's `str.split()` that survive cleaning: space plus U+2028 and U+2029 (category Zl
 * and Zp are neither dropped nor mapped to spaces, yet Python splits on them).
 */
const SPLIT = /[ \u2028\u2029]+/u;

/** ASCII non-letters/digits (33-47, 58-64, 91-96, 123-126) and Unicode category P (`_is_punctuation`). */
const PUNCTUATION = /([\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]|\p{P})/u;

/** Nonspacing marks, which `_run_strip_accents` removes after NFD. */
const NONSPACING_MARK = /\p{Mn}/gu;

/** Whether the single code point `ch` is whitespace for BERT (space, tab, LF, CR, category Zs). */
export function isBertWhitespace(ch: string): boolean {
  return /^[\t\n\r\p{Zs}]$/u.test(ch);
}

/** Whether the single code point `ch` is a control character for BERT (category C except tab, LF, CR). */
export function isBertControl(ch: string): boolean {
  return /^(?![\t\n\r])\p{C}$/u.test(ch);
}

/** Whether the single code point `ch` is punctuation for BERT (ASCII non-alphanumerics or category P). */
export function isBertPunctuation(ch: string): boolean {
  return /^(?:[\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]|\p{P})$/u.test(ch);
}

/** Whether code point `cp` is a CJK ideograph that BERT puts spaces around. */
export function isCjkCodePoint(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** `_clean_text`: drop NUL, U+FFFD and control characters; turn whitespace into spaces. */
export function cleanText(text: string): string {
  return text.replace(DROPPED, "").replace(WHITESPACE, " ");
}

/** `_tokenize_chinese_chars`: put a space on both sides of every CJK ideograph. */
export function spaceCjk(text: string): string {
  return text.replace(CJK, " $& ");
}

/**
 * Lower-case one code point at a time, as Python's `.lower()` on each character: full Unicode mappings
 * (U+0130 gives two code points) but no context, so capital sigma is always U+03C3, never final U+03C2.
 */
export function lowerCodePoints(text: string): string {
  // Final_Sigma is the only context-dependent rule of String.prototype.toLowerCase.
  return (text.includes("\u03A3") ? text.replaceAll("\u03A3", "\u03C3") : text).toLowerCase();
}

/** `_run_strip_accents`: NFD, then drop nonspacing marks (category Mn). */
export function stripAccents(text: string): string {
  return text.normalize("NFD").replace(NONSPACING_MARK, "");
}

/** `whitespace_tokenize` after cleaning: split on spaces (and U+2028/U+2029), drop empty pieces. */
export function splitWhitespace(text: string): string[] {
  return text.split(SPLIT).filter((piece) => piece.length > 0);
}

/** `_run_split_on_punc`: every punctuation character becomes a token of its own. */
export function splitPunctuation(token: string): string[] {
  return token.split(PUNCTUATION).filter((piece) => piece.length > 0);
}

/**
 * The words that WordPiece then splits, for text that holds no special token (those are split off
 * before): Hugging Face's lower-casing of the whole text, `_clean_text`, CJK spacing, NFC, whitespace
 * split, then per word lower-casing, accent stripping and punctuation split.
 */
export function basicTokenize(text: string, options: BasicTokenizerOptions): string[] {
  let t = options.doLowerCase ? lowerCodePoints(text) : text;
  t = cleanText(t);
  if (options.tokenizeChineseChars) t = spaceCjk(t);
  t = t.normalize("NFC");
  const words: string[] = [];
  for (const word of splitWhitespace(t)) {
    if (options.neverSplit.has(word)) {
      words.push(word);
      continue;
    }
    let w = word;
    if (options.doLowerCase) w = w.toLowerCase();
    if (options.stripAccents) w = stripAccents(w);
    // `_run_split_on_punc` checks never_split again, on the lower-cased, accent-stripped word.
    if (options.neverSplit.has(w)) words.push(w);
    else for (const piece of splitPunctuation(w)) words.push(piece);
  }
  return words;
}
