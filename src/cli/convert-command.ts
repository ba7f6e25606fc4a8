/**
 * `minifloat convert MODEL_DIR --dtype FORMAT --out DIR`: a Hugging Face checkpoint directory with every
 * float tensor stored in another float format (src/io/hf-convert.ts), e.g. a float32-trained model kept
 * as float16 at half the size. The new directory is built beside --out and renamed into place; an
 * existing model directory there is replaced only with --force, and never the input itself.
 */
import { Command } from "commander";
import { checkOutputFolder, convertHfCheckpoint, writeFolderAtomic } from "../io/index.js";
import type { CliIo } from "./io.js";

interface ConvertCliOptions {
  readonly dtype: string;
  readonly out: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

/** The `convert` command, writing to `io`. */
export function convertCommand(io: CliIo): Command {
  return new Command("convert")
    .description("store a Hugging Face checkpoint's float tensors in another float format")
    .argument("<model-dir>", "config.json + model.safetensors")
    .requiredOption("--dtype <format>", "float16, bfloat16, float32, ... (each value rounded once)")
    .requiredOption("--out <dir>", "the new checkpoint directory")
    .option("--force", "replace the model directory --out already holds")
    .option("--json", "print one JSON object")
    .action((dir: string, o: ConvertCliOptions) => {
      checkOutputFolder(o.out, {
        option: "--out",
        kind: "model",
        force: o.force,
        inputs: [{ path: dir, name: "model directory" }],
      });
      const r = writeFolderAtomic(o.out, "model", (temp) => convertHfCheckpoint(dir, temp, o.dtype));
      if (o.json === true) {
        io.stdout(JSON.stringify({ from: dir, to: o.out, dtype: o.dtype, ...r }, null, 2) + "\n");
        return;
      }
      const share = r.values === 0 ? 0 : (100 * r.inexact) / r.values;
      io.stdout(
        `${o.out}: ${r.converted} of ${r.tensors} tensors in ${o.dtype}; ${share.toFixed(2)}% of ${r.values} values rounded\n`,
      );
    });
}
