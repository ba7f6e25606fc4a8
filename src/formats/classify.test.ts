/**
 * countValueClasses against a direct classification of decoded values, for every code of the 8- and
 * 16-bit formats and for float32 arrays with every class.
 */
import { describe, expect, it } from "vitest";
import { addClassCounts, countValueClasses, NO_VALUES } from "./classify.js";
import { decodeArray } from "./bulk-codec.js";
import { FLOAT_FORMAT_NAMES, floatFormat } from "./index.js";

function slow(
  values: Float32Array,
  smallestNormal: number,
): { zero: number; subnormal: number; nonFinite: number } {
  let zero = 0;
  let subnormal = 0;
  let nonFinite = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) nonFinite++;
    else if (v === 0) zero++;
    else if (Math.abs(v) < smallestNormal) subnormal++;
  }
  return { zero, subnormal, nonFinite };
}

describe("countValueClasses", () => {
  it.each(FLOAT_FORMAT_NAMES.filter((n) => floatFormat(n).bits <= 16))("every code of %s", (name) => {
    const f = floatFormat(name);
    const codes = f.bits > 8 ? new Uint16Array(2 ** f.bits) : new Uint8Array(2 ** f.bits);
    for (let c = 0; c < codes.length; c++) codes[c] = c;
    const got = countValueClasses(f, codes);
    expect(got).toEqual({ elements: codes.length, ...slow(decodeArray(f, codes), f.smallestNormal) });
  });

  it("float32 values of every class", () => {
    const f = floatFormat("float32");
    const v = Float32Array.of(0, -0, 1e-40, -1e-45, 1.5, -3e38, Infinity, -Infinity, NaN, 1.1754944e-38);
    expect(countValueClasses(f, v)).toEqual({ elements: 10, zero: 2, subnormal: 2, nonFinite: 3 });
  });

  it("adds counts", () => {
    const a = { elements: 3, zero: 1, subnormal: 1, nonFinite: 0 };
    expect(addClassCounts(addClassCounts(NO_VALUES, a), a)).toEqual({
      elements: 6,
      zero: 2,
      subnormal: 2,
      nonFinite: 0,
    });
  });
});
