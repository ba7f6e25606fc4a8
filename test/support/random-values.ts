/**
 * Shared test helper: deterministic pseudo-random float32 values in [-1, 1) from a 32-bit LCG
 * (Numerical Recipes constants), so kernel and gradient tests need no global random state.
 */

/** `n` deterministic values in [-1, 1) for `seed`. */
export function randomValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
