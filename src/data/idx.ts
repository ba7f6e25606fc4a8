/**
 * IDX files (LeCun's MNIST format): two zero bytes, a dtype byte, a dimension count, that many big-endian
 * uint32 sizes, then the elements in big-endian order. Plain or gzipped (detected by the 1f 8b magic).
 * The header is checked against the bytes present before anything is allocated, so a corrupt or
 * truncated file is refused with an "io" error that names it and shows expected vs found.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { MinifloatError } from "../errors.js";
import { errorWords } from "../io/fs-error.js";

/** Element types an IDX file can hold. */
export type IdxDtype = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

/** Typed array for each IDX element type. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX array: element type, shape (outermost first) and the elements in row-major order. */
export interface IdxArray {
  readonly dtype: IdxDtype;
  readonly shape: readonly number[];
  readonly data: IdxData;
}

interface DtypeInfo {
  readonly code: number;
  readonly bytes: number;
  readonly make: (n: number) => IdxData;
  readonly read: (view: DataView, at: number) => number;
  readonly write: (view: DataView, at: number, x: number) => void;
}

/** The dtype byte, element size and big-endian reader of every IDX element type. */
const IDX_DTYPES: { readonly [D in IdxDtype]: DtypeInfo } = {
  uint8: {
    code: 0x08,
    bytes: 1,
    make: (n) => new Uint8Array(n),
    read: (v, at) => v.getUint8(at),
    write: (v, at, x) => {
      v.setUint8(at, x);
    },
  },
  int8: {
    code: 0x09,
    bytes: 1,
    make: (n) => new Int8Array(n),
    read: (v, at) => v.getInt8(at),
    write: (v, at, x) => {
      v.setInt8(at, x);
    },
  },
  int16: {
    code: 0x0b,
    bytes: 2,
    make: (n) => new Int16Array(n),
    read: (v, at) => v.getInt16(at),
    write: (v, at, x) => {
      v.setInt16(at, x);
    },
  },
  int32: {
    code: 0x0c,
    bytes: 4,
    make: (n) => new Int32Array(n),
    read: (v, at) => v.getInt32(at),
    write: (v, at, x) => {
      v.setInt32(at, x);
    },
  },
  float32: {
    code: 0x0d,
    bytes: 4,
    make: (n) => new Float32Array(n),
    read: (v, at) => v.getFloat32(at),
    write: (v, at, x) => {
      v.setFloat32(at, x);
    },
  },
  float64: {
    code: 0x0e,
    bytes: 8,
    make: (n) => new Float64Array(n),
    read: (v, at) => v.getFloat64(at),
    write: (v, at, x) => {
      v.setFloat64(at, x);
    },
  },
};

function dtypeOfCode(code: number): IdxDtype | undefined {
  return (Object.keys(IDX_DTYPES) as IdxDtype[]).find((d) => IDX_DTYPES[d].code === code);
}

function hex(b: number): string {
  return `0x${b.toString(16).padStart(2, "0")}`;
}

/** Largest decompressed size accepted from a gzipped file (bytes); guards against gzip bombs. */
export const MAX_IDX_BYTES = 2 ** 31 - 1;

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decode IDX bytes (plain, not gzipped); `name` (a file path) goes into error messages. */
export function parseIdx(bytes: Uint8Array, name = "<bytes>"): IdxArray {
  const bad = (what: string): MinifloatError => new MinifloatError("io", `IDX file ${name}: ${what}`);
  if (bytes.length < 4) throw bad(`expected at least a 4-byte header, found ${bytes.length} bytes`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw bad(`expected magic 0x00 0x00 at the start, found ${hex(bytes[0])} ${hex(bytes[1])}`);
  }
  const dtypeCode = bytes[2];
  const dtype = dtypeOfCode(dtypeCode);
  if (dtype === undefined) {
    throw bad(`expected a dtype byte 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e, found ${hex(dtypeCode)}`);
  }
  const ndim = bytes[3];
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw bad(`expected a ${headerBytes}-byte header for ${ndim} dimensions, found ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d));
  const info = IDX_DTYPES[dtype];
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * info.bytes;
  if (bytes.length !== expected) {
    throw bad(
      `header says ${dtype} (${shape.join(", ")}), expected ${expected} bytes, found ${bytes.length} bytes`,
    );
  }
  if (dtype === "uint8") return { dtype, shape, data: bytes.slice(headerBytes) };
  const data = info.make(count);
  for (let i = 0; i < count; i++) data[i] = info.read(view, headerBytes + i * info.bytes);
  return { dtype, shape, data };
}

/** Bytes of a file, gunzipped when it starts with the gzip magic; errors are "io" and name the file. */
export function readMaybeGzip(path: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new MinifloatError("io", `cannot read ${path}: ${errorWords(e)}`, { cause: e });
  }
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw, { maxOutputLength: MAX_IDX_BYTES });
  } catch (e) {
    throw new MinifloatError("io", `cannot gunzip ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Read and decode an IDX file, plain or gzipped. */
export function readIdxFile(path: string): IdxArray {
  return parseIdx(readMaybeGzip(path), path);
}

/** Encode an array as plain IDX bytes (the inverse of parseIdx); for writing test files and exports. */
export function encodeIdx(array: IdxArray): Uint8Array {
  const info = IDX_DTYPES[array.dtype];
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) {
    throw new MinifloatError(
      "shape",
      `encodeIdx: shape (${array.shape.join(", ")}) holds ${count} elements, data has ${array.data.length}`,
    );
  }
  const headerBytes = 4 + 4 * array.shape.length;
  const out = new Uint8Array(headerBytes + count * info.bytes);
  const view = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = array.shape.length;
  array.shape.forEach((n, d) => {
    view.setUint32(4 + 4 * d, n);
  });
  for (let i = 0; i < count; i++) info.write(view, headerBytes + i * info.bytes, array.data[i] ?? 0);
  return out;
}
