/**
 * Reading small files a user hands over (config.json, vocab.txt, a run's JSON files) with bounds: only
 * regular files (a FIFO or /dev/zero would never end), at most a given number of bytes (checked before
 * reading, and again while reading, since a file may grow), and, for files of a folder such as a model
 * checkpoint, only files whose real path stays inside the folder's real path (a symbolic link out of it
 * is refused by name, and what it points to is never read or quoted).
 */
import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from "node:fs";
import { relative, isAbsolute, sep } from "node:path";
import { MinifloatError } from "../errors.js";
import { resolveInside } from "./atomic.js";
import { errorWords } from "./fs-error.js";

/** Size caps of the files minifloat reads whole (bytes). */
export const READ_LIMITS = Object.freeze({
  /** A JSON file of a model or run folder (config.json, tokenizer_config.json, training.json...). */
  json: 16 * 1024 * 1024,
  /** A vocabulary (bert-base-uncased's vocab.txt is 232 KB; multilingual ones a few MB). */
  vocab: 64 * 1024 * 1024,
  /** metrics.jsonl of a run (a line per epoch, and per step when asked). */
  metrics: 512 * 1024 * 1024,
});

const MIB = 1024 * 1024;
const size = (n: number): string => (n >= MIB ? `${(n / MIB).toFixed(0)} MiB` : `${n} bytes`);

/** Throw an "io" error naming `path` unless it is a regular file (links followed); an absent file is
 * left to the caller's open, whose error says so. */
export function requireRegularFile(path: string, what = "file"): void {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return;
  }
  checkRegular(st, path, what);
}

function checkRegular(st: Stats, path: string, what: string): void {
  if (st.isFile()) return;
  const kind = st.isDirectory() ? "a directory" : "not a regular file (a device, FIFO or socket)";
  throw new MinifloatError("io", `${what} ${path}: expected a regular file, got ${kind}`);
}

/** The bytes of the regular file `path`; an "io" error naming it when it is not a regular file, is over
 * `maxBytes`, or cannot be read. `what` names it in messages ("vocabulary", "config.json"). */
export function readFileBounded(path: string, maxBytes: number, what = "file"): Buffer {
  let fd: number | undefined;
  try {
    // Checked before opening (opening a FIFO blocks until a writer comes), and again by descriptor, so
    // the file checked is the file read.
    checkRegular(statSync(path), path, what);
    fd = openSync(path, "r");
    const st = fstatSync(fd);
    checkRegular(st, path, what);
    if (st.size > maxBytes) {
      throw new MinifloatError(
        "io",
        `${what} ${path}: ${size(st.size)} is over the limit of ${size(maxBytes)}`,
      );
    }
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (let got = 1; got > 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > maxBytes)
      throw new MinifloatError("io", `${what} ${path}: grew over the limit of ${size(maxBytes)}`);
    return buf.subarray(0, n);
  } catch (e) {
    if (e instanceof MinifloatError) throw e;
    throw new MinifloatError("io", `could not read ${what} ${path}: ${errorWords(e)}`, { cause: e });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** readFileBounded as UTF-8 text. */
export function readTextBounded(path: string, maxBytes: number, what = "file"): string {
  return readFileBounded(path, maxBytes, what).toString("utf8");
}

/** True when `inner` is `outer` or lies under it (both absolute). */
function within(outer: string, inner: string): boolean {
  const back = relative(outer, inner);
  return back === "" || (back !== ".." && !back.startsWith(".." + sep) && !isAbsolute(back));
}

/**
 * The path of `name` inside the folder `dir`, checked without trusting links: the name must not leave
 * the folder (resolveInside) and, when it exists, its real path (links followed) must lie inside the
 * folder's real path. A link out of the folder is an "io" error naming the file, not its target's bytes.
 */
export function pathInside(dir: string, name: string): string {
  const path = resolveInside(dir, name);
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    if ((e as { code?: unknown }).code === "ENOENT") return path; // absent: the caller says so
    throw new MinifloatError("io", `could not resolve ${path}: ${errorWords(e)}`, { cause: e });
  }
  const root = realpathSync(dir);
  if (!within(root, real)) {
    throw new MinifloatError(
      "io",
      `${path} is a symbolic link to ${real}, outside ${dir}: files of a folder must stay inside it`,
    );
  }
  return path;
}

/** The text of the file `name` in the folder `dir`: pathInside, then readTextBounded. */
export function readTextInside(dir: string, name: string, maxBytes: number, what = name): string {
  return readTextBounded(pathInside(dir, name), maxBytes, what);
}
