/**
 * `minifloat quantize [MODEL_DIR]`: post-training quantization of a text classifier, measured
 * (src/experiment/quantize-run.ts): the float32 metric and, per configuration, the metric with every
 * matmul input quantized, per-layer SQNR/saturation/underflow, and with --max-drop the accuracy-driven
 * fallback. Without arguments: the shipped SST-2 model on SST-2 dev with the study's configurations.
 * --out writes quantize.json and its report (report.html, report.md). No output replaces a file or model
 * without --force, and none is the input model (checked before any work).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { MinifloatError } from "../errors.js";
import { firstSamples, loadTextDataset, type TsvQuotingOption } from "../data/index.js";
import {
  onnxAgreement,
  type OnnxAgreement,
  configLabel,
  runQuantization,
  STUDY_CONFIGS,
  type QuantizeRunResults,
  type QuantRunConfig,
} from "../experiment/index.js";
import { checkOutputFiles, resolveFromRoot, shippedModelDir, writeJsonAtomic } from "../io/index.js";
import {
  CALIBRATION_METHODS,
  QUANT_FORMATS,
  type CalibrationMethod,
  type Granularity,
  type QuantFormatName,
} from "../quant/index.js";
import { REPORT_FILES, writeReport } from "../report/index.js";
import type { CliIo } from "./io.js";
import { commaList, integerIn, quotingOption } from "./options.js";
import { percent } from "./print.js";
import { progressDisplay } from "./progress.js";
import { renderTable } from "./table.js";

interface QuantizeCliOptions {
  readonly data?: string;
  readonly dataDir?: string;
  readonly quoting?: TsvQuotingOption;
  readonly maxLength?: number;
  readonly formats?: string;
  readonly calibration?: string;
  readonly percentile?: string;
  readonly granularity?: string;
  readonly calibrationSamples?: number;
  readonly seed?: number;
  readonly limit?: number;
  readonly attention: boolean;
  readonly maxDrop?: string;
  readonly smoothquant?: string;
  readonly out?: string;
  readonly save?: string;
  readonly onnx?: string;
  readonly agreement?: boolean;
  readonly force?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

const count = integerIn(1, Number.MAX_SAFE_INTEGER);
const WEIGHT_GRANULARITIES = ["tensor", "channel"] as const;

function checked<T extends string>(option: string, values: readonly string[], allowed: readonly T[]): T[] {
  for (const v of values) {
    if (!(allowed as readonly string[]).includes(v)) {
      throw new MinifloatError("argument", `${option}: expected one of ${allowed.join(", ")}, got "${v}"`);
    }
  }
  return values as T[];
}

function positive(option: string, text: string, max = Infinity): number {
  const x = Number(text);
  if (text.trim() === "" || !(x >= 0 && x <= max)) {
    throw new MinifloatError("argument", `${option}: expected a number in [0, ${max}], got "${text}"`);
  }
  return x;
}

/** The configurations the options ask for: the study's when none of --formats, --calibration or
 * --granularity is given, else their product (MX formats have one granularity, block, and no scales to
 * calibrate). */
export function quantConfigs(o: {
  formats?: string | undefined;
  calibration?: string | undefined;
  percentile?: string | undefined;
  granularity?: string | undefined;
}): QuantRunConfig[] {
  if (o.formats === undefined && o.calibration === undefined && o.granularity === undefined) {
    return [...STUDY_CONFIGS];
  }
  const formats = checked(
    "--formats",
    commaList(o.formats ?? "float8_e4m3fn"),
    Object.keys(QUANT_FORMATS) as QuantFormatName[],
  );
  const methods = checked(
    "--calibration",
    commaList(o.calibration ?? "max"),
    CALIBRATION_METHODS as CalibrationMethod[],
  );
  const grains = checked("--granularity", commaList(o.granularity ?? "tensor"), WEIGHT_GRANULARITIES);
  const percentile = o.percentile === undefined ? 99.99 : positive("--percentile", o.percentile, 100);
  const out: QuantRunConfig[] = [];
  const seen = new Set<string>();
  for (const format of formats) {
    const mx = QUANT_FORMATS[format] === "mx";
    for (const calibration of mx ? (["max"] as const) : methods) {
      for (const granularity of mx ? (["block"] as Granularity[]) : grains) {
        const c: QuantRunConfig = {
          format,
          calibration,
          granularity,
          ...(calibration === "percentile" ? { percentile } : {}),
        };
        if (!seen.has(configLabel(c))) out.push(c);
        seen.add(configLabel(c));
      }
    }
  }
  return out;
}

function printResults(io: CliIo, r: QuantizeRunResults): void {
  const points = (v: number): string => (100 * v).toFixed(2);
  io.stdout(
    renderTable(
      [
        { header: "format" },
        { header: "calibration" },
        { header: "granularity" },
        { header: `${r.baseline.metric} %`, align: "right" },
        { header: "Δ points", align: "right" },
        { header: "sites", align: "right" },
      ],
      [
        ["float32", "-", "-", percent(r.baseline.value), "0.00", "0"],
        ...r.results.map((x) => [
          x.format,
          x.calibration,
          x.granularity,
          percent(x.value),
          `${x.delta >= 0 ? "+" : ""}${points(x.delta)}`,
          String(x.sites),
        ]),
      ],
    ),
  );
  for (const x of r.results) {
    if (x.fallback === undefined) continue;
    const kept = x.fallback.kept.map(
      (k) => `${k.site} (alone -${points(k.drop)} points, SQNR ${k.sqnrDb.toFixed(1)} dB)`,
    );
    io.stdout(
      `${x.format} ${x.granularity} fallback: kept in float32 ${kept.length === 0 ? "nothing" : kept.join(", ")}; ` +
        `${x.fallback.satisfied ? "within" : "still beyond"} the ${points(x.fallback.maxDrop)}-point budget\n`,
    );
  }
}

