/**
 * `minifloat tolerance` on a trained run: the checkpoint's weights evaluated in float32 and in each target
 * format (weights and activations rounded to it, float32 accumulation) or policy, per sample the error
 * delta against the tolerance tau (src/analysis/tolerance.ts), per layer the relative error against the
 * forward-error bound (src/analysis/layer-error.ts). Works for every model `minifloat train` makes.
 */
import {
  addOutputs,
  addProducts,
  compareLogits,
  layerErrorRow,
  newLayerSums,
  summarizeTolerance,
  type LayerErrorRow,
  type LayerErrorSums,
  type SampleTolerance,
  type ToleranceSummary,
} from "../analysis/index.js";
import { closestName, MinifloatError } from "../errors.js";
import { FLOAT_FORMAT_NAMES, floatFormat, isIntFormatName, type FloatFormat } from "../formats/index.js";
import { DataLoader, isTextDataName, loadImageDataset, takeFirst, type ImageDataset } from "../data/index.js";
import type { OpRounding } from "../kernels/index.js";
import { abs, conv2d, matmul } from "../ops/index.js";
import { Conv2d, createContext, Linear, observeOutputs, type Module } from "../nn/index.js";
import { Engine, fromValues, Tensor } from "../tensor/index.js";
import { progressStep, type ProgressListener } from "./progress.js";
import { listCheckpoints, loadWeightsInto, readCheckpointValues } from "./checkpoint.js";
import { readRunConfig, runPaths } from "./run-dir.js";
import { buildModel, EVAL_BATCH_SIZE, opRounding, resolvePolicy } from "./setup.js";

/** The formats analysed when none are given. */
export const DEFAULT_TOLERANCE_FORMATS = ["float16", "bfloat16", "float8_e4m3fn", "float8_e5m2"];

/** One low-precision configuration to compare with float32. */
export interface ToleranceTarget {
  readonly name: string;
  readonly params: FloatFormat;
  readonly activations: FloatFormat;
  readonly rounding: OpRounding;
  readonly accumulate: "float32" | "output";
}

/** Options of analyzeTolerance. */
export interface ToleranceOptions {
  readonly checkpoint?: string | undefined;
  readonly formats?: readonly string[] | undefined;
  readonly policies?: readonly string[] | undefined;
  /** Dataset name (default the run's) and folder. */
  readonly data?: string | undefined;
  readonly dataDir?: string | undefined;
  /** Analyse the first N test samples. */
  readonly limit?: number | undefined;
  /** The test set itself, instead of loading it (tests). */
  readonly testSet?: ImageDataset | undefined;
  /** Progress: one step counting test batches, ending with the number of samples compared. */
  readonly onProgress?: ProgressListener | undefined;
}

/** What the analysis finds. */
export interface ToleranceResults {
  readonly run: string;
  readonly checkpoint: string;
  readonly data: string;
  readonly samples: number;
  readonly formats: readonly ToleranceSummary[];
  readonly layers: readonly { readonly format: string; readonly rows: readonly LayerErrorRow[] }[];
  /** Per format, every sample's comparison (for histograms and the report). */
  readonly perSample: Readonly<Record<string, readonly SampleTolerance[]>>;
}

/** The target of a float format name; integer and scale-only formats are refused with the reason. */
export function formatTarget(name: string): ToleranceTarget {
  if (isIntFormatName(name)) {
    throw new MinifloatError(
      "argument",
      `--formats: ${name} is an integer format; it needs quantization scales (use minifloat quantize)`,
    );
  }
  if (!(FLOAT_FORMAT_NAMES as readonly string[]).includes(name)) {
    const near = closestName(name, FLOAT_FORMAT_NAMES);
    throw new MinifloatError(
      "argument",
      `--formats: unknown format "${name}"${near === undefined ? "" : ` (did you mean "${near}"?)`}`,
    );
  }
  const f = floatFormat(name);
  if (f.mantissaBits === 0) {
    throw new MinifloatError(
      "argument",
      `--formats: ${name} holds only powers of two without sign or zero (a scale format); a network cannot run in it`,
    );
  }
  return { name, params: f, activations: f, rounding: "nearest-even", accumulate: "float32" };
}

/** The target of a precision policy (preset or file): its params and activations formats. */
export function policyTarget(nameOrPath: string): ToleranceTarget {
  const p = resolvePolicy(nameOrPath);
  return {
    name: p.name,
    params: floatFormat(p.roles.params.format),
    activations: floatFormat(p.roles.activations.format),
    rounding: opRounding(p, "activations"),
    accumulate: p.accumulate,
  };
}

const FLOAT32: ToleranceTarget = formatTarget("float32");

function layerKind(m: Module<never, unknown>): { kind: string; fanIn: number } {
  if (m instanceof Linear) return { kind: "linear", fanIn: m.weight.shape[1] ?? 0 };
  if (m instanceof Conv2d) {
    const [, cin = 0, kh = 0, kw = 0] = m.weight.shape;
    return { kind: "conv2d", fanIn: cin * kh * kw };
  }
  return { kind: m.constructor.name.toLowerCase(), fanIn: 0 };
}

