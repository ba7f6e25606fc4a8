/**
 * Every known place where another implementation rounds differently from minifloat, with the inputs it
 * covers and the side the specification takes. test/conformance.test.ts requires each disagreeing row of
 * the golden files to be covered by exactly one entry here, and each entry to cover at least one row that
 * still disagrees; docs/conformance.md lists them.
 */

/** Where an entry applies: a case of one oracle's golden file. */
export interface CaseRef {
  readonly oracle: string;
  readonly case: string;
}

/** One known disagreement. */
export interface KnownDisagreement {
  readonly id: string;
  readonly title: string;
  readonly where: readonly CaseRef[];
  /** Whether input `x` of those cases is one this entry explains. */
  readonly covers: (x: number) => boolean;
  /** What each side gives (Markdown). */
  readonly detail: string;
  /** Which side the specification takes, citing it (Markdown). */
  readonly spec: string;
}

const between = (x: number, lo: number, hi: number): boolean => Math.abs(x) >= lo && Math.abs(x) < hi;
const refs = (oracle: string, ...cases: string[]): CaseRef[] => cases.map((c) => ({ oracle, case: c }));
const FLOAT8 = ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu"];

/** The known disagreements, in the order the page lists them. */
export const KNOWN_DISAGREEMENTS: readonly KnownDisagreement[] = [
  {
    id: "onnxruntime-e4m3fn-overflow",
    title: "onnxruntime: non-saturating Cast to float8_e4m3fn of [480, 496) gives ±448",
    where: refs("onnxruntime", "cast-float8_e4m3fn-nonsaturating"),
    covers: (x) => between(x, 480, 496),
    detail:
      "With `saturate=0`, onnxruntime maps magnitudes in [480, 496) to ±448; above 464 and below 480, and " +
      "from 496 up, it gives NaN. minifloat gives NaN for everything above 464: that is halfway between " +
      "448 and the next step, 480 (the code float8_e4m3fn spends on NaN), so it rounds beyond the largest " +
      "value (docs/numerics.md).",
    spec:
      "ONNX Cast (opset 19 and later), `saturate=0`: a value that rounds beyond the largest finite value of " +
      "float8e4m3fn is NaN. **minifloat's side.**",
  },
  {
    id: "onnxruntime-e5m2-overflow",
    title: "onnxruntime: non-saturating Cast to float8_e5m2 of [61440, 65536) gives NaN",
    where: refs("onnxruntime", "cast-float8_e5m2-nonsaturating"),
    covers: (x) => between(x, 61440, 65536),
    detail:
      "With `saturate=0`, onnxruntime gives NaN for magnitudes in [61440, 65536); minifloat gives ±Inf: " +
      "61440 ties between 57344 and 65536 and rounds to 65536 (even), which overflows to infinity.",
    spec:
      "ONNX Cast, `saturate=0`: float8e5m2 overflows to ±Inf, as IEEE 754 rounding to nearest does (7.4). " +
      "**minifloat's side.**",
  },
  {
    id: "onnxruntime-quantize-nan",
    title: "onnxruntime: QuantizeLinear to int8 of NaN gives -128",
    where: refs("onnxruntime", "quantize-int8"),
    covers: (x) => Number.isNaN(x),
    detail:
      "onnxruntime gives -128 for NaN; minifloat gives the zero point (NaN counts as 0 before the zero point " +
      "is added).",
    spec:
      "The ONNX QuantizeLinear specification does not say what NaN becomes. minifloat keeps the zero point " +
      "so that a NaN dequantizes to 0 rather than to the most negative value.",
  },
  {
    id: "pytorch-double-rounding",
    title: "PyTorch rounds float64 to bfloat16 and float16 through float32 (double rounding)",
    where: refs("pytorch", "cast-float64-bfloat16", "cast-float64-float16"),
    covers: (x) => Number.isFinite(x) && Math.fround(x) !== x,
    detail:
      "`Tensor.to(torch.bfloat16)` and `.to(torch.float16)` of a float64 tensor first round to float32, then " +
      "to the target. A value a hair away from the halfway point between two neighbours rounds onto the tie " +
      "in float32, which the second rounding sends to the even neighbour, sometimes the wrong one; e.g. " +
      "0x1.ffdffffffffffp+15 (65519.99999999999) gives float16 Inf instead of 65504. minifloat rounds the " +
      "float64 value once.",
    spec: "IEEE 754-2019 5.4.2: a conversion between formats rounds the exact value once. **minifloat's side.**",
  },
  {
    id: "ml-dtypes-saturate-infinity",
    title: "ml_dtypes: a saturating conversion keeps ±Inf (float8_e5m2) or gives NaN",
    where: refs("ml_dtypes", ...FLOAT8.map((f) => `saturate-${f}`)),
    covers: (x) => Math.abs(x) === Infinity,
    detail:
      "ml_dtypes' `ConvertFrom<kSaturate=true>` saturates finite values only: ±Inf stays ±Inf in float8_e5m2 " +
      "and becomes NaN in the formats without infinity. minifloat (and onnxruntime's Cast with `saturate=1`, " +
      "executed above) give ±max.",
    spec:
      "No float8 specification settles it for every type. ONNX Cast with `saturate=1`, as onnxruntime " +
      "executes it (the saturating cases above agree with minifloat on ±Inf), gives ±max, and minifloat " +
      "follows it (docs/numerics.md, special values); ml_dtypes keeps its own convention.",
  },
  {
    id: "ml-dtypes-e8m0-zero",
    title: "ml_dtypes: float8_e8m0fnu of ±0 is NaN",
    where: refs("ml_dtypes", "e8m0-negative", "e8m0-zero-subnormal"),
    covers: (x) => x === 0,
    detail:
      "E8M0 has no zero. ml_dtypes gives NaN for ±0 (the smallest value only when saturating); minifloat " +
      "and PyTorch clamp zero to the smallest value, 2^-127.",
    spec:
      "The OCP MX specification v1.0 (5.4.1) defines E8M0 as a scale with no zero and no conversion into " +
      "it. No side is the spec's; minifloat follows PyTorch, so that a zero block amax gives a usable scale.",
  },
  {
    id: "ml-dtypes-e8m0-negative-saturate",
    title: "ml_dtypes: saturating float8_e8m0fnu of a negative value is 2^-127",
    where: refs("ml_dtypes", "e8m0-negative-saturate"),
    covers: (x) => x < 0 && Number.isFinite(x),
    detail:
      "Saturating, ml_dtypes maps a finite negative input to the smallest value 2^-127; minifloat gives " +
      "NaN for a negative input whether or not it saturates (as ml_dtypes does without saturation).",
    spec: "OCP MX v1.0 defines no conversion of negative values to the unsigned E8M0. No side is the spec's.",
  },
  {
    id: "pytorch-e8m0-negative",
    title: "PyTorch: float8_e8m0fnu ignores the sign (-4 gives 4)",
    where: refs("pytorch-source", "e8m0"),
    covers: (x) => x < 0 && Number.isFinite(x),
    detail:
      "PyTorch's `fp8e8m0fnu_from_fp32_value` reads the exponent field only, so a negative input converts " +
      "as its magnitude. ml_dtypes (without saturation) and minifloat give NaN.",
    spec: "OCP MX v1.0 defines no conversion of negative values to the unsigned E8M0. No side is the spec's.",
  },
  {
    id: "e8m0-float32-subnormal",
    title: "PyTorch and ml_dtypes: float8_e8m0fnu of float32 subnormals in (2^-127, 1.5·2^-127) is 2^-126",
    where: [...refs("pytorch-source", "e8m0"), ...refs("ml_dtypes", "e8m0-zero-subnormal")],
    covers: (x) => x > 2 ** -127 && x < 1.5 * 2 ** -127,
    detail:
      "Both round a float32 subnormal as if code 0 were the bottom of a subnormal range starting at 0, so " +
      "everything above 2^-127 (the halfway point of [0, 2^-126]) goes up to 2^-126. minifloat rounds by " +
      "value, as in every other binade: 2^-126 from 1.5·2^-127 (the tie) up, 2^-127 below. The two agree " +
      "with each other on the subnormals sampled here; they differ on zero and on negative inputs (above).",
    spec: "OCP MX v1.0 defines no rounding into E8M0. No side is the spec's; minifloat keeps nearest-by-value.",
  },
];
