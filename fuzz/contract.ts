/**
 * The contract every fuzz target checks: an input either parses or is refused with a MinifloatError
 * whose message names the file (or field, or argument) it came from. Any other exception (TypeError,
 * RangeError, a stack overflow, an allocation failure) escapes and is a finding; so is a MinifloatError
 * that does not name its source. Hangs and memory are bounded by the fuzzer (libFuzzer's -timeout and
 * -rss_limit_mb, the in-suite run's time limit).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MinifloatError } from "../src/errors.js";

/** Run `parse`; a MinifloatError is the accepted refusal when its message includes every `names`. */
export function parsesOrRefuses(parse: () => unknown, ...names: readonly string[]): void {
  try {
    parse();
  } catch (e) {
    if (!(e instanceof MinifloatError)) throw e;
    const missing = names.filter((n) => !e.message.includes(n));
    if (missing.length > 0 || e.message.trim() === "") {
      throw new Error(`MinifloatError does not name ${missing.join(", ")}: ${e.message}`, { cause: e });
    }
  }
}

/** An async `parse` under the same contract. */
export async function parsesOrRefusesAsync(
  parse: () => Promise<unknown>,
  ...names: readonly string[]
): Promise<void> {
  let failure: unknown;
  await parse().catch((e: unknown) => {
    failure = e;
  });
  if (failure !== undefined) {
    parsesOrRefuses(
      () => {
        throw failure;
      },
      ...names,
    );
  }
}

let scratch: string | undefined;

/** A folder of this process's own for the files a target writes; removed when the process exits. */
export function scratchDir(): string {
  if (scratch === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "minifloat-fuzz-"));
    scratch = dir;
    process.on("exit", () => {
      rmSync(dir, { recursive: true, force: true });
    });
  }
  return scratch;
}

/** Write `data` to `name` in the scratch folder; returns its path. */
export function scratchFile(name: string, data: string | Uint8Array): string {
  const path = join(scratchDir(), name);
  writeFileSync(path, data);
  return path;
}

/** Split `data` at its first NUL byte: [before, after] (after is empty without one). */
export function splitAtNul(data: Uint8Array): [Uint8Array, Uint8Array] {
  const at = data.indexOf(0);
  return at < 0 ? [data, new Uint8Array(0)] : [data.subarray(0, at), data.subarray(at + 1)];
}

/** Bytes as text the way a file reader sees them (invalid UTF-8 becomes U+FFFD). */
export function text(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8");
}
