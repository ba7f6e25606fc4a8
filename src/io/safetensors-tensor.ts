/**
 * Between safetensors entries and minifloat: dtype <-> format names, a Tensor's codes as an entry in its
 * own format (a bfloat16 tensor is stored as BF16, bit for bit), and entries back to Tensors or to float
 * values. Decoding is exact (every float dtype here fits float32 except F64; 64-bit integers must fit a
 * float64 exactly), so a value is rounded at most once, when a format is asked for.
 */
import { endianness } from "node:os";
import { MinifloatError } from "../errors.js";
import {
  decodeArray,
  floatFormat,
  format,
  isFloatFormatName,
  type FloatFormat,
  type FormatName,
} from "../formats/index.js";
import {
  fromCodes,
  fromValues,
  gatherStrided,
  resolveFormat,
  type CreateOptions,
  type StorageArray,
  type Tensor,
} from "../tensor/index.js";
import {
  DTYPE_INFO,
  entryByteLength,
  SAFETENSORS_DTYPES,
  type SafetensorsDtype,
  type SafetensorsEntry,
} from "./safetensors.js";

const LITTLE_ENDIAN = endianness() === "LE";

/** Throws an "unsupported" error on a big-endian host: entries' bytes are read as host-order arrays. */
export function requireLittleEndian(): void {
  if (!LITTLE_ENDIAN) {
    throw new MinifloatError(
      "unsupported",
      "safetensors conversion needs a little-endian host, this one is big-endian",
    );
  }
}

/** The minifloat format name whose codes a dtype holds (BF16 -> "bfloat16", I8 -> "int8"), if any. */
export function dtypeToFormat(dtype: SafetensorsDtype): FormatName | undefined {
  return DTYPE_INFO[dtype].format ?? undefined;
}

/** The dtype that stores codes of the format called `name` ("float8_e4m3fn" -> "F8_E4M3"). */
export function formatToDtype(name: string): SafetensorsDtype {
  const known = format(name).name;
  const dtype = SAFETENSORS_DTYPES.find((d) => DTYPE_INFO[d].format === known);
  if (dtype === undefined) {
    throw new MinifloatError("unsupported", `format ${known} has no safetensors dtype`);
  }
  return dtype;
}

/** The float format whose codes fill whole bytes for `dtype` (sub-byte F4/F6 excluded), if any. */
function storedFloatFormat(dtype: SafetensorsDtype): FloatFormat | undefined {
  const { format: name, bits } = DTYPE_INFO[dtype];
  return name !== null && bits >= 8 && isFloatFormatName(name) ? floatFormat(name) : undefined;
}

/** An entry's bytes copied into a fresh, aligned buffer, after checking their length. */
function alignedBytes(entry: SafetensorsEntry, name: string): { buffer: ArrayBuffer; n: number } {
  requireLittleEndian();
  const bytes = entryByteLength(name, entry.dtype, entry.shape);
  if (entry.data.length !== bytes) {
    throw new MinifloatError(
      "shape",
      `${name}: data has ${entry.data.length} bytes, expected ${bytes} for ${entry.dtype} (${entry.shape.join(", ")})`,
    );
  }
  return { buffer: entry.data.slice().buffer, n: (bytes * 8) / DTYPE_INFO[entry.dtype].bits };
}

/** Codes of `f` over `buffer`, in the array type a Tensor stores them in. */
function storageOver(f: FloatFormat, buffer: ArrayBuffer, n: number): StorageArray {
  if (f.bits === 32) return new Float32Array(buffer, 0, n);
  return f.bits === 16 ? new Uint16Array(buffer, 0, n) : new Uint8Array(buffer, 0, n);
}

/** 64-bit integers as float64, each exactly (or an error naming the element). */
function exactBigInts(values: BigInt64Array | BigUint64Array, name: string): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = Number(values[i]);
    if (!Number.isSafeInteger(x) && BigInt(x) !== values[i]) {
      throw new MinifloatError(
        "numeric",
        `${name}: element ${i} is ${values[i]}, which a float64 cannot hold exactly (expected |x| <= 2^53 or exact)`,
      );
    }
    out[i] = x;
  }
  return out;
}

type Decoder = (buffer: ArrayBuffer, n: number, name: string) => Float32Array | Float64Array;

const viaFormat =
  (dtype: SafetensorsDtype): Decoder =>
  (buffer, n) => {
    const f = storedFloatFormat(dtype) as FloatFormat;
    return decodeArray(f, f.bits === 32 ? new Uint32Array(buffer, 0, n) : storageOver(f, buffer, n));
  };

