/**
 * Shared test helper: where the project's real shared data is (../shared/data beside the checkout, as
 * ../shared/data/README.md says; MINIFLOAT_SHARED_DATA overrides it; a clone elsewhere on the same
 * machine finds /work/shared/data). Tests that need it are skipped, with the reason in their name, only
 * when no copy exists at all.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

const candidates = [
  process.env.MINIFLOAT_SHARED_DATA,
  join(import.meta.dirname, "../../../shared/data"),
  "/work/shared/data",
].filter((p): p is string => p !== undefined && p !== "");

/** The shared data folder, or undefined when there is none. */
export const SHARED_DATA: string | undefined = candidates.find((p) => existsSync(join(p, "README.md")));

/** A test title that says why the test is skipped when the shared data is missing. */
export function needsSharedData(title: string): string {
  return SHARED_DATA === undefined ? `${title} (skipped: ../shared/data not found)` : title;
}
