// MX block formats against hand-worked blocks, the corner cases of the OCP MX v1.0 spec and
// microsoft/microxcaling, and a brute-force reference (nearest of every element code) written here.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { decodeValue } from "./float-codec.js";
import { FLOAT_FORMATS } from "./float-format.js";
import {
  MX_ELEMENT_NAMES,
  MX_NAN_SCALE,
  mxDecode,
  mxElementEmax,
  mxEncode,
  mxQuantize,
  type MxElementName,
  type MxTensor,
} from "./mx.js";

const f32 = (xs: readonly number[]): Float32Array => Float32Array.from(xs);
const list = (a: ArrayLike<number>): number[] => Array.from(a);
const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
  a.length === b.length && list(a).every((v, i) => v === b[i]);

/** Every finite value of an element format, with its code, for the brute-force reference. */
function finiteValues(name: Exclude<MxElementName, "int8">): { value: number; code: number }[] {
  const f = FLOAT_FORMATS[name];
  const out: { value: number; code: number }[] = [];
  for (let code = 0; code < 2 ** f.bits; code++) {
    const value = decodeValue(f, code);
    if (Number.isFinite(value) && value >= 0) out.push({ value, code });
  }
  return out;
}

/** Reference element rounding: the nearest element value to v (ties to the even code), clamped to the
 * largest finite magnitude; MXINT8 is round-half-even of v * 64, clamped to +-127. */
function refElement(name: MxElementName, v: number): number {
  const a = Math.abs(v);
  if (name === "int8") {
    const t = a * 64;
    const n = Math.floor(t);
    const r = t - n > 0.5 || (t - n === 0.5 && n % 2 === 1) ? n + 1 : n;
    return (Math.sign(v) * Math.min(127, r)) / 64;
  }
  let best = { value: 0, code: 0 };
  let bestDist = Infinity;
  for (const c of finiteValues(name)) {
    const d = Math.abs(c.value - a);
    if (d < bestDist || (d === bestDist && c.code % 2 === 0)) [best, bestDist] = [c, d];
  }
  const max = FLOAT_FORMATS[name].max;
  return Math.sign(v) * (a >= max ? max : best.value);
}

/** Reference MX quantization of a 1-D array in blocks, with the shared exponent from Math.log2. */
function refQuantize(x: Float32Array, name: MxElementName, blockSize: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < x.length; b += blockSize) {
    const block = list(x.subarray(b, b + blockSize));
    const amax = Math.max(...block.map(Math.abs));
    const e = amax === 0 ? -126 : Math.floor(Math.log2(amax));
    const shared = Math.max(-127, e - mxElementEmax(name));
    for (const v of block) out.push(refElement(name, v / 2 ** shared) * 2 ** shared);
  }
  return out;
}

describe("mxEncode / mxDecode: worked blocks", () => {
  it("emax_elem of each element format", () => {
    expect(MX_ELEMENT_NAMES.map(mxElementEmax)).toEqual([8, 15, 4, 2, 2, 0]);
  });

  it("MXFP4: shared = floor(log2 100) - 2 = 4, so X = 16; 6.25 saturates to 6", () => {
    const t = mxEncode(f32([0.5, -1.75, 3, 100]), "float4_e2m1fn");
    expect(list(t.scales)).toEqual([127 + 4]);
    expect(list(t.elements)).toEqual([0, 0b1000, 0, 0b0111]); // +0, -0, +0, 6.0
    expect(list(mxDecode(t))).toEqual([0, -0, 0, 96]);
  });

  it("MXFP4 clamps 7 to 6 (X = 2^(2 - 2) = 1), as microxcaling does", () => {
    expect(list(mxQuantize(f32([7, 1]), "float4_e2m1fn"))).toEqual([6, 1]);
  });

  it("MXFP8 E4M3: representable values come back exactly, at any scale", () => {
    const x = [448, 1, -2.5, 0.015625, -0.001953125];
    for (const k of [0, -30, 20, -100]) {
      const xs = f32(x.map((v) => v * 2 ** k));
      const t = mxEncode(xs, "float8_e4m3fn");
      expect(list(t.scales)).toEqual([127 + k]); // floor(log2 448) - 8 = 0
      expect(list(mxDecode(t))).toEqual(list(xs));
    }
  });

  it("MXINT8: codes round(x / X * 64), clamped to +-127 (1 63/64)", () => {
    const t = mxEncode(f32([1.5, -0.75, 1 / 128, 3 / 128, 1.999, -1.999]), "int8");
    expect(t.elements).toBeInstanceOf(Int8Array);
    expect(list(t.scales)).toEqual([127]);
    expect(list(t.elements)).toEqual([96, -48, 0, 2, 127, -127]);
    expect(list(mxDecode(t))).toEqual([1.5, -0.75, 0, 2 / 64, 127 / 64, -127 / 64]);
  });

  it("a zero block gets scale 2^max(-126 - emax, -127), as microxcaling", () => {
    const zeros = new Float32Array(32);
    const codes = MX_ELEMENT_NAMES.map((n) => mxEncode(zeros, n).scales[0]);
    expect(codes).toEqual([0, 0, 0, 0, 0, 1]);
    for (const n of MX_ELEMENT_NAMES) expect(list(mxQuantize(zeros, n)).every((v) => v === 0)).toBe(true);
  });

  it("ties: nearest-even by default, nearest-away on request", () => {
    expect(list(mxQuantize(f32([6, 2.5, -2.5]), "float4_e2m1fn"))).toEqual([6, 2, -2]);
    const away = mxQuantize(f32([6, 2.5, -2.5]), "float4_e2m1fn", { rounding: "nearest-away" });
    expect(list(away)).toEqual([6, 3, -3]);
  });
});

