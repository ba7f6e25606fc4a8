// Learning-rate schedules at chosen steps, each value worked out by hand.
import { describe, expect, it } from "vitest";
import {
  constantSchedule,
  cosineSchedule,
  stepSchedule,
  warmupCosineSchedule,
  warmupSchedule,
} from "./schedule.js";

describe("schedules", () => {
  it("constant", () => {
    expect([0, 10, 1e6].map(constantSchedule(0.3))).toEqual([0.3, 0.3, 0.3]);
  });

  it("step decay: x0.1 every 30 steps", () => {
    const s = stepSchedule(1, 30, 0.1);
    expect(s(0)).toBe(1);
    expect(s(29)).toBe(1);
    expect(s(30)).toBeCloseTo(0.1, 15);
    expect(s(65)).toBeCloseTo(0.01, 15);
  });

  it("cosine: lr at 0, midpoint at half, minLr at the end and after", () => {
    const s = cosineSchedule(1, 100, 0.1);
    expect(s(0)).toBe(1);
    expect(s(50)).toBeCloseTo(0.55, 12);
    expect(s(25)).toBeCloseTo(0.1 + (0.9 * (1 + Math.SQRT1_2)) / 2, 12);
    expect(s(100)).toBeCloseTo(0.1, 12);
    expect(s(150)).toBeCloseTo(0.1, 12);
  });

  it("warmup: linear to the base rate, then the base schedule shifted", () => {
    const s = warmupSchedule(4, constantSchedule(0.5));
    expect([0, 1, 2, 3, 4, 9].map(s)).toEqual([0.125, 0.25, 0.375, 0.5, 0.5, 0.5]);
  });

  it("warmup + cosine", () => {
    const s = warmupCosineSchedule(1, 10, 110);
    expect(s(0)).toBeCloseTo(0.1, 12);
    expect(s(9)).toBeCloseTo(1, 12);
    expect(s(10)).toBe(1);
    expect(s(60)).toBeCloseTo(0.5, 12);
    expect(s(110)).toBeCloseTo(0, 12);
  });

  it("rejects bad arguments", () => {
    expect(() => stepSchedule(1, 0)).toThrow(/stepSize/);
    expect(() => warmupCosineSchedule(1, 10, 10)).toThrow(/totalSteps/);
  });
});
