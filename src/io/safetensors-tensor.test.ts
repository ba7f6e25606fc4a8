/**
 * Safetensors entries <-> minifloat: the dtype/format table, tensors stored bit for bit in their own
 * format (every code of every 8- and 16-bit format, NaN payloads of float32 included), hand-computed
 * little-endian bytes, exact decoding of every numeric dtype, and values rounded once, never twice.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FLOAT_FORMATS, type FloatFormatName } from "../formats/index.js";
import { Engine, fromCodes, fromValues, Tensor } from "../tensor/index.js";
import { expectError } from "../../test/support/expect-error.js";
import {
  parseSafetensors,
  serializeSafetensors,
  type SafetensorsDtype,
  type SafetensorsEntry,
} from "./safetensors.js";
import {
  dtypeToFormat,
  entryToFloat32,
  entryToFloat64,
  entryToTensor,
  formatToDtype,
  tensorToEntry,
} from "./safetensors-tensor.js";

const bytesOf = (a: ArrayBufferView): number[] => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];
const entry = (dtype: SafetensorsDtype, shape: number[], data: ArrayBufferView): SafetensorsEntry => ({
  dtype,
  shape,
  data: new Uint8Array(bytesOf(data)),
});

/** Through a whole file and back: serialize, parse, and take the one tensor. */
function throughFile(e: SafetensorsEntry): SafetensorsEntry {
  const back = parseSafetensors(serializeSafetensors({ t: e }), "t.safetensors").tensors.get("t");
  if (back === undefined) throw new Error("tensor t missing");
  return back;
}

describe("dtype <-> format", () => {
  const pairs: [SafetensorsDtype, string][] = [
    ["BF16", "bfloat16"],
    ["F16", "float16"],
    ["F32", "float32"],
    ["F8_E4M3", "float8_e4m3fn"],
    ["F8_E5M2", "float8_e5m2"],
    ["F8_E8M0", "float8_e8m0fnu"],
    ["F8_E4M3FNUZ", "float8_e4m3fnuz"],
    ["F8_E5M2FNUZ", "float8_e5m2fnuz"],
    ["I8", "int8"],
    ["U8", "uint8"],
    ["F4", "float4_e2m1fn"],
  ];
  it("maps each way", () => {
    for (const [dtype, name] of pairs) {
      expect(dtypeToFormat(dtype)).toBe(name);
      expect(formatToDtype(name)).toBe(dtype);
    }
    expect(dtypeToFormat("F64")).toBeUndefined();
    expect(dtypeToFormat("I32")).toBeUndefined();
  });

  it("refuses formats with no dtype and unknown names", () => {
    expectError(() => formatToDtype("int4"), "unsupported", /format int4 has no safetensors dtype/);
    expectError(
      () => formatToDtype("bfloat"),
      "format",
      /unknown format "bfloat" \(did you mean "bfloat16"\?\)/,
    );
  });
});

describe("tensorToEntry", () => {
  it("stores codes little-endian in the tensor's own format (bytes by hand)", () => {
    // bfloat16: 1 = 0x3f80, -2 = 0xc000; float8_e4m3fn: 1 = 0x38, 448 = 0x7e; float32: 1 = 0x3f800000.
    const bf = tensorToEntry(fromValues([1, -2], [2], { format: "bfloat16" }));
    expect(bf).toEqual({ dtype: "BF16", shape: [2], data: new Uint8Array([0x80, 0x3f, 0x00, 0xc0]) });
    const f8 = tensorToEntry(fromValues([1, 448], [1, 2], { format: "float8_e4m3fn" }));
    expect(f8).toEqual({ dtype: "F8_E4M3", shape: [1, 2], data: new Uint8Array([0x38, 0x7e]) });
    const f32 = tensorToEntry(fromValues([1], [], { format: "float32" }));
    expect(f32).toEqual({ dtype: "F32", shape: [], data: new Uint8Array([0, 0, 0x80, 0x3f]) });
  });

  it("copies, and writes strided views row-major", () => {
    const t = fromValues([1, 2, 3, 4, 5, 6], [2, 3], { format: "float16" });
    const e = tensorToEntry(t);
    t.data[0] = 0;
    expect(entryToFloat32(e)).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
    const transposed = new Tensor(t.storage, [3, 2], [1, 3], 0);
    const tail = new Tensor(t.storage, [2], [1], 4);
    expect(entryToTensor(tensorToEntry(transposed)).toArray()).toEqual([0, 4, 2, 5, 3, 6]);
    expect(tensorToEntry(tail).shape).toEqual([2]);
    expect(entryToFloat32(tensorToEntry(tail))).toEqual(new Float32Array([5, 6]));
  });

  it("refuses packed sub-byte formats", () => {
    const t = fromValues([1, 2], [2], { format: "float4_e2m1fn" });
    expectError(() => tensorToEntry(t), "unsupported", /float4_e2m1fn: packed F4 storage is not supported/);
    const u = fromValues([1], [1], { format: "float6_e3m2fn" });
    expectError(() => tensorToEntry(u), "unsupported", /packed F6_E3M2/);
  });
});

