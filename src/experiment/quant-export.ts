/**
 * A post-training-quantized BERT (quant layer's QuantReport) exported to ONNX QuantizeLinear /
 * DequantizeLinear (io/onnx): each quantized operand of the report becomes a QDQ site, weights per tensor
 * or per output channel (axis 0 of (out, in)), activations per tensor with their calibrated scales,
 * float8 (E4M3, E5M2) and int8 / uint8 with or without a zero point. What ONNX QDQ cannot express
 * (per-token dynamic scales, MX blocks, casts, fnuz float8, int4, non-saturating float8) is refused.
 */
import { MinifloatError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { exportBertOnnx, QDQ_FORMATS, type QdqFormat, type QdqMap, type QdqSite } from "../io/onnx/index.js";
import type { BertForSequenceClassification } from "../nn/index.js";
import {
  fakeQuantize,
  namedParameter,
  type OperandReport,
  type ResolvedSpec,
  type SiteReport,
} from "../quant/index.js";
import { fromValues } from "../tensor/index.js";

/** An operand's stored quantization: its name and scales (and zero points), null when computed at run
 * time. A quant OperandReport is one. */
export type OperandScales = Pick<OperandReport, "operand" | "scales" | "zeroPoints">;

/** Which sites are quantized, to what, with which scales: a QuantReport, or what loadQuantizedModel
 * read back from a directory. */
export interface QuantLayout {
  readonly weights: ResolvedSpec;
  readonly activations: ResolvedSpec;
  readonly sites: readonly {
    readonly site: string;
    readonly kind: SiteReport["kind"];
    readonly weight: OperandScales | null;
    readonly activations: readonly OperandScales[];
  }[];
}

/** The QDQ site names (bert-onnx.ts) of an attention product's hook points (nn/bert.ts), by site suffix. */
const ATTENTION_POINTS: Readonly<Partial<Record<string, Readonly<Partial<Record<string, string>>>>>> = {
  scores: { query: "q", key: "k" },
  context: { probs: "probs", value: "v" },
};

function unsupported(operand: string, spec: ResolvedSpec, why: string): never {
  throw new MinifloatError(
    "unsupported",
    `ONNX QDQ export: operand ${operand} is ${spec.format} ${spec.granularity}, which ${why}`,
  );
}

/** The QDQ format of `spec`, or an "unsupported" error naming the operand. */
function qdqFormat(operand: string, spec: ResolvedSpec): QdqFormat {
  if (spec.kind === "mx") unsupported(operand, spec, "has per-block E8M0 scales that QDQ cannot express");
  if (spec.kind === "cast") unsupported(operand, spec, "is a cast without a scale, not a QDQ pair");
  if (!(QDQ_FORMATS as readonly string[]).includes(spec.format)) {
    unsupported(operand, spec, `is not an ONNX QDQ type (${QDQ_FORMATS.join(", ")})`);
  }
  if (spec.kind === "float" && !spec.saturate) {
    unsupported(operand, spec, "does not saturate, while the exported QuantizeLinear does");
  }
  return spec.format as QdqFormat;
}

/** One operand's QDQ site: its scales (and zero points), per tensor or along `axis`. */
function qdqSite(o: OperandScales, spec: ResolvedSpec, axis: number | null): QdqSite {
  const format = qdqFormat(o.operand, spec);
  if (o.scales === null) unsupported(o.operand, spec, "has scales computed at run time (dynamic)");
  const perAxis = axis !== null && spec.granularity === "channel";
  if (spec.granularity !== "tensor" && !perAxis) {
    unsupported(o.operand, spec, "has scales computed per token at run time");
  }
  const zp = o.zeroPoints;
  return {
    format,
    scale: perAxis ? o.scales : o.scales[0],
    ...(zp === null ? {} : { zeroPoint: perAxis ? zp : zp[0] }),
    ...(perAxis ? { axis } : {}),
  };
}

/** The QDQ site name of an activation operand `${site}:${point}` of a site of `kind`. */
function activationSiteName(s: QuantLayout["sites"][number], operand: string): string {
  const point = operand.slice(s.site.length + 1);
  if (s.kind === "linear") {
    if (point !== "input") throw new MinifloatError("unsupported", `ONNX QDQ export: no site for ${operand}`);
    return `${s.site}.input`;
  }
  const dot = s.site.lastIndexOf(".");
  const name = ATTENTION_POINTS[s.site.slice(dot + 1)]?.[point];
  if (name === undefined) throw new MinifloatError("unsupported", `ONNX QDQ export: no site for ${operand}`);
  return `${s.site.slice(0, dot)}.${name}`;
}

/**
 * The QdqMap of exportBertOnnx for the quantized sites of `report` (from quantizeModel on `model`):
 * `<linear>.weight` with the weight's scales (per channel along axis 0 of (out, in)), `<linear>.input`
 * and the attention's `<self>.q/.k/.v/.probs` with the calibrated per-tensor scales. Sites the report
 * keeps in float32 get none. Throws "unsupported" naming the operand and its format for anything QDQ
 * cannot express; exportBertOnnx checks every name against the model.
 */
export function qdqMapFromReport(model: BertForSequenceClassification, report: QuantLayout): QdqMap {
  const map: Record<string, QdqSite> = {};
  for (const s of report.sites) {
    if (s.weight !== null) {
      const w = namedParameter(model, s.weight.operand);
      if (w.shape.length !== 2) {
        throw new MinifloatError(
          "unsupported",
          `ONNX QDQ export: weight ${s.weight.operand} is not (out, in)`,
        );
      }
      map[`${s.site}.weight`] = qdqSite(s.weight, report.weights, 0);
    }
    for (const a of s.activations)
      map[activationSiteName(s, a.operand)] = qdqSite(a, report.activations, null);
  }
  return map;
}

/**
 * Run `fn` with every quantized weight of `report` set to its fake-quantized values (its scales from the
 * report, minifloat's rounding), then put the weights back. A model that quantizeModel already quantized
 * keeps its values (they are on the grid); a float model gets exactly the values quantizeModel gave it, so
 * the exporter's re-quantization (x / scale in float32) writes minifloat's codes either way.
 */
export function withQuantizedWeights<T>(
  model: BertForSequenceClassification,
  report: QuantLayout,
  fn: () => T,
): T {
  const spec = report.weights;
  const undo: (() => void)[] = [];
  try {
    for (const s of report.sites) {
      const o = s.weight;
      if (o === null || o.scales === null) continue;
      const w = namedParameter(model, o.operand);
      const params = {
        scale: Float32Array.from(o.scales),
        ...(o.zeroPoints === null ? {} : { zeroPoint: Int32Array.from(o.zeroPoints) }),
      };
      const q = fakeQuantize(w.toFloat32Array(), w.shape, spec, params).values;
      model.setParameter(o.operand, fromValues(q, w.shape, { format: w.format, engine: w.engine }));
      undo.push(() => {
        model.setParameter(o.operand, w);
      });
    }
    return fn();
  } finally {
    for (const u of undo.reverse()) u();
  }
}

/** Options of quantizedOnnxBytes and exportQuantizedOnnx. */
export interface QuantizedOnnxOptions {
  /** Default-domain opset, 19 (default) to 23. */
  readonly opset?: number;
}

/** The .onnx bytes of `model` quantized as `report` says (see qdqMapFromReport and withQuantizedWeights). */
export function quantizedOnnxBytes(
  model: BertForSequenceClassification,
  report: QuantLayout,
  options: QuantizedOnnxOptions = {},
): Uint8Array {
  const qdq = qdqMapFromReport(model, report);
  return withQuantizedWeights(model, report, () =>
    exportBertOnnx(model, { qdq, ...(options.opset === undefined ? {} : { opset: options.opset }) }),
  );
}

/** Write `model`, quantized as `report` says, to `path` as a QDQ .onnx file (atomically); returns its size
 * in bytes. Run float8 models in onnxruntime with session option session.disable_quant_qdq = "1"
 * (bert-onnx.ts explains why). */
export function exportQuantizedOnnx(
  model: BertForSequenceClassification,
  report: QuantLayout,
  path: string,
  options: QuantizedOnnxOptions = {},
): number {
  const bytes = quantizedOnnxBytes(model, report, options);
  writeFileAtomic(path, bytes);
  return bytes.length;
}
