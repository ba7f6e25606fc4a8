/**
 * Integer quantization with quantization parameters, following ONNX QuantizeLinear / DequantizeLinear
 * (opset 21+): q = saturate(round(x / scale) + zeroPoint) with the division in float32 and ties to even,
 * x = (q - zeroPoint) * scale; per tensor, per axis (a 1-D scale along `axis`) or blocked (`blockSize`
 * elements along `axis` share a scale; the last block may be shorter, scale dim = ceil(D / blockSize)).
 * Parameters can be chosen from data, symmetric or asymmetric as ONNX DynamicQuantizeLinear does.
 */
import { MinifloatError } from "../errors.js";
import { INT_FORMATS, type IntFormat, type IntFormatName } from "./int-format.js";
import { forEachRandomChunk } from "./philox.js";
import { intFormat } from "./registry.js";
import { resolveEncodeOptions, type RoundingMode, type StochasticSource } from "./rounding.js";

/** Scale(s), zero point(s) and granularity of an integer quantization (ONNX y_scale, y_zero_point,
 * axis, block_size). No axis: per tensor; axis: per axis; blockSize: blocked along axis (default last). */
export interface QuantParams {
  readonly format: IntFormatName;
  /** One positive finite float32 scale per group, laid out as `grouping(...).scaleShape` (row-major). */
  readonly scale: Float32Array;
  /** One integer per scale, in the format's range; default all zero. */
  readonly zeroPoint?: ArrayLike<number>;
  /** The quantization axis (negative counts from the end), for per-axis and blocked quantization. */
  readonly axis?: number;
  /** Elements along `axis` that share one scale (blocked quantization, ONNX opset 21). */
  readonly blockSize?: number;
}

/** Options of `quantizeInt`: the rounding of x / scale (default nearest-even, as ONNX). */
export interface IntQuantizeOptions {
  readonly rounding?: RoundingMode;
  /** Generator for "stochastic": element i uses randomWord(seed, stream, step, offset + i). */
  readonly random?: StochasticSource;
  /** Random bits per stochastic rounding, 1 to 32 (default 32). */
  readonly randomBits?: number;
}

/** How the elements of a tensor map onto scales: group i of element k is `groupOf[k]`. */
export interface Grouping {
  /** Number of groups, which is the number of scales. */
  readonly groups: number;
  /** Shape of the scale tensor: [] per tensor, [D] per axis, shape with D -> ceil(D / B) blocked. */
  readonly scaleShape: readonly number[];
  /** The group of each element, or null when there is a single group. */
  readonly groupOf: Int32Array | null;
}

function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}

function showShape(shape: readonly number[]): string {
  return `(${shape.join(", ")})`;
}

/** Check that `shape` is a list of non-negative integers holding exactly `n` elements. */
export function checkShape(shape: readonly number[], n: number, what = "x"): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new MinifloatError("shape", `shape ${showShape(shape)}: dimensions must be integers >= 0`);
    }
  }
  if (product(shape) !== n) {
    throw new MinifloatError(
      "shape",
      `${what}: expected ${product(shape)} elements for shape ${showShape(shape)}, got ${n}`,
    );
  }
}

