/**
 * Integer formats as data. An integer format only says which integers a code can hold; the mapping to
 * real numbers (scale, zero point, axis, block) lives in the quantization parameters of int-quant.ts,
 * following ONNX QuantizeLinear: q = saturate(round(x / scale) + zeroPoint).
 */

/** The canonical names of the integer formats. */
export const INT_FORMAT_NAMES = ["int8", "uint8", "int4", "uint4"] as const;

/** A canonical integer format name. */
export type IntFormatName = (typeof INT_FORMAT_NAMES)[number];

/** An integer format: its width and the integers it holds. */
export interface IntFormat {
  readonly kind: "int";
  readonly name: IntFormatName;
  readonly bits: number;
  readonly signed: boolean;
  /** Smallest representable integer. */
  readonly min: number;
  /** Largest representable integer. */
  readonly max: number;
}

function define(name: IntFormatName, bits: number, signed: boolean): IntFormat {
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  return Object.freeze({ kind: "int" as const, name, bits, signed, min, max });
}

/** The table of integer formats. */
export const INT_FORMATS: Readonly<Record<IntFormatName, IntFormat>> = Object.freeze({
  int8: define("int8", 8, true),
  uint8: define("uint8", 8, false),
  int4: define("int4", 4, true),
  uint4: define("uint4", 4, false),
});