/** How each dtype's elements become exact float values (null: not supported). */
const DECODERS: { readonly [D in SafetensorsDtype]: Decoder | null } = {
  BOOL: (b, n) => Float64Array.from(new Uint8Array(b, 0, n), (x) => (x === 0 ? 0 : 1)),
  F4: null,
  F6_E2M3: null,
  F6_E3M2: null,
  U8: (b, n) => new Float64Array(new Uint8Array(b, 0, n)),
  I8: (b, n) => new Float64Array(new Int8Array(b, 0, n)),
  F8_E5M2: viaFormat("F8_E5M2"),
  F8_E4M3: viaFormat("F8_E4M3"),
  F8_E8M0: viaFormat("F8_E8M0"),
  F8_E4M3FNUZ: viaFormat("F8_E4M3FNUZ"),
  F8_E5M2FNUZ: viaFormat("F8_E5M2FNUZ"),
  I16: (b, n) => new Float64Array(new Int16Array(b, 0, n)),
  U16: (b, n) => new Float64Array(new Uint16Array(b, 0, n)),
  F16: viaFormat("F16"),
  BF16: viaFormat("BF16"),
  I32: (b, n) => new Float64Array(new Int32Array(b, 0, n)),
  U32: (b, n) => new Float64Array(new Uint32Array(b, 0, n)),
  F32: viaFormat("F32"),
  C64: null,
  F64: (b, n) => new Float64Array(b, 0, n),
  I64: (b, n, name) => exactBigInts(new BigInt64Array(b, 0, n), name),
  U64: (b, n, name) => exactBigInts(new BigUint64Array(b, 0, n), name),
};

/** An entry's values, exactly: Float32Array for dtypes float32 holds, Float64Array for the others. */
function decodeExact(entry: SafetensorsEntry, name: string): Float32Array | Float64Array {
  const { buffer, n } = alignedBytes(entry, name);
  const decode = DECODERS[entry.dtype];
  if (decode === null) {
    throw new MinifloatError(
      "unsupported",
      `${name}: dtype ${entry.dtype} cannot be decoded to numbers (packed sub-byte or complex); read its bytes`,
    );
  }
  return decode(buffer, n, name);
}

/** An entry's values as float32, row-major; F64 and large integers are rounded once to nearest-even. */
export function entryToFloat32(entry: SafetensorsEntry, name = "tensor"): Float32Array {
  const values = decodeExact(entry, name);
  return values instanceof Float32Array ? values : new Float32Array(values);
}

/** An entry's values as float64, row-major, each exact. */
export function entryToFloat64(entry: SafetensorsEntry, name = "tensor"): Float64Array {
  return new Float64Array(decodeExact(entry, name));
}

/** Options of entryToTensor: how the tensor is made, and the entry's name for error messages. */
export interface EntryToTensorOptions extends CreateOptions {
  readonly name?: string;
}

/** A Tensor from an entry: its codes as they are when the dtype is a minifloat float format (and no
 * other `format` is asked for), otherwise its values rounded once into `options.format`. */
export function entryToTensor(entry: SafetensorsEntry, options: EntryToTensorOptions = {}): Tensor {
  const name = options.name ?? "tensor";
  const stored = storedFloatFormat(entry.dtype);
  const target = options.format === undefined ? stored : resolveFormat(options.format);
  if (target === undefined) {
    throw new MinifloatError(
      "unsupported",
      `${name}: dtype ${entry.dtype} has no minifloat float format; pass options.format to convert its values`,
    );
  }
  if (target === stored) {
    const { buffer, n } = alignedBytes(entry, name);
    return fromCodes(storageOver(stored, buffer, n), entry.shape, { ...options, format: stored });
  }
  return fromValues(decodeExact(entry, name), entry.shape, { ...options, format: target });
}

/** An entry holding a tensor's codes (a copy, row-major, little-endian) under its format's dtype. */
export function tensorToEntry(t: Tensor): SafetensorsEntry {
  requireLittleEndian();
  const dtype = formatToDtype(t.format.name);
  if (DTYPE_INFO[dtype].bits < 8) {
    throw new MinifloatError(
      "unsupported",
      `tensor of ${t.format.name}: packed ${dtype} storage is not supported`,
    );
  }
  const codes = t.isContiguous()
    ? t.data.subarray(t.offset, t.offset + t.size)
    : gatherStrided(t.data, t.shape, t.strides, t.offset);
  const data = new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength).slice();
  return { dtype, shape: [...t.shape], data };
}