/** Normalize `axis` (negative counts from the end) for a tensor of rank `rank`. */
export function normalizeAxis(axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new MinifloatError(
      "argument",
      `axis must be an integer in [${-rank}, ${rank - 1}] for a tensor of rank ${rank}, got ${axis}`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/** The grouping of a tensor of `shape`: per tensor (no axis), per axis, or in blocks along `axis`. */
export function grouping(shape: readonly number[], axis?: number, blockSize?: number): Grouping {
  if (axis === undefined && blockSize === undefined) return { groups: 1, scaleShape: [], groupOf: null };
  const ax = normalizeAxis(axis ?? -1, shape.length);
  const outer = product(shape.slice(0, ax));
  const dim = shape[ax];
  const inner = product(shape.slice(ax + 1));
  const groupOf = new Int32Array(outer * dim * inner);
  let i = 0;
  if (blockSize === undefined) {
    for (let o = 0; o < outer; o++) for (let a = 0; a < dim; a++) groupOf.fill(a, i, (i += inner));
    return { groups: dim, scaleShape: [dim], groupOf };
  }
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    throw new MinifloatError("argument", `blockSize must be a positive integer, got ${blockSize}`);
  }
  const blocks = Math.ceil(dim / blockSize); // ONNX: a ragged last block is allowed
  for (let o = 0; o < outer; o++) {
    for (let a = 0; a < dim; a++) {
      const base = (o * blocks + Math.floor(a / blockSize)) * inner;
      for (let k = 0; k < inner; k++) groupOf[i++] = base + k;
    }
  }
  const scaleShape = shape.map((d, j) => (j === ax ? blocks : d));
  return { groups: outer * blocks * inner, scaleShape, groupOf };
}

/**
 * Round a finite v to an integer: ties to even, toward zero, ties away from zero, or stochastically
 * (up with probability floor(frac * 2^r) / 2^r, `rand` uniform in [0, 2^r), as rounding.ts defines).
 */
export function roundToInteger(v: number, mode: RoundingMode, rand = 0, randomBits = 32): number {
  const n = Math.floor(v);
  const frac = v - n; // exact in float64
  switch (mode) {
    case "nearest-even":
      return frac > 0.5 || (frac === 0.5 && n % 2 !== 0) ? n + 1 : n;
    case "nearest-away":
      return frac > 0.5 || (frac === 0.5 && v > 0) ? n + 1 : n;
    case "toward-zero":
      return v < 0 && frac > 0 ? n + 1 : n;
    case "stochastic":
      return rand < Math.floor(frac * 2 ** randomBits) ? n + 1 : n;
    default:
      return mode satisfies never;
  }
}

interface Resolved {
  readonly fmt: IntFormat;
  readonly g: Grouping;
  readonly zeroPoint: Int32Array;
}

function resolveParams(n: number, shape: readonly number[], p: QuantParams): Resolved {
  const fmt = intFormat(p.format);
  checkShape(shape, n);
  const g = grouping(shape, p.axis, p.blockSize);
  const where = g.groupOf === null ? "per tensor" : `scale shape ${showShape(g.scaleShape)}`;
  if (p.scale.length !== g.groups) {
    throw new MinifloatError(
      "shape",
      `scale: expected ${g.groups} elements (${where}), got ${p.scale.length}`,
    );
  }
  for (let i = 0; i < p.scale.length; i++) {
    const s = p.scale[i];
    if (!(s > 0 && s < Infinity)) {
      throw new MinifloatError("argument", `scale[${i}] must be positive and finite, got ${s}`);
    }
  }
  const zeroPoint = new Int32Array(g.groups);
  if (p.zeroPoint !== undefined) {
    if (p.zeroPoint.length !== g.groups) {
      throw new MinifloatError(
        "shape",
        `zeroPoint: expected ${g.groups} elements, the same as scale, got ${p.zeroPoint.length}`,
      );
    }
    for (let i = 0; i < g.groups; i++) {
      const z = p.zeroPoint[i];
      if (!Number.isInteger(z) || z < fmt.min || z > fmt.max) {
        throw new MinifloatError(
          "argument",
          `zeroPoint[${i}] must be an integer in [${fmt.min}, ${fmt.max}] for ${fmt.name}, got ${z}`,
        );
      }
      zeroPoint[i] = z;
    }
  }
  return { fmt, g, zeroPoint };
}

/** A new code array for format `fmt`: Int8Array for signed formats, Uint8Array for unsigned ones. */
function allocIntCodes(fmt: IntFormat, n: number): Int8Array | Uint8Array {
  return fmt.signed ? new Int8Array(n) : new Uint8Array(n);
}

/**
 * Quantize `x` (of `shape`, row-major) to integer codes, one per byte (pack int4 with `packInt4`):
 * q = saturate(round(fround(x / scale)) + zeroPoint), as ONNX QuantizeLinear. NaN gives the zero point.
 */
export function quantizeInt(
  x: Float32Array,
  shape: readonly number[],
  params: QuantParams,
  options: IntQuantizeOptions = {},
): Int8Array | Uint8Array {
  const { fmt, g, zeroPoint } = resolveParams(x.length, shape, params);
  const o = resolveEncodeOptions(options);
  const out = allocIntCodes(fmt, x.length);
  forEachRandomChunk(o.random, o.randomBits, x.length, (start, end, rand) => {
    for (let i = start; i < end; i++) {
      const k = g.groupOf === null ? 0 : g.groupOf[i];
      // float32 / float32 in float64, then one rounding to float32: correctly rounded, since
      // 53 >= 2 * 24 + 2 (Figueroa, "When is double rounding innocuous?", 1995).
      const v = Math.fround(x[i] / params.scale[k]);
      let q: number;
      if (v !== v) q = 0;
      else if (!Number.isFinite(v)) q = v;
      else q = roundToInteger(v, o.rounding, rand[i - start], o.randomBits);
      q += zeroPoint[k];
      out[i] = q < fmt.min ? fmt.min : q > fmt.max ? fmt.max : q;
    }
  });
  return out;
}

/** Dequantize integer codes: x = fround((q - zeroPoint) * scale), as ONNX DequantizeLinear. */
export function dequantizeInt(
  codes: ArrayLike<number>,
  shape: readonly number[],
  params: QuantParams,
): Float32Array {
  const { fmt, g, zeroPoint } = resolveParams(codes.length, shape, params);
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const q = codes[i];
    if (!Number.isInteger(q) || q < fmt.min || q > fmt.max) {
      throw new MinifloatError(
        "argument",
        `codes[${i}] must be an integer in [${fmt.min}, ${fmt.max}] for ${fmt.name}, got ${q}`,
      );
    }
    const k = g.groupOf === null ? 0 : g.groupOf[i];
    out[i] = Math.fround((q - zeroPoint[k]) * params.scale[k]); // exact product, one rounding
  }
  return out;
}

