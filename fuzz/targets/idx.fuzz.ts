/** Fuzz target: an IDX file (MNIST's format), plain or gzipped, read from a file and from bytes. */
import { parsesOrRefuses, scratchFile } from "../contract.js";
import { parseIdx, readIdxFile } from "../../src/data/idx.js";

/** One input through the IDX readers. */
export function fuzz(data: Buffer): void {
  parsesOrRefuses(() => parseIdx(data, "fuzz.idx"), "fuzz.idx");
  const path = scratchFile("fuzz-images.idx", data);
  parsesOrRefuses(() => readIdxFile(path), path);
}
