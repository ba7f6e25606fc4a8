/**
 * OCP Microscaling (MX) v1.0 block formats: each block of `blockSize` (32) elements along an axis shares
 * one E8M0 scale X = 2^shared, shared = floor(log2(max |x|)) - emax_elem, and each element holds
 * quantize(x / X), normal values clamped to the element's largest (Rouhani et al., arXiv:2310.10537, Alg. 1).
 * Corner cases follow microsoft/microxcaling (mx/mx_ops.py), the spec's reference code: shared is clamped
 * below at -127, a NaN or infinity in a block makes its scale NaN (0xFF), and a NaN scale decodes to NaN.
 */
import { MinifloatError, closestName } from "../errors.js";
import { decodeTable, encodeArray } from "./bulk-codec.js";
import { exponentOf } from "./float-codec.js";
import { FLOAT_FORMATS, type FloatFormat } from "./float-format.js";
import { checkShape, grouping, roundToInteger } from "./int-quant.js";
import { forEachRandomChunk } from "./philox.js";
import {
  resolveEncodeOptions,
  type EncodeOptions,
  type RoundingMode,
  type StochasticSource,
} from "./rounding.js";

/** The element formats of the concrete MX formats (spec Table 1). */
export const MX_ELEMENT_NAMES = [
  "float8_e4m3fn",
  "float8_e5m2",
  "float6_e3m2fn",
  "float6_e2m3fn",
  "float4_e2m1fn",
  "int8",
] as const;

/** An MX element format name. */
export type MxElementName = (typeof MX_ELEMENT_NAMES)[number];

/** The concrete MX formats of the spec (Table 1) and their element formats. */
export const MX_FORMATS: Readonly<Record<string, MxElementName>> = Object.freeze({
  MXFP8_E5M2: "float8_e5m2",
  MXFP8_E4M3: "float8_e4m3fn",
  MXFP6_E3M2: "float6_e3m2fn",
  MXFP6_E2M3: "float6_e2m3fn",
  MXFP4: "float4_e2m1fn",
  MXINT8: "int8",
});

/** The spec's block size. */
export const MX_BLOCK_SIZE = 32;

/** E8M0 code of a NaN scale: every element of its block is NaN (OCP MX v1.0, E8M0). */
export const MX_NAN_SCALE = 0xff;

/** E8M0: exponents -127..127 (code = exponent + 127); code 255 is NaN. */
const E8M0 = FLOAT_FORMATS.float8_e8m0fnu;

/** MXINT8 elements are 8-bit two's complement with an implicit scale 2^-6 (OCP MX v1.0, MXINT8). */
const INT8_FRACTION_BITS = 6;
/** Clamp of MXINT8 codes: symmetric +-127 (value +-1 63/64), as microxcaling's sign-magnitude int8. */
const INT8_MAX_CODE = 127;

/** An MX block-encoded tensor: one E8M0 scale code per block and one element code per value. */
export interface MxTensor {
  readonly element: MxElementName;
  readonly shape: readonly number[];
  /** The axis the blocks run along (normalized, non-negative). */
  readonly axis: number;
  readonly blockSize: number;
  /** E8M0 codes, laid out as the tensor's shape with dimension D of `axis` -> ceil(D / blockSize). */
  readonly scales: Uint8Array;
  /** Element codes in the element format's own bits, one per byte (int8: two's complement). */
  readonly elements: Uint8Array | Int8Array;
}

/** Options of `mxEncode`. */
export interface MxOptions {
  /** Rounding of x / X into the element format (default "nearest-even"; microxcaling's default
   * "nearest" is ties-away, "nearest-away" here). */
  readonly rounding?: RoundingMode;
  /** Elements per block along `axis` (default 32); the last block may be shorter. */
  readonly blockSize?: number;
  /** Shape of `x` (default 1-D). */
  readonly shape?: readonly number[];
  /** Axis the blocks run along (default the last). */
  readonly axis?: number;
  /** Generator for "stochastic": element i uses randomWord(seed, stream, step, offset + i). */
  readonly random?: StochasticSource;
  /** Random bits per stochastic rounding, 1 to 32 (default 32). */
  readonly randomBits?: number;
}

function elementFormat(name: string): FloatFormat | null {
  if (!(MX_ELEMENT_NAMES as readonly string[]).includes(name)) {
    const hint = `did you mean "${closestName(name, MX_ELEMENT_NAMES) ?? ""}"?`;
    const expected = `expected one of: ${MX_ELEMENT_NAMES.join(", ")}`;
    throw new MinifloatError("format", `unknown MX element format "${name}" (${hint}); ${expected}`);
  }
  return name === "int8" ? null : FLOAT_FORMATS[name as Exclude<MxElementName, "int8">];
}

/** emax_elem: the exponent of the element format's largest normal (e4m3 8, e5m2 15, e3m2 4, e2m3 2,
 * e2m1 2, int8 0), read from the format record. */
export function mxElementEmax(name: MxElementName): number {
  return elementFormat(name)?.emax ?? 0;
}

/** The E8M0 scale code of a block whose largest magnitude is `amax` (NaN or infinite: the NaN scale). */
export function mxScaleCode(amax: number, emaxElem: number): number {
  if (!Number.isFinite(amax)) return MX_NAN_SCALE;
  // microxcaling: log2(max + FP32_MIN_NORMAL * (max == 0)), so an all-zero block uses 2^-126.
  const shared = (amax === 0 ? -126 : exponentOf(amax)) - emaxElem;
  if (shared > E8M0.emax) return MX_NAN_SCALE;
  return Math.max(shared, E8M0.emin) + E8M0.bias;
}

