/**
 * Shared test helper: assert that a call throws a MinifloatError with a given stable code and a message
 * matching a pattern (so a test of bad input checks both the kind of error and what it tells the user).
 */
import { expect } from "vitest";
import { isMinifloatError } from "../../src/errors.js";

/** Expect `fn` to throw a MinifloatError with `code` whose message matches `text`. */
export function expectError(fn: () => unknown, code: string, text: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(isMinifloatError(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    expect((e as Error).message).toMatch(text);
    return;
  }
  expect.unreachable("expected a MinifloatError");
}
