/**
 * PTQ of a tiny BERT: the matmul sites found, calibration that observes every operand and leaves no hook
 * behind, float32 "quantization" that changes nothing, E4M3 that changes logits boundedly while every
 * operand of every listed site really lies on the format's grid times its scale, restore() that is
 * bit-exact, the report, config errors, and SmoothQuant's float32 equivalence and balancing property.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { logitsOf, randomBatches, tinyBert } from "../../test/support/tiny-bert.js";
import { calibrate, findSites } from "./calibrate.js";
import { quantizeModel, type QuantConfig } from "./ptq.js";
import { fakeQuantize, resolveSpec, type QuantSpec } from "./quantizer.js";
import { smoothQuant } from "./smooth.js";

const batches = randomBatches(3, 11);
const E4M3: QuantSpec = { format: "float8_e4m3fn" };
const fp8Config: QuantConfig = { weights: { ...E4M3, granularity: "channel" }, activations: E4M3 };

function maxAbsDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  return a.reduce((m, x, k) => x.reduce((mm, v, i) => Math.max(mm, Math.abs(v - b[k][i])), m), 0);
}

function maxAbs(a: readonly Float32Array[]): number {
  return a.reduce((m, x) => x.reduce((mm, v) => Math.max(mm, Math.abs(v)), m), 0);
}

describe("matmul sites", () => {
  it("finds every Linear and the two attention products of each layer", () => {
    const sites = findSites(tinyBert());
    expect(sites).toHaveLength(2 * 8 + 2);
    const names = sites.map((s) => s.name);
    const layer = "bert.encoder.layer.0";
    const l0 = ["query", "key", "value", "scores", "context"].map((n) => `${layer}.attention.self.${n}`);
    l0.push(`${layer}.attention.output.dense`, `${layer}.intermediate.dense`, `${layer}.output.dense`);
    expect(names.slice(0, 8)).toEqual(l0);
    expect(names.slice(-2)).toEqual(["bert.pooler.dense", "classifier"]);
    const scores = sites.find((s) => s.name.endsWith("self.scores"));
    expect(scores?.operands).toEqual([
      `${layer}.attention.self.scores:query`,
      `${layer}.attention.self.scores:key`,
    ]);
    expect(scores?.weight).toBeNull();
    expect(sites[0].weight).toBe(`${layer}.attention.self.query.weight`);
    expect(findSites(tinyBert(), false)).toHaveLength(2 * 6 + 2);
  });

  it("rejects a hook at a point a module does not have (nn/module.ts)", () => {
    const model = tinyBert();
    expectError(
      () => {
        model.classifier.setHook("query", null);
      },
      "argument",
      /no hook point "query" in Linear; expected one of: input/,
    );
    expectError(
      () => {
        model.bert.setHook("input", null);
      },
      "argument",
      /in BertModel; it has none/,
    );
  });
});

describe("calibration", () => {
  it("observes every activation operand in eval mode and removes its hooks", () => {
    const model = tinyBert().train();
    const cal = calibrate(model, batches, { bins: 256 });
    expect(cal.batches).toBe(3);
    expect(cal.operands.size).toBe(2 * (6 + 4) + 2);
    const q = cal.operands.get("bert.encoder.layer.0.attention.self.query:input");
    expect(q?.max.count).toBe(3 * 4 * 16 * 32);
    expect(q?.max.channelAbsMax?.length).toBe(32);
    expect(q?.histogram.counts.length).toBe(256);
    expect(cal.operands.get("bert.encoder.layer.0.attention.self.context:probs")?.max.hi).toBeLessThanOrEqual(
      1,
    );
    expect(model.training).toBe(true);
    for (const site of findSites(model))
      for (const p of site.points) expect(site.module.getHook(p)).toBeNull();
  });
});

describe("quantizeModel", () => {
  it("changes nothing with float32 weights and activations", () => {
    const model = tinyBert();
    const before = logitsOf(model, batches);
    const q = quantizeModel(model, { weights: { format: "float32" }, activations: { format: "float32" } });
    expect(logitsOf(model, batches)).toEqual(before);
    expect(q.sites).toHaveLength(18);
    q.restore();
  });

  it("changes logits by a bounded amount with E4M3, and restore() is bit-exact", () => {
    const model = tinyBert();
    const params = model.parameters();
    const before = logitsOf(model, batches);
    const cal = calibrate(model, batches);
    const q = quantizeModel(model, fp8Config, cal);
    const after = logitsOf(model, batches);
    const diff = maxAbsDiff(before, after);
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(0.1 * maxAbs(before));
    q.restore();
    expect(logitsOf(model, batches)).toEqual(before);
    model.parameters().forEach((t, i) => {
      expect(t).toBe(params[i]);
    });
    for (const site of findSites(model))
      for (const p of site.points) expect(site.module.getHook(p)).toBeNull();
    q.restore(); // twice is harmless
  });

  it("puts every operand of every listed site on the format's grid times its scale", () => {
    const model = tinyBert();
    const cal = calibrate(model, batches, { method: "percentile", percentile: 99.9 });
    const q = quantizeModel(model, { ...fp8Config, skip: ["classifier"] }, cal);
    const spec = resolveSpec(E4M3, "activation");
    const wspec = resolveSpec(fp8Config.weights, "weight");
    const report = q.report();
    expect(report.kept).toEqual(["classifier"]);
    expect(report.sites.map((s) => s.site)).toEqual(q.sites);
    const params = new Map(model.namedParameters());
    let checked = 0;
    for (const site of findSites(model)) {
      const r = report.sites.find((s) => s.site === site.name);
      if (site.name === "classifier") {
        expect(r).toBeUndefined();
        continue;
      }
      if (r === undefined) throw new Error(`site ${site.name} is missing from the report`);
      if (r.weight !== null) {
        const w = params.get(r.weight.operand);
        if (w === undefined) throw new Error(r.weight.operand);
        const v = w.toFloat32Array();
        expect(r.weight.scales).toHaveLength(w.shape[0]);
        const again = fakeQuantize(v, w.shape, wspec, { scale: Float32Array.from(r.weight.scales ?? []) });
        expect(again.values).toEqual(v);
        expect(r.weight.sqnrDb).toBeGreaterThan(25); // E4M3: 3 mantissa bits, about 31 dB on Gaussian data
      }
      site.points.forEach((point, i) => {
        const a = r.activations[i];
        const prev = site.module.getHook(point);
        site.module.setHook(point, (t) => {
          if (prev === null) throw new Error(`no quantization hook at ${site.name}:${point}`);
          const x = prev(t);
          const v = x.toFloat32Array();
          const scale = Float32Array.from(a.scales ?? []);
          expect(fakeQuantize(v, x.shape, spec, { scale }).values).toEqual(v);
          expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(Math.fround(448 * scale[0]));
          checked++;
          return x;
        });
      });
    }
    logitsOf(model, batches.slice(0, 1));
    expect(checked).toBe(2 * (6 + 4) + 1);
  });

  it("reports formats, scales from the calibrated clip, and costs measured on the calibration data", () => {
    const model = tinyBert();
    const cal = calibrate(model, batches, { method: "max" });
    const config: QuantConfig = {
      weights: { format: "int8", granularity: "channel" },
      activations: { format: "int8" },
    };
    const q = quantizeModel(model, config, cal, batches);
    const r = q.report();
    expect(r.method).toBe("max");
    expect([r.weights.format, r.weights.granularity, r.activations.granularity]).toEqual([
      "int8",
      "channel",
      "tensor",
    ]);
    const key = "bert.encoder.layer.1.intermediate.dense:input";
    const a = r.sites.find((s) => s.site === "bert.encoder.layer.1.intermediate.dense")?.activations[0];
    const obs = cal.operands.get(key);
    expect(a?.operand).toBe(key);
    expect(a?.clip).toBe(obs?.max.absMax);
    expect(a?.scales).toEqual([Math.fround((obs?.max.absMax ?? 0) / 127)]);
    expect(a?.count).toBe(3 * 4 * 16 * 32);
    expect(a?.saturated).toBe(0); // max calibration on the same data: nothing beyond the clip
    expect(a?.sqnrDb).toBeGreaterThan(20);
    expect(a?.sqnrDb).toBeLessThan(60);
    q.resetStats();
    expect(q.report().sites[0].activations[0].count).toBe(0);
    q.restore();
  });

  it("clips harder with a percentile than with max, and then saturates a few values", () => {
    const model = tinyBert();
    const cal = calibrate(model, batches);
    const q = quantizeModel(model, { ...fp8Config, method: "percentile", percentile: 99 }, cal, batches);
    const acts = q.report().sites.flatMap((s) => s.activations);
    for (const a of acts)
      expect(a.clip ?? 0).toBeLessThanOrEqual(cal.operands.get(a.operand)?.max.absMax ?? 0);
    const saturated =
      acts.reduce((s, a) => s + a.saturated * a.count, 0) / acts.reduce((s, a) => s + a.count, 0);
    expect(saturated).toBeGreaterThan(0.001);
    expect(saturated).toBeLessThan(0.02);
    q.restore();
  });

  it("needs no calibration for per-token, MX and cast activations", () => {
    for (const activations of [
      { format: "float8_e4m3fn", granularity: "token" },
      { format: "MXFP8_E4M3" },
      { format: "MXINT8" },
      { format: "bfloat16" },
    ] as const) {
      const model = tinyBert();
      const before = logitsOf(model, batches);
      const q = quantizeModel(model, { weights: { format: "MXFP8_E4M3" }, activations }, null, batches);
      const diff = maxAbsDiff(before, logitsOf(model, batches));
      expect(diff).toBeGreaterThan(0);
      expect(diff).toBeLessThan(0.1 * maxAbs(before));
      expect(q.report().sites[0].activations[0].scales).toBeNull();
      q.restore();
    }
  });

  it("answers bad configs with config errors", () => {
    const model = tinyBert();
    expectError(() => quantizeModel(model, fp8Config), "config", /needs calibration, and none was given/);
    const cal = calibrate(model, batches, { attention: false });
    expectError(
      () => quantizeModel(model, fp8Config, cal),
      "config",
      /self.scores:query.*did not observe it/,
    );
    expectError(
      () => quantizeModel(model, { ...fp8Config, skip: ["clasifier"] }, cal),
      "config",
      /skip: no matmul site "clasifier" \(did you mean "classifier"\?\)/,
    );
    expectError(() => calibrate(model, batches, { method: "kl" as "max" }), "config", /expected one of max/);
    for (const site of findSites(model))
      for (const p of site.points) expect(site.module.getHook(p)).toBeNull();
  });
});

describe("SmoothQuant", () => {
  it("leaves float32 outputs unchanged up to rounding, and restores exactly", () => {
    const model = tinyBert();
    const before = logitsOf(model, batches);
    const cal = calibrate(model, batches);
    const s = smoothQuant(model, cal, { alpha: 0.5 });
    expect(s.scales.size).toBe(2 * 6 + 2);
    expect(maxAbsDiff(before, logitsOf(model, batches))).toBeLessThan(1e-5 * maxAbs(before) + 1e-6);
    s.restore();
    expect(logitsOf(model, batches)).toEqual(before);
  });

  it("balances max|X_j| and max|W_j| per channel at alpha 0.5 (Xiao et al., Sec. 4)", () => {
    const model = tinyBert();
    const cal = calibrate(model, batches);
    const s = smoothQuant(model, cal, { alpha: 0.5 });
    const again = calibrate(model, batches);
    const params = new Map(model.namedParameters());
    const site = "bert.encoder.layer.0.intermediate.dense";
    const x = again.operands.get(`${site}:input`)?.max.channelAbsMax ?? new Float64Array();
    const w = params.get(`${site}.weight`)?.toFloat32Array() ?? new Float32Array();
    const wMax = Array.from(x, (_, j) =>
      Math.max(...Array.from({ length: 37 }, (_, i) => Math.abs(w[i * 32 + j]))),
    );
    x.forEach((v, j) => {
      expect(v).toBeCloseTo(wMax[j], 5);
    });
    s.restore();
  });
});
