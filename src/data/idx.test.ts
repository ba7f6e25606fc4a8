/**
 * IDX reading: hand-written bytes for every dtype (big-endian), round trips through encodeIdx, plain and
 * gzipped files the test writes, and the corrupt cases (bad magic, unknown dtype, short header,
 * truncated or oversized data, truncated gzip), each an "io" error naming the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { encodeIdx, isGzip, parseIdx, readIdxFile, type IdxArray } from "./idx.js";

const dir = mkdtempSync(join(tmpdir(), "minifloat-idx-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe("parseIdx", () => {
  it("reads hand-written big-endian bytes of every dtype", () => {
    const cases: [number[], string, number[]][] = [
      [[0x08, 1, 0, 0, 0, 2, 0xff, 0x07], "uint8", [255, 7]],
      [[0x09, 1, 0, 0, 0, 2, 0xff, 0x07], "int8", [-1, 7]],
      [[0x0b, 1, 0, 0, 0, 2, 0xff, 0xfe, 0x01, 0x02], "int16", [-2, 258]],
      [[0x0c, 1, 0, 0, 0, 1, 0x80, 0, 0, 1], "int32", [-(2 ** 31) + 1]],
      [[0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0], "float32", [1.5]],
      [[0x0e, 1, 0, 0, 0, 1, 0xc0, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18], "float64", [-Math.PI]],
    ];
    for (const [body, dtype, values] of cases) {
      const a = parseIdx(Uint8Array.from([0, 0, ...body]));
      expect(a.dtype).toBe(dtype);
      expect(a.shape).toEqual([values.length]);
      expect(Array.from(a.data)).toEqual(values);
    }
  });

  it("reads a 3-d header (N, H, W) in row-major order", () => {
    const bytes = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
    const a = parseIdx(bytes);
    expect(a.shape).toEqual([2, 1, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("round-trips encodeIdx for every dtype (property)", () => {
    const arb = fc.oneof(
      fc.array(fc.integer({ min: 0, max: 255 })).map((v) => ({ dtype: "uint8", data: Uint8Array.from(v) })),
      fc.array(fc.integer({ min: -128, max: 127 })).map((v) => ({ dtype: "int8", data: Int8Array.from(v) })),
      fc
        .array(fc.integer({ min: -32768, max: 32767 }))
        .map((v) => ({ dtype: "int16", data: Int16Array.from(v) })),
      fc.array(fc.integer()).map((v) => ({ dtype: "int32", data: Int32Array.from(v) })),
      fc.array(fc.float({ noNaN: true })).map((v) => ({ dtype: "float32", data: Float32Array.from(v) })),
      fc.array(fc.double({ noNaN: true })).map((v) => ({ dtype: "float64", data: Float64Array.from(v) })),
    );
    fc.assert(
      fc.property(arb, ({ dtype, data }) => {
        const a = { dtype, shape: [data.length], data } as IdxArray;
        const back = parseIdx(encodeIdx(a));
        expect(back.dtype).toBe(dtype);
        expect(back.shape).toEqual([data.length]);
        expect(Array.from(back.data)).toEqual(Array.from(data));
      }),
    );
  });
});

describe("readIdxFile", () => {
  const array: IdxArray = {
    dtype: "uint8",
    shape: [2, 2, 3],
    data: Uint8Array.from([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]),
  };

  it("reads plain and gzipped files to the same array", () => {
    const plainPath = file("a-idx3-ubyte", encodeIdx(array));
    const gzBytes = gzipSync(encodeIdx(array));
    expect(isGzip(gzBytes)).toBe(true);
    const gzPath = file("a-idx3-ubyte.gz", gzBytes);
    for (const path of [plainPath, gzPath]) {
      const a = readIdxFile(path);
      expect(a.shape).toEqual([2, 2, 3]);
      expect(Array.from(a.data)).toEqual(Array.from(array.data));
    }
  });

  it("refuses a truncated file, naming it with expected vs found bytes", () => {
    const bytes = encodeIdx(array);
    const path = file("short-idx3-ubyte", bytes.subarray(0, bytes.length - 1));
    expectError(() => readIdxFile(path), "io", /short-idx3-ubyte.*expected 28 bytes, found 27 bytes/);
    const long = file("long-idx3-ubyte", Uint8Array.from([...bytes, 0]));
    expectError(() => readIdxFile(long), "io", /long-idx3-ubyte.*expected 28 bytes, found 29/);
  });

  it("refuses a header claiming huge sizes before allocating", () => {
    const bytes = Uint8Array.from([
      0, 0, 0x0e, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 9, 1,
    ]);
    const path = file("huge-idx", bytes);
    expectError(
      () => readIdxFile(path),
      "io",
      /huge-idx.*float64 \(4294967295, 4294967295, 9\).*found 17 bytes/,
    );
  });

  it("refuses bad magic, unknown dtype and a short header", () => {
    expectError(
      () => readIdxFile(file("magic", Uint8Array.from([0, 1, 8, 0, 5]))),
      "io",
      /magic.*found 0x00 0x01/,
    );
    expectError(
      () => readIdxFile(file("dtype", Uint8Array.from([0, 0, 0x0a, 0]))),
      "io",
      /dtype.*found 0x0a/,
    );
    expectError(
      () => readIdxFile(file("hdr", Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 1]))),
      "io",
      /hdr.*12-byte header.*found 8/,
    );
    expectError(() => readIdxFile(file("tiny", Uint8Array.from([0, 0]))), "io", /tiny.*found 2 bytes/);
  });

  it("refuses a truncated gzip stream and a missing file, naming them", () => {
    const gz = gzipSync(encodeIdx(array));
    const path = file("cut.gz", gz.subarray(0, gz.length - 10));
    expectError(() => readIdxFile(path), "io", /cannot gunzip .*cut\.gz/);
    expectError(() => readIdxFile(join(dir, "nope")), "io", /cannot read .*nope/);
  });
});
