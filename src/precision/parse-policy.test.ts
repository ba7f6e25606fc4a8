// User policies from JSON: a valid one round-trips, and each kind of mistake is a "config" error whose
// message names the source, the field path and the expected values.
import { describe, expect, it } from "vitest";
import { MinifloatError } from "../errors.js";
import { parsePolicy, presetPolicy } from "./parse-policy.js";
import { PRESETS } from "./policy.js";

const full = {
  name: "mine",
  roles: {
    params: "bfloat16",
    masterParams: null,
    activations: "bfloat16",
    gradients: { format: "bfloat16", rounding: "stochastic" },
    optimizerState: "float32",
    kahanCompensation: "bfloat16",
    loss: "float32",
  },
  accumulate: "float32",
  lossScaling: { dynamic: { initial: 1024 } },
  updateRule: "kahan",
  batchNormStats: "policy",
};

function message(json: unknown): string {
  try {
    parsePolicy(json, "p.json");
  } catch (e) {
    expect(e).toBeInstanceOf(MinifloatError);
    expect((e as MinifloatError).code).toBe("config");
    return (e as MinifloatError).message;
  }
  throw new Error("expected parsePolicy to throw");
}

const withRoles = (roles: Record<string, unknown>) => ({ ...full, roles: { ...full.roles, ...roles } });

