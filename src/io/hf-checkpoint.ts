/**
 * Hugging Face checkpoint directories: config.json with model.safetensors (or the shards listed in
 * model.safetensors.index.json), read into a model and written back. Generic over models: a model is
 * seen structurally (namedParameters, setParameter and an optional checkpointKey that maps checkpoint
 * keys to its parameter names), so io imports nothing from nn; each model's mapping lives beside it
 * (nn/bert.ts). Every value is decoded exactly and rounded once into its parameter's format.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { MinifloatError } from "../errors.js";
import { isFloatFormatName } from "../formats/index.js";
import { formatShape, sameShape, type Tensor } from "../tensor/index.js";
import { writeJsonAtomic } from "./atomic.js";
import { pathInside, READ_LIMITS, readTextInside } from "./bounded-read.js";
import {
  DTYPE_INFO,
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
  type SafetensorsDtype,
  type SafetensorsEntry,
} from "./safetensors.js";
import { entryToFloat32, entryToTensor, requireLittleEndian, tensorToEntry } from "./safetensors-tensor.js";

/** A model as checkpoints see it; a minifloat Module fits as it is. */
export interface CheckpointModel {
  namedParameters(): Iterable<[string, Tensor]>;
  setParameter(name: string, t: Tensor): void;
  /** The parameter name a checkpoint key loads into, or null to skip the key; absent: the key itself. */
  checkpointKey?(key: string): string | null;
}

/** A checkpoint directory as read: its config.json object and every tensor of its weight files. */
export interface HfCheckpoint {
  readonly dir: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly tensors: ReadonlyMap<string, SafetensorsEntry>;
}

/** Which differences between a checkpoint and a model loadState accepts (by default none). */
export interface LoadStateOptions {
  /** Parameters that may be absent from the checkpoint (kept as initialized, e.g. a new classifier). */
  readonly allowMissing?: (name: string) => boolean;
  /** Checkpoint keys that may match no parameter (skipped, e.g. another task's head). */
  readonly allowUnexpected?: (key: string) => boolean;
}

/** What loadState did: parameters loaded, parameters left as they were, checkpoint keys skipped. */
export interface LoadStateReport {
  readonly loaded: readonly string[];
  readonly missing: readonly string[];
  readonly skipped: readonly string[];
}

/** Options of saveHfCheckpoint. */
export interface SaveHfOptions {
  /** "float32" (default: loads everywhere) or "params": each parameter's own format (BF16, F16, F8...). */
  readonly dtype?: "float32" | "params";
}

