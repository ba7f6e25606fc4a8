/**
 * `minifloat quantize` on a tiny BERT trained here: the float32 baseline and one row per configuration
 * (the product of --formats, --calibration and --granularity, MX formats once, per block), the JSON
 * contract ({baseline: {metric, value}, results: [{format, calibration, granularity, metric, value}]},
 * accuracy as a fraction), quantize.json and its report written with --out, and bad options named.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { quantConfigs } from "../src/cli/quantize-command.js";
import { STUDY_CONFIGS } from "../src/experiment/index.js";
import { cli, trainTinyTextModel } from "./support/text-task.js";

interface QuantJson {
  baseline: { metric: string; value: number };
  results: {
    format: string;
    calibration: string;
    granularity: string;
    metric: string;
    value: number;
    sites: number;
  }[];
  layers: { layer: string; format: string; sqnrDb: number | null; saturation: number; underflow: number }[];
  samples: number;
  calibrationSamples: number;
}

describe("minifloat quantize", () => {
  it("measures every configuration against float32 and writes quantize.json with its report", async () => {
    const { run, trained } = await trainTinyTextModel();
    const accuracy = (JSON.parse(trained.out) as { testAccuracy: number }).testAccuracy;
    const out = join(run, "quant");
    const r = await cli(
      "quantize",
      join(run, "model"),
      ...[
        "--formats",
        "float8_e4m3fn,int8,MXFP4",
        "--calibration",
        "max,percentile",
        "--granularity",
        "tensor,channel",
      ],
      ...["--calibration-samples", "16", "--out", out, "--json"],
    );
    expect(r.code).toBe(0);
    const q = JSON.parse(r.out) as QuantJson;
    expect(q.baseline).toMatchObject({ metric: "accuracy", value: accuracy });
    expect(q.samples).toBe(20);
    expect(q.calibrationSamples).toBe(16);
    // 2 formats x 2 methods x 2 granularities, and MXFP4 once.
    expect(q.results.map((x) => `${x.format} ${x.calibration} ${x.granularity}`)).toEqual([
      "float8_e4m3fn max tensor",
      "float8_e4m3fn max channel",
      "float8_e4m3fn percentile 99.99 tensor",
      "float8_e4m3fn percentile 99.99 channel",
      "int8 max tensor",
      "int8 max channel",
      "int8 percentile 99.99 tensor",
      "int8 percentile 99.99 channel",
      "MXFP4 max block",
    ]);
    for (const x of q.results) {
      expect(x.metric).toBe("accuracy");
      expect(x.value).toBeGreaterThanOrEqual(0);
      expect(x.value).toBeLessThanOrEqual(1);
      // Q, K, V, attention output, two FFN layers, two attention products, pooler, classifier.
      expect(x.sites).toBe(10);
    }
    expect(new Set(q.layers.map((l) => l.format)).size).toBe(9);
    expect(q.layers.filter((l) => l.format === "int8 max tensor")).toHaveLength(10);
    expect(JSON.parse(readFileSync(join(out, "quantize.json"), "utf8"))).toEqual(JSON.parse(r.out));
    expect(existsSync(join(out, "report.html"))).toBe(true);

    const smooth = await cli(
      "quantize",
      join(run, "model"),
      "--formats",
      "int8",
      "--smoothquant",
      "0.5",
      "--json",
    );
    expect(smooth.code).toBe(0);
    expect(JSON.parse(smooth.out)).toMatchObject({ smoothQuant: 0.5, baseline: { value: accuracy } });
    const table = await cli(
      "quantize",
      join(run, "model"),
      "--formats",
      "float8_e5m2",
      "--no-attention",
      "--limit",
      "8",
    );
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/on tsv: 8 samples, calibrated on 48/);
    expect(table.out).toMatch(/float32 +- +- +\d+\.\d\d +0\.00 +0\n/);
    expect(table.out).toMatch(/float8_e5m2 +max +tensor +\d+\.\d\d +[+-]\d+\.\d\d +8\n/);
  });

  it("saves the first configuration, exports it as QDQ ONNX, and onnxruntime agrees; eval reads it back", async () => {
    const { run } = await trainTinyTextModel();
    const saved = join(run, "e4m3");
    const onnx = join(run, "e4m3.onnx");
    const r = await cli(
      "quantize",
      join(run, "model"),
      ...["--formats", "float8_e4m3fn,int8", "--calibration-samples", "16"],
      ...["--save", saved, "--onnx", onnx, "--agreement", "--json"],
    );
    expect(r.code).toBe(0);
    const q = JSON.parse(r.out) as QuantJson & { agreement: { samples: number; agreement: number } };
    expect(q.agreement.samples).toBe(20);
    expect(q.agreement.agreement).toBe(1);
    expect(statSync(onnx).size).toBeGreaterThan(1000);
    const config = JSON.parse(readFileSync(join(saved, "config.json"), "utf8")) as Record<string, unknown>;
    expect(config.quantization_config).toMatchObject({ weights: { format: "float8_e4m3fn" } });
    const e = JSON.parse((await cli("eval", saved, "--json")).out) as { value: number };
    expect(e.value).toBe(q.results[0].value);
    const text = await cli(
      "quantize",
      join(run, "model"),
      "--formats",
      "int8",
      "--save",
      join(run, "i8"),
      "--agreement",
    );
    expect(text.out).toMatch(
      /onnxruntime-node on the QDQ export of int8 max tensor: 20 samples, 100\.00% the same prediction/,
    );
    const bad = await cli("quantize", "--agreement");
    expect(bad.err).toMatch(/--agreement needs --save DIR/);
  });

  it("defaults to the study's configurations and names bad options", async () => {
    expect(quantConfigs({})).toEqual(STUDY_CONFIGS);
    expect(quantConfigs({ formats: "MXFP8_E4M3", calibration: "mse,max" })).toEqual([
      { format: "MXFP8_E4M3", calibration: "max", granularity: "block" },
    ]);
    const bad = await cli("quantize", "--formats", "fp8");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--formats: expected one of float32, .*, got "fp8"/);
    const drop = await cli("quantize", "--max-drop", "-1");
    expect(drop.err).toMatch(/--max-drop: expected a number in \[0, 100\], got "-1"/);
  });
});
