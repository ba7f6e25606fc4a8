/**
 * The safetensors header (Hugging Face): its dtype table, the shapes of what a file holds, and the checks
 * the reference implementation (huggingface/safetensors, `Metadata::validate`) makes before any offset is
 * trusted: a header length within the file, JSON of the right shape, and tensors that cover the data
 * buffer exactly, in order, with no gap and no overlap. safetensors.ts parses, serializes, reads and writes
 * whole files with it; the public names are re-exported there.
 */
import { closestName, MinifloatError } from "../errors.js";
import type { FormatName } from "../formats/index.js";

/** What a dtype is: bits per element and the minifloat format with the same codes (null: none). */
export interface DtypeInfo {
  readonly bits: number;
  readonly format: FormatName | null;
}

/** Width and minifloat format of every safetensors dtype, in the reference implementation's order
 * (F4 and F6 pack several elements per byte). */
export const DTYPE_INFO = {
  BOOL: { bits: 8, format: null },
  F4: { bits: 4, format: "float4_e2m1fn" },
  F6_E2M3: { bits: 6, format: "float6_e2m3fn" },
  F6_E3M2: { bits: 6, format: "float6_e3m2fn" },
  U8: { bits: 8, format: "uint8" },
  I8: { bits: 8, format: "int8" },
  F8_E5M2: { bits: 8, format: "float8_e5m2" },
  F8_E4M3: { bits: 8, format: "float8_e4m3fn" },
  F8_E8M0: { bits: 8, format: "float8_e8m0fnu" },
  F8_E4M3FNUZ: { bits: 8, format: "float8_e4m3fnuz" },
  F8_E5M2FNUZ: { bits: 8, format: "float8_e5m2fnuz" },
  I16: { bits: 16, format: null },
  U16: { bits: 16, format: null },
  F16: { bits: 16, format: "float16" },
  BF16: { bits: 16, format: "bfloat16" },
  I32: { bits: 32, format: null },
  U32: { bits: 32, format: null },
  F32: { bits: 32, format: "float32" },
  C64: { bits: 64, format: null },
  F64: { bits: 64, format: null },
  I64: { bits: 64, format: null },
  U64: { bits: 64, format: null },
} as const satisfies Readonly<Record<string, DtypeInfo>>;

/** A safetensors dtype name. */
export type SafetensorsDtype = keyof typeof DTYPE_INFO;

/** Every dtype of the safetensors format, in the reference implementation's order. */
export const SAFETENSORS_DTYPES = Object.freeze(Object.keys(DTYPE_INFO)) as readonly SafetensorsDtype[];