describe("parsePolicy", () => {
  it("reads a complete policy, filling dynamic-scaling defaults", () => {
    const p = parsePolicy(JSON.stringify(full), "p.json");
    expect(p.name).toBe("mine");
    expect(p.roles.params).toEqual({ format: "bfloat16", rounding: "nearest-even" });
    expect(p.roles.gradients).toEqual({ format: "bfloat16", rounding: "stochastic" });
    expect(p.roles.masterParams).toBeNull();
    expect(p.lossScaling).toEqual({
      kind: "dynamic",
      initial: 1024,
      growthInterval: 2000,
      factor: 2,
      backoff: 0.5,
    });
    expect(p.updateRule).toBe("kahan");
    expect(p.batchNormStats).toBe("policy");
  });

  it("extends a preset, overriding only what is given", () => {
    const p = parsePolicy({ extends: "pure-bf16", updateRule: "stochastic", lossScaling: { static: 256 } });
    expect(p.roles).toEqual(PRESETS["pure-bf16"].roles);
    expect(p.updateRule).toBe("stochastic");
    expect(p.lossScaling).toEqual({ kind: "static", scale: 256 });
    expect(p.name).toBe("pure-bf16-custom");
  });

  it("rejects bad JSON and non-objects", () => {
    expect(message("{ roles: ")).toMatch(/^p\.json: not valid JSON/);
    expect(message([1])).toBe("p.json: (top level): expected a JSON object, got an array");
  });

  it("names an unknown top-level field and suggests the closest", () => {
    expect(message({ ...full, updateRul: "kahan" })).toMatch(
      /^p\.json: updateRul: unknown field \(did you mean "updateRule"\?\)/,
    );
  });

  it("names an unknown role", () => {
    expect(message(withRoles({ weights: "float32" }))).toMatch(
      /roles\.weights: unknown field.*expected one of params, masterParams/,
    );
  });

  it("suggests the closest format for a misspelt one", () => {
    expect(message(withRoles({ params: "bfloat61" }))).toMatch(
      /^p\.json: roles\.params: unknown float format "bfloat61" \(did you mean "bfloat16"\?\)/,
    );
    expect(message(withRoles({ gradients: { format: "flaot16" } }))).toMatch(
      /roles\.gradients\.format: unknown float format "flaot16" \(did you mean "float16"\?\)/,
    );
  });

  it("rejects a bad rounding mode, a non-string format, null outside masterParams and a missing role", () => {
    expect(message(withRoles({ params: { format: "float16", rounding: "nearest" } }))).toMatch(
      /roles\.params\.rounding: expected one of nearest-even, toward-zero, nearest-away, stochastic, got "nearest"/,
    );
    expect(message(withRoles({ loss: 16 }))).toMatch(
      /roles\.loss: expected a float format name or \{ format, rounding \}, got number 16/,
    );
    expect(message(withRoles({ params: null }))).toMatch(/roles\.params: .*only masterParams may be null/);
    const noLoss: Record<string, unknown> = { ...full.roles };
    delete noLoss.loss;
    expect(message({ ...full, roles: noLoss })).toMatch(/roles\.loss: missing/);
  });

  it("rejects bad enums with the allowed values", () => {
    expect(message({ ...full, updateRule: "sr" })).toMatch(
      /updateRule: expected one of nearest, stochastic, kahan, got "sr"/,
    );
    expect(message({ ...full, accumulate: "float16" })).toMatch(
      /accumulate: expected one of float32, output/,
    );
    expect(message({ ...full, batchNormStats: true })).toMatch(
      /batchNormStats: expected one of float32, policy, got boolean true/,
    );
    expect(message({ extends: "pure-bf16-sr2" })).toMatch(
      /extends: expected one of fp32.*did you mean "pure-bf16-sr"/,
    );
    const noRule: Record<string, unknown> = { ...full };
    delete noRule.updateRule;
    expect(message(noRule)).toMatch(/updateRule: missing; expected one of nearest, stochastic, kahan/);
  });

  it("rejects bad loss scaling values, each with its field path", () => {
    expect(message({ ...full, lossScaling: "auto" })).toMatch(
      /lossScaling: expected "none", \{ "static": S \}/,
    );
    expect(message({ ...full, lossScaling: { static: -1 } })).toMatch(
      /lossScaling\.static: expected a positive finite number, got number -1/,
    );
    expect(message({ ...full, lossScaling: { static: 1, dynamic: {} } })).toMatch(
      /lossScaling: expected exactly one of static, dynamic/,
    );
    expect(message({ ...full, lossScaling: { dynamic: { growthInterval: 1.5 } } })).toMatch(
      /lossScaling\.dynamic\.growthInterval: expected a positive integer/,
    );
    expect(message({ ...full, lossScaling: { dynamic: { factor: 0.5 } } })).toMatch(
      /lossScaling\.dynamic\.factor: expected a number > 1/,
    );
    expect(message({ ...full, lossScaling: { dynamic: { backoff: 2 } } })).toMatch(
      /lossScaling\.dynamic\.backoff: expected a number in \(0, 1\)/,
    );
    expect(message({ ...full, lossScaling: { dynamic: { initail: 2 } } })).toMatch(
      /lossScaling\.dynamic\.initail: unknown field \(did you mean "initial"\?\)/,
    );
  });

  // Issue 15, item 6: the policy saved in a run's config.json could not be read back as a policy file.
  it("reads back the resolved form a run saves, for every preset and every kind of loss scaling", () => {
    for (const preset of Object.values(PRESETS)) {
      expect(parsePolicy(JSON.parse(JSON.stringify(preset)) as unknown)).toEqual(preset);
    }
    const statics = { ...PRESETS["pure-fp16"], name: "s", lossScaling: { kind: "static", scale: 128 } };
    expect(parsePolicy(JSON.stringify(statics)).lossScaling).toEqual({ kind: "static", scale: 128 });
    const bad = { ...statics, lossScaling: { kind: "static", scale: 1, extra: 2 } };
    expect(() => parsePolicy(bad, "p.json")).toThrow(/p\.json: lossScaling\.extra: unknown field/);
    const kind = { ...statics, lossScaling: { kind: "sometimes" } };
    expect(() => parsePolicy(kind, "p.json")).toThrow(
      /p\.json: lossScaling\.kind: expected one of none, static, dynamic/,
    );
  });

  it("presetPolicy suggests the closest preset", () => {
    expect(presetPolicy("amp-bf16")).toBe(PRESETS["amp-bf16"]);
    expect(() => presetPolicy("pure-bf16-kahn")).toThrow(
      /unknown precision policy "pure-bf16-kahn" \(did you mean "pure-bf16-kahan"\?\)/,
    );
  });
});
