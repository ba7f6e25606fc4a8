/**
 * A post-training-quantized BERT classifier as a directory minifloat loads back (docs/quantization.md):
 * model.safetensors holds each quantized weight as its codes (F8_E4M3, F8_E5M2, I8, ...) under its
 * Hugging Face name with `<name>_scale` (F32, [] per tensor or [out] per channel) and, for asymmetric
 * integers, `<name>_zero_point` (the codes' dtype); every other parameter as F32; and the activation scale
 * of each static operand `<site>:<point>` as `<site>.<point>_scale` (F32 []), e.g.
 * `bert.encoder.layer.0.attention.self.query.input_scale` or `...attention.self.context.probs_scale`.
 * config.json carries a `quantization_config` (formats, granularity, method, quantized and float32
 * sites). Loading gives the dequantized weights and the activation hooks, bit-identical to quantizeModel.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { MinifloatError } from "../errors.js";
import { floatFormat } from "../formats/index.js";
import {
  DTYPE_INFO,
  entryToFloat32,
  entryToFloat64,
  formatToDtype,
  checkpointShapes,
  loadState,
  pathInside,
  readHfCheckpoint,
  requireLittleEndian,
  writeJsonAtomic,
  writeSafetensors,
  type SafetensorsDtype,
  type SafetensorsEntry,
} from "../io/index.js";
import {
  BertForSequenceClassification,
  bertConfig,
  checkBertWeights,
  createContext,
  type BertConfig,
} from "../nn/index.js";
import {
  applyStoredQuantization,
  dequantizeCodes,
  findSites,
  namedParameter,
  quantizeCodes,
  resolveSpec,
  type CalibrationMethod,
  type OperandReport,
  type QuantReport,
  type QuantSpec,
  type ResolvedSpec,
  type ScaleParams,
  type StoredQuantization,
} from "../quant/index.js";
import { Engine } from "../tensor/index.js";
import {
  checkpointTokenizer,
  readTokenizerConfig,
  readTrainedOn,
  TRAINING_FILE,
  type TextModel,
} from "./text-model.js";
import type { OperandScales, QuantLayout } from "./quant-export.js";

/** config.json's `quantization_config` of a quantized directory. */
export interface QuantizationConfigJson {
  readonly quant_method: "minifloat";
  readonly version: 1;
  readonly weights: QuantSpec;
  readonly activations: QuantSpec;
  /** How the static activation scales were calibrated. */
  readonly method: CalibrationMethod;
  /** Matmul sites whose inputs are quantized, in forward order. */
  readonly quantized_sites: readonly string[];
  /** Matmul sites computed in float32 (skipped, filtered out, or attention products left out). */
  readonly float32_sites: readonly string[];
}

const WEIGHTS = "model.safetensors";
/** Files copied from the source directory when there is one. */
const COPIED = ["tokenizer_config.json", "vocab.txt", TRAINING_FILE];

