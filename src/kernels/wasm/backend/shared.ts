/**
 * What the wasm adapter's op families share: the one rule of the backend, `wasmOr` (run a kernel in wasm
 * only where the wasm code does exactly the js kernel's arithmetic, else hand it to its `js` twin), and
 * the bit-exact codec steps around a wasm kernel (decode operands, round results once into the output).
 */
import {
  fastFloat64Target,
  floatFormat,
  resolveEncodeOptions,
  roundToOddFloat32,
  type ResolvedEncodeOptions,
} from "../../../formats/index.js";
import { jsKernels } from "../../js/index.js";
import type { Kernels } from "../../signatures.js";
import { NEAREST, store, type Operand, type OutputRounding, type Store } from "../../types.js";
import { wasmSupportsFormat } from "../descriptors.js";
import type { WasmKernels } from "../index.js";

/** The float32 format (scratch outputs and decoded operands). */
export const FLOAT32 = floatFormat("float32");

/** The resolved encode options of an output rounding (the wasm runtime takes them resolved). */
export function encodeOptions(r: OutputRounding): ResolvedEncodeOptions {
  return resolveEncodeOptions(
    r.random === null
      ? { rounding: r.rounding }
      : { rounding: r.rounding, random: r.random, randomBits: r.randomBits },
  );
}

/** Whether the wasm codec reads and writes every operand's format. */
export function formatsFit(...operands: Operand[]): boolean {
  return operands.every((x) => wasmSupportsFormat(x.format));
}

type Args<K extends keyof Kernels> = Parameters<Kernels[K]>;

/**
 * Kernel `name` run by `wasm` where `fits` holds for its arguments (the wasm code then does exactly the
 * js kernel's arithmetic: formats it can decode, float32 accumulation, shapes it handles), else by its
 * `js` twin, so the backend is always complete and always right.
 */
export function wasmOr<K extends keyof Kernels>(
  name: K,
  fits: (...args: Args<K>) => boolean,
  wasm: (...args: Args<K>) => void,
): Kernels[K] {
  const js = jsKernels[name] as (...args: Args<K>) => void;
  const kernel = (...args: Args<K>): void => {
    if (fits(...args)) wasm(...args);
    else js(...args);
  };
  return kernel as Kernels[K];
}

/** The operand's values as float32, decoded by the wasm codec (bit-exact with `decoded`). */
export function floats(w: WasmKernels, x: Operand): Float32Array {
  return x.data instanceof Float32Array ? x.data : w.decode(x.format, x.data);
}

/** The operand as float32 decoded by the wasm codec where it can (exact, as `decoded`, and several
 * times faster for 16 bits); unchanged otherwise. */
export function asFloat32(w: WasmKernels, x: Operand): Operand {
  return x.data instanceof Float32Array || !formatsFit(x)
    ? x
    : { data: floats(w, x), format: FLOAT32, shape: x.shape };
}

/** Round float32 results once into `out` as `store` does, with the wasm encoder (bit-exact with it). */
export function roundInto(w: WasmKernels, out: Operand, values: Float32Array, r: OutputRounding): void {
  if (out.data === values) return;
  if (out.data instanceof Float32Array) out.data.set(values);
  else w.encode(out.format, values, encodeOptions(r), out.data);
}

/**
 * `store` with the wasm encoder where it serves the output: float32 values are encoded directly, float64
 * ones (normalization) rounded to odd float32 first, which then rounds to nearest exactly as the float64
 * value would (formats/round-to-odd.ts); the same codes as `store`, several times faster for 16- and 8-bit outputs.
 */
export function wasmStore(w: WasmKernels): Store {
  return (out, values, r) => {
    if (out.data === values || out.data instanceof Float32Array || !formatsFit(out)) {
      store(out, values, r);
    } else if (values instanceof Float32Array) {
      w.encode(out.format, values, encodeOptions(r), out.data);
    } else if (r.rounding === "nearest-even" && fastFloat64Target(out.format)) {
      w.encode(out.format, roundToOddFloat32(values), encodeOptions(r), out.data);
    } else store(out, values, r);
  };
}

/**
 * Run a js kernel that computes float32 values and rounds them once (pooling, bias gradient) into a
 * float32 scratch output, then round into `out` with the wasm encoder: the same codes as the js store,
 * several times faster for 16- and 8-bit outputs.
 */
export function viaFloat32(
  w: WasmKernels,
  out: Operand,
  r: OutputRounding,
  run: (out: Operand, r: OutputRounding) => void,
): void {
  if (out.data instanceof Float32Array || !formatsFit(out)) {
    run(out, r);
    return;
  }
  const scratch = { data: new Float32Array(out.data.length), format: FLOAT32, shape: out.shape };
  run(scratch, NEAREST);
  w.encode(out.format, scratch.data, encodeOptions(r), out.data);
}
