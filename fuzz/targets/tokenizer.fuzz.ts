/**
 * Fuzz target: the WordPiece tokenizer. The input is a vocab.txt, a NUL, then text: the vocabulary is
 * read as a file (loadVocab: bounded, regular files only) and parsed and, when it has the special tokens, text is tokenized and encoded (pairs, truncation, padding)
 * with it. The same text also goes through the bert-base-uncased tokenizer, which must frame it as
 * [CLS] ... [SEP] with ids in the vocabulary.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parsesOrRefuses, scratchDir, splitAtNul, text } from "../contract.js";
import { loadVocab } from "../../src/data/tokenizer/vocab.js";
import { BertTokenizer } from "../../src/data/tokenizer/wordpiece.js";

let bert: BertTokenizer | undefined;
let vocabPath: string | undefined;

function bertBaseUncased(): BertTokenizer {
  bert ??= BertTokenizer.bertBaseUncased({ cacheDir: mkdtempSync(join(scratchDir(), "vocab-")) });
  return bert;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`tokenizer invariant broken: ${what}`);
}

/** One input through vocab parsing, tokenize, encode and decode. */
export function fuzz(data: Buffer): void {
  const [vocabBytes, rest] = splitAtNul(data);
  const input = text(rest);
  const [first = "", second] = input.split("\t", 2);
  vocabPath ??= join(mkdtempSync(join(scratchDir(), "vocab-file-")), "vocab.txt");
  writeFileSync(vocabPath, vocabBytes);
  const path = vocabPath;
  parsesOrRefuses(() => {
    const tokenizer = new BertTokenizer(loadVocab(path));
    const ids = tokenizer.encode(first, second).inputIds;
    check(ids[0] === tokenizer.clsId && ids.at(-1) === tokenizer.sepId, "[CLS] ... [SEP]");
    tokenizer.decode(ids);
    const maxLength = 3 + (data.length % 7);
    tokenizer.encode(first, second, { maxLength, padding: "max_length" });
  }, path);
  const tokenizer = bertBaseUncased();
  const ids = tokenizer.encode(first, second).inputIds;
  check(ids[0] === tokenizer.clsId && ids.at(-1) === tokenizer.sepId, "[CLS] ... [SEP]");
  check(
    ids.every((id) => Number.isInteger(id) && id >= 0 && id < tokenizer.vocabSize),
    "ids in the vocabulary",
  );
  tokenizer.decode(ids);
}
