/**
 * Exact values for the reference codec (reference-codec.ts): BigInt numerators over 2^1200, finer than any
 * float64 or midpoint, so every comparison the oracle makes is exact; with the conversions from and back
 * to float64, read from and checked against the float64's bits.
 */
/** Exact values are integers over 2^SCALE. */
export const SCALE = 1200;

/** An exact finite value num / 2^SCALE; `negative` is the sign bit, so -0 is { negative: true, num: 0n }. */
export interface ExactValue {
  readonly negative: boolean;
  readonly num: bigint;
}

/** What a code or a float64 is exactly. */
export type ReferenceValue = ExactValue | "nan" | "inf" | "-inf";

/** 2^k as an exact value numerator (k >= -SCALE). */
export function pow2(k: number): bigint {
  return 1n << BigInt(SCALE + k);
}

const view = new DataView(new ArrayBuffer(8));

/** The exact value of a float64, read from its bits. */
export function exactFromNumber(x: number): ReferenceValue {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const negative = hi >>> 31 === 1;
  const field = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  const significand = field === 0 ? fraction : fraction | (1n << 52n);
  const mag = significand << BigInt(SCALE + (field === 0 ? 1 : field) - 1075);
  return { negative, num: negative ? -mag : mag };
}

const BIG = 1n << 1000n;

/** The number of bits of n >= 0 (floor(log2 n) + 1), from a float estimate corrected exactly. */
export function bitLength(n: bigint): number {
  let shift = 0;
  for (; n >= BIG; n >>= 1000n) shift += 1000;
  if (n === 0n) return shift;
  let k = Math.floor(Math.log2(Number(n))); // within one of floor(log2 n)
  if (1n << BigInt(k) > n) k -= 1;
  else if (1n << BigInt(k + 1) <= n) k += 1;
  return shift + k + 1;
}

/** The float64 equal to `v`; throws a RangeError when `v` is not exactly a float64 value. */
export function exactToNumber(v: ExactValue): number {
  const mag = v.num < 0n ? -v.num : v.num;
  const shift = Math.max(0, bitLength(mag) - 53);
  let x = Number(mag >> BigInt(shift)); // exact: at most 53 bits
  let e = shift - SCALE;
  for (; e > 0; e -= Math.min(e, 1000)) x *= 2 ** Math.min(e, 1000);
  for (; e < 0; e += Math.min(-e, 1000)) x *= 2 ** -Math.min(-e, 1000);
  const result = v.negative ? -x : x;
  const back = exactFromNumber(result);
  if (typeof back !== "object" || back.num !== v.num) throw new RangeError("not a float64 value");
  return result;
}
