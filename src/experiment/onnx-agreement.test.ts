/**
 * The QDQ export of a post-training-quantized tiny BERT, run in onnxruntime-node, predicts what
 * minifloat's fake-quantized model predicts on 64 random sequences: E4M3 (per-channel weights,
 * per-tensor activations) and INT8 (per-channel symmetric weights, per-tensor activations), both with the
 * graph run as written (session.disable_quant_qdq: float8 needs it, and int8 weights using all 8 bits
 * would saturate in the fused u8s8 kernels of CPUs without VNNI); and the same from a saved directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { isMinifloatError } from "../errors.js";
import { randomBatches, tinyBert } from "../../test/support/tiny-bert.js";
import { calibrate, quantizeModel, type QuantConfig } from "../quant/index.js";
import { onnxAgreement, type OnnxAgreement } from "./onnx-agreement.js";
import { saveQuantizedModel } from "./quant-save.js";

const calibration = randomBatches(2, 51);
const dev = randomBatches(16, 52); // 64 sequences of 16 tokens, some padded

const CONFIGS: Record<string, QuantConfig> = {
  e4m3: {
    weights: { format: "float8_e4m3fn", granularity: "channel" },
    activations: { format: "float8_e4m3fn" },
  },
  int8: { weights: { format: "int8", granularity: "channel" }, activations: { format: "int8" } },
};

const dir = mkdtempSync(join(tmpdir(), "minifloat-agreement-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every disagreement lies where the two sides' logit difference covers minifloat's top-two margin, and
 * that margin is small next to the typical one. */
function expectAgreementOrExplained(r: OnnxAgreement): void {
  expect(r.samples).toBe(64);
  expect(r.agreement).toBeGreaterThanOrEqual(62 / 64);
  for (const d of r.disagreements) {
    expect(d.margin).toBeLessThanOrEqual(2 * d.logitDiff);
    expect(d.margin).toBeLessThan(0.1 * r.medianMargin);
  }
}

describe("onnxAgreement on a tiny BERT", () => {
  for (const [name, config] of Object.entries(CONFIGS)) {
    it(`${name}: onnxruntime-node's QDQ graph predicts what minifloat's simulation predicts`, async () => {
      const model = tinyBert(9);
      const q = quantizeModel(model, config, calibrate(model, calibration));
      const r = await onnxAgreement({ model, report: q.report() }, dev);
      expectAgreementOrExplained(r);
      expect(r.mode).toBe("as-written");
      // Same codes, float32 summation order apart: at most a few samples (e4m3: 1 of 64, int8: 0 measured)
      // have an activation that took the neighbouring code on one side, moving their logits by up to
      // 0.011 (e4m3; quantization itself moves them by 0.038); every other sample agrees within 1e-4.
      expect(r.beyondNoise).toBeLessThanOrEqual(3);
      expect(r.maxLogitDiff).toBeLessThan(0.05);
      const stored = join(dir, name);
      saveQuantizedModel(stored, model, q.report());
      const fromDir = await onnxAgreement(stored, dev);
      expect(fromDir.agreement).toBe(r.agreement);
      expect(fromDir.maxLogitDiff).toBe(r.maxLogitDiff);
    });
  }

  it("says how to get onnxruntime-node when it is missing", async () => {
    vi.doMock("onnxruntime-node", () => {
      throw new Error("Cannot find package 'onnxruntime-node'");
    });
    try {
      const model = tinyBert(9);
      const q = quantizeModel(model, CONFIGS.int8, calibrate(model, calibration));
      const err: unknown = await onnxAgreement({ model, report: q.report() }, dev).catch((e: unknown) => e);
      expect(isMinifloatError(err, "unsupported")).toBe(true);
      expect((err as Error).message).toMatch(/onnxruntime-node is not installed.*npm install --save-dev/);
    } finally {
      vi.doUnmock("onnxruntime-node");
    }
  });
});