/** onnxruntime-node against minifloat on the evaluation split, for the model saved with --save. */
async function checkAgreement(
  saved: string,
  r: QuantizeRunResults,
  limit: number | undefined,
): Promise<OnnxAgreement> {
  const dev = loadTextDataset(r.data, r.dataDir ?? undefined, "test", { quoting: r.quoting });
  return onnxAgreement(saved, firstSamples(dev, limit));
}

/** The `quantize` command, writing to `io`. */
export function quantizeCommand(io: CliIo): Command {
  return new Command("quantize")
    .description(
      "post-training quantization of a text classifier's matmul inputs, measured per format and layer",
    )
    .argument(
      "[model-dir]",
      "a Hugging Face text classifier directory (default: the shipped SST-2 model; models/<name> names a " +
        "shipped model from any directory)",
    )
    .option("--data <name>", "glue:<task> or tsv (default: what the model was trained on)")
    .option("--data-dir <dir>", "folder of the task's files (default: the model's training data)")
    .addOption(quotingOption())
    .option(
      "--max-length <n>",
      "longest token sequence (default: the model's model_max_length, at most its max_position_embeddings)",
      count,
    )
    .option(
      "--formats <list>",
      `formats of weights and activations: ${Object.keys(QUANT_FORMATS).join(", ")} (default: the study's set)`,
    )
    .option("--calibration <list>", `activation scales: ${CALIBRATION_METHODS.join(", ")} (default max)`)
    .option("--percentile <x>", "percentile of |x| for --calibration percentile (default 99.99)")
    .option("--granularity <list>", "weight scales: tensor or channel (default tensor; MX formats: block)")
    .option("--calibration-samples <n>", "training samples to calibrate on (default 128, seeded)", count)
    .option("--seed <n>", "seed of the calibration sample (default 0)", integerIn(0, Number.MAX_SAFE_INTEGER))
    .option("--limit <n>", "evaluate on the first N samples", count)
    .option("--no-attention", "leave the attention products (Q K^T, P V) in float32")
    .option(
      "--max-drop <points>",
      "accuracy-driven fallback: keep sensitive layers in float32 until the drop is at most this",
    )
    .option(
      "--smoothquant <alpha>",
      "SmoothQuant: migrate activation outliers into the weights (alpha in [0, 1])",
    )
    .option("--out <dir>", "write quantize.json and its report there")
    .option("--save <dir>", "save the first configuration's quantized model (weights as codes with scales)")
    .option("--onnx <file>", "export the first configuration as ONNX with QuantizeLinear/DequantizeLinear")
    .option("--agreement", "with --save: run the QDQ model in onnxruntime-node and compare predictions")
    .option("--force", "replace what --out, --save or --onnx already hold (never the input model)")
    .option("--json", "print one JSON object (progress stays on stderr)")
    .option("--quiet", "no progress on stderr")
    .action(async (modelDir: string | undefined, o: QuantizeCliOptions) => {
      const configs = quantConfigs(o);
      const maxDrop = o.maxDrop === undefined ? undefined : positive("--max-drop", o.maxDrop, 100) / 100;
      if (o.agreement === true && o.save === undefined) {
        throw new MinifloatError("argument", "--agreement needs --save DIR (the model onnxruntime runs)");
      }
      const dir = modelDir === undefined ? shippedModelDir("sst2") : resolveFromRoot(modelDir);
      const display = progressDisplay(io, o.quiet);
      if (o.out !== undefined) {
        checkOutputFiles(o.out, ["quantize.json", ...Object.values(REPORT_FILES)], {
          option: "--out",
          force: o.force,
          inputs: [{ path: dir, name: "model directory" }],
        });
      }
      const r = runQuantization({
        modelDir: dir,
        data: o.data,
        dataDir: o.dataDir,
        quoting: o.quoting,
        maxLength: o.maxLength,
        configs,
        calibrationSamples: o.calibrationSamples,
        seed: o.seed,
        limit: o.limit,
        attention: o.attention,
        maxDrop,
        smoothQuant: o.smoothquant === undefined ? undefined : positive("--smoothquant", o.smoothquant, 1),
        save: o.save,
        onnx: o.onnx,
        force: o.force,
        onProgress: display.listener,
      });
      const agreement =
        o.agreement === true && o.save !== undefined ? await checkAgreement(o.save, r, o.limit) : undefined;
      if (o.out !== undefined) {
        mkdirSync(o.out, { recursive: true });
        writeJsonAtomic(join(o.out, "quantize.json"), r);
        await writeReport(o.out, o.out, { force: true });
      }
      if (o.json === true) {
        io.stdout(JSON.stringify(agreement === undefined ? r : { ...r, agreement }, null, 2) + "\n");
        return;
      }
      io.stdout(`${r.model} on ${r.data}: ${r.samples} samples, calibrated on ${r.calibrationSamples}\n`);
      printResults(io, r);
      if (agreement !== undefined) {
        io.stdout(
          `onnxruntime-node on the QDQ export of ${configLabel(configs[0])}: ${agreement.samples} samples, ` +
            `${percent(agreement.agreement)}% the same prediction, largest logit difference ` +
            `${agreement.maxLogitDiff.toExponential(2)}, ${agreement.beyondNoise} beyond float32 noise\n`,
        );
      }
      if (o.out !== undefined)
        io.stdout(`wrote ${join(o.out, "quantize.json")} and ${join(o.out, "report.html")}\n`);
    });
}
