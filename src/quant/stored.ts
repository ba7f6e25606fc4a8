/**
 * Quantization as it is stored in a file: a weight's codes (the float8 bit patterns or integers that
 * fakeQuantize rounds to) and their dequantization, bit-identical to fakeQuantize's values; and
 * activation hooks installed from stored scales, the same hooks quantizeModel installs, so a quantized
 * checkpoint loaded back computes exactly what the in-memory quantized model computed.
 */
import { MinifloatError } from "../errors.js";
import {
  decodeArray,
  dequantizeInt,
  encodeArray,
  floatFormat,
  intFormat,
  quantizeInt,
} from "../formats/index.js";
import { fromValues } from "../tensor/index.js";
import { findSites, type AnyModule } from "./calibrate.js";
import { fakeQuantize, scaleCount, type ResolvedSpec, type ScaleParams } from "./quantizer.js";

/** Codes of a quantized tensor: one byte per element (float8 and 8-bit integers), two for 16-bit casts. */
export type QuantCodes = Uint8Array | Int8Array | Uint16Array | Uint32Array;

/** Scaled float, scaled integer and cast specs have codes; MX blocks (with their E8M0 scales) do not. */
function checkCodeSpec(spec: ResolvedSpec, shape: readonly number[], params: ScaleParams | null): void {
  if (spec.kind === "mx") {
    throw new MinifloatError("unsupported", `${spec.format}: MX block codes are not stored as one tensor`);
  }
  const need = scaleCount(spec, shape);
  const got = params?.scale.length ?? 0;
  if (got !== need) {
    throw new MinifloatError(
      "shape",
      `${spec.format} ${spec.granularity} codes: expected ${need} scales, got ${got}`,
    );
  }
}

/** Elements per scale: the whole tensor, or one last-axis row. */
function groupSize(spec: ResolvedSpec, shape: readonly number[], n: number): number {
  return spec.granularity === "tensor" ? n : (shape.at(-1) ?? n);
}

/** Integer QuantParams over (rows, cols) with axis 0 per row, or flat per tensor, as fakeQuantize uses. */
function intParams(spec: ResolvedSpec, shape: readonly number[], n: number, p: ScaleParams) {
  const cols = shape.at(-1) ?? 1;
  const perRow = spec.granularity !== "tensor";
  return {
    shape2: perRow ? [cols === 0 ? 0 : n / cols, cols] : [n],
    params: {
      format: intFormat(spec.format).name,
      scale: p.scale,
      ...(p.zeroPoint === undefined ? {} : { zeroPoint: p.zeroPoint }),
      ...(perRow ? { axis: 0 } : {}),
    },
  };
}

/**
 * The codes `x` (row-major, `shape`) quantizes to under `spec` with `params` (null for casts): for scaled
 * floats encode(x / scale) with x / scale in float64 and one rounding, for integers ONNX QuantizeLinear,
 * for casts encode(x); the same roundings as fakeQuantize. Values already on the grid (a weight that
 * quantizeModel replaced) give back their own codes.
 */
export function quantizeCodes(
  x: Float32Array,
  shape: readonly number[],
  spec: ResolvedSpec,
  params: ScaleParams | null,
): QuantCodes {
  checkCodeSpec(spec, shape, params);
  const overflow = spec.saturate ? "saturate" : "ieee";
  if (spec.kind === "cast") return encodeArray(floatFormat(spec.format), x, { overflow });
  const p = params as ScaleParams;
  if (spec.kind === "int") {
    const { shape2, params: q } = intParams(spec, shape, x.length, p);
    return quantizeInt(x, shape2, q);
  }
  const size = groupSize(spec, shape, x.length);
  const scaled = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) scaled[i] = x[i] / p.scale[Math.floor(i / size)];
  return encodeArray(floatFormat(spec.format), scaled, { overflow });
}

/** The values of `codes` under `spec` and `params`: decode(code) * scale, (code - zero point) * scale, or
 * decode(code); bit-identical to what fakeQuantize returns for the values the codes came from. */
export function dequantizeCodes(
  codes: ArrayLike<number>,
  shape: readonly number[],
  spec: ResolvedSpec,
  params: ScaleParams | null,
): Float32Array {
  checkCodeSpec(spec, shape, params);
  if (spec.kind === "cast") return decodeArray(floatFormat(spec.format), codes);
  const p = params as ScaleParams;
  if (spec.kind === "int") {
    const { shape2, params: q } = intParams(spec, shape, codes.length, p);
    return dequantizeInt(codes, shape2, q);
  }
  const size = groupSize(spec, shape, codes.length);
  const values = decodeArray(floatFormat(spec.format), codes);
  for (let i = 0; i < values.length; i++) values[i] *= p.scale[Math.floor(i / size)];
  return values;
}

/** Activation quantizers installed on a model from stored scales; restore() removes them. */
export interface StoredQuantization {
  /** The operands (`${site}:${point}`) that got a hook, in forward order. */
  readonly operands: readonly string[];
  restore(): void;
}

/**
 * Fake-quantize the activation operands named in `scales` (keys `${site}:${point}`, as a QuantReport
 * names them) with `spec`: static specs (scaled formats per tensor) use the stored scales, which every
 * such operand must have; per-token, MX and cast specs take null and compute their own, as
 * quantizeModel does. Weights are not touched: a loader sets them from their dequantized codes.
 */
export function applyStoredQuantization(
  model: AnyModule,
  spec: ResolvedSpec,
  scales: ReadonlyMap<string, ScaleParams | null>,
): StoredQuantization {
  const isStatic = (spec.kind === "float" || spec.kind === "int") && spec.granularity === "tensor";
  const sites = findSites(model, true);
  const known = new Set(sites.flatMap((s) => s.operands));
  const unknown = [...scales.keys()].filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new MinifloatError("config", `stored quantization: the model has no operand ${unknown.join(", ")}`);
  }
  const undo: (() => void)[] = [];
  const operands: string[] = [];
  for (const site of sites) {
    site.points.forEach((point, i) => {
      const key = site.operands[i];
      if (!scales.has(key)) return;
      const params = scales.get(key) ?? null;
      if (isStatic && params?.scale.length !== 1) {
        throw new MinifloatError(
          "config",
          `stored quantization: activation ${key} (${spec.format} per tensor) needs one stored scale, got ${params?.scale.length ?? 0}`,
        );
      }
      const prev = site.module.getHook(point);
      site.module.setHook(point, (t) => {
        const x = prev === null ? t : prev(t);
        const r = fakeQuantize(x.toFloat32Array(), x.shape, spec, isStatic ? params : null);
        return fromValues(r.values, x.shape, { format: x.format, engine: x.engine });
      });
      undo.push(() => {
        site.module.setHook(point, prev);
      });
      operands.push(key);
    });
  }
  let restored = false;
  return {
    operands,
    restore: () => {
      if (restored) return;
      restored = true;
      for (const u of undo.reverse()) u();
    },
  };
}
