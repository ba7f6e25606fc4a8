/**
 * Fake quantization of float32 arrays: quantize to a format with scale(s), dequantize, and measure what it
 * cost (SQNR, saturation, underflow). Scaled float formats (FP8, FP6, FP4) map the calibrated range onto
 * the format's largest finite value, scale = amax / max (FP8-BERT, Li et al. 2023; Micikevicius et al.,
 * arXiv:2209.05433); integers follow ONNX QuantizeLinear (formats/int-quant.ts); MX formats compute their
 * own E8M0 block scales (formats/mx.ts); cast formats (float32, float16, bfloat16) round without a scale.
 */
import { MinifloatError, closestName } from "../errors.js";
import {
  decodeArray,
  dequantizeInt,
  encodeArray,
  floatFormat,
  intFormat,
  MX_FORMATS,
  mxDecode,
  mxEncode,
  MX_NAN_SCALE,
  quantizeInt,
  type MxElementName,
} from "../formats/index.js";

/** How a quantization format is applied: a float cast, a scaled float, a scaled integer, or MX blocks. */
export type QuantKind = "cast" | "float" | "int" | "mx";

/** The formats a QuantSpec may name (canonical names; MX formats as formats/mx.ts names them). */
export const QUANT_FORMATS = {
  float32: "cast",
  bfloat16: "cast",
  float16: "cast",
  float8_e4m3fn: "float",
  float8_e5m2: "float",
  float8_e4m3fnuz: "float",
  float8_e5m2fnuz: "float",
  float6_e3m2fn: "float",
  float6_e2m3fn: "float",
  float4_e2m1fn: "float",
  int8: "int",
  uint8: "int",
  int4: "int",
  MXFP8_E4M3: "mx",
  MXFP8_E5M2: "mx",
  MXFP6_E3M2: "mx",
  MXFP6_E2M3: "mx",
  MXFP4: "mx",
  MXINT8: "mx",
} as const satisfies Record<string, QuantKind>;

/** A format name a QuantSpec accepts. */
export type QuantFormatName = keyof typeof QUANT_FORMATS;

/** Which elements share a scale: the whole tensor; each row of the last-axis vectors ("channel" for a
 * weight (out, in): one scale per output row; "token" for an activation (..., C): one per token, computed
 * at run time); or MX blocks of 32 along the last axis (MX formats only). */
export type Granularity = "tensor" | "channel" | "token" | "block";

/** What a tensor is quantized to, and how. */
export interface QuantSpec {
  readonly format: QuantFormatName;
  /** Default "tensor" ("block" for MX formats, the only granularity they have). */
  readonly granularity?: Granularity;
  /** Integer formats: zero point 0 and scale = amax / qmax (default true); false: ONNX's asymmetric
   * range [min(0, lo), max(0, hi)] with a zero point. Ignored by float formats, which are symmetric. */
  readonly symmetric?: boolean;
  /** Values beyond the largest finite value clamp to it (default true); false: they overflow as the
   * format says (infinity, or NaN for formats without one). Integers always saturate. */
  readonly saturate?: boolean;
}

/** A QuantSpec with every default filled in and checked. */
export interface ResolvedSpec {
  readonly format: QuantFormatName;
  readonly kind: QuantKind;
  readonly granularity: Granularity;
  readonly symmetric: boolean;
  readonly saturate: boolean;
  /** Largest finite magnitude of the grid x / scale lies on (float max, or qmax); MX: the element's. */
  readonly max: number;
}

/** Scales (and zero points, asymmetric integers only), one per group of the spec's granularity. */
export interface ScaleParams {
  readonly scale: Float32Array;
  readonly zeroPoint?: Int32Array;
}

/** What quantization cost, accumulated over elements (see sqnrDb and the fractions). */
export interface QuantStats {
  count: number;
  /** Sum of x^2 and of (x - q)^2, in float64. */
  signal: number;
  noise: number;
  /** Elements whose |x / scale| lay beyond the largest finite value (clamped, or overflowed). */
  saturated: number;
  /** Elements with x != 0 that quantized to 0. */
  underflow: number;
}

