/**
 * Post-training quantization of a trained text classifier, measured: the float32 metric on the
 * evaluation split, then for each configuration (format, calibration method, granularity) the metric with
 * every matmul input quantized (quant layer), per site the SQNR, saturated and underflowed fractions, and,
 * given a budget, the accuracy-driven fallback that keeps the most sensitive sites in float32 until the
 * drop is within it. Calibration runs once on N training samples (seeded) and serves every method.
 */
import {
  firstSamples,
  loadTextDataset,
  shuffledIndices,
  TextLoader,
  type TextBatch,
  type TextDataset,
  type TsvQuotingOption,
} from "../data/index.js";
import {
  calibrate,
  QUANT_FORMATS,
  quantizeModel,
  quantizeWithFallback,
  smoothQuant,
  type CalibrationMethod,
  type Granularity,
  type QuantConfig,
  type QuantFormatName,
  type QuantReport,
} from "../quant/index.js";
import { progressStep, type ProgressListener, type StepProgress } from "./progress.js";
import { checkOutputFile, checkOutputFolder, writeFolderAtomic } from "../io/index.js";
import { exportQuantizedOnnx } from "./quant-export.js";
import { saveQuantizedModel } from "./quant-save.js";
import { samplePredictions, type SamplePredictions } from "./predictions.js";
import {
  atMaxLength,
  loadTextModel,
  modelData,
  predictText,
  textMetrics,
  type TextModel,
} from "./text-model.js";

/** One configuration: a format for weights and activations, how activation scales are chosen, and the
 * weights' granularity (activations are per tensor, static; MX formats are per block of 32). */
export interface QuantRunConfig {
  readonly format: QuantFormatName;
  readonly calibration: CalibrationMethod;
  /** For "percentile" (default 99.99). */
  readonly percentile?: number;
  readonly granularity: Granularity;
}

/** The configurations the FP8-BERT comparison measures: E4M3 with max, percentile and MSE calibration;
 * E5M2; INT8 per tensor and with per-channel weights (max and entropy); MXFP8 and MXFP4. */
export const STUDY_CONFIGS: readonly QuantRunConfig[] = [
  { format: "float8_e4m3fn", calibration: "max", granularity: "tensor" },
  { format: "float8_e4m3fn", calibration: "percentile", percentile: 99.99, granularity: "tensor" },
  { format: "float8_e4m3fn", calibration: "mse", granularity: "tensor" },
  { format: "float8_e5m2", calibration: "max", granularity: "tensor" },
  { format: "int8", calibration: "max", granularity: "tensor" },
  { format: "int8", calibration: "max", granularity: "channel" },
  { format: "int8", calibration: "entropy", granularity: "channel" },
  { format: "MXFP8_E4M3", calibration: "max", granularity: "block" },
  { format: "MXFP4", calibration: "max", granularity: "block" },
];

/** What runQuantization measures on. */
export interface QuantizeRunOptions {
  readonly modelDir: string;
  /** glue:<task> or tsv; default the model's training data. */
  readonly data?: string | undefined;
  readonly dataDir?: string | undefined;
  /** How double quotes in TSV files are read (default: the model's training.json, else auto). */
  readonly quoting?: TsvQuotingOption | undefined;
  /** Longest token sequence (default the model's model_max_length; at most its position embeddings). */
  readonly maxLength?: number | undefined;
  readonly configs?: readonly QuantRunConfig[] | undefined;
  /** Calibration samples from the training split (default 128), chosen with `seed`. */
  readonly calibrationSamples?: number | undefined;
  readonly seed?: number | undefined;
  /** Evaluate on the first N samples of the evaluation split. */
  readonly limit?: number | undefined;
  /** Quantize the attention products too (default true, as FP8-BERT quantizes every matmul's inputs). */
  readonly attention?: boolean | undefined;
  /** Largest acceptable drop of the metric (a fraction: 0.005 is half a point); each configuration
   * that misses it also gets the fallback. */
  readonly maxDrop?: number | undefined;
  readonly batchSize?: number | undefined;
  /** Apply SmoothQuant with this alpha (0..1) before calibrating. */
  readonly smoothQuant?: number | undefined;
  /** Save the first configuration's quantized model (saveQuantizedModel's layout) and/or its QDQ ONNX. */
  readonly save?: string | undefined;
  readonly onnx?: string | undefined;
  /** Replace an existing model directory at `save` or file at `onnx` (never the input model). */
  readonly force?: boolean | undefined;
  /** Called with the per-sample predictions of float32 (`index` null) and of each measured configuration
   * (its index in `results`), for paired tests on the same evaluation samples. */
  readonly onPredictions?: ((p: SamplePredictions, index: number | null) => void) | undefined;
  /** Progress: step 1 is float32, then one step per configuration (its fallback included), each
   * counting evaluation batches and ending with the metric. */
  readonly onProgress?: ProgressListener | undefined;
}

