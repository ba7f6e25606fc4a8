/** Fuzz target: a value as `minifloat cast` reads it (decimal, hex float, nan, inf). */
import { parsesOrRefuses } from "../contract.js";
import { parseValue } from "../../src/cli/parse-value.js";

/** One input through parseValue. */
export function fuzz(data: Buffer): void {
  const text = data.toString("utf8");
  parsesOrRefuses(() => parseValue(text), "is not a number");
}
