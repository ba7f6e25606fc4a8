/**
 * `minifloat bench` is wired into the program: its help lists --quick, --only and --json, and the benchmark
 * modules it loads render a result as tables naming every ratio (the full run is timed by `npm run bench`,
 * not here); the BERT benchmarks, float32 and float8-quantized, run end to end on a tiny model beside
 * onnxruntime-node.
 */
import { describe, expect, it } from "vitest";
import { renderBertBench, runBertBench, type BertBenchResult } from "../../bench/bert.js";
import {
  renderBertQuantBench,
  runBertQuantBench,
  type BertQuantBenchResult,
} from "../../bench/bert-quant.js";
import { renderEngineBench, type EngineBenchResult } from "../../bench/engine.js";
import { runCli } from "./program.js";

describe("minifloat bench", () => {
  it("shows its options", async () => {
    let out = "";
    const code = await runCli(["bench", "--help"], { stdout: (t) => (out += t), stderr: () => undefined });
    expect(code).toBe(0);
    expect(out).toContain("--quick");
    expect(out).toContain("--json");
    expect(out).toContain("--only <part>");
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

  it("renders BERT throughput beside onnxruntime with the ratio and the logit check", () => {
    const model = {
      name: "bert-small",
      layers: 4,
      hidden: 256,
      heads: 4,
      intermediate: 1024,
      vocab: 30522,
      batch: 8,
      runs: 5,
    };
    const row = {
      model: "bert-small",
      sequence: 64,
      batch: 8,
      runs: 5,
      minifloat: 40,
      onnxruntime: 160,
      ratio: 0.25,
      maxAbsDiff: 2e-6,
    };
    const result: BertBenchResult = {
      backend: "wasm",
      threads: 2,
      models: [model],
      rows: [row, { ...row, sequence: 128, onnxruntime: null, ratio: null, maxAbsDiff: null }],
      onnxruntimeError: null,
      seconds: 3,
    };
    const text = renderBertBench(result);
    expect(text).toContain("bert-small: 4 layers, hidden 256, 4 heads, intermediate 1024");
    expect(text).toMatch(/bert-small +64 +8 +40\.0 +160\.0 +0\.250 +2\.0e-6/);
    expect(text).toMatch(/bert-small +128 +8 +40\.0 +- +- +-/);
  });

  it("runs BERT forward in minifloat and onnxruntime-node with the same logits", async () => {
    const tiny = {
      name: "tiny",
      layers: 1,
      hidden: 16,
      heads: 2,
      intermediate: 32,
      vocab: 100,
      batch: 2,
      runs: 1,
    };
    const r = await runBertBench({ models: [tiny], sequenceLengths: [8], backend: "js" });
    expect(r.onnxruntimeError).toBeNull();
    expect(r.rows).toHaveLength(1);
    const [row] = r.rows;
    expect(row.minifloat).toBeGreaterThan(0);
    expect(row.onnxruntime).toBeGreaterThan(0);
    expect(row.maxAbsDiff).toBeLessThan(1e-5);
  });

  it("renders quantized BERT throughput beside onnxruntime's QDQ model and float32", () => {
    const row = {
      sequence: 64,
      batch: 16,
      runs: 3,
      float32: 200,
      quantized: 50,
      onnxruntime: 400,
      ratio: 0.125,
      overhead: 0.25,
      maxAbsDiff: 3e-5,
    };
    const result: BertQuantBenchResult = {
      model: "models/sst2",
      shape: "2 layers, hidden 128, 2 heads, intermediate 512",
      format: "float8_e4m3fn weights and activations, per tensor",
      calibration: "max over 2 random batches",
      backend: "wasm",
      threads: 2,
      rows: [row, { ...row, sequence: 128, onnxruntime: null, ratio: null, maxAbsDiff: null }],
      onnxruntimeError: null,
      seconds: 4,
    };
    const text = renderBertQuantBench(result);
    expect(text).toContain("models/sst2 (2 layers, hidden 128, 2 heads, intermediate 512)");
    expect(text).toContain("max over 2 random batches");
    expect(text).toMatch(/quantized +64 +16 +200\.0 +50\.0 +400\.0 +0\.125 +0\.250 +3\.0e-5/);
    expect(text).toMatch(/quantized +128 +16 +200\.0 +50\.0 +- +- +0\.250 +-/);
  });

  it("runs a float8-quantized BERT in minifloat and its QDQ export in onnxruntime-node", async () => {
    const tiny = {
      name: "tiny",
      layers: 1,
      hidden: 16,
      heads: 2,
      intermediate: 32,
      vocab: 100,
      batch: 2,
      runs: 1,
    };
    const r = await runBertQuantBench({
      model: tiny,
      sequenceLengths: [8],
      batch: 2,
      runs: 1,
      backend: "js",
    });
    expect(r.onnxruntimeError).toBeNull();
    expect(r.model).toBe("random tiny");
    expect(r.rows).toHaveLength(1);
    const [row] = r.rows;
    expect(row.float32).toBeGreaterThan(0);
    expect(row.quantized).toBeGreaterThan(0);
    expect(row.onnxruntime).toBeGreaterThan(0);
    expect(row.overhead).toBeCloseTo(row.quantized / row.float32, 9);
    // Same codes and scales on both sides: only float32 summation order differs (onnx-agreement.ts).
    expect(row.maxAbsDiff).toBeLessThan(1e-3);
  });
});