const WEIGHTS = "model.safetensors";
const INDEX = "model.safetensors.index.json";
const UNREADABLE = ["pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "model.ckpt.index"];

/** A parsed JSON value for messages, cut at 80 characters; too deeply nested to stringify, its kind. */
function shortJson(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    return Array.isArray(value) ? "a deeply nested array" : "a deeply nested object";
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The JSON object in the file `name` of the folder `dir` (bounded, not through a link out of `dir`), or a
 * clear "io" / "format" error that never quotes the file's bytes. */
function readJsonObject(dir: string, name: string, what: string): Record<string, unknown> {
  const path = join(dir, name);
  const text = readTextInside(dir, name, READ_LIMITS.json, what);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const why = (e as Error).message.replace(/, ".*" is not valid JSON$/s, "").slice(0, 120);
    throw new MinifloatError("format", `${path}: ${what} is not valid JSON (${why})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MinifloatError("format", `${path}: ${what} must be a JSON object, got ${shortJson(value)}`);
  }
  return value as Record<string, unknown>;
}

function requireDir(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new MinifloatError("io", `${dir}: no such checkpoint directory`);
  }
}

/** The config.json object of the checkpoint directory `dir`. */
export function readHfConfig(dir: string): Record<string, unknown> {
  requireDir(dir);
  const path = join(dir, "config.json");
  if (!existsSync(path)) {
    throw new MinifloatError(
      "io",
      `${dir}: no config.json (a Hugging Face checkpoint directory holds config.json and ${WEIGHTS})`,
    );
  }
  return readJsonObject(dir, "config.json", "config.json");
}

/** A file name without a folder part (no separator, not "." or ".."), so it cannot leave its folder. */
function isPlainFileName(f: string): boolean {
  return f !== "" && f !== "." && f !== ".." && !/[/\\\0]/.test(f);
}

/** The weight files of `dir`: model.safetensors, or the shards its index lists, or a clear error. */
function weightFiles(dir: string): string[] {
  if (existsSync(join(dir, WEIGHTS))) return [pathInside(dir, WEIGHTS)];
  if (existsSync(join(dir, INDEX))) {
    const map = readJsonObject(dir, INDEX, "the shard index").weight_map;
    const files: unknown[] =
      typeof map === "object" && map !== null && !Array.isArray(map) ? Object.values(map) : [];
    const bad = files.find((f) => typeof f !== "string" || !isPlainFileName(f));
    if (files.length === 0 || bad !== undefined) {
      const got = files.length === 0 ? "no files" : shortJson(bad);
      throw new MinifloatError(
        "format",
        `${join(dir, INDEX)}: weight_map must map tensor names to file names in ${dir}, got ${got}`,
      );
    }
    return [...new Set(files as string[])].map((f) => pathInside(dir, f));
  }
  const other = UNREADABLE.find((f) => existsSync(join(dir, f)));
  if (other !== undefined) {
    throw new MinifloatError(
      "unsupported",
      `${dir}: holds ${other}, which minifloat does not read; convert it to ${WEIGHTS} (e.g. transformers' save_pretrained(dir, safe_serialization=True))`,
    );
  }
  throw new MinifloatError(
    "io",
    `${dir}: no ${WEIGHTS} or ${INDEX}; found ${readdirSync(dir).join(", ") || "nothing"}`,
  );
}

/** Read the checkpoint directory `dir`: config.json and every tensor of its weight file(s). */
export function readHfCheckpoint(dir: string): HfCheckpoint {
  const config = readHfConfig(dir);
  const tensors = new Map<string, SafetensorsEntry>();
  for (const file of weightFiles(dir)) {
    if (!existsSync(file))
      throw new MinifloatError("io", `${dir}: the shard index lists ${file}, which is missing`);
    for (const [name, entry] of readSafetensors(file).tensors) {
      if (tensors.has(name)) throw new MinifloatError("format", `${file}: tensor ${name} is in two shards`);
      tensors.set(name, entry);
    }
  }
  return { dir, config, tensors };
}

/** The shapes of every tensor of `dir`'s weight file(s), from their headers only (no tensor data is
 * read): what a model's configuration is checked against before the model is built. */
export function readHfShapes(dir: string): Map<string, readonly number[]> {
  requireDir(dir);
  const shapes = new Map<string, readonly number[]>();
  for (const file of weightFiles(dir)) {
    if (!existsSync(file))
      throw new MinifloatError("io", `${dir}: the shard index lists ${file}, which is missing`);
    for (const [name, info] of readSafetensorsHeader(file).tensors) shapes.set(name, info.shape);
  }
  return shapes;
}

/** The shape of every tensor of a read checkpoint. */
export function checkpointShapes(checkpoint: HfCheckpoint): Map<string, readonly number[]> {
  return new Map([...checkpoint.tensors].map(([name, e]) => [name, e.shape]));
}

/** Whether a dtype holds float values a parameter can take (packed F4/F6 and integers excluded). */
function isFloatDtype(dtype: SafetensorsDtype): boolean {
  const { format, bits } = DTYPE_INFO[dtype];
  return dtype === "F64" || (format !== null && bits >= 8 && isFloatFormatName(format));
}

/** "a, b, c and 4 more" for error messages. */
function listed(names: readonly string[]): string {
  const shown = names.slice(0, 8).join(", ");
  return names.length > 8 ? `${shown} and ${names.length - 8} more` : shown;
}

/**
 * Load `tensors` into `model`: each key mapped by model.checkpointKey, each value rounded once into the
 * format of the parameter it replaces (whose storage is then disposed). Nothing is changed unless every
 * parameter is found with its shape, every key is used or skipped, and every dtype is a float one;
 * otherwise one "format" (or, for shapes only, "shape") error lists every problem by name.
 */
export function loadState(
  model: CheckpointModel,
  tensors: ReadonlyMap<string, SafetensorsEntry>,
  options: LoadStateOptions = {},
  source = "checkpoint",
): LoadStateReport {
  const params = new Map(model.namedParameters());
  const keyOf = new Map<string, string>(); // parameter name -> checkpoint key
  const skipped: string[] = [];
  const unexpected: string[] = [];
  const wrongShape: string[] = [];
  const other: string[] = [];
  for (const [key, entry] of tensors) {
    const name = model.checkpointKey === undefined ? key : model.checkpointKey(key);
    const param = name === null ? undefined : params.get(name);
    if (name === null || param === undefined) {
      if (name === null || options.allowUnexpected?.(key) === true) skipped.push(key);
      else unexpected.push(name === key ? key : `${key} (as ${name})`);
      continue;
    }
    const first = keyOf.get(name);
    if (first !== undefined) other.push(`${first} and ${key} both load ${name}`);
    keyOf.set(name, key);
    if (!sameShape(param.shape, entry.shape)) {
      wrongShape.push(`${key} expected ${formatShape(param.shape)}, got ${formatShape(entry.shape)}`);
    }
    if (!isFloatDtype(entry.dtype)) other.push(`${key} has dtype ${entry.dtype}, expected a float dtype`);
  }
  const absent = [...params.keys()].filter((n) => !keyOf.has(n));
  const missing = absent.filter((n) => options.allowMissing?.(n) !== true);
  const problems = [
    missing.length > 0 ? `missing ${missing.length}: ${listed(missing)}` : "",
    unexpected.length > 0 ? `unexpected ${unexpected.length}: ${listed(unexpected)}` : "",
    wrongShape.length > 0 ? `wrong shape ${wrongShape.length}: ${listed(wrongShape)}` : "",
    other.length > 0 ? listed(other) : "",
  ].filter((p) => p !== "");
  if (problems.length > 0) {
    const code = problems.length === 1 && wrongShape.length > 0 ? "shape" : "format";
    throw new MinifloatError(code, `${source} does not match the model: ${problems.join("; ")}`);
  }
  const loaded = [...keyOf].map(([name, key]) => {
    const old = params.get(name) as Tensor;
    const entry = tensors.get(key) as SafetensorsEntry;
    const create = { format: old.format, engine: old.engine, requiresGrad: old.requiresGrad, name: key };
    return { name, key, old, t: entryToTensor(entry, create) };
  });
  const bad = loaded.map(({ key }) => nonFiniteAt(key, tensors.get(key) as SafetensorsEntry)).find(Boolean);
  if (bad !== undefined) {
    for (const { t } of loaded) t.dispose();
    throw new MinifloatError(
      "numeric",
      `${source}: the weights hold ${bad}; a model with them computes nothing meaningful`,
    );
  }
  for (const { name, old, t } of loaded) {
    model.setParameter(name, t);
    old.dispose();
  }
  return { loaded: [...keyOf.keys()], missing: absent, skipped };
}

/** "NaN at key[i]" for the first non-finite value of a checkpoint tensor (as stored), else undefined. */
function nonFiniteAt(key: string, entry: SafetensorsEntry): string | undefined {
  const values = entryToFloat32(entry, key);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) return `${values[i]} at ${key}[${i}] (flat index)`;
  }
  return undefined;
}