/** |W||x| and Wx of a dot layer for float32 input x (both float32). */
function products(m: Module<never, unknown>, x: Tensor): [Float32Array, Float32Array] | null {
  if (m instanceof Linear) {
    return [matmul(abs(x), abs(m.weight), { transB: true }), matmul(x, m.weight, { transB: true })].map((t) =>
      t.toFloat32Array(),
    ) as [Float32Array, Float32Array];
  }
  if (m instanceof Conv2d) {
    const attrs = { stride: m.stride, padding: m.padding, groups: m.groups };
    return [conv2d(abs(x), abs(m.weight), null, attrs), conv2d(x, m.weight, null, attrs)].map((t) =>
      t.toFloat32Array(),
    ) as [Float32Array, Float32Array];
  }
  return null;
}

/** Analyse the run in `runDir` (its last checkpoint unless one is named). */
export function analyzeTolerance(runDir: string, options: ToleranceOptions = {}): ToleranceResults {
  const { config } = readRunConfig(runDir);
  const checkpoint = options.checkpoint ?? listCheckpoints(runPaths(runDir).checkpoints).at(-1);
  if (checkpoint === undefined) {
    throw new MinifloatError(
      "io",
      `${runDir}: no checkpoint in ${runPaths(runDir).checkpoints} (train the run first, or pass --checkpoint)`,
    );
  }
  if (options.formats !== undefined && options.policies !== undefined) {
    throw new MinifloatError("argument", "give --formats or --policies, not both");
  }
  const names = [...new Set(options.policies ?? options.formats ?? DEFAULT_TOLERANCE_FORMATS)];
  const targets = names.map(options.policies === undefined ? formatTarget : policyTarget);
  const dataName = options.data ?? config.data;
  if (isTextDataName(dataName)) {
    throw new MinifloatError(
      "unsupported",
      `${dataName}: the tolerance analysis of text models arrives with the BERT evaluation; image runs only for now`,
    );
  }
  let test =
    options.testSet ??
    loadImageDataset(dataName, { dir: options.dataDir ?? config.dataDir ?? undefined, split: "test" });
  if (options.limit !== undefined) test = takeFirst(test, options.limit);
  const values = readCheckpointValues(checkpoint);
  const engine = new Engine({ backend: config.backend, seed: config.seed });
  const build = (t: ToleranceTarget): Module => {
    const ctx = createContext({
      engine,
      seed: config.seed,
      paramFormat: t.params,
      activationFormat: t.activations,
      rounding: t.rounding,
      accumulate: t.accumulate,
    });
    const model = buildModel(config, { train: test, test }, ctx);
    loadWeightsInto(model, checkpoint, values);
    return model.eval();
  };
  const reference = build(FLOAT32);
  const models = targets.map(build);
  const sums = targets.map(() => new Map<string, LayerErrorSums>());
  const perSample = targets.map((): SampleTolerance[] => []);
  const loader = new DataLoader(test, { batchSize: EVAL_BATCH_SIZE, shuffle: false });
  const modules = new Map([...reference.namedModules()]);
  const progress = progressStep(options.onProgress, `tolerance ${names.join(", ")}`, 1, 1);
  let done = 0;
  engine.noGrad(() => {
    for (const batch of loader.epoch(0)) {
      engine.tidy(() => {
        const refOutputs = new Map<string, Float32Array>();
        const refProducts = new Map<string, [Float32Array, Float32Array] | null>();
        const detach = observeOutputs(reference, (name, out, input) => {
          if (!(out instanceof Tensor)) return;
          refOutputs.set(name, out.toFloat32Array());
          const m = modules.get(name);
          refProducts.set(name, m !== undefined && input instanceof Tensor ? products(m, input) : null);
        });
        const logits32 = reference
          .forward(fromValues(batch.images, batch.shape, { engine }))
          .toFloat32Array();
        detach();
        models.forEach((model, k) => {
          const t = targets[k];
          const layerSums = sums[k];
          const undo = observeOutputs(model, (name, out) => {
            const ref = refOutputs.get(name);
            if (!(out instanceof Tensor) || ref === undefined) return;
            let s = layerSums.get(name);
            if (s === undefined) {
              const m = modules.get(name);
              const { kind, fanIn } = m === undefined ? { kind: "?", fanIn: 0 } : layerKind(m);
              s = newLayerSums(kind, fanIn);
              layerSums.set(name, s);
            }
            addOutputs(s, out.toFloat32Array(), ref);
            const p = refProducts.get(name);
            if (p !== undefined && p !== null) addProducts(s, p[0], p[1]);
          });
          const x = fromValues(batch.images, batch.shape, { engine, format: t.activations });
          const logits = model.forward(x).toFloat32Array();
          undo();
          const classes = logits.length / batch.labels.length;
          perSample[k].push(...compareLogits(logits32, logits, batch.labels, classes));
        });
      });
      progress.count(++done, loader.batchesPerEpoch);
    }
  });
  progress.finish(`${test.labels.length} samples compared`);
  const formats = targets.map((t, k) => summarizeTolerance(t.name, perSample[k]));
  const bad = formats.find((s) => s.lemmaViolations > 0);
  if (bad !== undefined) {
    throw new MinifloatError(
      "numeric",
      `internal error: ${bad.lemmaViolations} sample(s) of ${bad.format} have delta < tau but different predictions; please report this`,
    );
  }
  return {
    run: runDir,
    checkpoint,
    data: dataName,
    samples: formats[0]?.samples ?? 0,
    formats,
    layers: targets.map((t, k) => ({
      format: t.name,
      rows: [...(sums[k] ?? new Map<string, LayerErrorSums>())].map(([name, s]) =>
        layerErrorRow(name, s, t.activations),
      ),
    })),
    perSample: Object.fromEntries(targets.map((t, k) => [t.name, perSample[k]])),
  };
}
