/**
 * Tensor: a shape, strides and an offset over storage that holds codes in the storage format's own width
 * (Float32Array for float32, Uint16Array for 16-bit formats, Uint8Array for 8 bits and fewer: DESIGN.md
 * rule 3). Views (reshape, permute, slice) share storage. A tensor made by an op remembers its creator
 * (op name, inputs, attributes) so that autograd can walk the graph; the tensor layer does no math.
 */
import { MinifloatError } from "../errors.js";
import { allocCodes, decodeArray, type CodeArray, type FloatFormat } from "../formats/index.js";
import { defaultEngine, type Engine } from "./engine.js";
import { contiguousStrides, sizeOf, type Shape } from "./shape.js";

/** The typed array holding a tensor's codes. */
export type StorageArray = Float32Array | Uint16Array | Uint8Array;

/** A new zeroed storage array of `n` codes of `format`. */
export function allocStorage(format: FloatFormat, n: number): StorageArray {
  if (format.bits === 32) return new Float32Array(n);
  return allocCodes(format, n) as Uint16Array | Uint8Array;
}

/** The storage array seen as codes, for the codec (float32's codes are its bit patterns). */
export function codesOf(data: StorageArray): CodeArray {
  return data instanceof Float32Array ? new Uint32Array(data.buffer, data.byteOffset, data.length) : data;
}

/** The memory behind one or more tensors, accounted in its engine while alive. */
export class Storage {
  private array: StorageArray | null;
  private readonly held: ReturnType<Engine["hold"]>;

  constructor(
    readonly engine: Engine,
    readonly format: FloatFormat,
    data: StorageArray,
  ) {
    this.array = data;
    this.held = engine.hold(this, format.name, data.byteLength);
    engine.track(this);
  }

  /** The codes; throws once the storage is disposed. */
  get data(): StorageArray {
    if (this.array === null) throw new MinifloatError("argument", "tensor used after dispose()");
    return this.array;
  }

  /** Whether dispose() has been called. */
  get disposed(): boolean {
    return this.array === null;
  }

  /** Release the memory now (instead of at garbage collection). */
  dispose(): void {
    if (this.array === null) return;
    this.array = null;
    this.engine.release(this.held);
  }
}

/** What made a tensor: the op, its inputs and attributes (read by autograd's gradient rules). */
export interface Creator {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly attrs: unknown;
  /** Extra values the forward pass kept for the backward pass (e.g. a dropout mask). */
  readonly saved?: readonly Tensor[];
}

/** An n-dimensional array of values of one format. */
export class Tensor {
  readonly id: number;
  readonly size: number;
  /** True when gradients with respect to this tensor are wanted (leaves) or flow through it. */
  requiresGrad = false;
  /** The gradient after backward(), in the gradient format the caller chose. */
  grad: Tensor | null = null;
  /** The op that made this tensor, when gradients are recorded. */
  creator: Creator | null = null;

  constructor(
    readonly storage: Storage,
    readonly shape: Shape,
    readonly strides: readonly number[] = contiguousStrides(shape),
    readonly offset = 0,
  ) {
    this.id = storage.engine.newTensorId();
    this.size = sizeOf(shape);
  }

  /** The engine this tensor belongs to. */
  get engine(): Engine {
    return this.storage.engine;
  }

  /** The storage format. */
  get format(): FloatFormat {
    return this.storage.format;
  }

  /** The storage codes (shared with views). */
  get data(): StorageArray {
    return this.storage.data;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Whether the elements are stored row-major from `offset` without gaps. */
  isContiguous(): boolean {
    const s = contiguousStrides(this.shape);
    return this.shape.every((d, i) => d === 1 || s[i] === this.strides[i]);
  }

  /** The values, decoded exactly, in row-major order (a new array). */
  toFloat32Array(): Float32Array {
    const out = new Float32Array(this.size);
    const data = this.data;
    if (this.isContiguous()) {
      const slice = data.subarray(this.offset, this.offset + this.size);
      if (slice instanceof Float32Array) out.set(slice);
      else decodeArray(this.format, slice, out);
      return out;
    }
    const codes = gatherStrided(data, this.shape, this.strides, this.offset);
    if (codes instanceof Float32Array) return codes;
    return decodeArray(this.format, codes, out);
  }

  /** The values as a plain array of numbers, row-major. */
  toArray(): number[] {
    return Array.from(this.toFloat32Array());
  }

  /** Release this tensor's storage now (views of it become unusable). */
  dispose(): void {
    this.storage.dispose();
  }
}

/** Copy the elements of a strided view into a new contiguous array of the same type, row-major. */
export function gatherStrided(
  data: StorageArray,
  shape: Shape,
  strides: readonly number[],
  offset: number,
): StorageArray {
  const n = sizeOf(shape);
  const out = new (data.constructor as new (n: number) => StorageArray)(n);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let src = offset;
  for (let i = 0; i < n; i++) {
    out[i] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      index[d] = (index[d] ?? 0) + 1;
      src += strides[d] ?? 0;
      if ((index[d] ?? 0) < (shape[d] ?? 0)) break;
      src -= (strides[d] ?? 0) * (shape[d] ?? 0);
      index[d] = 0;
    }
  }
  return out;
}

/** A new contiguous tensor holding `data` (codes of `format`) with `shape`. */
export function tensorFromStorage(
  engine: Engine,
  format: FloatFormat,
  data: StorageArray,
  shape: Shape,
): Tensor {
  if (data.length !== sizeOf(shape)) {
    throw new MinifloatError("shape", `tensor: ${data.length} codes do not fill shape (${shape.join(", ")})`);
  }
  return new Tensor(new Storage(engine, format, data), shape);
}

/** The engine to use when a caller gives none. */
export function engineOr(engine: Engine | undefined): Engine {
  return engine ?? defaultEngine;
}
