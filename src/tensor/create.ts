/**
 * Making tensors: from values (each rounded once into the storage format), from codes, zeros and
 * constants. Conversion is the formats layer's; this file only allocates and wraps.
 */
import { MinifloatError } from "../errors.js";
import { encodeArray, floatFormat, type EncodeOptions, type FloatFormat } from "../formats/index.js";
import type { Engine } from "./engine.js";
import { checkShape, formatShape, sizeOf, type Shape } from "./shape.js";
import {
  allocStorage,
  codesOf,
  engineOr,
  tensorFromStorage,
  type StorageArray,
  type Tensor,
} from "./tensor.js";

/** Where and how a new tensor is made. */
export interface CreateOptions extends EncodeOptions {
  /** Storage format (a FloatFormat or its canonical name); default float32. */
  readonly format?: FloatFormat | string;
  readonly engine?: Engine;
  /** Whether gradients with respect to it are wanted. */
  readonly requiresGrad?: boolean;
}

/** The format an option names (a record or a canonical name), default float32. */
export function resolveFormat(format: FloatFormat | string | undefined): FloatFormat {
  if (format === undefined) return floatFormat("float32");
  return typeof format === "string" ? floatFormat(format) : format;
}

/** A tensor of `shape` holding `values` (row-major), each rounded once into the storage format. */
export function fromValues(
  values: ArrayLike<number>,
  shape: Shape = [values.length],
  options: CreateOptions = {},
): Tensor {
  checkShape(shape, "fromValues");
  if (values.length !== sizeOf(shape)) {
    throw new MinifloatError(
      "shape",
      `fromValues: ${values.length} values do not fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`,
    );
  }
  const format = resolveFormat(options.format);
  const data = allocStorage(format, values.length);
  const src =
    values instanceof Float32Array || values instanceof Float64Array ? values : Float64Array.from(values);
  encodeArray(format, src, options, codesOf(data));
  return finish(tensorFromStorage(engineOr(options.engine), format, data, shape), options);
}

/** A tensor of `shape` whose storage is `codes` (taken, not copied). */
export function fromCodes(codes: StorageArray, shape: Shape, options: CreateOptions = {}): Tensor {
  checkShape(shape, "fromCodes");
  return finish(
    tensorFromStorage(engineOr(options.engine), resolveFormat(options.format), codes, shape),
    options,
  );
}

/** A tensor of `shape` filled with `value` (rounded once). */
export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  checkShape(shape, "full");
  const format = resolveFormat(options.format);
  const data = allocStorage(format, sizeOf(shape));
  codesOf(data).fill(codeOf(format, value, { ...options, rounding: "nearest-even" }));
  return finish(tensorFromStorage(engineOr(options.engine), format, data, shape), options);
}

/** The code of `value` in `format`, as stored in a tensor's storage (float32: its bits). */
export function codeOf(format: FloatFormat, value: number, options: EncodeOptions = {}): number {
  const code = codesOf(allocStorage(format, 1));
  encodeArray(format, [value], options, code);
  return code[0];
}

/** A tensor of zeros. */
export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  checkShape(shape, "zeros");
  const format = resolveFormat(options.format);
  return finish(
    tensorFromStorage(engineOr(options.engine), format, allocStorage(format, sizeOf(shape)), shape),
    options,
  );
}

function finish(t: Tensor, options: CreateOptions): Tensor {
  t.requiresGrad = options.requiresGrad ?? false;
  return t;
}
