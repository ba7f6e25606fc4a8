/**
 * Where minifloat's own files are: the package root (the folder of its package.json, found upward from
 * this file, in a checkout or in node_modules), the models shipped in it, and the shared data folder
 * beside a checkout (../shared/data, or MINIFLOAT_SHARED_DATA).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MinifloatError } from "../errors.js";

let root: string | undefined;

/** The folder holding minifloat's package.json. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: unknown }).name === "minifloat")
          return (root = dir);
      } catch {
        // not a readable package.json: keep looking upward
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new MinifloatError("io", "cannot find minifloat's package.json above its code");
    dir = up;
  }
}

/** A model shipped with minifloat (models/<name>: sst2, banking77). */
export function shippedModelDir(name: string): string {
  return join(packageRoot(), "models", name);
}

/** The shared data folder: MINIFLOAT_SHARED_DATA, else ../shared/data beside the package root. */
export function sharedDataDir(): string {
  return process.env.MINIFLOAT_SHARED_DATA ?? resolve(packageRoot(), "..", "shared", "data");
}

/** A path as given when it exists (or is absolute), else the same relative path from the package root
 * when that exists there (a shipped model names its data as seen from the package root), else, for a
 * path into `shared/data/`, the same file under sharedDataDir() (MINIFLOAT_SHARED_DATA). */
export function resolveFromRoot(path: string): string {
  if (isAbsolute(path) || existsSync(path)) return path;
  const fromRoot = resolve(packageRoot(), path);
  if (existsSync(fromRoot)) return fromRoot;
  const at = path.replaceAll("\\", "/").indexOf("shared/data/");
  if (at >= 0) {
    const shared = join(sharedDataDir(), path.slice(at + "shared/data/".length));
    if (existsSync(shared)) return shared;
  }
  return path;
}
