/**
 * `minifloat bench [--quick] [--only engine|bert] [--json]`: the engine benchmark of bench/engine.ts
 * (wasm GEMM against tfjs-backend-wasm, low-precision GEMM, threads, convolution, rounding throughput)
 * and the BERT benchmarks of bench/bert.ts (float32 forward, sequences/s beside onnxruntime-node) and
 * bench/bert-quant.ts (float8 fake-quantized evaluation of models/sst2 beside onnxruntime's QDQ model), as
 * tables or one JSON object ({ engine, bert: { ..., quantized } }). The benchmarks live outside src/ with the other benchmarks, so they need
 * a source checkout (built with `npm run build`); progress notes go to stderr.
 */
import { Command, Option } from "commander";
import { MinifloatError } from "../errors.js";
import type { CliIo } from "./io.js";

type EngineBench = typeof import("../../bench/engine.js");
type BertBench = typeof import("../../bench/bert.js");
type BertQuantBench = typeof import("../../bench/bert-quant.js");

/** The parts `--only` can pick. */
const PARTS = ["engine", "bert"] as const;

async function loadBench(): Promise<[EngineBench, BertBench, BertQuantBench]> {
  try {
    return await Promise.all([
      import("../../bench/engine.js"),
      import("../../bench/bert.js"),
      import("../../bench/bert-quant.js"),
    ]);
  } catch (e) {
    throw new MinifloatError("unsupported", "bench needs a source checkout of minifloat (bench/engine.ts)", {
      cause: e,
    });
  }
}

/** The `bench` command writing to `io`. */
export function benchCommand(io: CliIo): Command {
  return new Command("bench")
    .description(
      "measure the wasm kernels (GEMM against tfjs-backend-wasm, conv2d, rounding) and BERT forward, float32 and float8-quantized, beside onnxruntime-node",
    )
    .option("--quick", "fewer runs, smaller batches, only the small BERT (about a minute)", false)
    .addOption(new Option("--only <part>", "run one part only").choices(PARTS))
    .option("--json", "print one JSON object", false)
    .action(async (opts: { quick: boolean; json: boolean; only?: (typeof PARTS)[number] }) => {
      const [engine, bert, bertQuant] = await loadBench();
      const progress = opts.json
        ? undefined
        : (note: string) => {
            io.stderr(`bench: ${note}\n`);
          };
      const options = { quick: opts.quick, ...(progress ? { progress } : {}) };
      const runs = (part: (typeof PARTS)[number]): boolean => opts.only === undefined || opts.only === part;
      const engineResult = runs("engine") ? await engine.runEngineBench(options) : null;
      const bertResult = runs("bert")
        ? { ...(await bert.runBertBench(options)), quantized: await bertQuant.runBertQuantBench(options) }
        : null;
      if (opts.json) {
        io.stdout(`${JSON.stringify({ engine: engineResult, bert: bertResult }, null, 2)}\n`);
        return;
      }
      const texts = [
        engineResult === null ? null : engine.renderEngineBench(engineResult),
        bertResult === null ? null : bert.renderBertBench(bertResult),
        bertResult === null ? null : bertQuant.renderBertQuantBench(bertResult.quantized),
      ];
      io.stdout(texts.filter((t) => t !== null).join("\n"));
    });
}
