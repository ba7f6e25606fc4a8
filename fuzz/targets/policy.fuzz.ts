/** Fuzz target: a precision-policy JSON file, read as the training command reads `--policy file.json`. */
import { parsesOrRefuses, scratchFile } from "../contract.js";
import { resolvePolicy } from "../../src/experiment/setup.js";
import { parsePolicy } from "../../src/precision/parse-policy.js";

/** One input through parsePolicy (as text and from a file). */
export function fuzz(data: Buffer): void {
  const path = scratchFile("fuzz-policy.json", data);
  parsesOrRefuses(() => resolvePolicy(path), path);
  parsesOrRefuses(() => parsePolicy(data.toString("utf8"), "fuzz-policy"), "fuzz-policy");
}
