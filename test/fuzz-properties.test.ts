/**
 * Property tests of the parsers, beside the fuzz targets (issue 9): safetensors files of every dtype
 * (packed F4/F6 included) written and read back through a file; IDX round trips through plain and
 * gzipped files; TSV tables written with CSV-style quoting (and without, when no field needs it) read
 * back field for field; the tokenizer on random vocabularies framing any Unicode text as
 * [CLS] ... [SEP] with in-vocabulary ids; and every JSON reader refusing nesting deep enough to overflow
 * JSON.stringify with a MinifloatError, not a RangeError.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { encodeIdx, readIdxFile, type IdxArray, type IdxDtype } from "../src/data/idx.js";
import { parseTsv } from "../src/data/text/tsv.js";
import { BertTokenizer } from "../src/data/tokenizer/wordpiece.js";
import { Vocab } from "../src/data/tokenizer/vocab.js";
import {
  DTYPE_INFO,
  readSafetensors,
  SAFETENSORS_DTYPES,
  writeSafetensors,
  type SafetensorsEntry,
} from "../src/io/safetensors.js";

const dir = mkdtempSync(join(tmpdir(), "minifloat-fuzzprop-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("safetensors round trip (property)", () => {
  it("keeps names, metadata, dtypes, shapes and bytes of every dtype through a file", () => {
    const entry = fc
      .record({
        dtype: fc.constantFrom(...SAFETENSORS_DTYPES),
        shape: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
        bytes: fc.uint8Array({ minLength: 64, maxLength: 64 }),
      })
      .map(({ dtype, shape, bytes }): SafetensorsEntry => {
        const bits = DTYPE_INFO[dtype].bits;
        // Packed dtypes need a whole number of bytes: give their shape a last dimension of 4.
        const full = bits % 8 === 0 ? shape : [...shape, 4];
        const n = (full.reduce((p, d) => p * d, 1) * bits) / 8;
        return { dtype, shape: full, data: Uint8Array.from({ length: n }, (_, i) => bytes[i % 64] ?? 0) };
      });
    const named = fc.uniqueArray(fc.tuple(fc.string({ unit: "binary", maxLength: 8 }), entry), {
      selector: ([name]) => name,
      maxLength: 6,
    });
    const metadata = fc.dictionary(fc.string({ unit: "binary", maxLength: 6 }), fc.string({ maxLength: 6 }), {
      maxKeys: 3,
    });
    const path = join(dir, "round-trip.safetensors");
    fc.assert(
      fc.property(named, metadata, (list, meta) => {
        const tensors = list.filter(([name]) => name !== "__metadata__");
        writeSafetensors(path, tensors, meta);
        const back = readSafetensors(path);
        expect(back.metadata).toEqual(meta);
        expect([...back.tensors.keys()]).toEqual(tensors.map(([name]) => name));
        expect(new Map(back.tensors)).toEqual(new Map(tensors));
      }),
      { numRuns: 200 },
    );
  });
});

describe("IDX round trip (property)", () => {
  const arrays: { [D in IdxDtype]: (n: number) => fc.Arbitrary<IdxArray["data"]> } = {
    uint8: (n) => fc.uint8Array({ minLength: n, maxLength: n }),
    int8: (n) => fc.int8Array({ minLength: n, maxLength: n }),
    int16: (n) => fc.int16Array({ minLength: n, maxLength: n }),
    int32: (n) => fc.int32Array({ minLength: n, maxLength: n }),
    float32: (n) => fc.float32Array({ minLength: n, maxLength: n, noDefaultInfinity: false }),
    float64: (n) => fc.float64Array({ minLength: n, maxLength: n }),
  };
  const idx = fc
    .record({
      dtype: fc.constantFrom(...(Object.keys(arrays) as IdxDtype[])),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
    })
    .chain(({ dtype, shape }) =>
      arrays[dtype](shape.reduce((p, d) => p * d, 1)).map((data): IdxArray => ({ dtype, shape, data })),
    );

  it("reads back what encodeIdx wrote, plain and gzipped, bit for bit", () => {
    fc.assert(
      fc.property(idx, fc.boolean(), (array, gzip) => {
        const path = join(dir, gzip ? "round-trip.idx.gz" : "round-trip.idx");
        const bytes = encodeIdx(array);
        writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
        const back = readIdxFile(path);
        expect(back.dtype).toBe(array.dtype);
        expect(back.shape).toEqual(array.shape);
        // Bytes, so that NaN payloads and -0 count too.
        const raw = (d: IdxArray["data"]): Uint8Array => new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
        expect(raw(back.data)).toEqual(raw(array.data));
      }),
      { numRuns: 200 },
    );
  });
});

/** A field as a CSV-style TSV writer (pandas' to_csv with sep="\t") writes it. */
function quoteField(field: string): string {
  return /[\t\r\n"]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

describe("TSV quoting round trip (property)", () => {
  const anyField = fc.string({ unit: fc.constantFrom("a", "b", " ", "\t", "\n", "\r", '"', "é", "\r\n") });
  const table = (field: fc.Arbitrary<string>): fc.Arbitrary<string[][]> =>
    fc
      .integer({ min: 1, max: 4 })
      .chain((width) =>
        fc.array(fc.array(field, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 6 }),
      );
  /** A record of one empty field is a blank line, which readers skip: keep a character in the first. */
  const readable = (rows: string[][]): string[][] =>
    rows.map((r) => (r.join("") === "" ? ["x", ...r.slice(1)] : r));

  it("reads quoted fields back exactly (tabs, newlines, CR, CRLF, quotes)", () => {
    fc.assert(
      fc.property(table(anyField), fc.boolean(), (generated, crlf) => {
        const rows = readable(generated);
        const text = rows.map((r) => r.map(quoteField).join("\t")).join(crlf ? "\r\n" : "\n");
        const parsed = parseTsv(text, "quoted.tsv", { header: false });
        expect(parsed.rows).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });

  it("reads unquoted fields back exactly with quoting none (quotes are literal)", () => {
    const plain = fc.string({ unit: fc.constantFrom("a", " ", '"', "é", "'") });
    fc.assert(
      fc.property(table(plain), (generated) => {
        const rows = readable(generated);
        const text = rows.map((r) => r.join("\t")).join("\n") + "\n";
        expect(parseTsv(text, "plain.tsv", { header: false, quoting: "none" }).rows).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });
});

describe("tokenizer on random vocabularies (property)", () => {
  const SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
  const piece = fc.string({
    unit: fc.constantFrom("a", "b", "c", "é", "我", "."),
    minLength: 1,
    maxLength: 4,
  });
  const vocab = fc
    .uniqueArray(
      fc.oneof(
        piece,
        piece.map((p) => `##${p}`),
      ),
      { maxLength: 30 },
    )
    .chain((words) =>
      fc.shuffledSubarray([...SPECIALS, ...words], { minLength: SPECIALS.length + words.length }),
    )
    .map((tokens) => Vocab.fromTokens(tokens, "random-vocab.txt"));
  const text = fc.string({
    unit: fc.oneof(
      fc.constantFrom("a", "b", "c", "é", " ", ".", "[SEP]", "\u0301"),
      fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)),
    ),
    maxLength: 30,
  });

  it("frames any text as [CLS] ... [SEP] (... [SEP]) with ids in the vocabulary, under truncation too", () => {
    fc.assert(
      fc.property(
        vocab,
        text,
        fc.option(text, { nil: undefined }),
        fc.integer({ min: 3, max: 12 }),
        (v, a, b, maxLength) => {
          const tokenizer = new BertTokenizer(v);
          for (const options of [{}, { maxLength, padding: "max_length" as const }]) {
            const { inputIds, attentionMask } = tokenizer.encode(a, b, options);
            const real = inputIds.filter((_, i) => attentionMask[i] === 1);
            expect(real[0]).toBe(tokenizer.clsId);
            expect(real.at(-1)).toBe(tokenizer.sepId);
            expect(real.filter((id) => id === tokenizer.sepId).length).toBeGreaterThanOrEqual(
              b === undefined ? 1 : 2,
            );
            for (const id of inputIds) expect(v.tokenOf(id)).toBeDefined();
            if ("maxLength" in options) expect(inputIds).toHaveLength(maxLength);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
