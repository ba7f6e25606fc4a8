/**
 * BERT forward throughput behind `minifloat bench`: sequences per second of BertForSequenceClassification
 * in float32 on the wasm backend (all its threads) beside onnxruntime-node (CPU, as many intra-op
 * threads) running the same random weights exported by exportBertOnnx, at sequence lengths 64 and 128,
 * for a small BERT and a BERT-base-sized one. Runs alternate (minifloat, onnxruntime, ...) after one
 * untimed warm-up call each; each figure is the best run. The logits of both are compared as a check.
 */
import { availableParallelism } from "node:os";
import { renderTable } from "../src/cli/table.js";
import { exportBertOnnx } from "../src/io/onnx/index.js";
import { wasmKernels } from "../src/kernels/wasm/index.js";
import { bertConfig, BertForSequenceClassification, type BertInput } from "../src/nn/index.js";
import { createContext } from "../src/nn/module.js";
import { Engine, type BackendName } from "../src/tensor/index.js";

/** The shape of one benchmarked model. */
export interface BertBenchModel {
  readonly name: string;
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly intermediate: number;
  readonly vocab: number;
  /** Sequences per forward call at each sequence length. */
  readonly batch: number;
  /** Timed runs per contender at each sequence length. */
  readonly runs: number;
}

/** Options of one BERT benchmark run. */
export interface BertBenchOptions {
  /** Only the small model, fewer runs. */
  readonly quick?: boolean;
  /** Models to run instead of the defaults (tests use a tiny one). */
  readonly models?: readonly BertBenchModel[];
  /** Sequence lengths; default 64 and 128. */
  readonly sequenceLengths?: readonly number[];
  /** minifloat's backend; default wasm. */
  readonly backend?: BackendName;
  readonly progress?: (note: string) => void;
}

/** Throughput of one model at one sequence length. */
export interface BertBenchRow {
  readonly model: string;
  readonly sequence: number;
  readonly batch: number;
  readonly runs: number;
  /** Sequences per second. */
  readonly minifloat: number;
  readonly onnxruntime: number | null;
  /** minifloat / onnxruntime. */
  readonly ratio: number | null;
  /** Largest |logit difference| between the two on the benchmarked batch. */
  readonly maxAbsDiff: number | null;
}

/** Everything one BERT benchmark run measured. */
export interface BertBenchResult {
  readonly backend: BackendName;
  readonly threads: number;
  readonly models: readonly BertBenchModel[];
  readonly rows: readonly BertBenchRow[];
  /** Why onnxruntime-node did not run, if it did not. */
  readonly onnxruntimeError: string | null;
  readonly seconds: number;
}

/** A small BERT (4 layers, hidden 256) and a BERT-base-sized one (12 layers, hidden 768). Batch sizes and
 * runs keep the BERT part within about two minutes on 2 busy cores: BERT-base forward in minifloat takes
 * several seconds per sequence of 128 tokens there, and building its 110M random weights about 13 s. */
export const BERT_BENCH_MODELS: readonly BertBenchModel[] = [
  {
    name: "bert-small",
    layers: 4,
    hidden: 256,
    heads: 4,
    intermediate: 1024,
    vocab: 30522,
    batch: 8,
    runs: 3,
  },
  {
    name: "bert-base",
    layers: 12,
    hidden: 768,
    heads: 12,
    intermediate: 3072,
    vocab: 30522,
    batch: 2,
    runs: 2,
  },
];

/** The onnxruntime-node module. */
export type Ort = typeof import("onnxruntime-node");

/** onnxruntime-node, or why it could not be loaded. */
export async function loadOrt(): Promise<Ort | string> {
  try {
    return await import("onnxruntime-node");
  } catch (e) {
    return `onnxruntime-node unavailable: ${String(e)}`;
  }
}

/** `batch` full sequences of `t` random token ids (from `seed`), both token types, no padding. */
export function batchOf(batch: number, t: number, vocab: number, seed = 12345): BertInput {
  const n = batch * t;
  let s = seed;
  const ids = Int32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 1 + (s % (vocab - 1));
  });
  const types = Int32Array.from({ length: n }, (_, i) => (i % t >= t / 2 ? 1 : 0));
  return { inputIds: ids, tokenTypeIds: types, attentionMask: new Int32Array(n).fill(1), shape: [batch, t] };
}

/** Largest |a[i] - b[i]|. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

/** The onnxruntime feeds (int64 input_ids, attention_mask, token_type_ids) of `input`. */
export function ortFeeds(ort: Ort, input: BertInput): Record<string, import("onnxruntime-node").Tensor> {
  const [b, t] = input.shape;
  const int64 = (v: ArrayLike<number> | undefined) =>
    new ort.Tensor(
      "int64",
      BigInt64Array.from(v ?? [], (x) => BigInt(x)),
      [b, t],
    );
  return {
    input_ids: int64(input.inputIds),
    attention_mask: int64(input.attentionMask),
    token_type_ids: int64(input.tokenTypeIds),
  };
}

