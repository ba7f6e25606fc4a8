/**
 * Checkpoints of a training run as safetensors files written atomically: every parameter as codes of its
 * own format (a bfloat16 weight is stored as BF16), batch-norm statistics, the optimizer's state (master
 * weights, Kahan compensation, momentum, Adam moments) and, in the metadata, the trainer's position and
 * counters, so that a resumed run continues bit for bit. Formats safetensors has no dtype for are stored
 * as their raw codes (U8) with the format named in the metadata.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { MinifloatError } from "../errors.js";
import { decodeArray, encodeArray, floatFormat, type FloatFormat } from "../formats/index.js";
import {
  formatToDtype,
  readSafetensors,
  readSafetensorsHeader,
  schema as s,
  writeSafetensors,
  type SafetensorsEntry,
  type Schema,
} from "../io/index.js";
import type { CodeBuffer } from "../optim/index.js";
import type { Module } from "../nn/index.js";
import { allocStorage, codesOf, type StorageArray } from "../tensor/index.js";
import { trainerStateSchema } from "./run-schema.js";
import type { RunSetup } from "./setup.js";

/** The trainer's position and counters, kept in a checkpoint's metadata. */
export interface TrainerState {
  /** The epoch in progress (0-based) and the next batch of it; batch 0 of epoch e+1 after epoch e ends. */
  readonly epoch: number;
  readonly batch: number;
  /** Steps taken so far (the global step of the next batch). */
  readonly step: number;
  readonly scaler: { readonly scale: number; readonly goodSteps: number; readonly skippedSteps: number };
  readonly optimizerSteps: number;
  /** The running sums of the epoch in progress (JSON), restored when resuming mid-epoch. */
  readonly progress: unknown;
}

/** The checkpoint file of the state after `step` steps. */
export function checkpointPath(dir: string, step: number): string {
  return join(dir, `step-${String(step).padStart(9, "0")}.safetensors`);
}

function bytesOf(data: StorageArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Codes as an entry: the format's own dtype when it has one of whole bytes, raw U8 codes otherwise
 * (FP6 and FP4 are stored one code per byte, safetensors packs them). */
function entryOf(format: FloatFormat, data: StorageArray): SafetensorsEntry {
  const dtype = format.bits >= 8 ? formatToDtype(format.name) : "U8";
  return { dtype, shape: [data.length], data: bytesOf(data) };
}

/** The named code buffers of a run: parameters, batch-norm buffers, optimizer state. */
function namedBuffers(setup: RunSetup): [string, CodeBuffer][] {
  const f32 = floatFormat("float32");
  return [
    ...setup.params.map((p): [string, CodeBuffer] => [
      `param/${p.name}`,
      { format: p.tensor.format, data: p.tensor.data },
    ]),
    ...[...setup.model.namedBuffers()].map(([name, b]): [string, CodeBuffer] => [
      `buffer/${name}`,
      { format: f32, data: b },
    ]),
    ...setup.optimizer.stateDict().map(([name, b]): [string, CodeBuffer] => [`optim/${name}`, b]),
  ];
}

/** Write the run's state after `state.step` steps to `dir` (atomically); returns the file's path. */
export function saveCheckpoint(dir: string, setup: RunSetup, state: TrainerState): string {
  const buffers = namedBuffers(setup);
  const formats = Object.fromEntries(buffers.map(([name, b]) => [name, b.format.name]));
  const path = checkpointPath(dir, state.step);
  writeSafetensors(
    path,
    buffers.map(([name, b]) => [name, entryOf(b.format, b.data)] as const),
    { "minifloat.trainer": JSON.stringify(state), "minifloat.formats": JSON.stringify(formats) },
  );
  return path;
}

/** The JSON of metadata `key`, checked against `schema`; a "format" error naming the file and key. */
function parseJsonField<T>(
  path: string,
  metadata: Readonly<Record<string, string>>,
  key: string,
  schema: Schema<T>,
): T {
  const text = Object.hasOwn(metadata, key) ? metadata[key] : undefined;
  if (text === undefined)
    throw new MinifloatError("format", `${path}: not a minifloat checkpoint (no ${key} metadata)`);
  return s.parseJson(schema, text, `${path}: metadata ${key}`);
}

const formatsSchema = s.record(s.string);

/** The trainer state recorded in a checkpoint (only its header is read). */
export function readTrainerState(path: string): TrainerState {
  const header = readSafetensorsHeader(path);
  return parseJsonField(path, header.metadata, "minifloat.trainer", trainerStateSchema);
}

/** The checkpoint files in `dir`, oldest (fewest steps) first. */
export function listCheckpoints(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^step-\d{9}\.safetensors$/.test(n))
    .sort()
    .map((n) => join(dir, n));
}

