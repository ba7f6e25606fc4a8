/**
 * Stored quantization: codes dequantize to exactly fakeQuantize's values for every scaled format and
 * granularity a weight may have (values on the grid give back their own codes), and activation hooks
 * installed from a report's scales make the same logits as quantizeModel's, bit for bit.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { randomValues } from "../../test/support/random-values.js";
import { logitsOf, randomBatches, tinyBert } from "../../test/support/tiny-bert.js";
import { calibrate } from "./calibrate.js";
import { quantizeModel } from "./ptq.js";
import { dynamicScales, fakeQuantize, resolveSpec, type QuantSpec, type ScaleParams } from "./quantizer.js";
import { applyStoredQuantization, dequantizeCodes, quantizeCodes } from "./stored.js";

describe("quantizeCodes / dequantizeCodes", () => {
  const specs: QuantSpec[] = [
    { format: "float8_e4m3fn", granularity: "channel" },
    { format: "float8_e5m2" },
    { format: "float8_e4m3fn", saturate: false },
    { format: "int8", granularity: "channel" },
    { format: "int8", symmetric: false, granularity: "channel" },
    { format: "uint8", symmetric: false },
    { format: "float16" },
  ];
  for (const s of specs) {
    it(`${s.format} ${s.granularity ?? "tensor"}${s.symmetric === false ? " asymmetric" : ""}: fakeQuantize's values`, () => {
      const spec = resolveSpec(s, "weight");
      const shape = [12, 37];
      const x = randomValues(12 * 37, 5).map((v, i) => (i % 11 === 0 ? v * 40 : v));
      const params = dynamicScales(spec, x, shape);
      const fake = fakeQuantize(x, shape, spec, params).values;
      const codes = quantizeCodes(x, shape, spec, params);
      expect(codes.BYTES_PER_ELEMENT).toBe(spec.format === "float16" ? 2 : 1);
      expect(dequantizeCodes(codes, shape, spec, params)).toEqual(fake);
      expect(quantizeCodes(fake, shape, spec, params)).toEqual(codes); // on the grid: the same codes
    });
  }

  it("refuses MX specs and a wrong number of scales", () => {
    const x = new Float32Array(64);
    expectError(
      () => quantizeCodes(x, [2, 32], resolveSpec({ format: "MXFP4" }, "weight"), null),
      "unsupported",
      /MXFP4: MX block codes/,
    );
    const spec = resolveSpec({ format: "int8", granularity: "channel" }, "weight");
    expectError(
      () => quantizeCodes(x, [2, 32], spec, { scale: new Float32Array(1) }),
      "shape",
      /int8 channel codes: expected 2 scales, got 1/,
    );
  });
});

describe("applyStoredQuantization", () => {
  it("gives quantizeModel's logits from the report's activation scales", () => {
    const batches = randomBatches(2, 41);
    const model = tinyBert(2);
    const config = {
      weights: { format: "float8_e4m3fn" },
      activations: { format: "float8_e4m3fn" },
    } as const;
    const q = quantizeModel(model, config, calibrate(model, batches));
    const expected = logitsOf(model, batches);
    const report = q.report();
    q.restore();
    const scales = new Map<string, ScaleParams | null>();
    for (const s of report.sites) {
      for (const a of s.activations) scales.set(a.operand, { scale: Float32Array.from(a.scales ?? []) });
    }
    const undoWeights = quantizeModel(model, { ...config, activations: { format: "float32" } }); // weights only
    const stored = applyStoredQuantization(model, report.activations, scales);
    expect(stored.operands).toHaveLength(2 * (6 + 4) + 2);
    expect(logitsOf(model, batches)).toEqual(expected);
    stored.restore();
    undoWeights.restore();
    expect(model.classifier.getHook("input")).toBeNull();
  });

  it("names an unknown operand and a static operand without a scale", () => {
    const model = tinyBert(2);
    const spec = resolveSpec({ format: "float8_e4m3fn" }, "activation");
    expectError(
      () => applyStoredQuantization(model, spec, new Map([["classifier:nope", null]])),
      "config",
      /the model has no operand classifier:nope/,
    );
    expectError(
      () => applyStoredQuantization(model, spec, new Map([["classifier:input", null]])),
      "config",
      /activation classifier:input \(float8_e4m3fn per tensor\) needs one stored scale, got 0/,
    );
  });
});
