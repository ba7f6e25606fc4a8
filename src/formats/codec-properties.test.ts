/**
 * Properties of rounding that hold for every format, checked with fast-check on inputs drawn where
 * rounding is delicate (midpoints between neighbours, near the overflow threshold and the subnormals) as
 * well as anywhere: monotonicity, sign symmetry, the half-ulp error bound of nearest rounding, toward-zero
 * never increasing a magnitude, stochastic rounding monotone in its random word, and idempotence.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { decodeValue, encodeValue } from "./float-codec.js";
import { FLOAT_FORMATS, FLOAT_FORMAT_NAMES, type FloatFormat } from "./float-format.js";
import { exactFromNumber, type ExactValue } from "./reference-codec.js";

const RUNS = { numRuns: 3000, seed: 20240601 } as const;
const NEAREST = ["nearest-even", "nearest-away"] as const;
const DETERMINISTIC = ["nearest-even", "nearest-away", "toward-zero"] as const;

/** Inputs of interest for format f: anywhere, within a few times max, near the subnormals, and exactly
 * between two neighbouring codes (nudged by the odd float64 ulp). Non-negative for unsigned formats. */
function input(f: FloatFormat): fc.Arbitrary<number> {
  const neighbours = fc
    .integer({ min: 0, max: f.maxCode - 1 })
    .map((c) => (decodeValue(f, c) + decodeValue(f, c + 1)) / 2);
  const nudged = fc.tuple(neighbours, fc.integer({ min: -2, max: 2 })).map(([m, k]) => m + k * m * 2 ** -53);
  const any = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.double({ min: -4 * f.max, max: 4 * f.max, noNaN: true }),
    fc.double({ min: -64 * f.smallestNormal, max: 64 * f.smallestNormal, noNaN: true }),
    neighbours,
    nudged,
    nudged.map((x) => -x),
  );
  return f.signed ? any : any.map(Math.abs);
}

function roundTrip(
  f: FloatFormat,
  x: number,
  rounding: (typeof DETERMINISTIC)[number],
  saturate = true,
): number {
  return decodeValue(f, encodeValue(f, x, rounding, saturate, false));
}

/** floor(log2 a) for a > 0, exactly. */
function log2Floor(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  else if (2 ** (e + 1) <= a) e += 1;
  return e;
}

function exact(x: number): bigint {
  return (exactFromNumber(x) as ExactValue).num;
}

describe.each(FLOAT_FORMAT_NAMES)("%s", (name) => {
  const f = FLOAT_FORMATS[name];

  it("rounding is monotone: x <= y gives round(x) <= round(y)", () => {
    const overflows = f.infinity ? [true, false] : [true];
    fc.assert(
      fc.property(
        input(f),
        input(f),
        fc.constantFrom(...DETERMINISTIC),
        fc.constantFrom(...overflows),
        (a, b, r, s) => {
          const [x, y] = a <= b ? [a, b] : [b, a];
          return roundTrip(f, x, r, s) <= roundTrip(f, y, r, s);
        },
      ),
      RUNS,
    );
  });

  it("nearest rounding is within half an ulp inside the range", () => {
    fc.assert(
      fc.property(input(f), fc.constantFrom(...NEAREST), (x, rounding) => {
        const a = Math.abs(x);
        if (a > f.max || a < f.smallestSubnormal) return true; // beyond the range, or below E8M0's smallest
        const q = roundTrip(f, x, rounding);
        const ulp = 2 ** (Math.max(log2Floor(a), f.emin) - f.mantissaBits);
        const err = exact(q) - exact(x);
        return 2n * (err < 0n ? -err : err) <= exact(ulp);
      }),
      RUNS,
    );
  });

  it("toward-zero never increases the magnitude, and never overflows a finite input", () => {
    fc.assert(
      fc.property(input(f), fc.boolean(), fc.boolean(), (x, saturate, flush) => {
        if (Math.abs(x) < f.smallestSubnormal && !f.hasZero) return true; // E8M0 clamps up to 2^-127
        const q = decodeValue(f, encodeValue(f, x, "toward-zero", saturate, flush));
        return Number.isFinite(q) && Math.abs(q) <= Math.abs(x);
      }),
      RUNS,
    );
  });

  it("stochastic rounding rounds up for small random words only (monotone in the word)", () => {
    fc.assert(
      fc.property(input(f), fc.nat({ max: 2 ** 16 - 1 }), fc.nat({ max: 2 ** 16 - 1 }), (x, r1, r2) => {
        const [lo, hi] = r1 <= r2 ? [r1, r2] : [r2, r1];
        const qlo = Math.abs(decodeValue(f, encodeValue(f, x, "stochastic", true, false, lo, 16)));
        const qhi = Math.abs(decodeValue(f, encodeValue(f, x, "stochastic", true, false, hi, 16)));
        const down = Math.abs(roundTrip(f, x, "toward-zero"));
        return qlo >= qhi && qhi >= down && (qhi === down || qhi === qlo);
      }),
      RUNS,
    );
  });

  it("every finite value encodes to its own code in every mode", () => {
    const top = 2 ** f.bits - 1;
    fc.assert(
      fc.property(
        fc.nat({ max: top }),
        fc.constantFrom(...DETERMINISTIC, "stochastic" as const),
        fc.nat(),
        (c, r, rand) => {
          const v = decodeValue(f, c);
          if (!Number.isFinite(v) || v === 0) return true; // NaN, infinities, and zeros (fnuz has one)
          return encodeValue(f, v, r, false, false, rand % 2 ** 16, 16) === c;
        },
      ),
      RUNS,
    );
  });
});

describe.each(FLOAT_FORMAT_NAMES.filter((n) => FLOAT_FORMATS[n].signed))("%s", (name) => {
  const f = FLOAT_FORMATS[name];

  it("rounding is symmetric in the sign", () => {
    fc.assert(
      fc.property(
        input(f),
        fc.constantFrom(...DETERMINISTIC, "stochastic" as const),
        fc.boolean(),
        fc.boolean(),
        fc.nat({ max: 2 ** 32 - 1 }),
        (x, rounding, saturate, flush, rand) => {
          const p = encodeValue(f, x, rounding, saturate, flush, rand, 32);
          const n = encodeValue(f, -x, rounding, saturate, flush, rand, 32);
          const pv = decodeValue(f, p);
          const nv = decodeValue(f, n);
          if (Number.isNaN(pv)) return Number.isNaN(nv); // overflow into a format whose only special is NaN
          const flipped = p >= f.signBit ? p - f.signBit : p + f.signBit;
          if (pv === 0 && !f.signedZero) return n === 0 && p === 0; // FNUZ: one zero, +0
          return n === flipped;
        },
      ),
      RUNS,
    );
  });
});