/** How `chooseQuantParams` picks scale and zero point. */
export interface ChooseParamsOptions {
  /** "symmetric": zero point 0, scale = max|x| / qmax (signed formats only, as ONNX Runtime's
   * symmetric mode); "asymmetric" (default): the range [min(0, min x), max(0, max x)] mapped onto
   * [qmin, qmax], as ONNX DynamicQuantizeLinear. */
  readonly method?: "symmetric" | "asymmetric";
  readonly axis?: number;
  readonly blockSize?: number;
}

/** Choose quantization parameters for `x` (of `shape`) from its range, per tensor, axis or block. */
export function chooseQuantParams(
  x: Float32Array,
  shape: readonly number[],
  format: IntFormatName,
  options: ChooseParamsOptions = {},
): QuantParams {
  const fmt = intFormat(format);
  const method: string = options.method ?? "asymmetric"; // checked: callers may be plain JavaScript
  if (method !== "symmetric" && method !== "asymmetric") {
    throw new MinifloatError("argument", `method must be "symmetric" or "asymmetric", got "${method}"`);
  }
  if (method === "symmetric" && !fmt.signed) {
    throw new MinifloatError(
      "argument",
      `symmetric quantization needs a signed format (int8, int4), got ${format}; use "asymmetric"`,
    );
  }
  checkShape(shape, x.length);
  const g = grouping(shape, options.axis, options.blockSize);
  const lo = new Float64Array(g.groups);
  const hi = new Float64Array(g.groups); // both start at 0: the range always includes zero
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) {
      throw new MinifloatError("argument", `x[${i}] is ${v}; quantization parameters need finite data`);
    }
    const k = g.groupOf === null ? 0 : g.groupOf[i];
    if (v < lo[k]) lo[k] = v;
    if (v > hi[k]) hi[k] = v;
  }
  const scale = new Float32Array(g.groups);
  const zeroPoint = allocIntCodes(fmt, g.groups);
  for (let k = 0; k < g.groups; k++) {
    if (method === "symmetric") {
      scale[k] = Math.fround(Math.max(-lo[k], hi[k]) / fmt.max) || 1; // all zero: any scale works
      continue;
    }
    // ONNX DynamicQuantizeLinear, every step in float32: scale = (rmax - rmin) / (qmax - qmin),
    // zeroPoint = round(saturate(qmin - rmin / scale)).
    const s = Math.fround(Math.fround(hi[k] - lo[k]) / (fmt.max - fmt.min));
    scale[k] = s > 0 && s < Infinity ? s : 1;
    const z = Math.fround(fmt.min - Math.fround(lo[k] / scale[k]));
    zeroPoint[k] = roundToInteger(Math.min(fmt.max, Math.max(fmt.min, z)), "nearest-even");
  }
  const granularity = {
    ...(options.axis === undefined ? {} : { axis: options.axis }),
    ...(options.blockSize === undefined ? {} : { blockSize: options.blockSize }),
  };
  return { format, scale, zeroPoint, ...granularity };
}

function checkNibbles(codes: ArrayLike<number>, fmt: IntFormat): void {
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (!Number.isInteger(c) || c < fmt.min || c > fmt.max) {
      throw new MinifloatError(
        "argument",
        `codes[${i}] must be an integer in [${fmt.min}, ${fmt.max}] for ${fmt.name}, got ${c}`,
      );
    }
  }
}

/** Pack int4/uint4 codes two per byte, the first element in the low nibble (ONNX INT4/UINT4 layout);
 * an odd count leaves the last high nibble zero. */
export function packInt4(codes: ArrayLike<number>, format: "int4" | "uint4"): Uint8Array {
  checkNibbles(codes, INT_FORMATS[format]);
  const out = new Uint8Array(Math.ceil(codes.length / 2));
  for (let i = 0; i < codes.length; i++) out[i >> 1] |= (codes[i] & 0xf) << ((i & 1) * 4);
  return out;
}

/** Unpack `length` int4/uint4 codes from bytes packed by `packInt4` (int4 nibbles are sign-extended). */
export function unpackInt4(
  packed: Uint8Array,
  length: number,
  format: "int4" | "uint4",
): Int8Array | Uint8Array {
  if (!Number.isInteger(length) || length < 0 || packed.length !== Math.ceil(length / 2)) {
    throw new MinifloatError(
      "shape",
      `packed: expected ${Math.ceil(length / 2)} bytes for ${length} ${format} codes, got ${packed.length}`,
    );
  }
  const fmt = INT_FORMATS[format];
  const out = allocIntCodes(fmt, length);
  for (let i = 0; i < length; i++) {
    const nibble = (packed[i >> 1] >> ((i & 1) * 4)) & 0xf;
    out[i] = fmt.signed && nibble >= 8 ? nibble - 16 : nibble;
  }
  return out;
}
