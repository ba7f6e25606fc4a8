// Every preset of DESIGN.md rule 5, field by field.
import { describe, expect, it } from "vitest";
import { PRESET_NAMES, PRESETS, updateFormat, type PrecisionPolicy } from "./policy.js";

const roleFormats = (p: PrecisionPolicy): Record<string, string | null> =>
  Object.fromEntries(Object.entries(p.roles).map(([k, r]) => [k, r === null ? null : r.format]));

const all = (f: string) => ({
  params: f,
  masterParams: null,
  activations: f,
  gradients: f,
  optimizerState: f,
  kahanCompensation: f,
  loss: f,
});

describe("presets", () => {
  it("lists the nine presets of DESIGN.md", () => {
    expect([...PRESET_NAMES].sort()).toEqual(
      [
        "fp32",
        "amp-fp16",
        "amp-bf16",
        "pure-fp16",
        "pure-bf16",
        "pure-bf16-sr",
        "pure-bf16-kahan",
        "pure-fp16-sr",
        "pure-fp16-kahan",
      ].sort(),
    );
  });

  it("fp32 is float32 everywhere, no scaling, nearest", () => {
    const p = PRESETS.fp32;
    expect(roleFormats(p)).toEqual(all("float32"));
    expect(p.lossScaling).toEqual({ kind: "none" });
    expect(p.updateRule).toBe("nearest");
    expect(p.accumulate).toBe("float32");
  });

  it("amp-fp16 has float32 master weights, state and loss, and dynamic scaling 2^16 / 2000 / x2 / x0.5", () => {
    const p = PRESETS["amp-fp16"];
    expect(roleFormats(p)).toEqual({
      params: "float16",
      masterParams: "float32",
      activations: "float16",
      gradients: "float16",
      optimizerState: "float32",
      kahanCompensation: "float32",
      loss: "float32",
    });
    expect(p.lossScaling).toEqual({
      kind: "dynamic",
      initial: 65536,
      growthInterval: 2000,
      factor: 2,
      backoff: 0.5,
    });
    expect(p.updateRule).toBe("nearest");
    expect(updateFormat(p).format).toBe("float32");
    expect(p.batchNormStats).toBe("float32");
  });

  it("amp-bf16 has bfloat16 compute, float32 master, no loss scaling", () => {
    const p = PRESETS["amp-bf16"];
    expect(p.roles.params.format).toBe("bfloat16");
    expect(p.roles.activations.format).toBe("bfloat16");
    expect(p.roles.gradients.format).toBe("bfloat16");
    expect(p.roles.masterParams?.format).toBe("float32");
    expect(p.roles.optimizerState.format).toBe("float32");
    expect(p.lossScaling.kind).toBe("none");
  });

  const pure: [string, string, string][] = [
    ["pure-fp16", "float16", "nearest"],
    ["pure-bf16", "bfloat16", "nearest"],
    ["pure-bf16-sr", "bfloat16", "stochastic"],
    ["pure-bf16-kahan", "bfloat16", "kahan"],
    ["pure-fp16-sr", "float16", "stochastic"],
    ["pure-fp16-kahan", "float16", "kahan"],
  ];
  it.each(pure)("%s: every role %s, no master copy, no loss scaling, update rule %s", (name, f, rule) => {
    const p = PRESETS[name as keyof typeof PRESETS];
    expect(p.name).toBe(name);
    expect(roleFormats(p)).toEqual(all(f));
    expect(Object.values(p.roles).every((r) => r === null || r.rounding === "nearest-even")).toBe(true);
    expect(p.lossScaling).toEqual({ kind: "none" });
    expect(p.updateRule).toBe(rule);
    expect(updateFormat(p).format).toBe(f);
    expect(p.batchNormStats).toBe("float32");
  });

  it("presets are frozen", () => {
    expect(Object.isFrozen(PRESETS["pure-bf16"])).toBe(true);
    expect(Object.isFrozen(PRESETS["pure-bf16"].roles)).toBe(true);
  });
});