/** The stored name of an activation operand's scale (`${site}:${point}` -> `${site}.${point}_scale`). */
export function activationScaleName(operand: string, what: "scale" | "zero_point" = "scale"): string {
  return `${operand.replace(":", ".")}_${what}`;
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function f32Entry(values: Float32Array, shape: readonly number[]): SafetensorsEntry {
  return { dtype: "F32", shape, data: bytesOf(values).slice() };
}

/** The dtype holding `spec`'s codes: one of 8 or 16 bits (packed F4 / F6 and int4 are refused). */
function codeDtype(spec: ResolvedSpec): SafetensorsDtype {
  if (spec.kind === "mx") {
    throw new MinifloatError(
      "unsupported",
      `saveQuantizedModel: ${spec.format} weights (MX blocks) are not stored`,
    );
  }
  const dtype = formatToDtype(spec.format);
  if (DTYPE_INFO[dtype].bits < 8) {
    throw new MinifloatError(
      "unsupported",
      `saveQuantizedModel: ${spec.format} weights would need packed ${dtype}`,
    );
  }
  return dtype;
}

/** The scale (and zero-point) entries of an operand stored as `name` (`<name>_scale`, ...). */
function scaleEntries(
  o: OperandReport,
  name: (what: "scale" | "zero_point") => string,
  perTensor: boolean,
  zeroPointDtype: SafetensorsDtype,
): [string, SafetensorsEntry][] {
  if (o.scales === null) return [];
  const shape = perTensor ? [] : [o.scales.length];
  const out: [string, SafetensorsEntry][] = [[name("scale"), f32Entry(Float32Array.from(o.scales), shape)]];
  if (o.zeroPoints !== null) {
    const zp = zeroPointDtype === "I8" ? Int8Array.from(o.zeroPoints) : Uint8Array.from(o.zeroPoints);
    out.push([name("zero_point"), { dtype: zeroPointDtype, shape, data: bytesOf(zp).slice() }]);
  }
  return out;
}

/** The spec as config.json stores it (every default written out). */
function specJson(s: ResolvedSpec): QuantSpec {
  return { format: s.format, granularity: s.granularity, symmetric: s.symmetric, saturate: s.saturate };
}

/** Options of saveQuantizedModel. */
export interface SaveQuantizedOptions {
  /** The float model's directory: its tokenizer_config.json, vocab.txt and training.json are copied. */
  readonly sourceDir?: string | undefined;
}

/** What saveQuantizedModel wrote: bytes of the quantized weights (codes and scales) and what the same
 * weights take in F32. */
export interface SavedQuantized {
  readonly quantizedWeightBytes: number;
  readonly float32WeightBytes: number;
}

/**
 * Write `model`, quantized as `report` says (the float model, or the model quantizeModel left quantized:
 * both give the same codes), to `dir` in the layout of this file's header; atomic file by file.
 */
export function saveQuantizedModel(
  dir: string,
  model: BertForSequenceClassification,
  report: QuantReport,
  options: SaveQuantizedOptions = {},
): SavedQuantized {
  requireLittleEndian();
  const wSpec = report.weights;
  const weightOf = new Map(
    report.sites.flatMap((s) => (s.weight === null ? [] : [[s.weight.operand, s.weight]])),
  );
  const dtype = weightOf.size > 0 ? codeDtype(wSpec) : "F32";
  const entries: [string, SafetensorsEntry][] = [];
  let quantizedWeightBytes = 0;
  let float32WeightBytes = 0;
  for (const [name, t] of model.namedParameters()) {
    const o = weightOf.get(name);
    const values = t.toFloat32Array();
    if (o === undefined) {
      entries.push([name, f32Entry(values, t.shape)]);
      continue;
    }
    const params = scaleParams(o);
    const codes = quantizeCodes(values, t.shape, wSpec, params);
    const own = [
      [name, { dtype, shape: [...t.shape], data: bytesOf(codes).slice() }] as [string, SafetensorsEntry],
      ...scaleEntries(o, (what) => `${name}_${what}`, wSpec.granularity === "tensor", dtype),
    ];
    entries.push(...own);
    quantizedWeightBytes += own.reduce((n, [, e]) => n + e.data.length, 0);
    float32WeightBytes += 4 * values.length;
  }
  const aSpec = report.activations;
  const zpDtype = aSpec.kind === "int" ? formatToDtype(aSpec.format) : "I8";
  for (const s of report.sites) {
    for (const a of s.activations) {
      entries.push(...scaleEntries(a, (what) => activationScaleName(a.operand, what), true, zpDtype));
    }
  }
  const quantized = report.sites.map((s) => s.site);
  const quantization: QuantizationConfigJson = {
    quant_method: "minifloat",
    version: 1,
    weights: specJson(wSpec),
    activations: specJson(aSpec),
    method: report.method,
    quantized_sites: quantized,
    float32_sites: findSites(model, true)
      .map((s) => s.name)
      .filter((n) => !quantized.includes(n)),
  };
  mkdirSync(dir, { recursive: true });
  writeSafetensors(join(dir, WEIGHTS), entries, { format: "pt", quantization: "minifloat" });
  writeJsonAtomic(join(dir, "config.json"), { ...model.hfConfig(), quantization_config: quantization });
  const source = options.sourceDir;
  if (source !== undefined) {
    for (const f of COPIED)
      if (existsSync(join(source, f))) copyFileSync(pathInside(source, f), join(dir, f));
  }
  return { quantizedWeightBytes, float32WeightBytes };
}

function scaleParams(o: OperandReport): ScaleParams | null {
  if (o.scales === null) return null;
  const scale = Float32Array.from(o.scales);
  return o.zeroPoints === null ? { scale } : { scale, zeroPoint: Int32Array.from(o.zeroPoints) };
}

/** A quantized directory loaded back: the model (dequantized weights, activation hooks), its config. */
export interface QuantizedCheckpoint {
  readonly model: BertForSequenceClassification;
  readonly config: BertConfig;
  readonly quantization: QuantizationConfigJson;
  /** The stored formats and scales, as exportQuantizedOnnx and onnxAgreement take them. */
  readonly layout: QuantLayout;
  /** The activation hooks (restore() leaves the model with dequantized weights and float activations). */
  readonly hooks: StoredQuantization;
}

function bad(dir: string, what: string): never {
  throw new MinifloatError("format", `${dir}: ${what}`);
}

/** config.json's quantization_config, checked. */
function readQuantizationConfig(
  dir: string,
  config: Readonly<Record<string, unknown>>,
): QuantizationConfigJson {
  const raw: unknown = config.quantization_config;
  const q = (typeof raw === "object" && raw !== null ? raw : {}) as Partial<Record<string, unknown>>;
  if (q.quant_method !== "minifloat") {
    bad(
      dir,
      `config.json has no quantization_config with quant_method "minifloat" (not a saveQuantizedModel directory)`,
    );
  }
  if (q.version !== 1) bad(dir, `quantization_config version ${JSON.stringify(q.version)} is not 1`);
  const names = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
  if (
    !names(q.quantized_sites) ||
    !names(q.float32_sites) ||
    q.weights === undefined ||
    q.activations === undefined
  ) {
    bad(dir, "quantization_config needs weights, activations, quantized_sites and float32_sites");
  }
  return raw as QuantizationConfigJson;
}

/** The codes of a stored weight as numbers (I8 signed, other 8-bit dtypes unsigned, 16-bit little-endian). */
function codesOf(e: SafetensorsEntry): ArrayLike<number> {
  const d = e.data.slice();
  if (e.dtype === "I8") return new Int8Array(d.buffer);
  return DTYPE_INFO[e.dtype].bits === 16 ? new Uint16Array(d.buffer) : d;
}

/**
 * Load a directory written by saveQuantizedModel: a BertForSequenceClassification (float32 engine, eval
 * mode) whose quantized weights are their dequantized codes and whose quantized activation operands are
 * fake-quantized with the stored scales (quant's applyStoredQuantization).
 */
export function loadQuantizedModel(dir: string): QuantizedCheckpoint {
  const checkpoint = readHfCheckpoint(dir);
  const quantization = readQuantizationConfig(dir, checkpoint.config);
  const wSpec = resolveSpec(quantization.weights, "weight");
  const aSpec = resolveSpec(quantization.activations, "activation");
  const config = bertConfig(checkpoint.config, join(dir, "config.json"));
  checkBertWeights(config, checkpointShapes(checkpoint), dir);
  const ctx = createContext({ engine: new Engine({ backend: "wasm" }), paramFormat: floatFormat("float32") });
  const model = new BertForSequenceClassification(ctx, config, { hfInit: false });
  const tensors = new Map(checkpoint.tensors);
  const take = (name: string): SafetensorsEntry | undefined => {
    const e = tensors.get(name);
    tensors.delete(name);
    return e;
  };
  const stored = (name: string, zeroPoint: boolean): ScaleParams | null => {
    const s = take(`${name}_scale`);
    const z = take(`${name}_zero_point`);
    if (s === undefined) return null;
    const scale = entryToFloat32(s, `${name}_scale`);
    if (z === undefined) {
      if (zeroPoint) bad(dir, `${name}_zero_point is missing (asymmetric ${wSpec.format})`);
      return { scale };
    }
    return { scale, zeroPoint: Int32Array.from(entryToFloat64(z, `${name}_zero_point`)) };
  };
  const sites = findSites(model, true);
  const known = new Set(sites.map((s) => s.name));
  const unknown = quantization.quantized_sites.filter((n) => !known.has(n));
  if (unknown.length > 0) bad(dir, `quantization_config lists sites the model lacks: ${unknown.join(", ")}`);
  const asymmetric = (s: ResolvedSpec): boolean => s.kind === "int" && !s.symmetric;
  const scales = new Map<string, ScaleParams | null>();
  const layoutSites: QuantLayout["sites"][number][] = [];
  const scalesOf = (operand: string, p: ScaleParams | null): OperandScales => ({
    operand,
    scales: p === null ? null : Array.from(p.scale),
    zeroPoints: p?.zeroPoint === undefined ? null : Array.from(p.zeroPoint),
  });
  for (const site of sites.filter((s) => quantization.quantized_sites.includes(s.name))) {
    let weight: OperandScales | null = null;
    if (site.weight !== null) {
      const e = tensors.get(site.weight);
      if (e === undefined) bad(dir, `quantized weight ${site.weight} is missing`);
      const want = codeDtype(wSpec);
      if (e.dtype !== want)
        bad(dir, `${site.weight} has dtype ${e.dtype}, expected ${want} (${wSpec.format})`);
      const shape = namedParameter(model, site.weight).shape;
      const params = stored(site.weight, asymmetric(wSpec));
      const values = dequantizeCodes(codesOf(e), shape, wSpec, params);
      tensors.set(site.weight, f32Entry(values, e.shape));
      weight = scalesOf(site.weight, params);
    }
    const isStatic = (aSpec.kind === "float" || aSpec.kind === "int") && aSpec.granularity === "tensor";
    for (const operand of site.operands) {
      const name = operand.replace(":", ".");
      const params = stored(name, asymmetric(aSpec));
      if (isStatic && params === null)
        bad(dir, `activation scale ${activationScaleName(operand)} is missing`);
      scales.set(operand, params);
    }
    const activations = site.operands.map((o) => scalesOf(o, scales.get(o) ?? null));
    layoutSites.push({ site: site.name, kind: site.kind, weight, activations });
  }
  loadState(model, tensors, { allowUnexpected: (key) => key.startsWith("cls.") }, dir);
  model.eval();
  const hooks = applyStoredQuantization(model, aSpec, scales);
  const layout = { weights: wSpec, activations: aSpec, sites: layoutSites };
  return { model, config, quantization, layout, hooks };
}

/** A quantized directory as a TextModel (with its tokenizer and sequence length) for predictText. */
export function loadQuantizedTextModel(
  dir: string,
): TextModel & { readonly quantization: QuantizationConfigJson } {
  const q = loadQuantizedModel(dir);
  const tokenizer = checkpointTokenizer(dir);
  if (tokenizer.vocabSize !== q.config.vocabSize) {
    bad(
      dir,
      `config.json has vocab_size ${q.config.vocabSize} but the vocabulary has ${tokenizer.vocabSize} tokens`,
    );
  }
  const max = readTokenizerConfig(dir).maxLength;
  return {
    dir,
    model: q.model,
    tokenizer,
    maxLength: Math.min(max ?? 128, q.config.maxPositionEmbeddings),
    maxPositions: q.config.maxPositionEmbeddings,
    labels: q.config.id2label,
    trainedOn: readTrainedOn(dir),
    quantization: q.quantization,
  };
}