/** Dequantized values and their statistics. */
export interface FakeQuantResult {
  readonly values: Float32Array;
  readonly stats: QuantStats;
}

/** Which roles may use which granularity: per-row scales of a weight are per output channel, of an
 * activation per token. */
const ROLE_GRANULARITIES = {
  weight: ["tensor", "channel", "block"],
  activation: ["tensor", "token", "block"],
} as const satisfies Record<string, readonly Granularity[]>;

/** The role of a quantized tensor in a matmul. */
export type QuantRole = keyof typeof ROLE_GRANULARITIES;

function isQuantFormat(name: string): name is QuantFormatName {
  return Object.hasOwn(QUANT_FORMATS, name);
}

function mxElement(name: QuantFormatName): MxElementName {
  return MX_FORMATS[name];
}

function gridMax(name: QuantFormatName, kind: QuantKind): number {
  if (kind === "int") return intFormat(name).max;
  if (kind !== "mx") return floatFormat(name).max;
  const element = mxElement(name);
  return element === "int8" ? 127 / 64 : floatFormat(element).max; // MXINT8: 1.111111b, OCP MX v1.0
}

/** Check `spec` for a tensor of `role` and fill in its defaults; throws "config" errors naming the field. */
export function resolveSpec(spec: QuantSpec, role: QuantRole): ResolvedSpec {
  const name: string = spec.format;
  if (!isQuantFormat(name)) {
    const names = Object.keys(QUANT_FORMATS);
    const near = closestName(name, names) ?? "";
    throw new MinifloatError(
      "config",
      `${role} format "${name}" cannot be quantized to (did you mean "${near}"?); expected one of: ${names.join(", ")}`,
    );
  }
  const kind = QUANT_FORMATS[name];
  const granularity = spec.granularity ?? (kind === "mx" ? "block" : "tensor");
  const allowed: readonly Granularity[] = kind === "mx" ? ["block"] : ROLE_GRANULARITIES[role];
  if (!allowed.includes(granularity) || (granularity === "block" && kind !== "mx")) {
    const ok = allowed.filter((g) => g !== "block" || kind === "mx");
    throw new MinifloatError(
      "config",
      `${role} granularity of ${name}: expected ${ok.join(" or ")}, got "${granularity}"`,
    );
  }
  const symmetric = spec.symmetric ?? true;
  if (kind === "int" && symmetric && !intFormat(name).signed) {
    throw new MinifloatError("config", `${role} format ${name} is unsigned: set symmetric to false`);
  }
  const saturate = spec.saturate ?? true;
  return { format: name, kind, granularity, symmetric, saturate, max: gridMax(name, kind) };
}

/** Number of rows of the last-axis vectors of `shape` (1 for a scalar). */
function rowsOf(shape: readonly number[], n: number): number {
  const cols = shape.at(-1) ?? 1;
  return cols === 0 ? 0 : n / cols;
}

/** The number of scales `spec` needs for a tensor of `shape` (0 for cast and MX formats). */
export function scaleCount(spec: ResolvedSpec, shape: readonly number[]): number {
  if (spec.kind === "cast" || spec.kind === "mx") return 0;
  const n = shape.reduce((a, b) => a * b, 1);
  return spec.granularity === "tensor" ? 1 : rowsOf(shape, n);
}

/** Smallest and largest value of each group (per tensor, or per last-axis row), both including 0. */
export function groupRanges(
  x: Float32Array,
  shape: readonly number[],
  perRow: boolean,
): { lo: Float64Array; hi: Float64Array } {
  const cols = perRow ? (shape.at(-1) ?? 1) : x.length;
  const groups = perRow ? rowsOf(shape, x.length) : 1;
  const lo = new Float64Array(groups);
  const hi = new Float64Array(groups);
  for (let i = 0; i < x.length; i++) {
    const g = perRow ? Math.floor(i / cols) : 0;
    const v = x[i];
    if (v < lo[g]) lo[g] = v;
    if (v > hi[g]) hi[g] = v;
  }
  return { lo, hi };
}