/** A BertForSequenceClassification of shape `spec` with minifloat's random initialization, in eval mode. */
export function randomBert(
  spec: BertBenchModel,
  maxSequence: number,
  backend: BackendName,
): BertForSequenceClassification {
  const engine = new Engine({ backend, seed: 1 });
  const config = bertConfig({
    vocab_size: spec.vocab,
    hidden_size: spec.hidden,
    num_hidden_layers: spec.layers,
    num_attention_heads: spec.heads,
    intermediate_size: spec.intermediate,
    max_position_embeddings: Math.max(512, maxSequence),
    num_labels: 2,
  });
  // minifloat's default initialization: half the work of Hugging Face's, and the values do not matter here.
  return new BertForSequenceClassification(createContext({ engine, seed: 1 }), config, {
    hfInit: false,
  }).eval();
}

/** Benchmark one model at every sequence length. */
async function benchModel(
  spec: BertBenchModel,
  lengths: readonly number[],
  backend: BackendName,
  threads: number,
  ort: Ort | null,
  note: (s: string) => void,
): Promise<BertBenchRow[]> {
  note(`${spec.name}: building random weights`);
  const model = randomBert(spec, Math.max(...lengths), backend);
  const engine = model.classifier.weight.engine;
  let session: import("onnxruntime-node").InferenceSession | null = null;
  if (ort !== null) {
    note(`${spec.name}: exporting to ONNX`);
    const bytes = exportBertOnnx(model);
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  }
  const rows: BertBenchRow[] = [];
  for (const t of lengths) {
    note(`${spec.name}: sequence ${t}, batch ${spec.batch}`);
    const input = batchOf(spec.batch, t, spec.vocab);
    const mine = (): Float32Array =>
      engine.noGrad(() => engine.tidy(() => model.forward(input).toFloat32Array()));
    const feeds = ort === null ? null : ortFeeds(ort, input);
    const theirs = async (): Promise<Float32Array> =>
      (await (session as import("onnxruntime-node").InferenceSession).run(feeds ?? {})).logits
        .data as Float32Array;
    const a = mine(); // warm-up
    const b = session === null ? null : await theirs();
    let fastMine = Infinity;
    let fastTheirs = Infinity;
    for (let r = 0; r < spec.runs; r++) {
      let t0 = performance.now();
      mine();
      fastMine = Math.min(fastMine, performance.now() - t0);
      if (session !== null) {
        t0 = performance.now();
        await theirs();
        fastTheirs = Math.min(fastTheirs, performance.now() - t0);
      }
    }
    const minifloat = (spec.batch * 1000) / fastMine;
    const onnxruntime = session === null ? null : (spec.batch * 1000) / fastTheirs;
    rows.push({
      model: spec.name,
      sequence: t,
      batch: spec.batch,
      runs: spec.runs,
      minifloat,
      onnxruntime,
      ratio: onnxruntime === null ? null : minifloat / onnxruntime,
      maxAbsDiff: b === null ? null : maxAbsDiff(a, b),
    });
  }
  await session?.release();
  for (const p of model.parameters()) p.dispose();
  return rows;
}

/** Run the BERT benchmark. */
export async function runBertBench(options: BertBenchOptions = {}): Promise<BertBenchResult> {
  const start = performance.now();
  const note = options.progress ?? (() => undefined);
  const backend = options.backend ?? "wasm";
  const threads = backend === "wasm" ? (wasmKernels()?.threads ?? 1) : 1;
  const models =
    options.models ??
    (options.quick === true
      ? BERT_BENCH_MODELS.slice(0, 1).map((m) => ({ ...m, batch: 4, runs: 2 }))
      : BERT_BENCH_MODELS);
  const lengths = options.sequenceLengths ?? [64, 128];
  note("loading onnxruntime-node");
  const loaded = await loadOrt();
  const ort = typeof loaded === "string" ? null : loaded;
  const rows: BertBenchRow[] = [];
  for (const m of models)
    rows.push(
      ...(await benchModel(m, lengths, backend, Math.min(threads, availableParallelism()), ort, note)),
    );
  return {
    backend,
    threads,
    models,
    rows,
    onnxruntimeError: typeof loaded === "string" ? loaded : null,
    seconds: (performance.now() - start) / 1000,
  };
}

const f1 = (x: number | null): string => (x === null ? "-" : x.toFixed(1));

/** The result as a text table. */
export function renderBertBench(r: BertBenchResult): string {
  const right = { align: "right" } as const;
  const table = renderTable(
    [
      { header: "BERT forward, float32" },
      { header: "seq", ...right },
      { header: "batch", ...right },
      { header: "minifloat seq/s", ...right },
      { header: "onnxruntime seq/s", ...right },
      { header: "ratio", ...right },
      { header: "max |diff|", ...right },
    ],
    r.rows.map((row) => [
      row.model,
      String(row.sequence),
      String(row.batch),
      f1(row.minifloat),
      f1(row.onnxruntime),
      row.ratio === null ? "-" : row.ratio.toFixed(3),
      row.maxAbsDiff === null ? "-" : row.maxAbsDiff.toExponential(1),
    ]),
  );
  const shapes = r.models
    .map(
      (m) =>
        `${m.name}: ${m.layers} layers, hidden ${m.hidden}, ${m.heads} heads, intermediate ${m.intermediate}`,
    )
    .join("; ");
  return (
    `BERT forward throughput: minifloat (${r.backend}, ${r.threads} threads) beside onnxruntime-node (CPU, same ` +
    `threads) on the same random weights; best of the runs after a warm-up, sequences/s\n${shapes}\n\n${table}` +
    (r.onnxruntimeError === null ? "" : `${r.onnxruntimeError}\n`) +
    `total ${r.seconds.toFixed(1)} s\n`
  );
}