describe("special values", () => {
  it("NaN or infinity in a block gives the NaN scale; the whole block decodes to NaN", () => {
    const x = new Float32Array(100).map((_, i) => (i % 8) - 4); // -4..3: exact in E5M2 at X = 2^-13
    x[3] = NaN;
    x[70] = -Infinity;
    const t = mxEncode(x, "float8_e5m2");
    expect(list(t.scales)).toEqual([MX_NAN_SCALE, 127 + 2 - 15, MX_NAN_SCALE, 127 + 2 - 15]);
    const y = mxDecode(t);
    for (let i = 0; i < 100; i++) {
      if (i < 32 || (i >= 64 && i < 96)) expect(y[i]).toBeNaN();
      else expect(y[i]).toBe(x[i]);
    }
  });

  it("an element NaN code decodes to NaN only for that element", () => {
    const t: MxTensor = {
      element: "float8_e5m2",
      shape: [2],
      axis: 0,
      blockSize: 32,
      scales: Uint8Array.from([128]),
      elements: Uint8Array.from([0x7e, 0x3c]),
    };
    expect(list(mxDecode(t))).toEqual([NaN, 2]);
  });
});

describe("layout", () => {
  it("a last partial block has its own scale", () => {
    const x = new Float32Array(40).fill(1);
    x[35] = 1000;
    const t = mxEncode(x, "float8_e4m3fn");
    expect(list(t.scales)).toEqual([127 + 0 - 8, 127 + 9 - 8]);
    // X = 2^(9 - 8) = 2; 1000 / 2 = 500 saturates to 448, which decodes to 896
    expect(list(mxDecode(t).subarray(32))).toEqual([1, 1, 1, 896, 1, 1, 1, 1]);
  });

  it("blocks along axis 0 of a (4, 3) tensor equal blocks along the last axis of its transpose", () => {
    const x = f32([1, 200, -3, 4, 5, 0.25, -70, 8, 9, 10, 0.5, 12]);
    const xt = f32([0, 1, 2].flatMap((c) => [0, 1, 2, 3].map((r) => x[r * 3 + c])));
    const t = mxEncode(x, "float6_e3m2fn", { shape: [4, 3], axis: 0, blockSize: 2 });
    const tt = mxEncode(xt, "float6_e3m2fn", { shape: [3, 4], blockSize: 2 });
    expect(t.axis).toBe(0);
    // scales (2, 3) versus (3, 2)
    expect(list(t.scales)).toEqual([0, 1].flatMap((b) => [0, 1, 2].map((c) => tt.scales[c * 2 + b])));
    const y = mxDecode(t);
    const yt = mxDecode(tt);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 3; c++) expect(y[r * 3 + c]).toBe(yt[c * 4 + r]);
  });
});