describe("round trip of tensors", () => {
  const stored: FloatFormatName[] = [
    "bfloat16",
    "float16",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
  ];
  it("keeps every code of every 8- and 16-bit format, through a file", () => {
    for (const name of stored) {
      const n = 2 ** FLOAT_FORMATS[name].bits;
      const codes =
        n === 256
          ? Uint8Array.from({ length: n }, (_, i) => i)
          : Uint16Array.from({ length: n }, (_, i) => i);
      const back = entryToTensor(
        throughFile(tensorToEntry(fromCodes(codes, [n / 16, 16], { format: name }))),
      );
      expect(back.format.name).toBe(name);
      expect(back.shape).toEqual([n / 16, 16]);
      expect(back.data).toEqual(codes);
    }
  });

  it("keeps float32 bit patterns, NaN payloads and -0 included", () => {
    const bits = new Uint32Array([0x7fc00001, 0xffa00000, 0x80000000, 0x00000001, 0x7f800000, 0x3eaaaaab]);
    const t = fromCodes(new Float32Array(bits.buffer), [6], { format: "float32" });
    const back = entryToTensor(throughFile(tensorToEntry(t)));
    expect(new Uint32Array(back.data.buffer)).toEqual(bits);
  });

  it("round-trips random values in any stored format (property)", () => {
    const values = fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(values, fc.constantFrom(...stored, "float32" as const), (xs, name) => {
        const t = fromValues(xs, [xs.length], { format: name });
        const back = entryToTensor(throughFile(tensorToEntry(t)));
        expect(back.format).toBe(t.format);
        expect(back.data).toEqual(t.data);
      }),
    );
  });

  it("passes engine and requiresGrad through, and reads unaligned bytes", () => {
    const engine = new Engine();
    const bytes = new Uint8Array(9);
    bytes.set([0x80, 0x3f, 0x00, 0x40], 1);
    const e: SafetensorsEntry = { dtype: "BF16", shape: [2], data: bytes.subarray(1, 5) };
    const t = entryToTensor(e, { engine, requiresGrad: true });
    expect(t.engine).toBe(engine);
    expect(t.requiresGrad).toBe(true);
    expect(t.toArray()).toEqual([1, 2]);
  });
});

