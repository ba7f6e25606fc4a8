/**
 * A minimal protocol-buffers writer (https://protobuf.dev/programming-guides/encoding/): varints, 32-bit
 * floats, and length-delimited fields (strings, bytes, nested messages, packed repeated scalars). It
 * is all ONNX export needs, so minifloat carries no protobuf dependency and no schema compiler; the
 * message layouts are written out, field number by field number, in onnx-proto.ts.
 */
import { MinifloatError } from "../../errors.js";

/** Wire types of the protobuf encoding. */
const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

const utf8 = new TextEncoder();

/** A protobuf writer: small fields go into a growable buffer, large byte blocks are kept by reference
 * (no copy) until `finish()` joins everything once, so a model's weights are copied a single time. */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private partsLength = 0;
  private buf = new Uint8Array(64);
  private len = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.partsLength + this.len;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private flush(): void {
    if (this.len === 0) return;
    this.parts.push(this.buf.slice(0, this.len));
    this.partsLength += this.len;
    this.len = 0;
  }

  /** An unsigned varint of a non-negative safe integer or a two's-complement bigint below 2^64. */
  varint(value: number | bigint): this {
    let v = typeof value === "bigint" ? BigInt.asUintN(64, value) : BigInt(checkedInt(value));
    this.reserve(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
    return this;
  }

  /** An int64 varint: negative values as their 64-bit two's complement (10 bytes), as protobuf does. */
  int64(value: number): this {
    return this.varint(BigInt.asUintN(64, BigInt(checkedSigned(value))));
  }

  private tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  /** Raw bytes, no tag; blocks of 4 KiB or more are kept by reference, so leave them unchanged. */
  raw(bytes: Uint8Array): this {
    if (bytes.length >= 4096) {
      this.flush();
      this.parts.push(bytes);
      this.partsLength += bytes.length;
      return this;
    }
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  /** Everything `other` wrote, appended (its parts by reference). */
  private append(other: ProtoWriter): this {
    other.flush();
    if (other.partsLength < 4096) {
      for (const p of other.parts) this.raw(p);
      return this;
    }
    this.flush();
    this.parts.push(...other.parts);
    this.partsLength += other.partsLength;
    return this;
  }

  /** Field `field` as an int64 (or int32, enum, bool: the same varint encoding). */
  intField(field: number, value: number): this {
    return this.tag(field, WIRE.varint).int64(value);
  }

  /** Field `field` as a 32-bit float. */
  floatField(field: number, value: number): this {
    this.tag(field, WIRE.fixed32).reserve(4);
    new DataView(this.buf.buffer, this.len, 4).setFloat32(0, value, true);
    this.len += 4;
    return this;
  }

  /** Field `field` as length-delimited bytes. */
  bytesField(field: number, bytes: Uint8Array): this {
    return this.tag(field, WIRE.bytes).varint(bytes.length).raw(bytes);
  }

  /** Field `field` as a UTF-8 string. */
  stringField(field: number, value: string): this {
    return this.bytesField(field, utf8.encode(value));
  }

  /** Field `field` as a nested message written by `write`. */
  messageField(field: number, write: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    return this.tag(field, WIRE.bytes).varint(inner.length).append(inner);
  }

  /** Field `field` as packed repeated int64 varints (nothing when empty). */
  packedInt64(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter();
    for (const v of values) inner.int64(v);
    return this.tag(field, WIRE.bytes).varint(inner.length).append(inner);
  }

  /** Field `field` as packed repeated 32-bit floats (nothing when empty). */
  packedFloat(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => {
      view.setFloat32(i * 4, v, true);
    });
    return this.bytesField(field, bytes);
  }

  /** The bytes written, joined into one array. */
  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.partsLength);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function checkedInt(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MinifloatError("argument", `protobuf varint must be a non-negative safe integer, got ${value}`);
  }
  return value;
}

function checkedSigned(value: number): number {
  if (!Number.isSafeInteger(value)) {
    throw new MinifloatError("argument", `protobuf int64 must be a safe integer, got ${value}`);
  }
  return value;
}