/** One layer's (site's) cost under one configuration. */
export interface QuantLayerCost {
  readonly layer: string;
  /** The configuration's label (format calibration granularity). */
  readonly format: string;
  readonly sqnrDb: number;
  readonly saturation: number;
  readonly underflow: number;
}

/** The fallback of one configuration: sites kept in float32, in order, with the metric after each. */
export interface FallbackSummary {
  readonly maxDrop: number;
  readonly metricAllQuantized: number;
  readonly satisfied: boolean;
  readonly kept: readonly {
    site: string;
    drop: number;
    sqnrDb: number;
    underflow: number;
    metricAfter: number;
  }[];
}

/** One configuration's result (value: the metric, accuracy as a fraction). */
export interface QuantRunResult {
  readonly format: string;
  readonly calibration: string;
  readonly granularity: string;
  readonly metric: string;
  readonly value: number;
  readonly delta: number;
  readonly seconds: number;
  readonly sites: number;
  readonly fallback?: FallbackSummary;
}

/** Everything runQuantization measured (quantize.json). */
export interface QuantizeRunResults {
  readonly model: string;
  /** SmoothQuant's alpha, or null without it. */
  readonly smoothQuant: number | null;
  readonly data: string;
  readonly dataDir: string | null;
  /** How the TSV files were asked to be read (auto, csv or none). */
  readonly quoting: TsvQuotingOption;
  readonly samples: number;
  readonly calibrationSamples: number;
  readonly attention: boolean;
  readonly baseline: { readonly metric: string; readonly value: number; readonly seconds: number };
  readonly results: readonly QuantRunResult[];
  readonly layers: readonly QuantLayerCost[];
}

/** A label of a configuration, as tables show it. */
export function configLabel(c: QuantRunConfig): string {
  const calibration = c.calibration === "percentile" ? `percentile ${c.percentile ?? 99.99}` : c.calibration;
  return `${c.format} ${calibration} ${c.granularity}`;
}

function pick(d: TextDataset, indices: Int32Array): TextDataset {
  const at = Array.from(indices);
  return {
    ...d,
    textsA: at.map((i) => d.textsA[i]),
    textsB: d.textsB === null ? null : at.map((i) => (d.textsB as readonly string[])[i]),
    labels: Int32Array.from(at, (i) => d.labels[i]),
  };
}

/** The calibration batches: `n` training samples chosen by a seeded shuffle, in batches of 32. */
function calibrationBatches(tm: TextModel, train: TextDataset, n: number, seed: number): TextBatch[] {
  const chosen = shuffledIndices(train.labels.length, seed, 0).slice(0, Math.min(n, train.labels.length));
  const loader = new TextLoader(pick(train, chosen), tm.tokenizer, {
    batchSize: 32,
    maxLength: tm.maxLength,
    shuffle: false,
  });
  return [...loader.epoch(0)];
}

function layerCosts(label: string, report: QuantReport): QuantLayerCost[] {
  return report.sites.map((s) => {
    const operands = s.weight === null ? s.activations : [s.weight, ...s.activations];
    return {
      layer: s.site,
      format: label,
      sqnrDb: Math.min(...operands.map((o) => o.sqnrDb)),
      saturation: Math.max(...operands.map((o) => o.saturated)),
      underflow: Math.max(...operands.map((o) => o.underflow)),
    };
  });
}

/** Refuse, before any work, a --save or --onnx output that is an input or would replace something
 * without `force` (the output rule of io/output.ts). */
function checkQuantOutputs(o: QuantizeRunOptions): void {
  const model = { path: o.modelDir, name: "model directory" };
  if (o.save !== undefined) {
    checkOutputFolder(o.save, { option: "--save", kind: "model", force: o.force, inputs: [model] });
  }
  if (o.onnx !== undefined) {
    const inputs = o.save === undefined ? [model] : [model, { path: o.save, name: "--save" }];
    checkOutputFile(o.onnx, { option: "--onnx", force: o.force, inputs });
  }
}

