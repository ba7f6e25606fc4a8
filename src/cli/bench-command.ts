/**
 * `minifloat bench [--quick] [--json]`: the engine benchmark of bench/engine.ts (wasm GEMM against
 * tfjs-backend-wasm, low-precision GEMM, threads, convolution, rounding throughput) as tables or one
 * JSON object. The benchmark lives outside src/ with the other benchmarks, so it needs a source
 * checkout (built with `npm run build`); progress notes go to stderr.
 */
import { Command } from "commander";
import { MinifloatError } from "../errors.js";
import type { CliIo } from "./io.js";

type EngineBench = typeof import("../../bench/engine.js");

async function loadBench(): Promise<EngineBench> {
  try {
    return await import("../../bench/engine.js");
  } catch (e) {
    throw new MinifloatError("unsupported", "bench needs a source checkout of minifloat (bench/engine.ts)", {
      cause: e,
    });
  }
}

/** The `bench` command writing to `io`. */
export function benchCommand(io: CliIo): Command {
  return new Command("bench")
    .description("measure the wasm kernels: GEMM (against tfjs-backend-wasm), conv2d, rounding throughput")
    .option("--quick", "fewer runs and smaller batches (under a minute)", false)
    .option("--json", "print one JSON object", false)
    .action(async (opts: { quick: boolean; json: boolean }) => {
      const { renderEngineBench, runEngineBench } = await loadBench();
      const progress = opts.json
        ? undefined
        : (note: string) => {
            io.stderr(`bench: ${note}\n`);
          };
      const result = await runEngineBench({ quick: opts.quick, ...(progress ? { progress } : {}) });
      io.stdout(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderEngineBench(result));
    });
}
