/**
 * The policy a run directory records is checked when read, by the policy-file reader: a preset's must
 * equal the preset, any other must name real formats and rounding modes; a malformed one is a "format"
 * error naming the file and the field. The saved form reads back as a policy file.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { presetPolicy } from "../precision/index.js";
import { DEFAULT_TRAIN_CONFIG } from "./config.js";
import { readRunConfig } from "./run-dir.js";
import { resolvePolicy } from "./setup.js";

function runWith(policy: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "minifloat-rundir-"));
  writeFileSync(join(dir, "config.json"), JSON.stringify({ config: DEFAULT_TRAIN_CONFIG, policy }));
  return dir;
}

describe("readRunConfig", () => {
  it("accepts a preset as recorded and a custom policy with real formats", () => {
    expect(readRunConfig(runWith(presetPolicy("pure-bf16-sr"))).policy).toEqual(presetPolicy("pure-bf16-sr"));
    const custom = { ...presetPolicy("pure-fp16"), name: "mine" };
    expect(readRunConfig(runWith(custom)).policy.name).toBe("mine");
  });

  it("refuses a changed preset, an unknown format, a bad rounding and no roles", () => {
    const fp16 = presetPolicy("pure-fp16");
    expectError(
      () => readRunConfig(runWith({ ...fp16, accumulate: "output" })),
      "format",
      /differs from the preset/,
    );
    const roles = (role: Record<string, unknown>): unknown => ({
      ...fp16,
      name: "x",
      roles: { ...fp16.roles, ...role },
    });
    expectError(
      () => readRunConfig(runWith(roles({ params: { format: "fp16", rounding: "nearest-even" } }))),
      "format",
      /config\.json: policy: roles\.params\.format: unknown float format "fp16"/,
    );
    expectError(
      () => readRunConfig(runWith(roles({ loss: { format: "float32", rounding: "up" } }))),
      "format",
      /policy: roles\.loss\.rounding: expected one of/,
    );
    expectError(
      () => readRunConfig(runWith({ name: "y" })),
      "format",
      /policy: roles: expected an object of/,
    );
  });
});

describe("a run's config.json as --policy", () => {
  it("gives the policy the run recorded", () => {
    const custom = { ...presetPolicy("amp-fp16"), name: "mine", lossScaling: { kind: "static", scale: 64 } };
    const dir = runWith(custom);
    expect(resolvePolicy(join(dir, "config.json"))).toEqual(custom);
    expect(resolvePolicy(join(dir, "config.json"))).toEqual(readRunConfig(dir).policy);
  });
});
