/**
 * Fuzz target: a safetensors file (8-byte header length, JSON header, data buffer) parsed from bytes
 * and from a file (header only, then whole), then each tensor decoded to numbers and made a Tensor.
 */
import { parsesOrRefuses, scratchFile } from "../contract.js";
import { parseSafetensors, readSafetensors, readSafetensorsHeader } from "../../src/io/safetensors.js";
import { entryToFloat64, entryToTensor } from "../../src/io/safetensors-tensor.js";

const SOURCE = "fuzz.safetensors";

/** One input through every safetensors reader. */
export function fuzz(data: Buffer): void {
  parsesOrRefuses(() => {
    const file = parseSafetensors(data, SOURCE);
    for (const [name, entry] of file.tensors) {
      parsesOrRefuses(() => entryToFloat64(entry, name), name);
      parsesOrRefuses(() => {
        entryToTensor(entry, { name }).dispose();
      }, name);
    }
  }, SOURCE);
  const path = scratchFile(SOURCE, data);
  parsesOrRefuses(() => readSafetensorsHeader(path), path);
  parsesOrRefuses(() => readSafetensors(path), path);
}
