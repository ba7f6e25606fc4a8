/**
 * Quantized BERT evaluation throughput behind `minifloat bench`: sequences per second of the shipped SST-2
 * classifier (models/sst2; the small random BERT of bert.ts without it) with every matmul input
 * fake-quantized to float8_e4m3fn (per tensor, max calibration on random batches), beside onnxruntime-node
 * running its QDQ export as written (session.disable_quant_qdq, as onnx-agreement.ts does: its QDQ fusion
 * does not handle float8) and beside the same model in float32 in minifloat, for the overhead of the
 * quantizers. Runs alternate float32, quantized, onnxruntime after one untimed warm-up each; each figure
 * is the best run. The logits of the two quantized models are compared as a check.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { renderTable } from "../src/cli/table.js";
import { quantizedOnnxBytes } from "../src/experiment/quant-export.js";
import { loadTextModel } from "../src/experiment/text-model.js";
import { floatFormat } from "../src/formats/index.js";
import { wasmKernels } from "../src/kernels/wasm/index.js";
import type { BertForSequenceClassification, BertInput } from "../src/nn/index.js";
import { createContext } from "../src/nn/module.js";
import { calibrate, quantizeModel, withInference, type QuantConfig } from "../src/quant/index.js";
import { Engine, type BackendName } from "../src/tensor/index.js";
import {
  BERT_BENCH_MODELS,
  batchOf,
  loadOrt,
  maxAbsDiff,
  ortFeeds,
  randomBert,
  type BertBenchModel,
} from "./bert.js";

/** Every matmul input (weights and activations, attention products included) to float8_e4m3fn, one scale
 * per tensor. */
export const QUANT_BENCH_CONFIG: QuantConfig = {
  weights: { format: "float8_e4m3fn", granularity: "tensor" },
  activations: { format: "float8_e4m3fn", granularity: "tensor" },
};

/** Options of one quantized BERT benchmark run. */
export interface BertQuantBenchOptions {
  /** One sequence length (64), fewer runs. */
  readonly quick?: boolean;
  /** A model directory, or the shape of a random BERT; default models/sst2, else bert-small random. */
  readonly model?: string | BertBenchModel;
  /** Sequence lengths; default 64 and 128 (64 with quick). */
  readonly sequenceLengths?: readonly number[];
  /** Sequences per forward call (default 16, 8 with quick) and timed runs (default 3, 2 with quick). */
  readonly batch?: number;
  readonly runs?: number;
  /** Random batches for max calibration (default 2). */
  readonly calibrationBatches?: number;
  /** minifloat's backend; default wasm. */
  readonly backend?: BackendName;
  readonly progress?: (note: string) => void;
}

/** Throughput at one sequence length, sequences per second. */
export interface BertQuantBenchRow {
  readonly sequence: number;
  readonly batch: number;
  readonly runs: number;
  /** minifloat, float32 weights and activations. */
  readonly float32: number;
  /** minifloat, fake-quantized float8_e4m3fn matmul inputs. */
  readonly quantized: number;
  /** onnxruntime-node on the QDQ export. */
  readonly onnxruntime: number | null;
  /** quantized / onnxruntime. */
  readonly ratio: number | null;
  /** quantized / float32: below 1, the quantizers' cost. */
  readonly overhead: number;
  /** Largest |logit difference| between minifloat's quantized model and onnxruntime's QDQ model. */
  readonly maxAbsDiff: number | null;
}

/** Everything one quantized BERT benchmark run measured. */
export interface BertQuantBenchResult {
  /** The model directory, or "random <name>". */
  readonly model: string;
  /** "layers, hidden, heads, intermediate" of that model. */
  readonly shape: string;
  readonly format: string;
  readonly calibration: string;
  readonly backend: BackendName;
  readonly threads: number;
  readonly rows: readonly BertQuantBenchRow[];
  readonly onnxruntimeError: string | null;
  readonly seconds: number;
}

/** models/sst2 of the source checkout this file sits in (bench/ or dist/bench/), or null. */
export function shippedSst2(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, "models", "sst2");
    if (existsSync(join(candidate, "model.safetensors"))) return candidate;
    dir = resolve(dir, "..");
  }
  return null;
}

function loadModel(
  source: string | BertBenchModel,
  maxSequence: number,
  backend: BackendName,
): { model: BertForSequenceClassification; name: string } {
  if (typeof source !== "string") {
    return { model: randomBert(source, maxSequence, backend), name: `random ${source.name}` };
  }
  const ctx = createContext({ engine: new Engine({ backend }), paramFormat: floatFormat("float32") });
  return { model: loadTextModel(source, ctx).model, name: source };
}