describe("decoding values", () => {
  it("decodes every integer dtype and BOOL exactly", () => {
    expect(entryToFloat32(entry("I8", [2], new Int8Array([-128, 127])))).toEqual(
      new Float32Array([-128, 127]),
    );
    expect(entryToFloat32(entry("U8", [1], new Uint8Array([255])))).toEqual(new Float32Array([255]));
    expect(entryToFloat32(entry("I16", [1], new Int16Array([-32768])))).toEqual(new Float32Array([-32768]));
    expect(entryToFloat32(entry("U16", [1], new Uint16Array([65535])))).toEqual(new Float32Array([65535]));
    expect(entryToFloat64(entry("I32", [1], new Int32Array([-2147483648])))).toEqual(
      new Float64Array([-(2 ** 31)]),
    );
    expect(entryToFloat64(entry("U32", [1], new Uint32Array([4294967295])))).toEqual(
      new Float64Array([2 ** 32 - 1]),
    );
    expect(entryToFloat32(entry("U32", [1], new Uint32Array([4294967295])))).toEqual(
      new Float32Array([2 ** 32]),
    );
    expect(entryToFloat32(entry("BOOL", [3], new Uint8Array([0, 1, 2])))).toEqual(
      new Float32Array([0, 1, 1]),
    );
  });

  it("decodes 64-bit integers that a float64 holds, and refuses the others", () => {
    const ok = new BigInt64Array([-(2n ** 53n), 2n ** 60n, 7n]);
    expect(entryToFloat64(entry("I64", [3], ok))).toEqual(new Float64Array([-(2 ** 53), 2 ** 60, 7]));
    expectError(
      () => entryToFloat32(entry("I64", [2], new BigInt64Array([0n, 2n ** 53n + 1n])), "emb.ids"),
      "numeric",
      /emb\.ids: element 1 is 9007199254740993, which a float64 cannot hold exactly/,
    );
    const max = new BigUint64Array([2n ** 64n - 1n]);
    expectError(() => entryToFloat32(entry("U64", [1], max)), "numeric", /element 0 is 18446744073709551615/);
  });

  it("decodes float dtypes exactly and rounds F64 once to float32", () => {
    expect(entryToFloat32(entry("F16", [2], new Uint16Array([0x3c00, 0x7bff])))).toEqual(
      new Float32Array([1, 65504]),
    );
    expect(entryToFloat32(entry("F8_E5M2", [1], new Uint8Array([0x7b])))).toEqual(new Float32Array([57344]));
    expect(entryToFloat32(entry("F8_E4M3", [1], new Uint8Array([0x7f])))).toEqual(new Float32Array([NaN]));
    expect(entryToFloat32(entry("F8_E8M0", [1], new Uint8Array([127])))).toEqual(new Float32Array([1]));
    const x = new Float64Array([0.1, 1e300]);
    expect(entryToFloat32(entry("F64", [2], x))).toEqual(new Float32Array([Math.fround(0.1), Infinity]));
    expect(entryToFloat64(entry("F64", [2], x))).toEqual(x);
  });

  it("refuses packed and complex dtypes and a wrong byte count", () => {
    const msg = /w: dtype (F4|C64) cannot be decoded to numbers \(packed sub-byte or complex\)/;
    expectError(() => entryToFloat32(entry("F4", [2], new Uint8Array(1)), "w"), "unsupported", msg);
    expectError(() => entryToFloat32(entry("C64", [1], new Uint8Array(8)), "w"), "unsupported", msg);
    expectError(
      () => entryToFloat32(entry("F32", [2], new Uint8Array(4)), "w"),
      "shape",
      /w: data has 4 bytes, expected 8 for F32 \(2\)/,
    );
  });
});

describe("entryToTensor with a format", () => {
  it("refuses dtypes with no float format unless one is asked for", () => {
    expectError(
      () => entryToTensor(entry("F64", [1], new Float64Array([1])), { name: "bias" }),
      "unsupported",
      /bias: dtype F64 has no minifloat float format; pass options\.format/,
    );
    expectError(
      () => entryToTensor(entry("I8", [1], new Int8Array([1]))),
      "unsupported",
      /dtype I8 has no minifloat/,
    );
  });

  it("rounds F64 and integer values once (no double rounding through float32)", () => {
    // 1 + 2^-8 + 2^-30: float32 drops 2^-30, leaving a bfloat16 tie that rounds to even (1); rounding
    // once from float64 sees it above the tie and rounds up to 1 + 2^-7.
    const f64 = entry("F64", [1], new Float64Array([1 + 2 ** -8 + 2 ** -30]));
    expect(entryToTensor(f64, { format: "bfloat16" }).toArray()).toEqual([1 + 2 ** -7]);
    // 2^24 + 2^16 + 1 as I32: the same trap one binade up.
    const i32 = entry("I32", [1], new Int32Array([2 ** 24 + 2 ** 16 + 1]));
    expect(entryToTensor(i32, { format: "bfloat16" }).toArray()).toEqual([2 ** 24 + 2 ** 17]);
  });

  it("converts between float formats and honours rounding options", () => {
    const bf = entry("BF16", [2], new Uint16Array([0x3f81, 0xbf81]));
    const f8 = entryToTensor(bf, { format: "float8_e4m3fn", rounding: "toward-zero" });
    expect(f8.format.name).toBe("float8_e4m3fn");
    expect(f8.toArray()).toEqual([1, -1]);
    expect(entryToTensor(bf, { format: "float32" }).toArray()).toEqual([1 + 2 ** -7, -(1 + 2 ** -7)]);
  });
});
