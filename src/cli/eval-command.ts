/**
 * `minifloat eval [MODEL_DIR]`: the task metric of a Hugging Face text classifier directory on a labelled
 * split (GLUE dev, or a TSV's dev.tsv). Without a directory, the shipped SST-2 model; without --data, the
 * data the model was trained on (its training.json). A table on stdout, or one JSON object with --json.
 */
import { Command } from "commander";
import { loadTextDataset } from "../data/index.js";
import { MinifloatError } from "../errors.js";
import { loadTextModel, predictText, textMetrics } from "../experiment/index.js";
import { resolveFromRoot, shippedModelDir } from "../io/index.js";
import type { CliIo } from "./io.js";
import { integerIn } from "./options.js";
import { percent } from "./print.js";
import { renderTable } from "./table.js";

interface EvalCliOptions {
  readonly data?: string;
  readonly dataDir?: string;
  readonly maxLength?: number;
  readonly batchSize?: number;
  readonly limit?: number;
  readonly json?: boolean;
}

const count = integerIn(1, Number.MAX_SAFE_INTEGER);

/** The `eval` command, writing to `io`. */
export function evalCommand(io: CliIo): Command {
  return new Command("eval")
    .description("the task metric of a Hugging Face text classifier directory on a labelled split")
    .argument(
      "[model-dir]",
      "config.json + model.safetensors (+ vocab.txt) (default: the shipped SST-2 model)",
    )
    .option("--data <name>", "glue:<task> or tsv (default: what the model was trained on)")
    .option("--data-dir <dir>", "folder of the task's files (default: the model's training data)")
    .option("--max-length <n>", "longest token sequence (default: the model's model_max_length)", count)
    .option("--batch-size <n>", "sequences per forward pass (default 64)", count)
    .option("--limit <n>", "evaluate the first N samples", count)
    .option("--json", "print one JSON object")
    .action((modelDir: string | undefined, o: EvalCliOptions) => {
      const dir = modelDir ?? shippedModelDir("sst2");
      const tm = loadTextModel(dir);
      const data = o.data ?? tm.trainedOn?.data;
      if (data === undefined) {
        throw new MinifloatError(
          "argument",
          `${dir} does not say what it was trained on: pass --data and --data-dir`,
        );
      }
      const given = o.dataDir ?? tm.trainedOn?.dataDir ?? undefined;
      const dataDir = given === undefined ? undefined : resolveFromRoot(given);
      const full = loadTextDataset(data, dataDir, "test");
      const n = Math.min(full.labels.length, o.limit ?? Infinity);
      const dataset =
        n === full.labels.length
          ? full
          : {
              ...full,
              textsA: full.textsA.slice(0, n),
              textsB: full.textsB?.slice(0, n) ?? null,
              labels: full.labels.slice(0, n),
            };
      const t0 = performance.now();
      const predictions = predictText(tm, dataset, { batchSize: o.batchSize, maxLength: o.maxLength });
      const seconds = (performance.now() - t0) / 1000;
      const r = textMetrics(data, predictions, dataset.labels);
      if (o.json === true) {
        const json = { model: dir, data, dataDir, samples: n, ...r, seconds };
        io.stdout(JSON.stringify(json, null, 2) + "\n");
        return;
      }
      io.stdout(`${dir} on ${data} (${n} samples, ${(n / seconds).toFixed(0)} samples/s)\n`);
      io.stdout(
        renderTable(
          [{ header: "metric" }, { header: "value", align: "right" }],
          Object.entries(r.metrics).map(([k, v]) => [
            k,
            k === "accuracy" || k === "f1" ? `${percent(v)}%` : v.toFixed(4),
          ]),
        ),
      );
    });
}
