/**
 * Counting the classes of stored values (zero, subnormal, normal, non-finite) straight from their codes,
 * for the overflow and underflow diagnostics of training runs: one table lookup per element for formats of
 * 16 bits or fewer, the float32 exponent field otherwise. No value is decoded.
 */
import { decodeValue } from "./float-codec.js";
import type { FloatFormat } from "./float-format.js";

/** How many stored values fall in each class. */
export interface ValueClassCounts {
  readonly elements: number;
  readonly zero: number;
  /** Non-zero values below the smallest normal: they have lost precision, the step before flushing. */
  readonly subnormal: number;
  /** Infinities and NaNs: overflow (or an invalid operation) happened. */
  readonly nonFinite: number;
}

/** Zero counts, the identity of addClassCounts. */
export const NO_VALUES: ValueClassCounts = Object.freeze({
  elements: 0,
  zero: 0,
  subnormal: 0,
  nonFinite: 0,
});

/** The sum of two sets of counts. */
export function addClassCounts(a: ValueClassCounts, b: ValueClassCounts): ValueClassCounts {
  return {
    elements: a.elements + b.elements,
    zero: a.zero + b.zero,
    subnormal: a.subnormal + b.subnormal,
    nonFinite: a.nonFinite + b.nonFinite,
  };
}

const ZERO = 0;
const SUBNORMAL = 1;
const NORMAL = 2;
const NON_FINITE = 3;
const tables = new Map<string, Uint8Array>();

/** The class of every code of a format of <= 16 bits, built once per format from exact decoding. */
function classTable(f: FloatFormat): Uint8Array {
  const cached = tables.get(f.name);
  if (cached !== undefined) return cached;
  const table = new Uint8Array(2 ** f.bits);
  for (let c = 0; c < table.length; c++) {
    const v = decodeValue(f, c);
    const a = Math.abs(v);
    table[c] = !Number.isFinite(v) ? NON_FINITE : a === 0 ? ZERO : a < f.smallestNormal ? SUBNORMAL : NORMAL;
  }
  tables.set(f.name, table);
  return table;
}

/** Count the classes of `data`, the codes of format `f` (a Float32Array of values for float32). */
export function countValueClasses(f: FloatFormat, data: ArrayLike<number>): ValueClassCounts {
  const counts = [0, 0, 0, 0];
  if (data instanceof Float32Array) {
    const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
    for (let i = 0; i < bits.length; i++) {
      const e = (bits[i] >>> 23) & 0xff;
      const mantissa = bits[i] & 0x7fffff;
      counts[e === 0xff ? NON_FINITE : e !== 0 ? NORMAL : mantissa === 0 ? ZERO : SUBNORMAL]++;
    }
  } else {
    const table = classTable(f);
    for (let i = 0; i < data.length; i++) counts[table[data[i]]]++;
  }
  return {
    elements: data.length,
    zero: counts[ZERO],
    subnormal: counts[SUBNORMAL],
    nonFinite: counts[NON_FINITE],
  };
}