/** Scales (and zero points) that map each group's range [lo, hi] onto the grid: float and symmetric int
 * scale = max(|lo|, |hi|) / max; asymmetric int as ONNX DynamicQuantizeLinear. A zero range gives 1. */
export function scalesFromRanges(
  spec: ResolvedSpec,
  lo: ArrayLike<number>,
  hi: ArrayLike<number>,
): ScaleParams {
  const scale = new Float32Array(lo.length);
  if (spec.kind === "int" && !spec.symmetric) {
    const f = intFormat(spec.format);
    const zeroPoint = new Int32Array(lo.length);
    for (let k = 0; k < lo.length; k++) {
      const l = Math.min(0, lo[k]);
      const s = Math.fround(Math.fround(Math.max(0, hi[k]) - l) / (f.max - f.min));
      scale[k] = s > 0 && s < Infinity ? s : 1;
      const z = Math.round(f.min - l / scale[k]);
      zeroPoint[k] = Math.min(f.max, Math.max(f.min, z));
    }
    return { scale, zeroPoint };
  }
  for (let k = 0; k < lo.length; k++) {
    const s = Math.fround(Math.max(Math.abs(lo[k]), Math.abs(hi[k])) / spec.max);
    scale[k] = s > 0 && s < Infinity ? s : 1;
  }
  return { scale };
}

/** Scales chosen from the data itself (its range per group), or null for cast and MX formats. */
export function dynamicScales(
  spec: ResolvedSpec,
  x: Float32Array,
  shape: readonly number[],
): ScaleParams | null {
  if (spec.kind === "cast" || spec.kind === "mx") return null;
  const { lo, hi } = groupRanges(x, shape, spec.granularity !== "tensor");
  return scalesFromRanges(spec, lo, hi);
}

/** Fresh, empty statistics. */
export function emptyStats(): QuantStats {
  return { count: 0, signal: 0, noise: 0, saturated: 0, underflow: 0 };
}

/** Add `b` into `a` (returns a). */
export function mergeStats(a: QuantStats, b: QuantStats): QuantStats {
  a.count += b.count;
  a.signal += b.signal;
  a.noise += b.noise;
  a.saturated += b.saturated;
  a.underflow += b.underflow;
  return a;
}

/** Signal-to-quantization-noise ratio in dB, 10 log10(sum x^2 / sum (x - q)^2); Infinity when exact. */
export function sqnrDb(s: QuantStats): number {
  if (s.noise === 0) return Infinity;
  return 10 * Math.log10(s.signal / s.noise);
}

/** Fraction of elements that saturated (or overflowed). */
export function saturatedFraction(s: QuantStats): number {
  return s.count === 0 ? 0 : s.saturated / s.count;
}

/** Fraction of elements that were non-zero and quantized to zero. */
export function underflowFraction(s: QuantStats): number {
  return s.count === 0 ? 0 : s.underflow / s.count;
}

function measure(x: Float32Array, q: Float32Array, beyond: (i: number) => boolean): QuantStats {
  const s = emptyStats();
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v !== v) continue;
    s.count++;
    s.signal += v * v;
    const e = v - q[i];
    s.noise += e * e;
    if (beyond(i)) s.saturated++;
    if (v !== 0 && q[i] === 0) s.underflow++;
  }
  return s;
}

function checkScales(spec: ResolvedSpec, shape: readonly number[], p: ScaleParams | null): ScaleParams {
  const need = scaleCount(spec, shape);
  if (p === null || p.scale.length !== need) {
    const got = p === null ? "none" : String(p.scale.length);
    throw new MinifloatError(
      "shape",
      `${spec.format} ${spec.granularity} scales: expected ${need}, got ${got}`,
    );
  }
  return p;
}

