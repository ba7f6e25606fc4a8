// The loss scaler's sequences (Micikevicius et al. 2018, section 3.2): skip and halve on overflow,
// double after 2000 good steps in a row; static and no scaling never skip.
import { describe, expect, it } from "vitest";
import { LossScaler, allFinite } from "./loss-scaler.js";
import { PRESETS } from "./policy.js";

describe("LossScaler", () => {
  const dyn = PRESETS["amp-fp16"].lossScaling;

  it("starts at 2^16; an overflow skips the step and halves the scale", () => {
    const s = new LossScaler(dyn);
    expect(s.scale).toBe(65536);
    expect(s.gradScale).toBe(1 / 65536);
    expect(s.check([new Float32Array([1, Infinity])])).toBe(false);
    expect(s.scale).toBe(32768);
    expect(s.check([new Float32Array([NaN])])).toBe(false);
    expect(s.scale).toBe(16384);
    expect(s.skippedSteps).toBe(2);
    expect(s.check([new Float32Array([1, 2])])).toBe(true);
    expect(s.skippedSteps).toBe(2);
  });

  it("doubles after 2000 good steps in a row, not 1999; an overflow restarts the count", () => {
    const s = new LossScaler(dyn);
    for (let i = 0; i < 1999; i++) expect(s.update(true)).toBe(true);
    expect(s.scale).toBe(65536);
    s.update(true);
    expect(s.scale).toBe(131072);
    for (let i = 0; i < 1500; i++) s.update(true);
    s.update(false);
    expect(s.scale).toBe(65536);
    for (let i = 0; i < 1999; i++) s.update(true);
    expect(s.scale).toBe(65536);
    s.update(true);
    expect(s.scale).toBe(131072);
    expect(s.skippedSteps).toBe(1);
  });

  it("static and none never skip", () => {
    const st = new LossScaler({ kind: "static", scale: 128 });
    expect(st.scale).toBe(128);
    expect(st.check([new Float32Array([Infinity])])).toBe(true);
    expect(st.scale).toBe(128);
    const none = new LossScaler({ kind: "none" });
    expect(none.scale).toBe(1);
    expect(none.update(false)).toBe(true);
    expect(none.skippedSteps).toBe(0);
  });

  it("allFinite finds a NaN in any array", () => {
    expect(allFinite([new Float32Array([1]), new Float32Array([2, 3])])).toBe(true);
    expect(allFinite([new Float32Array([1]), new Float32Array([2, -Infinity])])).toBe(false);
  });
});
