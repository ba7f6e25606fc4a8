/**
 * The error function in float64 for GELU and its gradient. The reference is erf's everywhere-convergent
 * series (Abramowitz and Stegun 7.1.6), which needs up to ~60 terms near |z| = 3; the fast path expands
 * erf about the nearest point of a grid of spacing 1/64 with its exact Taylor series, whose coefficients
 * come from the Hermite polynomials (d^(n+1)/dz^(n+1) erf z = (-1)^n H_n(z) 2/sqrt(pi) exp(-z^2)): ten
 * terms with |h| <= 1/128 leave a truncation error below 1e-20, so both agree to float64 rounding
 * (src/kernels/js/erf.test.ts checks it), and the fast one costs a table lookup and a Horner sum.
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Reference erf(z) by its series with positive terms, erf(z) = 2/sqrt(pi) exp(-z^2)
 * sum_n 2^n z^(2n+1) / (1*3*...*(2n+1)), accurate to float64 rounding for |z| < 3. */
export function erfSeries(z: number): number {
  let term = z;
  let sum = z;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (2 * z * z) / (2 * n + 1);
    sum += term;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-z * z) * sum;
}

/** Grid points per unit of z, the grid's extent and the Taylor terms kept about each point. */
const PER_UNIT = 64;
const EXTENT = 3;
const TERMS = 10;

/** Row k: erf(z_k), then the coefficients of h^1..h^TERMS about z_k = k / PER_UNIT. */
const TABLE: Float64Array = (() => {
  const points = EXTENT * PER_UNIT + 1;
  const t = new Float64Array(points * (TERMS + 1));
  for (let k = 0; k < points; k++) {
    const z = k / PER_UNIT;
    const row = k * (TERMS + 1);
    t[row] = erfSeries(z);
    // H_0 = 1, H_1 = 2z, H_(n+1) = 2z H_n - 2n H_(n-1); coefficient of h^(n+1) is
    // 2/sqrt(pi) exp(-z^2) (-1)^n H_n(z) / (n+1)!.
    const g = TWO_OVER_SQRT_PI * Math.exp(-z * z);
    let [hPrev, h] = [0, 1];
    let factorial = 1;
    for (let n = 0; n < TERMS; n++) {
      factorial *= n + 1;
      t[row + n + 1] = (g * (n % 2 === 0 ? h : -h)) / factorial;
      [hPrev, h] = [h, 2 * z * h - 2 * n * hPrev];
    }
  }
  return t;
})();

/** erf(z) for |z| < 3 (EXTENT) from the table; odd symmetry for negative z. */
export function erfNear(z: number): number {
  const a = Math.abs(z);
  const k = Math.round(a * PER_UNIT);
  const h = a - k / PER_UNIT;
  const row = k * (TERMS + 1);
  let s = 0;
  for (let n = TERMS; n >= 1; n--) s = (s + TABLE[row + n]) * h;
  const e = TABLE[row] + s;
  return z < 0 ? -e : e;
}

/** erfc(z) for z >= 3 by its continued fraction (A&S 7.1.14), evaluated bottom-up with 60 terms. */
function erfcFraction(z: number): number {
  let f = z;
  for (let k = 60; k >= 1; k--) f = z + k / 2 / f;
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
}

/** The standard normal CDF Phi(x) = erfc(-x / sqrt 2) / 2 in float64, accurate in both tails. */
export function normalCdf(x: number): number {
  const z = x / Math.SQRT2;
  if (z <= -EXTENT) return 0.5 * erfcFraction(-z);
  if (z >= EXTENT) return 1 - 0.5 * erfcFraction(z);
  return 0.5 * (1 + erfNear(z));
}

/** normalCdf with the reference series inside (-3, 3): the slow twin of the tests. */
export function normalCdfReference(x: number): number {
  const z = x / Math.SQRT2;
  if (Math.abs(z) >= EXTENT) return normalCdf(x);
  return 0.5 * (1 + erfSeries(z));
}
