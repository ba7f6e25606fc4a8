/**
 * The safetensors container: byte-exact layouts (the reference implementation's own vectors and one
 * computed by hand), round trips of every dtype, every header check with the message it gives, and
 * fast-check properties: random files round-trip, corrupted ones parse or throw a MinifloatError.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { isMinifloatError } from "../errors.js";
import { expectError } from "../../test/support/expect-error.js";
import {
  DTYPE_INFO,
  parseSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  SAFETENSORS_DTYPES,
  serializeSafetensors,
  writeSafetensors,
  type SafetensorsDtype,
  type SafetensorsEntry,
} from "./safetensors.js";

const dir = mkdtempSync(join(tmpdir(), "minifloat-safetensors-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const ascii = (s: string): number[] => Array.from(new TextEncoder().encode(s));
const u64 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24, 0, 0, 0, 0];
const f32 = (...xs: number[]): number[] => [...new Uint8Array(new Float32Array(xs).buffer)];

/** A file whose header is `json` padded with spaces to `n` bytes, followed by `data` bytes. */
function fileOf(json: string, data: number[] = [], n = json.length): Uint8Array {
  return new Uint8Array([...u64(n), ...ascii(json.padEnd(n, " ")), ...data]);
}

describe("byte layout", () => {
  it("matches the reference implementation's vectors (header padded with spaces to 8 bytes)", () => {
    const data = new Uint8Array(f32(0, 1, 2, 3, 4, 5));
    const header1 = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect([...serializeSafetensors({ "attn.0": { dtype: "F32", shape: [1, 2, 3], data } })]).toEqual([
      ...u64(64),
      ...ascii(header1),
      ...data,
    ]);
    const header2 = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ';
    expect([...serializeSafetensors({ attn0: { dtype: "F32", shape: [1, 1, 2, 3], data } })]).toEqual([
      ...u64(72),
      ...ascii(header2),
      ...data,
    ]);
    expect([...serializeSafetensors({})]).toEqual([...u64(8), ...ascii("{}      ")]);
    expect([...serializeSafetensors([], { framework: "pt" })]).toEqual([
      ...u64(40),
      ...ascii('{"__metadata__":{"framework":"pt"}}     '),
    ]);
  });

  it("lays tensors out in the given order after the metadata (computed by hand)", () => {
    const b: SafetensorsEntry = { dtype: "U8", shape: [3], data: new Uint8Array([7, 8, 9]) };
    const a: SafetensorsEntry = { dtype: "F16", shape: [2], data: new Uint8Array([0x00, 0x3c, 0x00, 0xc0]) };
    const json =
      '{"__metadata__":{"format":"pt"},"b":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},' +
      '"a":{"dtype":"F16","shape":[2],"data_offsets":[3,7]}}';
    expect(json.length).toBe(137);
    const expected = [...u64(144), ...ascii(json), ...ascii("       "), 7, 8, 9, 0x00, 0x3c, 0x00, 0xc0];
    const bytes = serializeSafetensors(
      [
        ["b", b],
        ["a", a],
      ],
      { format: "pt" },
    );
    expect([...bytes]).toEqual(expected);
    const parsed = parseSafetensors(bytes, "hand.safetensors");
    expect(parsed.metadata).toEqual({ format: "pt" });
    expect([...parsed.tensors.keys()]).toEqual(["b", "a"]);
    expect(parsed.tensors.get("a")).toEqual(a);
    expect(parsed.tensors.get("a")?.data.buffer).toBe(bytes.buffer);
  });

  it("keeps integer-like names in the given order (an object would reorder them)", () => {
    const e = (x: number): SafetensorsEntry => ({ dtype: "U8", shape: [], data: new Uint8Array([x]) });
    const bytes = serializeSafetensors(
      new Map([
        ["10", e(1)],
        ["2", e(2)],
      ]),
    );
    expect(new TextDecoder().decode(bytes.subarray(8, 20))).toBe('{"10":{"dtyp');
    expect([...bytes.subarray(-2)]).toEqual([1, 2]);
  });

  it("reads files with tensors listed in any order and zero-sized tensors", () => {
    const json =
      '{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]},' +
      '"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
    const parsed = parseSafetensors(fileOf(json, f32(1, 2)), "any.safetensors");
    expect([...parsed.tensors.keys()]).toEqual(["b", "e", "w"]);
    expect(parsed.tensors.get("e")?.data.length).toBe(0);
    expect([...(parsed.tensors.get("w")?.data ?? [])]).toEqual(f32(2));
  });
});

/** A shape whose element count fills whole bytes for every dtype (F4 and F6 included). */
const SHAPE = [2, 4];

