/**
 * Converting a Hugging Face checkpoint directory's weights to another float format (float16, bfloat16,
 * float32, ...), each value rounded once to nearest-even: the way to store a float32-trained model at
 * half the size. A value beyond the target's range is an error naming the tensor (scaled 8-bit storage
 * is post-training quantization's job, not a plain conversion). The other files of the directory
 * (tokenizer files, training.json) are copied, and config.json's torch_dtype is updated.
 */
import { copyFileSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { MinifloatError } from "../errors.js";
import { decodeArray, encodeArray, floatFormat, isFloatFormatName } from "../formats/index.js";
import { writeJsonAtomic } from "./atomic.js";
import { pathInside } from "./bounded-read.js";
import { readHfCheckpoint } from "./hf-checkpoint.js";
import { DTYPE_INFO, writeSafetensors, type SafetensorsEntry } from "./safetensors.js";
import { entryToFloat32, formatToDtype, requireLittleEndian } from "./safetensors-tensor.js";

/** What convertHfCheckpoint did. */
export interface ConvertReport {
  readonly tensors: number;
  readonly converted: number;
  /** Values that changed when rounded, over all converted tensors. */
  readonly inexact: number;
  readonly values: number;
}

const WEIGHT_FILE = /^model(-\d+-of-\d+)?\.safetensors(\.index\.json)?$/;

/** The other files of `src` that a conversion copies (regular files; a link out of `src` is refused by
 * name before anything is written, so what it points to is never copied). */
function filesToCopy(src: string): string[] {
  return readdirSync(src).filter((file) => {
    if (WEIGHT_FILE.test(file) || file === "config.json") return false;
    return statSync(pathInside(src, file)).isFile();
  });
}

/** Write `src`'s checkpoint to `dst` with every float tensor in float format `formatName`. */
export function convertHfCheckpoint(src: string, dst: string, formatName: string): ConvertReport {
  requireLittleEndian();
  const f = floatFormat(formatName);
  const dtype = formatToDtype(f.name);
  if (DTYPE_INFO[dtype].bits < 8) {
    throw new MinifloatError("unsupported", `--dtype ${f.name}: packed sub-byte storage is not supported`);
  }
  const checkpoint = readHfCheckpoint(src);
  const copied = filesToCopy(src);
  const entries: [string, SafetensorsEntry][] = [];
  let [converted, inexact, values] = [0, 0, 0];
  for (const [name, entry] of checkpoint.tensors) {
    const stored = DTYPE_INFO[entry.dtype].format;
    if (stored === null || !isFloatFormatName(stored)) {
      entries.push([name, entry]);
      continue;
    }
    const x = entryToFloat32(entry, name);
    const codes = encodeArray(f, x, { rounding: "nearest-even" });
    const back = decodeArray(f, codes);
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) continue;
      if (!Number.isFinite(back[i])) {
        throw new MinifloatError(
          "format",
          `${src}: ${name}[${i}] = ${x[i]} is beyond ${f.name}'s range; choose a wider --dtype`,
        );
      }
      if (back[i] !== x[i]) inexact++;
    }
    values += x.length;
    converted++;
    const data = new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength);
    entries.push([name, { dtype, shape: entry.shape, data }]);
  }
  mkdirSync(dst, { recursive: true });
  writeSafetensors(join(dst, "model.safetensors"), entries, { format: "pt" });
  for (const file of copied) copyFileSync(join(src, file), join(dst, file));
  writeJsonAtomic(join(dst, "config.json"), { ...checkpoint.config, torch_dtype: f.name });
  return { tensors: checkpoint.tensors.size, converted, inexact, values };
}
