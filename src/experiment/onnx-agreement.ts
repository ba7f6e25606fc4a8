/**
 * Does the exported QDQ model compute what minifloat simulated? onnxAgreement runs the same batches
 * through onnxruntime-node (the QDQ export of quant-export.ts) and through minifloat's fake-quantized
 * model, and compares argmax and logits. Both hold the same codes and scales, so they differ only by
 * float32 summation order (about 1e-7 relative); where that noise moves an activation across a rounding
 * boundary of its format, the element takes the neighbouring code (one float8 step: 6-12% of it), so
 * logits can differ by more than 1e-7, but a prediction can only change where the top-two margin is
 * below that difference. onnxruntime-node is a devDependency, imported only when this runs.
 */
import { MinifloatError } from "../errors.js";
import { TextLoader, type BertTokenizer, type TextDataset } from "../data/index.js";
import type { BertForSequenceClassification, BertInput } from "../nn/index.js";
import { withInference } from "../quant/index.js";
import { quantizedOnnxBytes, type QuantLayout } from "./quant-export.js";
import { loadQuantizedModel } from "./quant-save.js";
import { checkpointTokenizer } from "./text-model.js";

type Ort = typeof import("onnxruntime-node");

/** onnxruntime-node, or an "unsupported" error saying how to get it. */
async function loadOnnxRuntime(): Promise<Ort> {
  try {
    return await import("onnxruntime-node");
  } catch (e) {
    throw new MinifloatError(
      "unsupported",
      "onnxruntime-node is not installed: it is a devDependency of minifloat (npm install --save-dev onnxruntime-node)",
      { cause: e },
    );
  }
}

/** One sample whose argmax differs: both logit vectors and the top-two margins. */
export interface Disagreement {
  readonly index: number;
  readonly minifloatLogits: readonly number[];
  readonly ortLogits: readonly number[];
  /** minifloat's top-1 minus top-2 logit. */
  readonly margin: number;
  /** Largest |minifloat - ort| logit difference of this sample. */
  readonly logitDiff: number;
}

/** What onnxAgreement measured. */
export interface OnnxAgreement {
  readonly samples: number;
  /** Fraction of samples with the same argmax. */
  readonly agreement: number;
  /** Largest |minifloat - ort| over all logits. */
  readonly maxLogitDiff: number;
  /** Samples whose logits differ by more than float32 summation-order noise (options.noise): where at
   * least one activation took a neighbouring code on one side. */
  readonly beyondNoise: number;
  /** Median top-two margin of minifloat's logits, to set the disagreements' margins against. */
  readonly medianMargin: number;
  readonly disagreements: readonly Disagreement[];
  /** "as-written": onnxruntime ran each Q -> DQ and the float ops (session.disable_quant_qdq); "fused":
   * its QDQ fusion into integer kernels (int8 only; 8-bit weights saturate on CPUs without VNNI). */
  readonly mode: "as-written" | "fused";
}

/** Options of onnxAgreement. */
export interface OnnxAgreementOptions {
  /** For a TextDataset: the tokenizer (default the model directory's), length and batch size. */
  readonly tokenizer?: BertTokenizer;
  readonly maxLength?: number;
  readonly batchSize?: number;
  readonly opset?: number;
  /** Let onnxruntime fuse QDQ into its integer kernels (default false: run the graph as written). */
  readonly fused?: boolean;
  /** Largest logit difference counted as float32 summation-order noise (default 1e-4, as the float32
   * export tests use). */
  readonly noise?: number;
  /** onnxruntime intra-op threads (default 1). */
  readonly threads?: number;
}

/** A quantized model in memory (as quantizeModel leaves it, with its report) or a saveQuantizedModel
 * directory. */
export type QuantizedSource =
  string | { readonly model: BertForSequenceClassification; readonly report: QuantLayout };

function isDataset(d: TextDataset | Iterable<BertInput>): d is TextDataset {
  return "textsA" in d && "labels" in d;
}

function top2(v: ArrayLike<number>): { best: number; margin: number } {
  let best = 0;
  for (let j = 1; j < v.length; j++) if (v[j] > v[best]) best = j;
  let second = -Infinity;
  for (let j = 0; j < v.length; j++) if (j !== best && v[j] > second) second = v[j];
  return { best, margin: v.length > 1 ? v[best] - second : Infinity };
}