/** Measure float32 and every configuration on the model's evaluation split. */
export function runQuantization(options: QuantizeRunOptions): QuantizeRunResults {
  checkQuantOutputs(options);
  const tm = atMaxLength(loadTextModel(options.modelDir), options.maxLength);
  const { data, dataDir, quoting } = modelData(tm, options.data, options.dataDir, options.quoting);
  const dev = firstSamples(loadTextDataset(data, dataDir, "test", { quoting }), options.limit);
  const train = loadTextDataset(data, dataDir, "train", { quoting });
  const calibrationSamples = options.calibrationSamples ?? 128;
  const batches = calibrationBatches(tm, train, calibrationSamples, options.seed ?? 0);
  const attention = options.attention ?? true;
  const configs = options.configs ?? STUDY_CONFIGS;
  const steps = configs.length + 1;
  const evaluate = (
    progress: StepProgress,
  ): { value: number; metric: string; seconds: number; predicted: Int32Array } => {
    const t0 = performance.now();
    const predicted = predictText(tm, dev, { batchSize: options.batchSize, onBatch: progress.count });
    const m = textMetrics(data, predicted, dev.labels);
    return { value: m.value, metric: m.metric, seconds: (performance.now() - t0) / 1000, predicted };
  };
  const step = (label: string, k: number): StepProgress => progressStep(options.onProgress, label, k, steps);
  const shown = (m: { metric: string; value: number }): string =>
    `${m.metric} ${(100 * m.value).toFixed(2)}%`;
  const float32 = step("float32", 1);
  const { predicted: basePredicted, ...baseline } = evaluate(float32);
  options.onPredictions?.(samplePredictions(basePredicted, dev.labels), null);
  float32.finish(shown(baseline));
  // SmoothQuant migrates activation range into the weights (float32 outputs change only by rounding),
  // then calibration runs again on the smoothed model; it stays applied under every configuration.
  const smoothing =
    options.smoothQuant === undefined
      ? null
      : smoothQuant(tm.model, calibrate(tm.model, batches, { attention }), { alpha: options.smoothQuant });
  const cal = calibrate(tm.model, batches, { attention });
  const results: QuantRunResult[] = [];
  const layers: QuantLayerCost[] = [];
  configs.forEach((c, i) => {
    const spec = { format: c.format, granularity: c.granularity };
    const config: QuantConfig = {
      weights: QUANT_FORMATS[c.format] === "mx" ? { format: c.format } : spec,
      activations: { format: c.format },
      attention,
      method: c.calibration,
      ...(c.percentile === undefined ? {} : { percentile: c.percentile }),
    };
    const q = quantizeModel(tm.model, config, cal, batches);
    if (results.length === 0) {
      if (options.save !== undefined) {
        const report = q.report();
        writeFolderAtomic(options.save, "model", (dir) =>
          saveQuantizedModel(dir, tm.model, report, { sourceDir: options.modelDir }),
        );
      }
      if (options.onnx !== undefined) exportQuantizedOnnx(tm.model, q.report(), options.onnx);
    }
    const label = configLabel(c);
    const progress = step(label, i + 2);
    layers.push(...layerCosts(label, q.report()));
    const m = evaluate(progress);
    const sites = q.sites.length;
    q.restore();
    const calibration =
      c.calibration === "percentile" ? `percentile ${c.percentile ?? 99.99}` : c.calibration;
    const row = { format: c.format, calibration, granularity: c.granularity, metric: m.metric, sites };
    const result: QuantRunResult = {
      ...row,
      value: m.value,
      delta: m.value - baseline.value,
      seconds: m.seconds,
    };
    results.push(result);
    options.onPredictions?.(samplePredictions(m.predicted, dev.labels), results.length - 1);
    progress.finish(shown(result));
    const maxDrop = options.maxDrop;
    if (maxDrop !== undefined && baseline.value - m.value > maxDrop) {
      const t0 = performance.now();
      const fallbackProgress = step(`${label} + fallback`, i + 2);
      const f = quantizeWithFallback(tm.model, config, cal, {
        evaluate: () => evaluate(fallbackProgress).value,
        baseline: baseline.value,
        maxDrop,
      });
      f.model.restore();
      const fallback: FallbackSummary = {
        maxDrop,
        metricAllQuantized: f.metricAllQuantized,
        satisfied: f.satisfied,
        kept: f.kept.map((k) => ({
          site: k.site,
          drop: k.drop,
          sqnrDb: k.sqnrDb,
          underflow: k.underflow,
          metricAfter: k.metricAfter,
        })),
      };
      const kept = `${fallback.kept.length} site${fallback.kept.length === 1 ? "" : "s"} in float32`;
      const withFallback: QuantRunResult = {
        ...row,
        calibration: `${calibration} + fallback (${kept})`,
        value: f.metric,
        delta: f.metric - baseline.value,
        seconds: (performance.now() - t0) / 1000,
        fallback,
      };
      results.push(withFallback);
      fallbackProgress.finish(shown(withFallback));
    }
  });
  smoothing?.restore();
  return {
    model: options.modelDir,
    smoothQuant: options.smoothQuant ?? null,
    data,
    dataDir: dataDir ?? null,
    quoting,
    samples: dev.labels.length,
    calibrationSamples: batches.reduce((a, b) => a + b.labels.length, 0),
    attention,
    baseline,
    results,
    layers,
  };
}
