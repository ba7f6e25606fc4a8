/**
 * QuantizeLinear / DequantizeLinear insertion (ONNX opset 19+): an activation gets a Q -> DQ pair, a
 * weight is stored quantized (its codes as the initializer) behind a DQ, as ONNX Runtime's QDQ format
 * does. Quantization follows ONNX: q = saturate(round(x / scale) + zero_point), x / scale in float32,
 * ties to even; float8 formats (the zero point's type selects them) have zero point 0 and saturate.
 * Scales are per tensor or per axis; weights are quantized here by minifloat's own codecs.
 */
import { MinifloatError } from "../../errors.js";
import { encodeArray, floatFormat, quantizeInt } from "../../formats/index.js";
import { bytesOf, type OnnxGraphBuilder } from "./graph-builder.js";

/** The formats a QDQ site may use: ONNX float8 types and 8-bit integers. */
export const QDQ_FORMATS = ["float8_e4m3fn", "float8_e5m2", "int8", "uint8"] as const;

/** A QDQ format name. */
export type QdqFormat = (typeof QDQ_FORMATS)[number];

/** How one matmul input is quantized: format, scale(s), integer zero point(s), and the axis of a
 * per-axis scale (absent: per tensor). */
export interface QdqSite {
  readonly format: QdqFormat;
  /** One positive scale, or one per element of `axis`. */
  readonly scale: number | readonly number[];
  /** Integer formats only; default 0. One value, or one per scale. */
  readonly zeroPoint?: number | readonly number[];
  readonly axis?: number;
}

/** QDQ sites by name (see bertQdqSites for the names of a BERT model's sites). */
export type QdqMap = Readonly<Record<string, QdqSite>>;

function isFloat8(f: QdqFormat): f is "float8_e4m3fn" | "float8_e5m2" {
  return f.startsWith("float8");
}

/** A site's scales and zero points as arrays, checked against the length of its axis. */
interface Resolved {
  readonly scale: Float32Array;
  readonly zeroPoint: number[];
  readonly axis: number | null;
}

/** Check `site` (named `name`) for a tensor of `dims` (symbolic dims as -1); MinifloatError naming it. */
export function resolveSite(name: string, site: QdqSite, dims: readonly number[]): Resolved {
  const fail = (what: string): never => {
    throw new MinifloatError("config", `QDQ site ${name}: ${what}`);
  };
  if (!(QDQ_FORMATS as readonly string[]).includes(site.format)) {
    fail(`format must be one of ${QDQ_FORMATS.join(", ")}, got ${JSON.stringify(site.format)}`);
  }
  const scales = typeof site.scale === "number" ? [site.scale] : [...site.scale];
  let axis: number | null = null;
  if (site.axis !== undefined) {
    const rank = dims.length;
    if (!Number.isInteger(site.axis) || site.axis < -rank || site.axis >= rank) {
      fail(`axis must be an integer in [${-rank}, ${rank}), got ${site.axis}`);
    }
    axis = site.axis < 0 ? site.axis + rank : site.axis;
    const size = dims[axis] ?? -1;
    if (size >= 0 && scales.length !== size)
      fail(`expected ${size} scales along axis ${axis}, got ${scales.length}`);
  } else if (typeof site.scale !== "number" && scales.length !== 1) {
    fail(`a per-tensor site takes one scale, got ${scales.length} (give an axis for per-axis scales)`);
  }
  const scale = Float32Array.from(scales);
  if (!scale.every((s) => s > 0 && Number.isFinite(s)))
    fail(`scales must be positive and finite, got ${scales.join(", ")}`);
  const zp =
    site.zeroPoint === undefined
      ? [0]
      : typeof site.zeroPoint === "number"
        ? [site.zeroPoint]
        : [...site.zeroPoint];
  const zeroPoint = zp.length === 1 ? scales.map(() => zp[0]) : zp;
  if (zeroPoint.length !== scales.length)
    fail(`expected ${scales.length} zero points, got ${zeroPoint.length}`);
  const [lo, hi] = site.format === "int8" ? [-128, 127] : site.format === "uint8" ? [0, 255] : [0, 0];
  if (!zeroPoint.every((z) => Number.isInteger(z) && z >= lo && z <= hi)) {
    fail(`zero points must be integers in [${lo}, ${hi}] for ${site.format}, got ${zeroPoint.join(", ")}`);
  }
  return { scale, zeroPoint, axis };
}

