/**
 * Layer `formats`: number formats as data, exact encode/decode, rounding modes and the seeded
 * counter-based generator (DESIGN.md). Owns every bit pattern in minifloat. Must not know about
 * tensors, ops or anything above; imports only ../errors.
 */
export * from "./float-format.js";
export * from "./int-format.js";
export * from "./registry.js";
export * from "./rounding.js";
export * from "./finfo.js";
export { decodeValue, encodeValue, isNanCode, exponentOf } from "./float-codec.js";
export * from "./bulk-codec.js";
export * from "./cast-value.js";
export * from "./philox.js";
export {
  chooseQuantParams,
  dequantizeInt,
  grouping,
  packInt4,
  quantizeInt,
  roundToInteger,
  unpackInt4,
  type ChooseParamsOptions,
  type Grouping,
  type IntQuantizeOptions,
  type QuantParams,
} from "./int-quant.js";
export * from "./mx.js";
export * from "./accumulate.js";
export { fastFloat64Target, roundToOddFloat32 } from "./round-to-odd.js";
export { nearestSumArray, roundToOddSum, stochasticSumArray, stochasticSumWithRandom } from "./fast-add.js";
export {
  referenceDecode,
  referenceEncode,
  referenceEncodeExact,
  exactFromNumber,
  exactToNumber,
  type ExactValue,
  type ReferenceValue,
  type ReferenceOptions,
} from "./reference-codec.js";
export * from "./classify.js";