describe("round trip", () => {
  it("knows each dtype's width in bits (the reference's Dtype::bitsize)", () => {
    const bits = Object.fromEntries(SAFETENSORS_DTYPES.map((d) => [d, DTYPE_INFO[d].bits]));
    expect(bits).toEqual({
      ...{ BOOL: 8, F4: 4, F6_E2M3: 6, F6_E3M2: 6, U8: 8, I8: 8, F8_E5M2: 8, F8_E4M3: 8, F8_E8M0: 8 },
      ...{ F8_E4M3FNUZ: 8, F8_E5M2FNUZ: 8, I16: 16, U16: 16, F16: 16, BF16: 16, I32: 32, U32: 32 },
      ...{ F32: 32, C64: 64, F64: 64, I64: 64, U64: 64 },
    });
  });

  it("keeps every dtype's bytes, shape and name, through a file", () => {
    const tensors = SAFETENSORS_DTYPES.map((dtype, k): [string, SafetensorsEntry] => {
      const size = (SHAPE[0] * SHAPE[1] * DTYPE_INFO[dtype].bits) / 8;
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 37 + k * 11) & 0xff);
      return [`layer.${k}.${dtype.toLowerCase()}`, { dtype, shape: SHAPE, data }];
    });
    const path = join(dir, "all.safetensors");
    writeSafetensors(path, tensors, { format: "pt", note: "ünïcode ✓" });
    const back = readSafetensors(path);
    expect(back.metadata).toEqual({ format: "pt", note: "ünïcode ✓" });
    expect([...back.tensors]).toEqual(tensors);
    const header = readSafetensorsHeader(path);
    expect(header.dataStart % 8).toBe(0);
    expect([...header.tensors.keys()]).toEqual(tensors.map(([name]) => name));
    expect(header.tensors.get("layer.0.bool")).toEqual({ dtype: "BOOL", shape: SHAPE, dataOffsets: [0, 8] });
  });

  it("round-trips random tensors (property)", () => {
    const entry = fc
      .record({
        dtype: fc.constantFrom(
          ...SAFETENSORS_DTYPES.filter((d) => !d.startsWith("F4") && !d.startsWith("F6")),
        ),
        shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
        seed: fc.integer({ min: 0, max: 255 }),
      })
      .map(({ dtype, shape, seed }): SafetensorsEntry => {
        const n = shape.reduce((p, d) => p * d, 1) * entryBytes(dtype);
        return { dtype, shape, data: Uint8Array.from({ length: n }, (_, i) => (seed + i * 13) & 0xff) };
      });
    const named = fc.uniqueArray(fc.tuple(fc.string({ maxLength: 6 }), entry), {
      selector: ([name]) => name,
      maxLength: 5,
    });
    const meta = fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 });
    fc.assert(
      fc.property(named, meta, (list, metadata) => {
        const tensors = list.filter(([name]) => name !== "__metadata__");
        const bytes = serializeSafetensors(tensors, metadata);
        expect((bytes.length - 8 - tensors.reduce((s, [, e]) => s + e.data.length, 0)) % 8).toBe(0);
        const back = parseSafetensors(bytes, "random.safetensors");
        expect(back.metadata).toEqual(metadata);
        expect(new Map(back.tensors)).toEqual(new Map(tensors));
      }),
    );
  });
});

const entryBytes = (dtype: SafetensorsDtype): number => DTYPE_INFO[dtype].bits / 8;