interface Layout {
  readonly shape: readonly number[];
  readonly axis: number;
  readonly blockSize: number;
  readonly groups: number;
  readonly groupOf: Int32Array;
}

function layout(n: number, shape: readonly number[], axis: number, blockSize: number): Layout {
  checkShape(shape, n);
  if (shape.length === 0) throw new MinifloatError("shape", "MX blocks need a tensor of rank >= 1, got ()");
  const g = grouping(shape, axis, blockSize);
  const ax = axis < 0 ? axis + shape.length : axis;
  return { shape, axis: ax, blockSize, groups: g.groups, groupOf: g.groupOf ?? new Int32Array(n) };
}

/** Encode `x` into MX blocks of `element` (Algorithm 1); elements saturate at the format's max. */
export function mxEncode(x: Float32Array, element: MxElementName, options: MxOptions = {}): MxTensor {
  const f = elementFormat(element);
  const o = resolveEncodeOptions(options);
  const blockSize = options.blockSize ?? MX_BLOCK_SIZE;
  const lay = layout(x.length, options.shape ?? [x.length], options.axis ?? -1, blockSize);
  const emax = f?.emax ?? 0;
  const amax = new Float64Array(lay.groups);
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    const k = lay.groupOf[i];
    if (a > amax[k] || a !== a) amax[k] = a; // a NaN max stays NaN: nothing compares above it
  }
  const scales = new Uint8Array(lay.groups);
  for (let k = 0; k < lay.groups; k++) scales[k] = mxScaleCode(amax[k], emax);
  // x / X, exact: a power-of-two scaling of a float32 value. A result below float32's normal range lies
  // far below every element's smallest subnormal, so it rounds to zero whether or not float32 rounded it.
  const inverse = new Float64Array(lay.groups);
  for (let k = 0; k < lay.groups; k++) inverse[k] = 2 ** (E8M0.bias - scales[k]);
  const scaled = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const k = lay.groupOf[i];
    scaled[i] = scales[k] === MX_NAN_SCALE ? 0 : x[i] * inverse[k]; // a NaN block's elements are 0
  }
  if (f !== null) {
    const random = o.random === null ? {} : { random: o.random };
    const encodeOptions: EncodeOptions = {
      ...random,
      rounding: o.rounding,
      overflow: "saturate",
      randomBits: o.randomBits,
    };
    const elements = new Uint8Array(x.length);
    encodeArray(f, scaled, encodeOptions, elements); // element i draws the word of offset + i
    return { element, shape: lay.shape, axis: lay.axis, blockSize, scales, elements };
  }
  const elements = new Int8Array(x.length);
  forEachRandomChunk(o.random, o.randomBits, x.length, (start, end, rand) => {
    for (let i = start; i < end; i++) {
      const q = roundToInteger(
        scaled[i] * 2 ** INT8_FRACTION_BITS,
        o.rounding,
        rand[i - start],
        o.randomBits,
      );
      elements[i] = Math.max(-INT8_MAX_CODE, Math.min(INT8_MAX_CODE, q));
    }
  });
  return { element, shape: lay.shape, axis: lay.axis, blockSize, scales, elements };
}

function checkElementCodes(elements: Uint8Array | Int8Array, f: FloatFormat | null): void {
  if (f === null) {
    if (!(elements instanceof Int8Array)) {
      throw new MinifloatError("argument", "elements: expected an Int8Array of int8 codes, got a Uint8Array");
    }
    return;
  }
  const limit = 2 ** f.bits;
  for (let i = 0; i < elements.length; i++) {
    if (elements[i] < 0 || elements[i] >= limit) {
      throw new MinifloatError(
        "argument",
        `elements[${i}] must be a ${f.name} code in [0, ${limit - 1}], got ${elements[i]}`,
      );
    }
  }
}

/** Decode MX blocks: x = X * P (exact in float32); every element of a NaN-scale block is NaN. */
export function mxDecode(t: MxTensor): Float32Array {
  const f = elementFormat(t.element);
  const lay = layout(t.elements.length, t.shape, t.axis, t.blockSize);
  if (t.scales.length !== lay.groups) {
    throw new MinifloatError("shape", `scales: expected ${lay.groups} codes, got ${t.scales.length}`);
  }
  checkElementCodes(t.elements, f);
  const factor = new Float64Array(lay.groups); // X per block (times 2^-6 for MXINT8), NaN for a NaN scale
  const fraction = f === null ? INT8_FRACTION_BITS : 0;
  for (let k = 0; k < lay.groups; k++) {
    factor[k] = t.scales[k] === MX_NAN_SCALE ? NaN : 2 ** (t.scales[k] - E8M0.bias - fraction);
  }
  const table = f === null ? null : decodeTable(f);
  const out = new Float32Array(t.elements.length);
  for (let i = 0; i < out.length; i++) {
    const e = t.elements[i];
    out[i] = (table === null ? e : table[e]) * factor[lay.groupOf[i]]; // exact: no rounding in float32
  }
  return out;
}

/** Round every element of `x` through an MX format: mxDecode(mxEncode(x)). */
export function mxQuantize(x: Float32Array, element: MxElementName, options: MxOptions = {}): Float32Array {
  return mxDecode(mxEncode(x, element, options));
}