/** The largest header the reference implementation accepts (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor of a safetensors file: dtype, shape and its little-endian bytes (row-major). */
export interface SafetensorsEntry {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/** One tensor as the header describes it: dtype, shape and its byte range in the data buffer. */
export interface SafetensorsTensorInfo {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly dataOffsets: readonly [number, number];
}

/** A parsed header: the string metadata, the tensors in buffer order, and where the buffer starts. */
export interface SafetensorsHeader {
  readonly metadata: Readonly<Record<string, string>>;
  readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
  readonly dataStart: number;
}

/** A parsed file: the string metadata and the tensors in buffer order (data are views of the bytes). */
export interface SafetensorsFile {
  readonly metadata: Readonly<Record<string, string>>;
  readonly tensors: ReadonlyMap<string, SafetensorsEntry>;
}

/** Tensors to write, by name: an object, a Map, or [name, entry] pairs (laid out in this order). */
export type SafetensorsInput =
  | Readonly<Record<string, SafetensorsEntry>>
  | ReadonlyMap<string, SafetensorsEntry>
  | readonly (readonly [string, SafetensorsEntry])[];

/** True when `name` is a safetensors dtype. */
export function isSafetensorsDtype(name: string): name is SafetensorsDtype {
  return Object.hasOwn(DTYPE_INFO, name);
}

/** The error for an unknown dtype, suggesting the closest dtype (or the one of a minifloat format). */
function unknownDtype(where: string, name: string): MinifloatError {
  const byFormat = SAFETENSORS_DTYPES.find((d) => DTYPE_INFO[d].format === name);
  const near =
    byFormat ??
    closestName(
      name,
      SAFETENSORS_DTYPES.map((d) => d.toLowerCase()),
    )?.toUpperCase();
  const hint = near === undefined ? "" : ` (did you mean "${near}"?)`;
  return new MinifloatError(
    "format",
    `${where}: unknown dtype ${JSON.stringify(name)}${hint}; expected one of ${SAFETENSORS_DTYPES.join(", ")}`,
  );
}

/** JSON.stringify as it really behaves: undefined for undefined, functions and symbols. */
const jsonText: (value: unknown) => string | undefined = JSON.stringify;

/** Short JSON text of a header value for messages (cut at 80 characters). */
export function show(value: unknown): string {
  let text: string;
  try {
    text = jsonText(value) ?? String(value);
  } catch {
    text = `a ${typeof value}`;
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function fail(source: string, detail: string): never {
  throw new MinifloatError("format", `${source}: ${detail}`);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function isCount(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0;
}

/** Bytes of `count` elements of `dtype`, or a message saying why there is no whole number of them. */
function byteLength(dtype: SafetensorsDtype, shape: readonly number[]): number | string {
  const bits = DTYPE_INFO[dtype].bits;
  let total = bits;
  for (const d of shape) {
    total *= d;
    if (!Number.isSafeInteger(total)) return `shape ${show(shape)} has too many elements`;
  }
  if (total % 8 !== 0) {
    return `shape ${show(shape)} of ${dtype} (${bits} bits each) does not fill a whole number of bytes`;
  }
  return total / 8;
}

/** The number of bytes an entry's data must have; throws naming `where` when dtype or shape is bad. */
export function entryByteLength(where: string, dtype: string, shape: readonly number[]): number {
  if (!isSafetensorsDtype(dtype)) throw unknownDtype(where, dtype);
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new MinifloatError("shape", `${where}: shape must be non-negative integers, got ${show(shape)}`);
  }
  const n = byteLength(dtype, shape);
  if (typeof n === "string") throw new MinifloatError("shape", `${where}: ${n}`);
  return n;
}

/** Read the header length from the first 8 bytes and check it against the file length. */
export function headerLength(prefix: Uint8Array, fileLength: number, source: string): number {
  if (fileLength < 8 || prefix.length < 8) {
    fail(source, `file has ${fileLength} bytes, expected at least 8 (the header length)`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(fileLength - 8)) {
    fail(
      source,
      `header length ${n} bytes is larger than the file allows (${fileLength - 8} after the length)`,
    );
  }
  if (n > BigInt(MAX_HEADER_BYTES)) {
    fail(source, `header length ${n} bytes exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  }
  return Number(n);
}

function parseMetadata(value: unknown, source: string): Record<string, string> {
  if (value === null) return {};
  if (!isRecord(value)) fail(source, `__metadata__ must be an object of strings, got ${show(value)}`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string")
      fail(source, `__metadata__ ${JSON.stringify(key)} must be a string, got ${show(v)}`);
  }
  return Object.fromEntries(Object.entries(value)) as Record<string, string>;
}

function parseInfo(name: string, value: unknown, source: string): SafetensorsTensorInfo {
  const where = `tensor ${JSON.stringify(name)}`;
  if (!isRecord(value)) {
    fail(source, `${where} must be an object {dtype, shape, data_offsets}, got ${show(value)}`);
  }
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== "string") fail(source, `${where}: dtype must be a string, got ${show(dtype)}`);
  if (!isSafetensorsDtype(dtype)) throw unknownDtype(`${source}: ${where}`, dtype);
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    fail(source, `${where}: shape must be an array of non-negative integers, got ${show(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    fail(source, `${where}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${show(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const bytes = byteLength(dtype, shape);
  if (typeof bytes === "string") fail(source, `${where}: ${bytes}`);
  if (end - begin !== bytes) {
    fail(
      source,
      `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, expected ${bytes} ` +
        `for ${dtype} of shape ${show(shape)}`,
    );
  }
  return { dtype, shape: [...shape], dataOffsets: [begin, end] };
}

/** Check that the tensors, sorted by offset, cover [0, bufferLength) exactly; returns them sorted. */
function checkCoverage(
  infos: [string, SafetensorsTensorInfo][],
  bufferLength: number,
  source: string,
): [string, SafetensorsTensorInfo][] {
  const sorted = [...infos].sort(
    ([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1],
  );
  let at = 0;
  let previous = "";
  for (const [name, { dataOffsets }] of sorted) {
    const [begin, end] = dataOffsets;
    if (end > bufferLength) {
      fail(
        source,
        `tensor ${JSON.stringify(name)}: data_offsets [${begin}, ${end}] end past the data buffer (${bufferLength} bytes)`,
      );
    }
    if (begin < at) {
      fail(
        source,
        `tensors ${JSON.stringify(previous)} and ${JSON.stringify(name)} overlap: the second begins at ${begin}, before ${at}`,
      );
    }
    if (begin > at) {
      fail(
        source,
        `bytes [${at}, ${begin}) of the data buffer belong to no tensor (a gap before ${JSON.stringify(name)})`,
      );
    }
    at = end;
    previous = name;
  }
  if (at !== bufferLength) {
    fail(
      source,
      `data buffer has ${bufferLength} bytes but the tensors cover ${at}: ${bufferLength - at} extra`,
    );
  }
  return sorted;
}

/** Parse the JSON header (`bytes`, without the length) for a data buffer of `bufferLength` bytes. */
export function parseHeaderJson(bytes: Uint8Array, bufferLength: number, source: string): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    fail(source, "header is not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(source, `header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isRecord(json)) fail(source, `header must be a JSON object, got ${show(json)}`);
  let metadata: Record<string, string> = {};
  const infos: [string, SafetensorsTensorInfo][] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === "__metadata__") metadata = parseMetadata(value, source);
    else infos.push([name, parseInfo(name, value, source)]);
  }
  const tensors = new Map(checkCoverage(infos, bufferLength, source));
  return { metadata, tensors, dataStart: 8 + bytes.length };
}