describe("header checks", () => {
  const src = "model.safetensors";
  const parse = (bytes: Uint8Array) => () => parseSafetensors(bytes, src);
  const tensor = (info: string, data: number[] = [], name = "w") =>
    parse(fileOf(`{"${name}":${info}}`, data));
  const bad = (fn: () => unknown, text: RegExp) => {
    expectError(fn, "format", new RegExp(`^model\\.safetensors: ${text.source}`));
  };

  it("refuses files too short for the header length", () => {
    bad(parse(new Uint8Array(5)), /file has 5 bytes, expected at least 8 \(the header length\)/);
  });

  it("refuses a header length larger than the file from the length alone", () => {
    const terabyte = new Uint8Array([0, 0, 0, 0, 0, 1, 0, 0, 123, 125]);
    bad(
      parse(terabyte),
      /header length 1099511627776 bytes is larger than the file allows \(2 after the length\)/,
    );
    const huge = new Uint8Array([255, 255, 255, 255, 255, 255, 255, 255]);
    bad(parse(huge), /header length 18446744073709551615 bytes is larger than the file allows \(0 after/);
    const path = join(dir, "terabyte.safetensors");
    writeFileSync(path, terabyte);
    expectError(
      () => readSafetensors(path),
      "format",
      /terabyte\.safetensors: header length 1099511627776 bytes/,
    );
    expectError(() => readSafetensorsHeader(path), "format", /is larger than the file allows/);
  });

  it("refuses a header over 100 MB, without reading the file", () => {
    const path = join(dir, "sparse.safetensors");
    const fd = openSync(path, "w");
    writeSync(fd, new Uint8Array(u64(100_000_008)));
    ftruncateSync(fd, 100_000_100);
    closeSync(fd);
    expectError(
      () => readSafetensors(path),
      "format",
      /header length 100000008 bytes exceeds the limit of 100000000/,
    );
  });

  it("refuses headers that are not UTF-8 JSON objects", () => {
    bad(parse(new Uint8Array([...u64(4), 0x7b, 0xff, 0xfe, 0x7d])), /header is not valid UTF-8/);
    bad(parse(fileOf('{"w":')), /header is not valid JSON \(/);
    bad(parse(new Uint8Array([...u64(5), 0xef, 0xbb, 0xbf, 0x7b, 0x7d])), /header is not valid JSON/);
    bad(parse(fileOf("[]")), /header must be a JSON object, got \[\]/);
    bad(parse(fileOf("null")), /header must be a JSON object, got null/);
    bad(tensor("5"), /tensor "w" must be an object \{dtype, shape, data_offsets\}, got 5/);
    bad(tensor("[]", [], 'odd\\"name'), /tensor "odd\\"name" must be an object/);
  });

  it("refuses unknown dtypes with a suggestion", () => {
    bad(tensor('{"dtype":3}'), /tensor "w": dtype must be a string, got 3/);
    bad(
      tensor('{"dtype":"fp16"}'),
      /tensor "w": unknown dtype "fp16" \(did you mean "F16"\?\); expected one of BOOL, /,
    );
    bad(tensor('{"dtype":"bfloat16"}'), /tensor "w": unknown dtype "bfloat16" \(did you mean "BF16"\?\)/);
    bad(
      tensor('{"dtype":"float8_e4m3fn"}'),
      /tensor "w": unknown dtype "float8_e4m3fn" \(did you mean "F8_E4M3"\?/,
    );
  });

  it("refuses shapes that are not arrays of non-negative integers", () => {
    for (const shape of ["[-1]", "[1.5]", '"3"', "[9007199254740992]", "null", '["2"]']) {
      bad(
        tensor(`{"dtype":"F32","shape":${shape},"data_offsets":[0,0]}`),
        /tensor "w": shape must be an array of non-negative integers, got /,
      );
    }
    bad(
      tensor('{"dtype":"F32","shape":[1073741824,1073741824,1073741824],"data_offsets":[0,0]}'),
      /tensor "w": shape \[1073741824,1073741824,1073741824\] has too many elements/,
    );
    bad(
      tensor('{"dtype":"F4","shape":[3],"data_offsets":[0,1]}', [0]),
      /tensor "w": shape \[3\] of F4 \(4 bits each\) does not fill a whole number of bytes/,
    );
  });

  it("refuses data_offsets that are not [begin, end] or do not match the shape", () => {
    for (const offsets of ["[4,0]", "[0]", "[0,1,2]", '"0,4"', "[0,-4]", "[0.5,4]"]) {
      bad(
        tensor(`{"dtype":"F32","shape":[1],"data_offsets":${offsets}}`),
        /tensor "w": data_offsets must be \[begin, end\] with 0 <= begin <= end, got /,
      );
    }
    bad(
      tensor('{"dtype":"F32","shape":[2],"data_offsets":[0,4]}', f32(1)),
      /tensor "w": data_offsets \[0, 4\] hold 4 bytes, expected 8 for F32 of shape \[2\]/,
    );
  });

  it("refuses offsets out of the buffer, overlaps, gaps and trailing bytes", () => {
    const two = (a: string, b: string, data: number[]) =>
      parse(
        fileOf(
          `{"a":{"dtype":"F32","shape":[1],"data_offsets":${a}},"b":{"dtype":"F32","shape":[1],"data_offsets":${b}}}`,
          data,
        ),
      );
    bad(
      tensor('{"dtype":"F32","shape":[1],"data_offsets":[0,4]}', [1, 2]),
      /tensor "w": data_offsets \[0, 4\] end past the data buffer \(2 bytes\)/,
    );
    bad(two("[0,4]", "[2,6]", f32(1, 2)), /tensors "a" and "b" overlap: the second begins at 2, before 4/);
    bad(two("[0,4]", "[0,4]", f32(1)), /tensors "a" and "b" overlap/);
    bad(
      two("[0,4]", "[8,12]", f32(1, 2, 3)),
      /bytes \[4, 8\) of the data buffer belong to no tensor \(a gap before "b"\)/,
    );
    bad(
      two("[4,8]", "[8,12]", f32(1, 2, 3)),
      /bytes \[0, 4\) of the data buffer belong to no tensor \(a gap before "a"\)/,
    );
    bad(two("[0,4]", "[4,8]", f32(1, 2, 3)), /data buffer has 12 bytes but the tensors cover 8: 4 extra/);
    bad(parse(fileOf("{}", [0])), /data buffer has 1 bytes but the tensors cover 0/);
  });

  it("refuses __metadata__ that is not an object of strings", () => {
    bad(parse(fileOf('{"__metadata__":{"epoch":3}}')), /__metadata__ "epoch" must be a string, got 3/);
    bad(parse(fileOf('{"__metadata__":["pt"]}')), /__metadata__ must be an object of strings, got \["pt"\]/);
    expect(parseSafetensors(fileOf('{"__metadata__":null}'), src).metadata).toEqual({});
  });

  it("turns a missing file into an io error naming it", () => {
    expectError(
      () => readSafetensors(join(dir, "nope.safetensors")),
      "io",
      /could not read .*nope\.safetensors: no such file or folder \(ENOENT\)/,
    );
  });
});

describe("serialize checks", () => {
  const f32one: SafetensorsEntry = { dtype: "F32", shape: [1], data: new Uint8Array(4) };
  it("refuses bad entries, names and metadata", () => {
    const entry = (dtype: string, shape: number[], n: number) =>
      ({ dtype, shape, data: new Uint8Array(n) }) as unknown as SafetensorsEntry;
    expectError(
      () => serializeSafetensors({ w: entry("F8", [1], 1) }),
      "format",
      /tensor "w": unknown dtype "F8"/,
    );
    expectError(
      () => serializeSafetensors({ w: entry("F32", [-1], 0) }),
      "shape",
      /tensor "w": shape must be non-negative/,
    );
    expectError(
      () => serializeSafetensors({ w: entry("BF16", [3], 4) }),
      "shape",
      /tensor "w": data has 4 bytes, expected 6 for BF16 of shape \[3\]/,
    );
    const dup: [string, SafetensorsEntry][] = [
      ["x", f32one],
      ["x", f32one],
    ];
    expectError(
      () => serializeSafetensors(dup),
      "argument",
      /tensor "x": the name is reserved or already used/,
    );
    expectError(
      () => serializeSafetensors({ __metadata__: f32one }),
      "argument",
      /"__metadata__": the name is reserved/,
    );
    const meta = { epoch: 3 } as unknown as Record<string, string>;
    expectError(
      () => serializeSafetensors({}, meta),
      "argument",
      /metadata "epoch": expected a string, got 3/,
    );
  });
});

describe("corrupted files (property)", () => {
  const valid = serializeSafetensors(
    [
      ["emb", { dtype: "BF16", shape: [2, 3], data: new Uint8Array(12).fill(1) }],
      ["w", { dtype: "F8_E4M3", shape: [5], data: new Uint8Array(5).fill(2) }],
      ["n", { dtype: "I64", shape: [1], data: new Uint8Array(8).fill(3) }],
    ],
    { format: "pt" },
  );
  const headerEnd = 8 + Number(new DataView(valid.buffer).getBigUint64(0, true));
  const parsesOrRefuses = (bytes: Uint8Array): void => {
    try {
      parseSafetensors(bytes, "fuzz.safetensors");
    } catch (e) {
      if (!isMinifloatError(e)) throw e;
      expect(e.message.startsWith("fuzz.safetensors: ")).toBe(true);
    }
  };

  it("parses or throws a MinifloatError after random byte changes and truncations", () => {
    const change = fc.tuple(fc.integer({ min: 0, max: headerEnd + 4 }), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(
        fc.array(change, { minLength: 1, maxLength: 6 }),
        fc.nat({ max: valid.length + 4 }),
        (changes, cut) => {
          const bytes = new Uint8Array(Math.max(valid.length, cut));
          bytes.set(valid);
          for (const [at, value] of changes) bytes[at] = value;
          parsesOrRefuses(bytes.subarray(0, cut));
          parsesOrRefuses(bytes);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("parses or throws a MinifloatError for arbitrary JSON headers", () => {
    const info = fc.record(
      {
        dtype: fc.oneof(fc.constantFrom(...SAFETENSORS_DTYPES), fc.jsonValue()),
        shape: fc.oneof(fc.array(fc.integer({ min: -2, max: 4 })), fc.jsonValue()),
        data_offsets: fc.oneof(fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 3 }), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    const header = fc.dictionary(
      fc.oneof(fc.string(), fc.constant("__metadata__")),
      fc.oneof(info, fc.jsonValue()),
    );
    fc.assert(
      fc.property(header, fc.nat({ max: 40 }), (json, n) => {
        const text = new TextEncoder().encode(JSON.stringify(json));
        parsesOrRefuses(new Uint8Array([...u64(text.length), ...text, ...new Uint8Array(n)]));
      }),
      { numRuns: 1000 },
    );
  });
});
