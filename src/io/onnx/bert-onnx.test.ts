/**
 * BERT exported to ONNX and run by onnxruntime-node gives minifloat's own logits: a random tiny BERT in
 * float32 within 1e-4 (padding, token types, two sequence lengths through one session), the torch golden
 * checkpoint, the tanh GELU and the Gelu op of opset 20; export errors name the site.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { expectError } from "../../../test/support/expect-error.js";
import {
  maxAbsDiff,
  ortLogits,
  ortSession,
  paddedBatch,
  randomBert,
} from "../../../test/support/onnx-bert.js";
import { bertConfig, BertForSequenceClassification, type BertInput } from "../../nn/index.js";
import { createContext } from "../../nn/module.js";
import { loadHfCheckpoint } from "../hf-checkpoint.js";
import { bertQdqSites, exportBertOnnx } from "./bert-onnx.js";

describe("exportBertOnnx in onnxruntime-node", () => {
  it("gives minifloat's float32 logits within 1e-4, with padding, token types and two sequence lengths", async () => {
    const model = randomBert(7);
    const session = await ortSession(model);
    for (const t of [7, 12]) {
      const input = paddedBatch(t);
      const mine = model.forward(input).toFloat32Array();
      const theirs = await ortLogits(session, input);
      expect(theirs.length).toBe(9);
      expect(Math.max(...mine.map(Math.abs))).toBeGreaterThan(0.1); // logits are not all near 0
      expect(maxAbsDiff(theirs, mine)).toBeLessThan(1e-4);
    }
  });

  it("ignores padded tokens: a padded row gives what the row alone gives", async () => {
    const model = randomBert(8);
    const session = await ortSession(model);
    const input = paddedBatch(9);
    const padded = await ortLogits(session, input);
    const real = 5; // row 2: ceil(9 / 2) tokens
    const row = (v: ArrayLike<number> | undefined): number[] => Array.from(v ?? []).slice(18, 18 + real);
    const alone = await ortLogits(session, {
      inputIds: row(input.inputIds),
      tokenTypeIds: row(input.tokenTypeIds),
      shape: [1, real],
    });
    expect(maxAbsDiff(alone, padded.slice(6, 9))).toBeLessThan(1e-5);
  });

  it("gives torch's logits for the golden checkpoint (test/golden/bert) within 1e-4", async () => {
    const dir = fileURLToPath(new URL("../../../test/golden/bert", import.meta.url));
    const { model } = loadHfCheckpoint(
      dir,
      (json) => new BertForSequenceClassification(createContext(), bertConfig(json), { hfInit: false }),
    );
    const golden = JSON.parse(readFileSync(`${dir}/golden.json`, "utf8")) as {
      shape: [number, number];
      input_ids: number[];
      token_type_ids: number[];
      attention_mask: number[];
      logits: number[];
    };
    const session = await ortSession(model.eval());
    const input: BertInput = {
      inputIds: golden.input_ids,
      tokenTypeIds: golden.token_type_ids,
      attentionMask: golden.attention_mask,
      shape: golden.shape,
    };
    expect(maxAbsDiff(await ortLogits(session, input), golden.logits)).toBeLessThan(1e-4);
  });

  it("writes GELU as Erf (opset 19) or Gelu (opset 20), each form (erf, tanh) matching minifloat", async () => {
    for (const act of ["gelu", "gelu_new"]) {
      const model = randomBert(9, { hidden_act: act });
      const input = paddedBatch(6);
      const mine = model.forward(input).toFloat32Array();
      for (const opset of [19, 20]) {
        const theirs = await ortLogits(await ortSession(model, { opset }), input);
        expect(maxAbsDiff(theirs, mine), `${act} opset ${opset}`).toBeLessThan(1e-4);
      }
    }
  });

  it("fixes batch and sequence when asked, and rejects other shapes", async () => {
    const model = randomBert(10);
    const session = await ortSession(model, { batchSize: 3, sequenceLength: 6 });
    const mine = model.forward(paddedBatch(6)).toFloat32Array();
    expect(maxAbsDiff(await ortLogits(session, paddedBatch(6)), mine)).toBeLessThan(1e-4);
    await expect(ortLogits(session, paddedBatch(7))).rejects.toThrow(/dimension|shape/i);
  });

  it("lists the QDQ sites and rejects unknown sites, bad scales and old opsets naming them", () => {
    const model = randomBert(11);
    const sites = bertQdqSites(model);
    const names = sites.map((s) => s.name);
    expect(names).toContain("bert.encoder.layer.1.attention.self.query.input");
    expect(names).toContain("bert.encoder.layer.0.attention.self.probs");
    expect(names).toContain("classifier.weight");
    expect(sites.find((s) => s.name === "bert.encoder.layer.0.intermediate.dense.weight")?.dims).toEqual([
      24, 16,
    ]);
    expect(names.length).toBe(2 * (2 * 6 + 2) + 2 * 4);
    expectError(
      () => exportBertOnnx(model, { qdq: { "bert.nope.input": { format: "int8", scale: 1 } } }),
      "config",
      /unknown QDQ sites bert.nope.input/,
    );
    expectError(
      () =>
        exportBertOnnx(model, { qdq: { "classifier.weight": { format: "int8", scale: [1, 2], axis: 0 } } }),
      "config",
      /QDQ site classifier.weight: expected 3 scales along axis 0, got 2/,
    );
    expectError(
      () => exportBertOnnx(model, { qdq: { "classifier.input": { format: "int8", scale: 0 } } }),
      "config",
      /scales must be positive and finite, got 0/,
    );
    expectError(
      () =>
        exportBertOnnx(model, { qdq: { "classifier.input": { format: "uint8", scale: 1, zeroPoint: 300 } } }),
      "config",
      /zero points must be integers in \[0, 255\] for uint8, got 300/,
    );
    expectError(() => exportBertOnnx(model, { opset: 17 }), "unsupported", /opset must be 19 or later/);
  });
});