/** Copy a checkpoint's state into a freshly built run (same configuration); returns the trainer state. */
export function loadCheckpoint(path: string, setup: RunSetup): TrainerState {
  const file = readSafetensors(path);
  const formats = parseJsonField(path, file.metadata, "minifloat.formats", formatsSchema);
  const state = readTrainerState(path);
  const find = (name: string, format: FloatFormat, length: number): Uint8Array | undefined => {
    const entry = file.tensors.get(name);
    if (entry === undefined) return undefined;
    if (formats[name] !== format.name) {
      throw new MinifloatError(
        "format",
        `${path}: ${name} is ${formats[name] ?? "of unknown format"}, the run expects ${format.name}`,
      );
    }
    const bytes = length * (format.bits > 8 ? format.bits / 8 : 1);
    if (entry.data.length !== bytes) {
      throw new MinifloatError(
        "format",
        `${path}: ${name} has ${entry.data.length} bytes, the run expects ${bytes}`,
      );
    }
    return entry.data;
  };
  for (const [name, b] of namedBuffers(setup)) {
    if (name.startsWith("optim/")) continue;
    const data = find(name, b.format, b.data.length);
    if (data === undefined) throw new MinifloatError("format", `${path}: ${name} is missing`);
    bytesOf(b.data).set(data);
  }
  setup.optimizer.loadStateDict(
    (name, format, length) => find(`optim/${name}`, format, length),
    state.optimizerSteps,
  );
  setup.scaler.scale = state.scaler.scale;
  setup.scaler.goodSteps = state.scaler.goodSteps;
  setup.scaler.skippedSteps = state.scaler.skippedSteps;
  return state;
}

/** The float32 values of every parameter (`param/<name>`) and buffer (`buffer/<name>`) of a checkpoint,
 * decoded exactly from the format each was stored in. */
export function readCheckpointValues(path: string): Map<string, Float32Array> {
  const file = readSafetensors(path);
  const formats = parseJsonField(path, file.metadata, "minifloat.formats", formatsSchema);
  const out = new Map<string, Float32Array>();
  for (const [name, entry] of file.tensors) {
    if (!name.startsWith("param/") && !name.startsWith("buffer/")) continue;
    const format = floatFormat(formats[name] ?? "float32");
    const codes = allocStorage(format, entry.shape[0] ?? 0);
    const bytes = new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength);
    if (bytes.length !== entry.data.length) {
      throw new MinifloatError(
        "format",
        `${path}: ${name} has ${entry.data.length} bytes, expected ${bytes.length} for ${format.name}`,
      );
    }
    bytes.set(entry.data);
    out.set(name, codes instanceof Float32Array ? codes : decodeArray(format, codes));
  }
  return out;
}

/**
 * Load a checkpoint's weights into `model`, whatever formats the model was built in: each value is
 * decoded exactly and rounded once (nearest-even) into the parameter's format; batch-norm statistics are
 * copied. Every parameter and buffer of the model must be in the checkpoint with the same size.
 */
export function loadWeightsInto(model: Module, path: string, values = readCheckpointValues(path)): void {
  const take = (name: string, n: number): Float32Array => {
    const v = values.get(name);
    if (v === undefined)
      throw new MinifloatError("format", `${path}: ${name} is missing (was it trained with this model?)`);
    if (v.length !== n)
      throw new MinifloatError("format", `${path}: ${name} has ${v.length} values, the model expects ${n}`);
    return v;
  };
  for (const [name, t] of model.namedParameters()) {
    const v = take(`param/${name}`, t.size);
    if (t.data instanceof Float32Array) t.data.set(v);
    else encodeArray(t.format, v, { rounding: "nearest-even" }, codesOf(t.data));
  }
  for (const [name, b] of model.namedBuffers()) b.set(take(`buffer/${name}`, b.length));
}
