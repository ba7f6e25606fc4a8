/**
 * Where minifloat's own files are: the package root (the folder of its package.json, found upward from
 * this file, in a checkout or in node_modules), the models shipped in it, and its data folder (data/:
 * the text sets the shipped models and the studies use), which MINIFLOAT_DATA may replace. A data folder
 * is recorded (training.json, config.json) as `minifloat:data/<path>` inside the package's data, else as
 * an absolute path, so that a recorded folder resolves from any working directory.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
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

/** A path as given when it exists (or is absolute), else the same relative path from the package root
 * when it exists there (so `models/banking77` names the shipped model from any directory), else as given
 * (for the reader to report as missing). */
export function resolveFromRoot(path: string): string {
  if (isAbsolute(path) || existsSync(path)) return path;
  const fromRoot = resolve(packageRoot(), path);
  return existsSync(fromRoot) ? fromRoot : path;
}

/** The environment variable naming a folder that replaces the package's data folder. */
export const DATA_ENV = "MINIFLOAT_DATA";

/** The prefix of a data folder recorded relative to the package's data folder. */
export const PACKAGE_DATA_PREFIX = "minifloat:data/";

/** The package's own data folder (data/ beside package.json). */
export function packageDataDir(): string {
  return join(packageRoot(), "data");
}

/** The data folder in use: MINIFLOAT_DATA (resolved from the working directory) when set, else the
 * package's own. */
export function dataRoot(): string {
  const env = process.env[DATA_ENV];
  return env === undefined || env === "" ? packageDataDir() : resolve(env);
}

/** The folder of a data path inside the data folder in use, e.g. dataPath("glue", "SST-2"). */
export function dataPath(...parts: string[]): string {
  return join(dataRoot(), ...parts);
}

/** Data folders recorded by minifloat before the package carried its data: `.../shared/data/<path>`. */
const LEGACY_SHARED_DATA = /(?:^|\/)shared\/data\/(.+)$/;

/**
 * The folder a recorded or given data path names: `minifloat:data/<path>` under dataRoot(); an old
 * record into `shared/data/<path>` (what minifloat wrote before it carried its data) as the same path
 * under dataRoot() when that exists there, wherever a `shared/data` folder may be; an absolute path as
 * it is; a relative one from the working directory when it exists there, else from the package root.
 * Anything else is returned resolved from the working directory, for the reader to report as missing.
 */
export function resolveDataDir(recorded: string): string {
  const path = recorded.replaceAll("\\", "/");
  if (path.startsWith(PACKAGE_DATA_PREFIX)) return dataPath(path.slice(PACKAGE_DATA_PREFIX.length));
  const legacy = LEGACY_SHARED_DATA.exec(path);
  if (legacy !== null && existsSync(dataPath(legacy[1]))) return dataPath(legacy[1]);
  if (isAbsolute(recorded)) return recorded;
  return resolve(resolveFromRoot(recorded));
}

/**
 * How a data folder given on the command line is recorded: `minifloat:data/<path>` when it lies in the
 * package's data folder (it then resolves in any installation), else its absolute path (a relative path
 * as typed would break when the model is used from another directory). A relative path is read as
 * resolveFromRoot reads it (`data/banking77` names the package's copy from any directory); references
 * pass unchanged.
 */
export function recordDataDir(given: string): string {
  if (given.replaceAll("\\", "/").startsWith(PACKAGE_DATA_PREFIX)) return given;
  const absolute = resolve(resolveFromRoot(given));
  const inside = relative(packageDataDir(), absolute);
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) return absolute;
  return PACKAGE_DATA_PREFIX + inside.split(sep).join("/");
}
