/**
 * `minifloat convert MODEL_DIR --dtype FORMAT --out DIR`: a Hugging Face checkpoint directory with every
 * float tensor stored in another float format (src/io/hf-convert.ts), e.g. a float32-trained model kept
 * as float16 at half the size.
 */
import { Command } from "commander";
import { convertHfCheckpoint } from "../io/index.js";
import type { CliIo } from "./io.js";

interface ConvertCliOptions {
  readonly dtype: string;
  readonly out: string;
  readonly json?: boolean;
}

/** The `convert` command, writing to `io`. */
export function convertCommand(io: CliIo): Command {
  return new Command("convert")
    .description("store a Hugging Face checkpoint's float tensors in another float format")
    .argument("<model-dir>", "config.json + model.safetensors")
    .requiredOption("--dtype <format>", "float16, bfloat16, float32, ... (each value rounded once)")
    .requiredOption("--out <dir>", "the new checkpoint directory")
    .option("--json", "print one JSON object")
    .action((dir: string, o: ConvertCliOptions) => {
      const r = convertHfCheckpoint(dir, o.out, o.dtype);
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