/** Run the quantized BERT evaluation benchmark. */
export async function runBertQuantBench(options: BertQuantBenchOptions = {}): Promise<BertQuantBenchResult> {
  const start = performance.now();
  const note = options.progress ?? (() => undefined);
  const quick = options.quick === true;
  const backend = options.backend ?? "wasm";
  const threads = backend === "wasm" ? (wasmKernels()?.threads ?? 1) : 1;
  const lengths = options.sequenceLengths ?? (quick ? [64] : [64, 128]);
  const batch = options.batch ?? (quick ? 8 : 16);
  const runs = options.runs ?? (quick ? 2 : 3);
  const source = options.model ?? shippedSst2() ?? BERT_BENCH_MODELS[0];
  note(`quantized BERT: loading ${typeof source === "string" ? source : `random ${source.name}`}`);
  const { model, name } = loadModel(source, Math.max(...lengths), backend);
  const config = model.config;
  const engine = model.classifier.weight.engine;
  const vocab = config.vocabSize;
  const calibrationBatches = Array.from({ length: options.calibrationBatches ?? 2 }, (_, i) =>
    batchOf(batch, Math.max(...lengths), vocab, 777 + i),
  );
  note("quantized BERT: calibrating (max) and exporting the QDQ model");
  const cal = calibrate(model, calibrationBatches, { method: "max" });
  const quantize = () => quantizeModel(model, QUANT_BENCH_CONFIG, cal);
  const q = quantize();
  const report = q.report();
  q.restore();
  const loaded = await loadOrt();
  const ort = typeof loaded === "string" ? null : loaded;
  const session =
    ort === null
      ? null
      : await ort.InferenceSession.create(quantizedOnnxBytes(model, report), {
          intraOpNumThreads: Math.min(threads, availableParallelism()),
          interOpNumThreads: 1,
          extra: { session: { disable_quant_qdq: "1" } },
        });
  const mine = (input: BertInput): Float32Array =>
    withInference(model, () => engine.tidy(() => model.forward(input).toFloat32Array()));
  const quantized = (input: BertInput): Float32Array => {
    const h = quantize();
    try {
      return mine(input);
    } finally {
      h.restore();
    }
  };
  const rows: BertQuantBenchRow[] = [];
  try {
    for (const t of lengths) {
      note(`quantized BERT: sequence ${t}, batch ${batch}`);
      const input = batchOf(batch, t, vocab);
      const feeds = ort === null ? null : ortFeeds(ort, input);
      const theirs = async (): Promise<Float32Array> =>
        session === null || feeds === null
          ? new Float32Array(0)
          : ((await session.run(feeds)).logits.data as Float32Array);
      const best = { float32: Infinity, quantized: Infinity, onnxruntime: Infinity };
      const time = async (key: keyof typeof best, fn: () => unknown): Promise<void> => {
        const t0 = performance.now();
        await fn();
        best[key] = Math.min(best[key], performance.now() - t0);
      };
      mine(input); // warm-ups
      const a = quantized(input);
      const b = session === null ? null : await theirs();
      for (let r = 0; r < runs; r++) {
        await time("float32", () => mine(input));
        // Quantizing the weights each run happens outside the timed call.
        const h = quantize();
        try {
          await time("quantized", () => mine(input));
        } finally {
          h.restore();
        }
        if (session !== null) await time("onnxruntime", theirs);
      }
      const perSecond = (ms: number): number => (batch * 1000) / ms;
      const onnxruntime = session === null ? null : perSecond(best.onnxruntime);
      rows.push({
        sequence: t,
        batch,
        runs,
        float32: perSecond(best.float32),
        quantized: perSecond(best.quantized),
        onnxruntime,
        ratio: onnxruntime === null ? null : perSecond(best.quantized) / onnxruntime,
        overhead: best.float32 / best.quantized,
        maxAbsDiff: b === null ? null : maxAbsDiff(a, b),
      });
    }
  } finally {
    await session?.release();
  }
  for (const p of model.parameters()) p.dispose();
  return {
    model: name,
    shape: `${config.numHiddenLayers} layers, hidden ${config.hiddenSize}, ${config.numAttentionHeads} heads, intermediate ${config.intermediateSize}`,
    format: "float8_e4m3fn weights and activations, per tensor",
    calibration: `max over ${cal.batches} random batches`,
    backend,
    threads,
    rows,
    onnxruntimeError: typeof loaded === "string" ? loaded : null,
    seconds: (performance.now() - start) / 1000,
  };
}

const f1 = (x: number | null): string => (x === null ? "-" : x.toFixed(1));
const f3 = (x: number | null): string => (x === null ? "-" : x.toFixed(3));

/** The result as a text table. */
export function renderBertQuantBench(r: BertQuantBenchResult): string {
  const right = { align: "right" } as const;
  const table = renderTable(
    [
      { header: "BERT eval, float8_e4m3fn" },
      { header: "seq", ...right },
      { header: "batch", ...right },
      { header: "minifloat f32 seq/s", ...right },
      { header: "minifloat fp8 seq/s", ...right },
      { header: "onnxruntime QDQ seq/s", ...right },
      { header: "ratio", ...right },
      { header: "fp8/f32", ...right },
      { header: "max |diff|", ...right },
    ],
    r.rows.map((row) => [
      "quantized",
      String(row.sequence),
      String(row.batch),
      f1(row.float32),
      f1(row.quantized),
      f1(row.onnxruntime),
      f3(row.ratio),
      f3(row.overhead),
      row.maxAbsDiff === null ? "-" : row.maxAbsDiff.toExponential(1),
    ]),
  );
  return (
    `Quantized BERT evaluation: ${r.model} (${r.shape}), ${r.format}, ${r.calibration}; minifloat ` +
    `(${r.backend}, ${r.threads} threads, fake quantization) beside onnxruntime-node on its QDQ export (as ` +
    `written, same threads); ratio = fp8 minifloat / onnxruntime, fp8/f32 = quantization overhead\n\n${table}` +
    (r.onnxruntimeError === null ? "" : `${r.onnxruntimeError}\n`) +
    `total ${r.seconds.toFixed(1)} s\n`
  );
}
