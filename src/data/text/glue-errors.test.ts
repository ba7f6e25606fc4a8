/**
 * GLUE loading, the edges: label values written as ids or readable names, unknown labels and bad scores
 * (file:line), missing columns, task-name spellings and did-you-mean, splits, the GLUE root as directory,
 * and a file broken under both quoting readings.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectError } from "../../../test/support/expect-error.js";
import { glueTask, loadGlueTask } from "./glue.js";

const root = mkdtempSync(join(tmpdir(), "minifloat-glue-errors-"));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Write rows (fields joined by tabs) as root/task/name and return the task directory. */
function write(task: string, name: string, rows: string[][]): string {
  const dir = join(root, task);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), rows.map((r) => r.join("\t")).join("\n") + "\n");
  return dir;
}

describe("labels, names and errors", () => {
  it("accepts integer ids and readable names as labels (files saved by HF datasets)", () => {
    const dir = write("RTE-ids", "dev.tsv", [
      ["idx", "sentence1", "sentence2", "label"],
      ["0", "a", "b", "1"],
      ["1", "c", "d", "entailment"],
    ]);
    expect(loadGlueTask("rte", dir, "dev").examples.map((e) => e.label)).toEqual([1, 0]);
    const s = write("SST-2-names", "dev.tsv", [
      ["sentence", "label"],
      ["good", "positive"],
    ]);
    expect(loadGlueTask("sst2", s, "dev").examples[0].label).toBe(1);
  });

  it("names the file and line of an unknown label or a bad score", () => {
    const dir = write("SST-2-bad", "dev.tsv", [
      ["sentence", "label"],
      ["x", "1"],
      ["y", "2"],
    ]);
    expectError(
      () => loadGlueTask("sst2", dir, "dev"),
      "format",
      /dev\.tsv:3: SST-2 label "2" is not one of "0", "1"/,
    );
    const s = write("STS-B-bad", "train.tsv", [
      [
        "index",
        "genre",
        "filename",
        "year",
        "old_index",
        "source1",
        "source2",
        "sentence1",
        "sentence2",
        "score",
      ],
      ["0", "g", "f", "y", "o", "s", "s", "a", "b", "high"],
    ]);
    expectError(
      () => loadGlueTask("stsb", s, "train"),
      "format",
      /train\.tsv:2: STS-B score "high" is not a number/,
    );
  });

  it("names the missing column and shows the header", () => {
    const dir = write("QNLI-bad", "dev.tsv", [
      ["index", "question", "passage", "label"],
      ["0", "q", "p", "entailment"],
    ]);
    expectError(
      () => loadGlueTask("qnli", dir, "dev"),
      "format",
      /no second sentence column; expected a header named "sentence".*\[index, question, passage, label\]/,
    );
  });

  it("accepts glue:sst2, sst2, SST-2 and sst_2; suggests the nearest task on a typo", () => {
    for (const name of ["glue:sst2", "sst2", "SST-2", "sst_2", " Glue/SST-2 "])
      expect(glueTask(name).name).toBe("sst2");
    expect(glueTask("STS-B").name).toBe("stsb");
    expectError(() => glueTask("sst3"), "argument", /unknown GLUE task "sst3"; did you mean "sst2"\?/);
    expectError(() => glueTask("mnlli"), "argument", /did you mean "mnli"/);
    // Issue 15, item 6: an empty name said: unknown GLUE task "".
    expectError(
      () => glueTask("glue:"),
      "argument",
      /expected a GLUE task name \(glue:<task>, one of cola, sst2.*\), got "glue:"/,
    );
  });

  it("checks the split, and finds the file from the GLUE root too", () => {
    const dir = write("SST-2", "dev.tsv", [
      ["sentence", "label"],
      ["x", "1"],
    ]);
    expectError(
      () => loadGlueTask("sst2", dir, "dev_matched"),
      "argument",
      /SST-2 has no split "dev_matched"/,
    );
    expectError(
      () => loadGlueTask("sst2", dir, "devv"),
      "argument",
      /unknown split "devv"; did you mean "dev"/,
    );
    expectError(
      () => loadGlueTask("cola", join(root, "nowhere"), "dev"),
      "io",
      /CoLA dev file not found: tried .*dev\.tsv and .*CoLA.*dev\.tsv/,
    );
    expect(loadGlueTask("sst2", root, "dev").examples[0].textA).toBe("x");
  });

  it("reports both readings when a file is broken either way", () => {
    const dir = write("SST-2-broken", "dev.tsv", [
      ["sentence", "label"],
      ['"open', "1"],
      ["x", "0", "extra"],
    ]);
    expectError(
      () => loadGlueTask("sst2", dir, "dev"),
      "format",
      /with quoted fields \(.*unterminated.*\) nor with literal quotes \(.*dev\.tsv:3: expected 2/,
    );
  });
});
