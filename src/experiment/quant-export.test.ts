/**
 * Exporting a post-training-quantized tiny BERT: the QDQ map holds the report's scales under the
 * exporter's site names (weights per channel on axis 0, calibrated activations per tensor, zero points of
 * asymmetric integers) and refuses what QDQ cannot express by operand and format; the saved directory
 * stores F8_E4M3 / I8 codes with their scales in about a quarter of float32's weight bytes, and loads back
 * into a model whose logits are bit-identical to the in-memory quantized model's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { logitsOf, randomBatches, tinyBert } from "../../test/support/tiny-bert.js";
import { readSafetensorsHeader, writeSafetensors } from "../io/index.js";
import { calibrate, quantizeModel, type QuantConfig, type QuantReport } from "../quant/index.js";
import { exportQuantizedOnnx, qdqMapFromReport, quantizedOnnxBytes } from "./quant-export.js";
import { loadQuantizedModel, saveQuantizedModel, type QuantizationConfigJson } from "./quant-save.js";

const calibration = randomBatches(2, 31);
const inputs = randomBatches(2, 32);
const L0 = "bert.encoder.layer.0";

const E4M3: QuantConfig = {
  weights: { format: "float8_e4m3fn", granularity: "channel" },
  activations: { format: "float8_e4m3fn" },
};
const INT8_ASYM: QuantConfig = {
  weights: { format: "int8", granularity: "channel", symmetric: false },
  activations: { format: "uint8", symmetric: false },
};

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "minifloat-qexport-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A tiny BERT quantized as `config` (calibrated on `calibration`), its report, and its logits. */
function quantized(config: QuantConfig, seed = 3) {
  const model = tinyBert(seed);
  const q = quantizeModel(model, config, calibrate(model, calibration));
  return { model, q, report: q.report(), logits: logitsOf(model, inputs) };
}

function operand(report: QuantReport, site: string, name: string) {
  const s = report.sites.find((x) => x.site === site);
  const o = name === "weight" ? s?.weight : s?.activations.find((a) => a.operand === `${site}:${name}`);
  if (o === undefined || o === null) throw new Error(`no operand ${site} ${name}`);
  return o;
}

describe("qdqMapFromReport", () => {
  it("maps every quantized operand to the exporter's site with the report's scales", () => {
    const { model, report } = quantized(E4M3);
    const map = qdqMapFromReport(model, report);
    expect(Object.keys(map)).toHaveLength(2 * 14 + 2 * 4); // 14 Linears (weight + input), 2 x q, k, v, probs
    const w = map[`${L0}.attention.self.query.weight`];
    expect(w.format).toBe("float8_e4m3fn");
    expect(w.axis).toBe(0);
    expect(w.scale).toEqual(operand(report, `${L0}.attention.self.query`, "weight").scales);
    expect((w.scale as number[]).length).toBe(32);
    const scale = (site: string, point: string): number => operand(report, site, point).scales?.[0] ?? NaN;
    expect(map[`${L0}.intermediate.dense.input`]).toEqual({
      format: "float8_e4m3fn",
      scale: scale(`${L0}.intermediate.dense`, "input"),
    });
    const self = `${L0}.attention.self`;
    expect(map[`${self}.q`].scale).toBe(scale(`${self}.scores`, "query"));
    expect(map[`${self}.k`].scale).toBe(scale(`${self}.scores`, "key"));
    expect(map[`${self}.probs`].scale).toBe(scale(`${self}.context`, "probs"));
    expect(map[`${self}.v`].scale).toBe(scale(`${self}.context`, "value"));
    expect(new Set(Object.values(map).map((s) => s.scale)).size).toBeGreaterThan(20); // scales differ
  });

  it("carries zero points of asymmetric integers, and leaves float32 sites out", () => {
    const model = tinyBert(4);
    const cfg = { ...INT8_ASYM, skip: ["classifier"] };
    const report = quantizeModel(model, cfg, calibrate(model, calibration)).report();
    const map = qdqMapFromReport(model, report);
    expect(map["classifier.weight"]).toBeUndefined();
    expect(map["classifier.input"]).toBeUndefined();
    const w = map[`${L0}.output.dense.weight`];
    expect(w.zeroPoint).toEqual(operand(report, `${L0}.output.dense`, "weight").zeroPoints);
    expect((w.zeroPoint as number[]).some((z) => z !== 0)).toBe(true);
    const a = map[`${L0}.output.dense.input`];
    expect(a.format).toBe("uint8");
    expect(a.zeroPoint).toBe(operand(report, `${L0}.output.dense`, "input").zeroPoints?.[0]);
  });

  it("refuses per-token, MX and cast operands naming the operand and format", () => {
    const model = tinyBert(5);
    const cal = calibrate(model, calibration);
    const cases: [QuantConfig, RegExp][] = [
      [
        { weights: { format: "int8" }, activations: { format: "int8", granularity: "token" } },
        /operand bert.encoder.layer.0.attention.self.query:input is int8 token, which has scales computed at run time/,
      ],
      [
        { weights: { format: "MXFP8_E4M3" }, activations: { format: "float8_e4m3fn" } },
        /operand bert.encoder.layer.0.attention.self.query.weight is MXFP8_E4M3 block, which has per-block E8M0 scales/,
      ],
      [
        { weights: { format: "float8_e4m3fn" }, activations: { format: "bfloat16" } },
        /:input is bfloat16 tensor, which is a cast without a scale/,
      ],
      [
        { weights: { format: "float8_e4m3fnuz" }, activations: { format: "float8_e4m3fn" } },
        /float8_e4m3fnuz tensor, which is not an ONNX QDQ type/,
      ],
    ];
    for (const [config, message] of cases) {
      const q = quantizeModel(model, config, cal);
      const report = q.report();
      q.restore();
      expectError(() => qdqMapFromReport(model, report), "unsupported", message);
    }
  });

  it("writes the same .onnx bytes from the float model and from the quantized one", () => {
    const { model, q, report } = quantized(E4M3);
    const path = join(tempDir(), "model.onnx");
    const size = exportQuantizedOnnx(model, report, path, { opset: 19 });
    const fromQuantized = readFileSync(path);
    expect(fromQuantized.length).toBe(size);
    q.restore();
    expect(Buffer.from(quantizedOnnxBytes(model, report)).equals(fromQuantized)).toBe(true);
  });
});