/** Scaled float: q = decode(encode(x / s)) * s, nearest-even, saturating unless the spec says not to. */
function fakeFloat(
  x: Float32Array,
  shape: readonly number[],
  spec: ResolvedSpec,
  p: ScaleParams,
): FakeQuantResult {
  const f = floatFormat(spec.format);
  const cols = spec.granularity === "tensor" ? x.length : (shape.at(-1) ?? 1);
  // x / s in float64 and one rounding into the format (encodeArray rounds float64 input once): the
  // quotient of two float32 values cannot lie within 2^-53 of a tie of a format this narrow unless it is
  // one, so the float64 division does not double-round.
  const scaled = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) scaled[i] = x[i] / p.scale[Math.floor(i / cols)];
  const overflow = spec.saturate ? "saturate" : "ieee";
  const values = decodeArray(f, encodeArray(f, scaled, { overflow }));
  for (let i = 0; i < x.length; i++) values[i] *= p.scale[Math.floor(i / cols)];
  return { values, stats: measure(x, values, (i) => Math.abs(scaled[i]) > f.max) };
}

/** Integer: ONNX QuantizeLinear then DequantizeLinear, per tensor or per last-axis row. */
function fakeInt(
  x: Float32Array,
  shape: readonly number[],
  spec: ResolvedSpec,
  p: ScaleParams,
): FakeQuantResult {
  const f = intFormat(spec.format);
  const cols = shape.at(-1) ?? 1;
  const perRow = spec.granularity !== "tensor";
  const shape2 = perRow ? [rowsOf(shape, x.length), cols] : [x.length];
  const params = {
    format: f.name,
    scale: p.scale,
    ...(p.zeroPoint === undefined ? {} : { zeroPoint: p.zeroPoint }),
    ...(perRow ? { axis: 0 } : {}),
  };
  const values = dequantizeInt(quantizeInt(x, shape2, params), shape2, params);
  const beyond = (i: number): boolean => {
    const g = perRow ? Math.floor(i / cols) : 0;
    const v = x[i] / p.scale[g] + (p.zeroPoint?.[g] ?? 0);
    return v > f.max + 0.5 || v < f.min - 0.5;
  };
  return { values, stats: measure(x, values, beyond) };
}

/** MX: blocks of 32 along the last axis, scales computed from each block (OCP MX v1.0, Algorithm 1). */
function fakeMx(x: Float32Array, shape: readonly number[], spec: ResolvedSpec): FakeQuantResult {
  const cols = shape.at(-1) ?? x.length;
  const shape2 = [rowsOf(shape, x.length), cols];
  const t = mxEncode(x, mxElement(spec.format), { shape: shape2, axis: -1 });
  const values = mxDecode(t);
  const blocks = Math.ceil(cols / t.blockSize);
  const beyond = (i: number): boolean => {
    const code = t.scales[Math.floor(i / cols) * blocks + Math.floor((i % cols) / t.blockSize)];
    return code !== MX_NAN_SCALE && Math.abs(x[i]) / 2 ** (code - 127) > spec.max;
  };
  return { values, stats: measure(x, values, beyond) };
}

/** A float cast (no scale): round to the format, saturating unless the spec says not to. */
function fakeCast(x: Float32Array, spec: ResolvedSpec): FakeQuantResult {
  const f = floatFormat(spec.format);
  const values = decodeArray(f, encodeArray(f, x, { overflow: spec.saturate ? "saturate" : "ieee" }));
  return { values, stats: measure(x, values, (i) => Math.abs(x[i]) > f.max) };
}

/**
 * Quantize `x` (row-major, of `shape`) as `spec` says and dequantize it. Scaled formats take `params`
 * (one scale per group, from calibration) or, when it is omitted, scales from x's own range (dynamic);
 * cast and MX formats take none.
 */
export function fakeQuantize(
  x: Float32Array,
  shape: readonly number[],
  spec: ResolvedSpec,
  params?: ScaleParams | null,
): FakeQuantResult {
  switch (spec.kind) {
    case "cast":
      return fakeCast(x, spec);
    case "mx":
      return fakeMx(x, shape, spec);
    case "float":
      return fakeFloat(x, shape, spec, checkScales(spec, shape, params ?? dynamicScales(spec, x, shape)));
    case "int":
      return fakeInt(x, shape, spec, checkScales(spec, shape, params ?? dynamicScales(spec, x, shape)));
    default:
      return spec.kind satisfies never;
  }
}
