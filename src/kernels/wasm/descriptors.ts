/**
 * Format descriptors: the few integers the WebAssembly codec reads instead of knowing formats by name
 * (DESIGN.md rule 1: formats are data). Both are derived here from the format record and the exact
 * codec's own special codes (overflowCode, zeroCode, nanInputCode), so the kernels cannot disagree with
 * src/formats about them.
 */
import { MinifloatError } from "../../errors.js";
import { nanInputCode, overflowCode, zeroCode } from "../../formats/float-codec.js";
import type { FloatFormat } from "../../formats/float-format.js";
import type { ResolvedEncodeOptions } from "../../formats/rounding.js";
import { DESC_WORDS, D, E } from "./layout.js";

const NONE = 0x7fffffff;
const f32 = new Float32Array(1);
const u32 = new Int32Array(f32.buffer);

/** The float32 bit pattern of 2^k (k in [-126, 127]). */
function pow2Bits(k: number): number {
  f32[0] = 2 ** k;
  return u32[0];
}

/** Whether the wasm codec handles format `f`: float32, and every signed format with subnormals, 1 to
 * 16 bits and at least one mantissa bit (all but float8_e8m0fnu). */
export function wasmSupportsFormat(f: FloatFormat): boolean {
  return f.bits === 32 || (f.signed && f.subnormals && f.bits <= 16 && f.mantissaBits >= 1);
}

function check(f: FloatFormat): void {
  if (!wasmSupportsFormat(f)) throw new MinifloatError("unsupported", `wasm kernels: no codec for ${f.name}`);
}

/** Bytes per code in storage: 1, 2 or 4. */
export function codeBytes(f: FloatFormat): number {
  return f.bits <= 8 ? 1 : f.bits <= 16 ? 2 : 4;
}

/** The decode descriptor of `f` (DESC_WORDS int32 words). */
export function decodeDescriptor(f: FloatFormat): Int32Array {
  check(f);
  const d = new Int32Array(DESC_WORDS);
  d[D.WIDTH] = codeBytes(f);
  if (f.bits === 32) return d;
  const inf = f.infCode ?? NONE;
  const nanMin = f.nan === "ieee" ? inf + 1 : f.nan === "all-ones" ? f.magnitudeMask : NONE;
  d[D.MAG_MASK] = f.magnitudeMask;
  d[D.SIGN_BIT] = f.signBit;
  d[D.SIGN_SHIFT] = 32 - f.bits;
  d[D.MANT_SHIFT] = 23 - f.mantissaBits;
  d[D.SCALE] = pow2Bits(127 - f.bias);
  d[D.INF] = inf;
  d[D.NAN_MIN] = nanMin;
  d[D.NEG_ZERO_NAN] = f.nan === "negative-zero" ? -1 : 0;
  d[D.SPECIAL_MIN] = Math.min(inf, nanMin);
  return d;
}

const MODE = { "nearest-even": 0, "toward-zero": 1, "nearest-away": 2, stochastic: 3 } as const;

/** The encode descriptor of `f` with options `o`; `rngAt` is the address of the generator key. */
export function encodeDescriptor(f: FloatFormat, o: ResolvedEncodeOptions, rngAt: number): Int32Array {
  check(f);
  const d = new Int32Array(DESC_WORDS);
  d[E.WIDTH] = codeBytes(f);
  d[E.FLUSH] = o.flushSubnormals ? 1 : 0;
  if (f.bits === 32) return d;
  const cutoff = f.emin + 127;
  d[E.MANT] = f.mantissaBits;
  d[E.CUTOFF] = cutoff;
  d[E.MAX_CODE] = f.maxCode;
  d[E.SIGN_BIT] = f.signBit;
  d[E.SIGN_SHIFT] = 32 - f.bits;
  d[E.OVF0] = overflowCode(f, 0, o.saturate);
  d[E.OVF1] = overflowCode(f, 1, o.saturate);
  d[E.ZERO0] = zeroCode(f, 0);
  d[E.ZERO1] = zeroCode(f, 1);
  d[E.NAN] = nanInputCode(f);
  d[E.MODE] = MODE[o.rounding];
  d[E.RANDOM_BITS] = o.randomBits;
  d[E.SUB_SCALE] = cutoff > 1 ? pow2Bits(f.mantissaBits - f.emin) : 0;
  d[E.RNG] = rngAt;
  return d;
}

/** The generator key words (seed low, seed high, stream, step) of stochastic options, else zeros. */
export function rngKey(o: ResolvedEncodeOptions): Uint32Array {
  const r = o.random;
  if (r === null) return new Uint32Array(4);
  return Uint32Array.of(r.seed % 2 ** 32, Math.floor(r.seed / 2 ** 32), r.stream, r.step);
}