describe("against the brute-force reference", () => {
  const values = fc.float({ noNaN: true, noDefaultInfinity: true });
  it.each(MX_ELEMENT_NAMES.map((n) => [n]))("%s", (name) => {
    fc.assert(
      fc.property(
        fc.array(values, { minLength: 1, maxLength: 70 }),
        fc.integer({ min: 1, max: 40 }),
        (xs, b) => {
          const x = f32(xs);
          const got = list(mxQuantize(x, name, { blockSize: b })).map((v) => v + 0);
          expect(got).toEqual(refQuantize(x, name, b).map((v) => v + 0));
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each(MX_ELEMENT_NAMES.map((n) => [n]))("%s: error within half an element ulp times X", (name) => {
    const f = name === "int8" ? null : FLOAT_FORMATS[name];
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 32, maxLength: 32 }),
        (xs) => {
          const x = f32(xs);
          const t = mxEncode(x, name);
          const y = mxDecode(t);
          const X = 2 ** (t.scales[0] - 127);
          const max = f === null ? 127 / 64 : f.max;
          for (let i = 0; i < 32; i++) {
            const a = Math.abs(x[i]) / X;
            if (a > max) {
              expect(Math.abs(y[i])).toBe(max * X); // clamped, never beyond
              continue;
            }
            const ulp =
              f === null ? 2 ** -6 : 2 ** (Math.max(Math.floor(Math.log2(a)), f.emin) - f.mantissaBits);
            expect(Math.abs(y[i] - x[i])).toBeLessThanOrEqual(0.5 * ulp * X);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("stochastic rounding", () => {
  const block = [4, ...new Array<number>(31).fill(1.25)]; // X = 1; 1.25 is halfway between 1 and 1.5
  const x = f32(new Array<number[]>(1000).fill(block).flat());
  const random = { seed: 11, stream: 2, step: 5 };

  it("is unbiased: the mean of 31000 roundings of 1.25 is within 5 sigma", () => {
    const y = mxQuantize(x, "float4_e2m1fn", { rounding: "stochastic", random });
    let sum = 0;
    let count = 0;
    let others = 0;
    for (let i = 0; i < y.length; i++) {
      if (i % 32 === 0) continue;
      if (y[i] !== 1 && y[i] !== 1.5) others++;
      sum += y[i];
      count++;
    }
    expect(others).toBe(0); // only the two neighbours of 1.25
    expect(Math.abs(sum / count - 1.25)).toBeLessThan(5 * Math.sqrt(0.0625 / count));
  });

  it("is reproducible, and a slice encoded with its offset matches", () => {
    const a = mxEncode(x, "float4_e2m1fn", { rounding: "stochastic", random, randomBits: 8 });
    const b = mxEncode(x, "float4_e2m1fn", { rounding: "stochastic", random, randomBits: 8 });
    expect(same(a.elements, b.elements)).toBe(true);
    const tail = mxEncode(x.subarray(320), "float4_e2m1fn", {
      rounding: "stochastic",
      random: { ...random, offset: 320 },
      randomBits: 8,
    });
    expect(same(tail.elements, a.elements.subarray(320))).toBe(true);
    const other = mxEncode(x, "float4_e2m1fn", {
      rounding: "stochastic",
      random: { ...random, seed: 12 },
      randomBits: 8,
    });
    expect(same(other.elements, a.elements)).toBe(false);
  });
});

describe("validation", () => {
  const x = f32([1, 2, 3, 4]);
  it("names the argument and both sides", () => {
    expectError(() => mxEncode(x, "float8_e4m3" as MxElementName), "format", /did you mean "float8_e4m3fn"/);
    expectError(
      () => mxEncode(x, "int8", { blockSize: 0 }),
      "argument",
      /blockSize must be a positive integer, got 0/,
    );
    expectError(() => mxEncode(x, "int8", { shape: [3] }), "shape", /expected 3 elements .* got 4/);
    expectError(() => mxEncode(x, "int8", { shape: [2, 2], axis: 2 }), "argument", /axis .* got 2/);
    expectError(() => mxEncode(x, "int8", { shape: [] }), "shape", /expected 1 elements/);
    expectError(() => mxEncode(x, "int8", { rounding: "stochastic" }), "argument", /random source/);
    const t = mxEncode(x, "float4_e2m1fn");
    expectError(
      () => mxDecode({ ...t, scales: new Uint8Array(2) }),
      "shape",
      /scales: expected 1 codes, got 2/,
    );
    expectError(
      () => mxDecode({ ...t, elements: Uint8Array.from([0, 16, 0, 0]) }),
      "argument",
      /elements\[1\].*\[0, 15\], got 16/,
    );
    expectError(() => mxDecode({ ...t, element: "int8" }), "argument", /Int8Array/);
  });
});