describe("saveQuantizedModel / loadQuantizedModel", () => {
  it("e4m3: F8_E4M3 codes in a quarter of float32's bytes, loaded back bit-identical", () => {
    const { model, q, report, logits } = quantized(E4M3);
    const source = tempDir();
    writeFileSync(join(source, "tokenizer_config.json"), '{"model_max_length": 32}');
    const dir = tempDir();
    const saved = saveQuantizedModel(dir, model, report, { sourceDir: source });
    const ratio = saved.quantizedWeightBytes / saved.float32WeightBytes;
    // One byte per weight plus a 4-byte scale per output row of 32 or 37 inputs: (in + 4) / (4 in) per
    // row, 0.2805 measured, against 1.0 for F32.
    expect(ratio).toBeGreaterThan(0.25);
    expect(ratio).toBeLessThanOrEqual(0.25 + 1 / 32);
    const header = readSafetensorsHeader(join(dir, "model.safetensors")).tensors;
    const w = `${L0}.attention.self.query.weight`;
    expect(header.get(w)).toMatchObject({ dtype: "F8_E4M3", shape: [32, 32] });
    expect(header.get(`${w}_scale`)).toMatchObject({ dtype: "F32", shape: [32] });
    expect(header.get(`${L0}.attention.self.query.input_scale`)).toMatchObject({ dtype: "F32", shape: [] });
    expect(header.get(`${L0}.attention.self.context.probs_scale`)).toMatchObject({ dtype: "F32", shape: [] });
    expect(header.get(`${L0}.attention.output.LayerNorm.weight`)?.dtype).toBe("F32");
    expect(readFileSync(join(dir, "tokenizer_config.json"), "utf8")).toContain("32");
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as {
      quantization_config: QuantizationConfigJson;
    };
    expect(config.quantization_config).toMatchObject({
      quant_method: "minifloat",
      weights: { format: "float8_e4m3fn", granularity: "channel" },
      activations: { format: "float8_e4m3fn", granularity: "tensor" },
      method: "max",
      float32_sites: [],
    });
    expect(config.quantization_config.quantized_sites).toHaveLength(18);

    const loaded = loadQuantizedModel(dir);
    expect(logitsOf(loaded.model, inputs)).toEqual(logits); // bit for bit
    loaded.hooks.restore();
    expect(logitsOf(loaded.model, inputs)).not.toEqual(logits); // the activation hooks were doing work
    q.restore();
    const again = tempDir();
    saveQuantizedModel(again, model, report); // from the float model: the same codes
    expect(
      readFileSync(join(again, "model.safetensors")).equals(readFileSync(join(dir, "model.safetensors"))),
    ).toBe(true);
  });

  it("asymmetric int8 weights and uint8 activations with zero points, and float32 sites", () => {
    const model = tinyBert(6);
    const cfg = { ...INT8_ASYM, skip: ["classifier", `${L0}.attention.self.scores`] };
    const q = quantizeModel(model, cfg, calibrate(model, calibration));
    const logits = logitsOf(model, inputs);
    const dir = tempDir();
    saveQuantizedModel(dir, model, q.report());
    const header = readSafetensorsHeader(join(dir, "model.safetensors")).tensors;
    const w = `${L0}.intermediate.dense.weight`;
    expect(header.get(w)).toMatchObject({ dtype: "I8", shape: [37, 32] });
    expect(header.get(`${w}_zero_point`)).toMatchObject({ dtype: "I8", shape: [37] });
    expect(header.get(`${L0}.intermediate.dense.input_zero_point`)).toMatchObject({ dtype: "U8", shape: [] });
    expect(header.get("classifier.weight")?.dtype).toBe("F32");
    expect(header.has(`${L0}.attention.self.scores.query_scale`)).toBe(false);
    const loaded = loadQuantizedModel(dir);
    expect(loaded.quantization.float32_sites).toEqual([`${L0}.attention.self.scores`, "classifier"]);
    expect(logitsOf(loaded.model, inputs)).toEqual(logits);
  });

  it("refuses MX weights, and a directory without quantization_config", () => {
    const model = tinyBert(7);
    const q = quantizeModel(model, { weights: { format: "MXFP4" }, activations: { format: "MXFP4" } });
    expectError(
      () => saveQuantizedModel(tempDir(), model, q.report()),
      "unsupported",
      /MXFP4 weights \(MX blocks\)/,
    );
    q.restore();
    const dir = tempDir();
    writeFileSync(join(dir, "config.json"), JSON.stringify(model.hfConfig()));
    writeSafetensors(join(dir, "model.safetensors"), {});
    expectError(
      () => loadQuantizedModel(dir),
      "format",
      /no quantization_config with quant_method "minifloat"/,
    );
  });
});