/** Build a model from the config.json of `dir` with `build`, then load its weights (see loadState). */
export function loadHfCheckpoint<M extends CheckpointModel>(
  dir: string,
  build: (config: Readonly<Record<string, unknown>>) => M,
  options: LoadStateOptions = {},
): {
  readonly model: M;
  readonly config: Readonly<Record<string, unknown>>;
  readonly report: LoadStateReport;
} {
  const checkpoint = readHfCheckpoint(dir);
  const model = build(checkpoint.config);
  const report = loadState(model, checkpoint.tensors, options, dir);
  return { model, config: checkpoint.config, report };
}

/** An F32 entry of a tensor's values (exact: every format here decodes into float32). */
function float32Entry(t: Tensor): SafetensorsEntry {
  requireLittleEndian();
  const values = t.toFloat32Array();
  return { dtype: "F32", shape: [...t.shape], data: new Uint8Array(values.buffer) };
}

/** Write `model` to `dir` as a Hugging Face checkpoint: config.json (`config`, with torch_dtype) and
 * model.safetensors (metadata format "pt", as transformers expects), each file written atomically. */
export function saveHfCheckpoint(
  dir: string,
  model: CheckpointModel,
  config: Readonly<Record<string, unknown>>,
  options: SaveHfOptions = {},
): void {
  const own = options.dtype === "params";
  const entries: [string, SafetensorsEntry][] = [];
  const formats = new Set<string>();
  for (const [name, t] of model.namedParameters()) {
    entries.push([name, own ? tensorToEntry(t) : float32Entry(t)]);
    formats.add(own ? t.format.name : "float32");
  }
  mkdirSync(dir, { recursive: true });
  writeSafetensors(join(dir, WEIGHTS), entries, { format: "pt" });
  const dtype = formats.size === 1 ? [...formats][0] : undefined;
  writeJsonAtomic(join(dir, "config.json"), dtype === undefined ? config : { ...config, torch_dtype: dtype });
}
