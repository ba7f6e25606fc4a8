/**
 * The safetensors file format (Hugging Face): an 8-byte little-endian header length N, N bytes of UTF-8
 * JSON giving each tensor's dtype, shape and [begin, end) byte range, then the data buffer. Parsing checks
 * what the reference implementation (huggingface/safetensors, `Metadata::validate`) checks before any
 * offset is trusted: the tensors must cover the buffer exactly, in order, with no gap and no overlap.
 * Tensors and their bytes only; making minifloat Tensors from them is safetensors-tensor.ts's job, and
 * the header's dtype table and checks live in safetensors-header.ts.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { MinifloatError } from "../errors.js";
import { writeFileAtomic } from "./atomic.js";
import { requireRegularFile } from "./bounded-read.js";
import { errorWords } from "./fs-error.js";
import {
  entryByteLength,
  headerLength,
  MAX_HEADER_BYTES,
  parseHeaderJson,
  show,
  type SafetensorsEntry,
  type SafetensorsFile,
  type SafetensorsHeader,
  type SafetensorsInput,
} from "./safetensors-header.js";

export {
  DTYPE_INFO,
  entryByteLength,
  isSafetensorsDtype,
  MAX_HEADER_BYTES,
  SAFETENSORS_DTYPES,
  type DtypeInfo,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsFile,
  type SafetensorsHeader,
  type SafetensorsInput,
  type SafetensorsTensorInfo,
} from "./safetensors-header.js";

/** Parse a whole safetensors file held in `bytes`; `source` (a path) names it in errors. */
export function parseSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  const n = headerLength(bytes, bytes.length, source);
  const header = parseHeaderJson(bytes.subarray(8, 8 + n), bytes.length - 8 - n, source);
  const buffer = bytes.subarray(header.dataStart);
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, { dtype, shape, dataOffsets }] of header.tensors) {
    tensors.set(name, { dtype, shape, data: buffer.subarray(dataOffsets[0], dataOffsets[1]) });
  }
  return { metadata: header.metadata, tensors };
}

function entriesOf(tensors: SafetensorsInput): (readonly [string, SafetensorsEntry])[] {
  if (Array.isArray(tensors)) return tensors as (readonly [string, SafetensorsEntry])[];
  if (tensors instanceof Map) return [...(tensors as ReadonlyMap<string, SafetensorsEntry>)];
  return Object.entries(tensors as Readonly<Record<string, SafetensorsEntry>>);
}

/** The bytes of a safetensors file holding `tensors` (in the given order) and string `metadata`; the
 * header is padded with spaces to a multiple of 8 bytes, as the reference implementation does. */
export function serializeSafetensors(
  tensors: SafetensorsInput,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const parts: string[] = [];
  for (const [key, v] of Object.entries(metadata)) {
    if (typeof v !== "string") {
      throw new MinifloatError(
        "argument",
        `safetensors metadata ${JSON.stringify(key)}: expected a string, got ${show(v)}`,
      );
    }
  }
  if (Object.keys(metadata).length > 0) parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  const seen = new Set<string>();
  const list = entriesOf(tensors);
  let offset = 0;
  for (const [name, entry] of list) {
    const where = `safetensors tensor ${JSON.stringify(name)}`;
    if (name === "__metadata__" || seen.has(name)) {
      throw new MinifloatError("argument", `${where}: the name is reserved or already used`);
    }
    seen.add(name);
    const bytes = entryByteLength(where, entry.dtype, entry.shape);
    if (entry.data.length !== bytes) {
      throw new MinifloatError(
        "shape",
        `${where}: data has ${entry.data.length} bytes, expected ${bytes} for ${entry.dtype} of shape ${show(entry.shape)}`,
      );
    }
    const info = { dtype: entry.dtype, shape: entry.shape, data_offsets: [offset, offset + bytes] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += bytes;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const n = Math.ceil(json.length / 8) * 8;
  if (n > MAX_HEADER_BYTES) {
    throw new MinifloatError(
      "format",
      `safetensors header would be ${n} bytes, over the ${MAX_HEADER_BYTES} limit`,
    );
  }
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let at = 8 + n;
  for (const [, entry] of list) {
    out.set(entry.data, at);
    at += entry.data.length;
  }
  return out;
}

/** Read `length` bytes at `position` of an open file (fewer only at its end). */
function readAt(fd: number, length: number, position: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const got = readSync(fd, out, done, Math.min(length - done, 1 << 30), position + done);
    if (got === 0) break;
    done += got;
  }
  return out.subarray(0, done);
}

/** Open `path`, hand its descriptor and size to `use`, close it; fs errors become "io" errors. */
function withFile<T>(path: string, use: (fd: number, size: number) => T): T {
  let fd: number;
  requireRegularFile(path, "safetensors file"); // opening a FIFO would wait for a writer forever
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new MinifloatError("io", `could not read ${path}: ${errorWords(e)}`, {
      cause: e,
    });
  }
  try {
    return use(fd, fstatSync(fd).size);
  } catch (e) {
    if (e instanceof MinifloatError) throw e;
    throw new MinifloatError("io", `could not read ${path}: ${errorWords(e)}`, {
      cause: e,
    });
  } finally {
    closeSync(fd);
  }
}

/** Read and check only the header of the safetensors file at `path` (the data are not read). */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  return withFile(path, (fd, size) => {
    const n = headerLength(readAt(fd, 8, 0), size, path);
    return parseHeaderJson(readAt(fd, n, 8), size - 8 - n, path);
  });
}

/** Read the safetensors file at `path`; its header length is checked against the file size first. */
export function readSafetensors(path: string): SafetensorsFile {
  return withFile(path, (fd, size) => {
    headerLength(readAt(fd, 8, 0), size, path);
    return parseSafetensors(readAt(fd, size, 0), path);
  });
}

/** Write `tensors` and `metadata` to `path` as a safetensors file, atomically. */
export function writeSafetensors(
  path: string,
  tensors: SafetensorsInput,
  metadata: Readonly<Record<string, string>> = {},
): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
