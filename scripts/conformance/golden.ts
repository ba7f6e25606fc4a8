/**
 * The conformance golden files (test/golden/conformance/*.json): what another implementation (PyTorch,
 * ml_dtypes, onnxruntime) gave for a list of inputs, recorded once by the generator scripts or taken from
 * that project's own tests and source, and minifloat's answer to the same inputs, recomputed here every
 * time. Numbers are JSON numbers, except "nan", "inf", "-inf" and "-0", which JSON cannot write.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  decodeValue,
  encodeValue,
  floatFormat,
  quantizeInt,
  randomWord,
  type FloatFormat,
} from "../../src/formats/index.js";

/** A number as the golden files write it. */
export type GoldenNumber = number | "nan" | "inf" | "-inf" | "-0";

/** One operation on a list of inputs, with the oracle's outputs. */
export interface GoldenCase {
  readonly id: string;
  /** "cast": round the input (of `from`) into `to`, the output its value; "quantize": ONNX QuantizeLinear
   * into `to` (int8) with `scale` and `zeroPoint`, the output the integer code. */
  readonly op: "cast" | "quantize";
  readonly from: "float32" | "float64";
  readonly to: string;
  readonly saturate?: boolean;
  readonly scale?: number;
  readonly zeroPoint?: number;
  /** Where these outputs come from, when not from the file's `provenance` (e.g. one test of ml_dtypes). */
  readonly provenance?: string;
  readonly inputs: readonly GoldenNumber[];
  readonly outputs: readonly GoldenNumber[];
}

/** One golden file: one oracle. */
export interface GoldenFile {
  readonly oracle: string;
  /** "executed: torch 1.13.1", or "from ml_dtypes tests at commit X". */
  readonly provenance: string;
  /** The script that wrote the file, or how the values were taken. */
  readonly generator: string;
  readonly cases: readonly GoldenCase[];
}

/** The folder of the golden files, from the repository root. */
export const GOLDEN_DIR = "test/golden/conformance";

/** The number a golden file writes as `v`. */
export function fromGolden(v: GoldenNumber): number {
  if (typeof v === "number") return v;
  return { nan: NaN, inf: Infinity, "-inf": -Infinity, "-0": -0 }[v];
}

/** `x` as a golden file writes it. */
export function toGolden(x: number): GoldenNumber {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return Object.is(x, -0) ? "-0" : x;
}

/** Whether two outputs are the same: NaN equals NaN, -0 differs from +0. */
export function sameNumber(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

/** Every golden file in `dir`, by file name order. */
export function readGoldenFiles(dir: string): GoldenFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as GoldenFile);
}

/** minifloat's output for input `x` of case `c`: the value of the code it rounds to, or the int8 code. */
export function minifloatOutput(c: GoldenCase, x: number): number {
  const input = c.from === "float32" ? Math.fround(x) : x;
  if (c.op === "quantize") {
    const params = {
      format: "int8" as const,
      scale: Float32Array.of(c.scale ?? 1),
      zeroPoint: [c.zeroPoint ?? 0],
    };
    return quantizeInt(Float32Array.of(input), [1], params)[0];
  }
  const f = floatFormat(c.to);
  return decodeValue(f, encodeValue(f, input, "nearest-even", c.saturate === true, false));
}

/** The edge inputs of a format (float32 values, both signs): zeros, subnormals and their halfway
 * points, the smallest normal, ties at 1, the largest value, max + half an ulp and the overflow range
 * beyond it in quarter ulps, infinities and NaN. */
export function edgeInputs(f: FloatFormat): number[] {
  const ulpAtMax = 2 ** (f.emax - f.mantissaBits);
  const ulpAtOne = 2 ** -f.mantissaBits;
  const s = f.smallestSubnormal;
  const magnitudes = [
    s,
    s / 2,
    s * 0.75,
    s * 1.5,
    s * 2.5,
    f.smallestNormal,
    f.smallestNormal - s / 2,
    1,
    1 + ulpAtOne / 2,
    1 + (3 * ulpAtOne) / 2,
    1 + ulpAtOne / 4,
    f.max,
    ...Array.from({ length: 12 }, (_, k) => f.max + ((k + 1) * ulpAtMax) / 4),
    f.max * 4,
  ].map(Math.fround);
  const nudged = magnitudes.flatMap((m) => [m, nextFloat32(m, -1), nextFloat32(m, 1)]);
  const unique = [...new Set(nudged.filter((m) => Number.isFinite(m) && m > 0))].sort((a, b) => a - b);
  return [0, -0, ...unique.flatMap((m) => [m, -m]), Infinity, -Infinity, NaN];
}

/** The float32 next to `x` (finite, positive) in direction `dir`. */
function nextFloat32(x: number, dir: 1 | -1): number {
  const bits = new Uint32Array(Float32Array.of(x).buffer)[0];
  return new Float32Array(Uint32Array.of(bits + dir).buffer)[0];
}

/** `n` seeded random float32 inputs across a format's range (exponents from below its smallest
 * subnormal to above its largest value, random mantissas and signs). */
export function randomInputs(f: FloatFormat, n: number, seed: number): number[] {
  const low = Math.max(-149, Math.floor(Math.log2(f.smallestSubnormal)) - 2);
  const high = Math.min(127, Math.ceil(Math.log2(f.max)) + 2);
  return Array.from({ length: n }, (_, i) => {
    const e = low + (randomWord(seed, 1, 0, i) % (high - low + 1));
    const mantissa = 1 + randomWord(seed, 2, 0, i) / 2 ** 32;
    const sign = randomWord(seed, 3, 0, i) % 2 === 0 ? 1 : -1;
    return Math.fround(sign * mantissa * 2 ** e);
  });
}