function int64(ort: Ort, v: ArrayLike<number> | undefined, fill: number, b: number, t: number) {
  const data = BigInt64Array.from({ length: b * t }, (_, i) => BigInt(v?.[i] ?? fill));
  return new ort.Tensor("int64", data, [b, t]);
}

/**
 * Run `data` (a labelled TextDataset, tokenized as options say, or ready BertInput batches) through the
 * QDQ export of `source` in onnxruntime-node and through minifloat's own fake-quantized model, and
 * compare them sample by sample. Any disagreement is a sample whose margin is below the logit
 * difference that float32 summation order causes through the quantizers (see this file's header).
 */
export async function onnxAgreement(
  source: QuantizedSource,
  data: TextDataset | Iterable<BertInput>,
  options: OnnxAgreementOptions = {},
): Promise<OnnxAgreement> {
  const ort = await loadOnnxRuntime();
  const { model, report } = typeof source === "string" ? loadSource(source) : source;
  let batches: Iterable<BertInput & { readonly indices?: Int32Array }>;
  if (isDataset(data)) {
    const tokenizer =
      options.tokenizer ?? (typeof source === "string" ? checkpointTokenizer(source) : undefined);
    if (tokenizer === undefined) {
      throw new MinifloatError("argument", "onnxAgreement: a TextDataset needs options.tokenizer");
    }
    const loader = new TextLoader(data, tokenizer, {
      batchSize: options.batchSize ?? 32,
      maxLength: options.maxLength ?? 128,
      shuffle: false,
    });
    batches = loader.epoch(0);
  } else batches = data;
  const fused = options.fused ?? false;
  const bytes = quantizedOnnxBytes(
    model,
    report,
    options.opset === undefined ? {} : { opset: options.opset },
  );
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: options.threads ?? 1,
    ...(fused ? {} : { extra: { session: { disable_quant_qdq: "1" } } }),
  });
  const disagreements: Disagreement[] = [];
  const margins: number[] = [];
  let samples = 0;
  let agree = 0;
  let maxLogitDiff = 0;
  let beyondNoise = 0;
  const noise = options.noise ?? 1e-4;
  const engine = model.classifier.weight.engine;
  try {
    for (const batch of batches) {
      const [b, t] = batch.shape;
      const mine = withInference(model, () => engine.tidy(() => model.forward(batch).toFloat32Array()));
      const out = await session.run({
        input_ids: int64(ort, batch.inputIds, 0, b, t),
        attention_mask: int64(ort, batch.attentionMask, 1, b, t),
        token_type_ids: int64(ort, batch.tokenTypeIds, 0, b, t),
      });
      const theirs = out.logits.data as Float32Array;
      const k = mine.length / b;
      for (let r = 0; r < b; r++) {
        const a = mine.subarray(r * k, (r + 1) * k);
        const o = theirs.subarray(r * k, (r + 1) * k);
        let diff = 0;
        for (let j = 0; j < k; j++) diff = Math.max(diff, Math.abs(a[j] - o[j]));
        maxLogitDiff = Math.max(maxLogitDiff, diff);
        if (diff > noise) beyondNoise++;
        const m = top2(a);
        margins.push(m.margin);
        if (m.best === top2(o).best) agree++;
        else {
          const index = batch.indices?.[r] ?? samples + r;
          disagreements.push({
            index,
            minifloatLogits: Array.from(a),
            ortLogits: Array.from(o),
            margin: m.margin,
            logitDiff: diff,
          });
        }
      }
      samples += b;
    }
  } finally {
    await session.release();
  }
  margins.sort((x, y) => x - y);
  return {
    samples,
    agreement: samples === 0 ? 1 : agree / samples,
    maxLogitDiff,
    beyondNoise,
    medianMargin: margins.length === 0 ? NaN : margins[Math.floor(margins.length / 2)],
    disagreements,
    mode: fused ? "fused" : "as-written",
  };
}

function loadSource(dir: string): { model: BertForSequenceClassification; report: QuantLayout } {
  const q = loadQuantizedModel(dir);
  return { model: q.model, report: q.layout };
}