/** The zero-point initializer: its type selects the quantized type (float8 zero points are +0, code 0). */
function zeroPointInit(
  b: OnnxGraphBuilder,
  name: string,
  format: QdqFormat,
  zp: readonly number[],
  perAxis: boolean,
): string {
  const raw = format === "int8" ? bytesOf(Int8Array.from(zp)) : Uint8Array.from(zp);
  return b.initializer(`${name}.zero_point`, format, perAxis ? [zp.length] : [], raw);
}

function scaleInit(b: OnnxGraphBuilder, name: string, r: Resolved): string {
  return b.float32(`${name}.scale`, r.scale, r.axis === null ? [] : [r.scale.length]);
}

function axisAttr(r: Resolved): Record<string, number> {
  return r.axis === null ? {} : { axis: r.axis };
}

/** Insert Q -> DQ on activation `x` (dims with -1 for symbolic ones) for site `name`; returns the DQ output. */
export function qdqActivation(
  b: OnnxGraphBuilder,
  x: string,
  name: string,
  site: QdqSite,
  dims: readonly number[],
): string {
  const r = resolveSite(name, site, dims);
  const scale = scaleInit(b, name, r);
  const zp = zeroPointInit(b, name, site.format, r.zeroPoint, r.axis !== null);
  const q = b.node("QuantizeLinear", [x, scale, zp], `${name}.quantized`, axisAttr(r));
  return b.node("DequantizeLinear", [q, scale, zp], `${name}.dequantized`, axisAttr(r));
}

/** The codes of `values` (row-major, `dims`) quantized as ONNX QuantizeLinear does, one byte each. */
export function quantizeForSite(
  values: Float32Array,
  dims: readonly number[],
  name: string,
  site: QdqSite,
): Uint8Array {
  const r = resolveSite(name, site, dims);
  if (!isFloat8(site.format)) {
    const params = {
      format: site.format,
      scale: r.scale,
      zeroPoint: r.zeroPoint,
      ...(r.axis === null ? {} : { axis: r.axis }),
    };
    const q = quantizeInt(values, dims, params);
    return bytesOf(q);
  }
  const inner = r.axis === null ? values.length : dims.slice(r.axis + 1).reduce((p, d) => p * d, 1);
  const size = r.axis === null ? 1 : dims[r.axis];
  const scaled = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    scaled[i] = values[i] / r.scale[Math.floor(i / inner) % size]; // rounded to float32 on store
  }
  const codes = encodeArray(floatFormat(site.format), scaled, { overflow: "saturate" });
  return bytesOf(codes);
}

/** A weight initializer stored quantized for site `name`, behind a DequantizeLinear; returns the DQ output.
 * `values` is row-major with `dims`; the site's axis refers to `dims`. */
export function qdqWeight(
  b: OnnxGraphBuilder,
  name: string,
  values: Float32Array,
  dims: readonly number[],
  site: QdqSite,
): string {
  const r = resolveSite(name, site, dims);
  const codes = quantizeForSite(values, dims, name, site);
  const w = b.initializer(`${name}.quantized`, site.format, dims, codes);
  const scale = scaleInit(b, name, r);
  const zp = zeroPointInit(b, name, site.format, r.zeroPoint, r.axis !== null);
  return b.node("DequantizeLinear", [w, scale, zp], `${name}.dequantized`, axisAttr(r));
}
