/**
 * The one error hierarchy of minifloat. Every error a user can cause carries a stable code, so callers
 * (and the CLI) can tell a bad format name from a bad shape without parsing messages. This file sits
 * below every layer of DESIGN.md: any layer may import it, it imports nothing.
 */

/** Stable error codes: what kind of thing was wrong. */
export type ErrorCode = "format" | "shape" | "config" | "io" | "unsupported" | "argument" | "numeric";

/** An error a user can cause and fix; `code` is stable, `message` names the argument and both sides. */
export class MinifloatError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MinifloatError";
    this.code = code;
  }
}

/** True when `e` is a MinifloatError (optionally with the given code). */
export function isMinifloatError(e: unknown, code?: ErrorCode): e is MinifloatError {
  return e instanceof MinifloatError && (code === undefined || e.code === code);
}

/** Levenshtein distance, for "did you mean" suggestions on unknown names. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/** The candidate closest to `name` (by edit distance, then by shared prefix), for error messages. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const contains = c.includes(lower) ? -0.5 : 0;
    const score = editDistance(lower, c) + contains;
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}
