/**
 * TrainConfig validation: defaults, every kind of mistake named with its field, and the differences that
 * forbid resuming.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { configDifferences, DEFAULT_TRAIN_CONFIG, makeTrainConfig } from "./config.js";

describe("makeTrainConfig", () => {
  it("fills defaults and keeps overrides", () => {
    const c = makeTrainConfig({ policy: "pure-bf16", epochs: 5, trainLimit: 1000 });
    expect(c).toEqual({ ...DEFAULT_TRAIN_CONFIG, policy: "pure-bf16", epochs: 5, trainLimit: 1000 });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    [{ lr: -1 }, /config: lr: expected a number >= 0, got -1/],
    [{ epochs: 0 }, /config: epochs: expected an integer >= 1, got 0/],
    [{ batchSize: 2.5 }, /batchSize: expected an integer >= 1, got 2\.5/],
    [
      { optimizer: "adma" },
      /optimizer: expected one of sgd, adam, adamw, got "adma" \(did you mean "adam"\?\)/,
    ],
    [{ backend: "gpu" }, /backend: expected one of js, wasm, got "gpu"/],
    [{ learningRate: 0.1 }, /learningRate: unknown field/],
    [{ epoch: 3 }, /epoch: unknown field \(did you mean "epochs"\?\)/],
    [{ nesterov: true, momentum: 0 }, /nesterov: needs optimizer sgd with momentum > 0/],
    [{ eps: 0 }, /eps: expected a number > 0, got 0/],
    [{ modelOptions: [1] }, /modelOptions: expected an object, got an array/],
    [{ augment: "yes" }, /augment: expected true or false, got "yes"/],
    [{ trainLimit: 0 }, /trainLimit: expected an integer >= 1, got 0/],
  ])("rejects %j", (overrides, message) => {
    expectError(() => makeTrainConfig(overrides), "config", message);
  });

  it("rejects a non-object", () => {
    expectError(
      () => makeTrainConfig([], "run/config.json"),
      "config",
      /run\/config\.json: \(top level\): expected a JSON object/,
    );
  });

  it("lists differences other than epochs", () => {
    const a = makeTrainConfig({});
    expect(configDifferences(a, makeTrainConfig({ epochs: 9 }))).toEqual([]);
    expect(
      configDifferences(a, makeTrainConfig({ lr: 0.1, seed: 3, modelOptions: { hidden: [8] } })),
    ).toEqual(["modelOptions", "lr", "seed"]);
  });
});
