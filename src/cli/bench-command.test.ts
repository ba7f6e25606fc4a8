/**
 * `minifloat bench` is wired into the program: its help lists --quick and --json, and the benchmark
 * module it loads renders a result as tables naming every ratio (the run itself is timed by `npm run
 * bench`, not here).
 */
import { describe, expect, it } from "vitest";
import { renderEngineBench, type EngineBenchResult } from "../../bench/engine.js";
import { runCli } from "./program.js";

describe("minifloat bench", () => {
  it("shows its options", async () => {
    let out = "";
    const code = await runCli(["bench", "--help"], { stdout: (t) => (out += t), stderr: () => undefined });
    expect(code).toBe(0);
    expect(out).toContain("--quick");
    expect(out).toContain("--json");
  });

  it("renders a result with every ratio and its target", () => {
    const gemm = { shape: "8x8x8", m: 8, n: 8, k: 8, f32: 30, bf16: 29, fp16: 28, tfjsWasmF32: 20 };
    const result: EngineBenchResult = {
      node: "v20",
      cpu: "cpu",
      cores: 2,
      threads: 2,
      quick: true,
      gemm: [gemm],
      gemmThreads: { shape: "1024x1024x1024", oneThread: 30, twoThreads: 55 },
      conv2d: [{ layer: "l", shape: "s", f32OneThread: 10, f32: 18, bf16: 17, threads: 2 }],
      rounding: { bfloat16: 2.5 },
      roundingWithCopies: { bfloat16: 1.1 },
      ratios: {
        gemm_f32_vs_tfjs_wasm: 1.5,
        gemm_bf16_vs_f32: 0.97,
        gemm_fp16_vs_f32: 0.93,
        threads2_vs_1: 1.83,
      },
      targets: {},
      seconds: 1,
    };
    const text = renderEngineBench(result);
    for (const s of [
      "gemm_f32_vs_tfjs_wasm      1.50  >= 1.1",
      "threads2_vs_1              1.83",
      "8x8x8",
      "2.50",
    ]) {
      expect(text).toContain(s);
    }
  });
});
