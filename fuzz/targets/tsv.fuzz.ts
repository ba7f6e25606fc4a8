/**
 * Fuzz target: TSV text under every option (quoting csv/none, with or without a header, bad rows an
 * error or skipped; the first byte chooses), and a `text<TAB>label` classification file.
 */
import { parsesOrRefuses, scratchFile, text } from "../contract.js";
import { findColumn, parseTsv, readTextClassification } from "../../src/data/text/tsv.js";

/** One input through the TSV readers. */
export function fuzz(data: Buffer): void {
  const flags = data.length > 0 ? data[0] : 0;
  const body = data.subarray(1);
  const options = {
    quoting: flags & 1 ? "none" : "csv",
    header: (flags & 2) === 0,
    onBadRow: flags & 4 ? "skip" : "error",
  } as const;
  parsesOrRefuses(() => {
    const table = parseTsv(text(body), "fuzz.tsv", options);
    parsesOrRefuses(() => findColumn(table, "label", "labelColumn"), "labelColumn");
    parsesOrRefuses(() => findColumn(table, flags >> 4, "textColumn"), "textColumn");
  }, "fuzz.tsv");
  const path = scratchFile("fuzz-classification.tsv", body);
  parsesOrRefuses(() => readTextClassification(path, { quoting: options.quoting }), path);
}
