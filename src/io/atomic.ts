/**
 * Writing files so that a crash never leaves a half-written one: data goes to a temporary file in the
 * same folder, is flushed to disk, then renamed over the target (rename is atomic within one file
 * system on POSIX). Also JSONL appends and a guard that keeps user-given relative paths inside a root.
 * Synchronous on purpose: callers (checkpoints, run directories) write between training steps.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  fchmodSync,
  writeSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { MinifloatError } from "../errors.js";

/** JSON.stringify as it really behaves: undefined for undefined, functions and symbols. */
const stringify: (value: unknown, replacer: null, indent: number) => string | undefined = JSON.stringify;

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The mode of an existing file (so that replacing it keeps its permissions), or undefined. */
function existingMode(path: string): number | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? st.mode & 0o7777 : undefined;
  } catch {
    return undefined;
  }
}

/** Flush a folder's entries (the rename) to disk; best effort, since not every system allows it. */
function fsyncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, "r");
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself has still happened.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const TEMP_SUFFIX = ".tmp";

/** True for the name of a temporary file writeFileAtomic makes (`.<name>.<pid>.<random>.tmp`): one left
 * behind by a process killed before its rename, which a later run may delete. */
export function isAtomicTemporary(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/.test(name);
}

/** Write `data` to `path` atomically: a reader sees the old file or the new one, never a mix. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const folder = dirname(path);
  const temp = join(
    folder,
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`,
  );
  const mode = existingMode(path);
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx", 0o666);
    if (mode !== undefined) fchmodSync(fd, mode);
    writeFileSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Already failing; the first error is the one to report.
      }
    }
    try {
      rmSync(temp, { force: true });
    } catch {
      // Leave the temporary file rather than hide the error that caused the failure.
    }
    throw new MinifloatError("io", `could not write ${path}: ${reason(e)}`, { cause: e });
  }
  fsyncFolder(folder);
}

/** Write `value` as pretty-printed JSON (two-space indent, trailing newline) to `path` atomically. */
export function writeJsonAtomic(path: string, value: unknown): void {
  let text: string | undefined;
  try {
    text = stringify(value, null, 2);
  } catch (e) {
    throw new MinifloatError("argument", `could not write ${path}: value is not JSON: ${reason(e)}`, {
      cause: e,
    });
  }
  if (text === undefined) {
    throw new MinifloatError(
      "argument",
      `could not write ${path}: expected a JSON value, got ${typeof value}`,
    );
  }
  writeFileAtomic(path, text + "\n");
}

/** Append one line (a JSONL record, without its newline) to `path` and flush it to disk. */
export function appendLine(path: string, line: string): void {
  if (/[\r\n]/.test(line)) {
    throw new MinifloatError(
      "argument",
      `appendLine(${path}): expected a single line, got one with a line break`,
    );
  }
  let fd: number | undefined;
  try {
    fd = openSync(path, "a");
    writeSync(fd, line + "\n");
    fsyncSync(fd);
  } catch (e) {
    throw new MinifloatError("io", `could not append to ${path}: ${reason(e)}`, { cause: e });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The absolute path of `rel` under `root`; throws an "io" error when `rel` is absolute or escapes root
 * with `..` (symbolic links are not followed or checked). */
export function resolveInside(root: string, rel: string): string {
  if (rel.includes("\0")) {
    throw new MinifloatError("io", `path ${JSON.stringify(rel)} contains a NUL character`);
  }
  if (isAbsolute(rel)) {
    throw new MinifloatError("io", `path "${rel}" must be relative to ${root}, got an absolute path`);
  }
  const base = resolve(root);
  const full = resolve(base, rel);
  const back = relative(base, full);
  if (back === ".." || back.startsWith(".." + sep) || isAbsolute(back)) {
    throw new MinifloatError("io", `path "${rel}" escapes ${root}: expected a path inside it`);
  }
  return full;
}
