/**
 * TSV reading: CSV-style quoted fields (tabs, newlines, "" escapes), literal quotes, BOM, CRLF, trailing
 * newline and blank lines, record line numbers, every format error with file:line, column lookup, and
 * `text<TAB>label` files; then the real banking77 and SST-2 files, whose counts the data README gives.
 */
import { DATA } from "../../../test/support/data-dir.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectError } from "../../../test/support/expect-error.js";
import { findColumn, parseTsv, readTextClassification, readTextFile, readTsv } from "./tsv.js";

const dir = mkdtempSync(join(tmpdir(), "minifloat-tsv-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("parseTsv", () => {
  it("reads a header and records, with or without a final newline, CRLF and a BOM", () => {
    for (const text of ["a\tb\n1\t2\n3\t4\n", "a\tb\n1\t2\n3\t4", "\ufeffa\tb\r\n1\t2\r\n3\t4\r\n"]) {
      const t = parseTsv(text, "x.tsv");
      expect(t.columns).toEqual(["a", "b"]);
      expect(t.rows).toEqual([
        ["1", "2"],
        ["3", "4"],
      ]);
      expect(t.lines).toEqual([2, 3]);
    }
  });

  it("keeps spaces and empty fields, treats a lone CR as a line end, and skips blank lines", () => {
    const t = parseTsv("a\tb\n\n x \t\n\r\n\t\ry\tz\n\n", "x.tsv");
    expect(t.rows).toEqual([
      [" x ", ""],
      ["", ""],
      ["y", "z"],
    ]);
    expect(t.lines).toEqual([3, 5, 6]);
  });

  it("reads quoted fields holding tabs, newlines, CRLF and doubled quotes, and counts their lines", () => {
    const text = 'text\tlabel\n"say ""hi""\tnow"\ta\n"two\nlines\r\nthree"\tb\n""\tc\nplain "mid" quote\td\n';
    const t = parseTsv(text, "q.tsv");
    expect(t.rows).toEqual([
      ['say "hi"\tnow', "a"],
      ["two\nlines\r\nthree", "b"],
      ["", "c"],
      ['plain "mid" quote', "d"],
    ]);
    expect(t.lines).toEqual([2, 3, 6, 7]);
  });

  it("reads quotes literally with quoting none", () => {
    const t = parseTsv('s\tl\n"Hi," he said.\t1\n"x"\t0\n', "g.tsv", { quoting: "none" });
    expect(t.rows).toEqual([
      ['"Hi," he said.', "1"],
      ['"x"', "0"],
    ]);
  });

  it("reads a file without a header, the first record setting the width", () => {
    const t = parseTsv("gj04\t1\t\tA b.\ngj04\t0\t*\tC d.\n", "cola.tsv", { header: false });
    expect(t.columns).toEqual([]);
    expect(t.rows[1]).toEqual(["gj04", "0", "*", "C d."]);
  });

  it("names the file and line of an unterminated quote (where it opened)", () => {
    expectError(
      () => parseTsv('a\tb\nx\t1\n"open\t2\ny\t3\n', "bad.tsv"),
      "format",
      /^bad\.tsv:3: unterminated quoted/,
    );
  });

  it("refuses text after a closing quote and suggests literal quotes", () => {
    expectError(
      () => parseTsv('a\tb\n"Hi," he said\t1\n', "bad.tsv"),
      "format",
      /^bad\.tsv:2: unexpected " " after the closing quote of field 1.*--quoting none/,
    );
  });

  it("auto: quoted fields when the whole text reads that way, else literal quotes", () => {
    const quoted = parseTsv('a\tb\n"x\ty"\t1\n', "q.tsv", { quoting: "auto" });
    expect([quoted.quoting, quoted.rows]).toEqual(["csv", [["x\ty", "1"]]]);
    const plain = parseTsv('a\tb\n"Hi," he said\t1\n', "p.tsv", { quoting: "auto" });
    expect([plain.quoting, plain.rows]).toEqual(["none", [['"Hi," he said', "1"]]]);
    expect(parseTsv("a\tb\nx\t1\n", "n.tsv").quoting).toBe("csv");
  });

  it("auto: names both readings and --quoting when neither reads the text", () => {
    // csv: the quote of line 2 is never closed; none: line 3 has 3 fields.
    expectError(
      () => parseTsv('a\tb\n"open\t1\nx\ty\tz\n', "both.tsv", { quoting: "auto" }),
      "format",
      /^cannot read both\.tsv with quoted fields \(.*unterminated.*\) nor with literal quotes \(.*both\.tsv:3: expected 2 .*got 3\).*--quoting csv or --quoting none/,
    );
    expectError(() => parseTsv("\n", "e.tsv", { quoting: "auto" }), "format", /^e\.tsv: empty file/);
  });

  it("reports a wrong field count with both counts, or skips such rows when asked", () => {
    const text = "text\tlabel\nok\t1\ntoo\tmany\t2\nfew\nok2\t0\n";
    expectError(
      () => parseTsv(text, "n.tsv"),
      "format",
      /^n\.tsv:3: expected 2 tab-separated fields .*text, label.*got 3/,
    );
    const t = parseTsv(text, "n.tsv", { onBadRow: "skip" });
    expect(t.rows.map((r) => r[0])).toEqual(["ok", "ok2"]);
    expect(t.skippedLines).toEqual([3, 4]);
  });

  it("refuses an empty file", () => {
    expectError(() => parseTsv("\ufeff\n\n", "e.tsv"), "format", /e\.tsv: empty file/);
  });
});

describe("text<TAB>label files as users have them: a text starting with a quote, CRLF, a BOM", () => {
  const BOM = "\ufeff";
  const lines = ["text\tlabel", '"Wow" is all I can say.\tpositive', 'It\'s "fine".\tnegative'];
  const cases: [string, string][] = [
    ["a quote at the start of a text", lines.join("\n") + "\n"],
    ["CRLF line ends", ["text\tlabel", "great film\tpositive", "dull\tnegative"].join("\r\n") + "\r\n"],
    ["a UTF-8 BOM", BOM + ["text\tlabel", "great film\tpositive", "dull\tnegative"].join("\n")],
    ["a quote at the start and CRLF", lines.join("\r\n") + "\r\n"],
    ["a quote at the start and a BOM", BOM + lines.join("\n")],
    ["CRLF and a BOM", BOM + ["text\tlabel", "great film\tpositive", "dull\tnegative"].join("\r\n")],
    ["all three", BOM + lines.join("\r\n") + "\r\n"],
  ];
  for (const [what, text] of cases) {
    it(`reads a file with ${what}`, () => {
      const d = readTextClassification(file(`users-${what.replaceAll(" ", "-")}.tsv`, text));
      const quoteFirst = text.includes('"Wow"');
      expect(d.texts).toEqual(
        quoteFirst ? ['"Wow" is all I can say.', 'It\'s "fine".'] : ["great film", "dull"],
      );
      expect(d.labels).toEqual(["negative", "positive"]);
      expect(Array.from(d.labelIds)).toEqual([1, 0]);
      expect(d.quoting).toBe(quoteFirst ? "none" : "csv");
    });
  }

  it("says which --quoting reads a file that the csv reading refuses", () => {
    const path = file("users-csv.tsv", BOM + lines.join("\r\n"));
    expectError(
      () => readTextClassification(path, { quoting: "csv" }),
      "format",
      /users-csv\.tsv:2: unexpected " " after the closing quote .*--quoting none/,
    );
    expect(readTextClassification(path, { quoting: "none" }).texts[0]).toBe('"Wow" is all I can say.');
  });
});

describe("files and columns", () => {
  it("reports a missing file (io) and invalid UTF-8 (format) with the path", () => {
    expectError(() => readTextFile(join(dir, "nope.tsv")), "io", /cannot read .*nope\.tsv/);
    const bad = file("latin1.tsv", Uint8Array.from([0x61, 0x09, 0x62, 0x0a, 0xe9, 0x09, 0x31, 0x0a]));
    expectError(() => readTsv(bad), "format", /latin1\.tsv: not valid UTF-8/);
  });

  it("finds columns by case-insensitive name or index, and suggests a near name", () => {
    const t = parseTsv("Text\tLabel\nx\ty\n", "c.tsv");
    expect(findColumn(t, "label", "labelColumn")).toBe(1);
    expect(findColumn(t, 0, "textColumn")).toBe(0);
    expectError(
      () => findColumn(t, "lable", "labelColumn"),
      "format",
      /no column "lable".*did you mean "label"/,
    );
    expectError(() => findColumn(t, 2, "textColumn"), "argument", /textColumn: column index 2 .* 2 columns/);
  });
});

describe("readTextClassification", () => {
  const path = file("intents.tsv", 'text\tlabel\nhello\tgreet\n"bye\nnow"\tleave\nhi there\t greet \n');

  it("maps label names to ids in sorted order by default", () => {
    const d = readTextClassification(path);
    expect(d.labels).toEqual(["greet", "leave"]);
    expect(Array.from(d.labelIds)).toEqual([0, 1, 0]);
    expect(d.texts).toEqual(["hello", "bye\nnow", "hi there"]);
  });

  it("uses a given label order, by column names or indices", () => {
    const d = readTextClassification(path, {
      labels: ["leave", "greet"],
      textColumn: 0,
      labelColumn: "LABEL",
    });
    expect(Array.from(d.labelIds)).toEqual([1, 0, 1]);
  });

  it("names the line of a label outside the given set, and refuses duplicate or empty labels", () => {
    expectError(
      () => readTextClassification(path, { labels: ["greet", "leav"] }),
      "format",
      /intents\.tsv:3: label "leave" is not one of the 2 given labels; did you mean "leav"/,
    );
    expectError(() => readTextClassification(path, { labels: ["a", "a"] }), "argument", /distinct/);
    const empty = file("empty-label.tsv", "text\tlabel\nx\t \n");
    expectError(() => readTextClassification(empty), "format", /empty-label\.tsv:2: empty label/);
  });
});

describe("real files: banking77 (the package's copy)", () => {
  const splits = { train: 9003, dev: 1000, test: 3080 };
  const read = (s: string) => readTextClassification(join(DATA, "banking77", `${s}.tsv`));

  it("parses every record of every split (quoted multi-line fields included) with the same 77 intents", () => {
    const train = read("train");
    expect(train.texts.length).toBe(splits.train);
    expect(train.labels.length).toBe(77);
    expect(train.texts.filter((t) => t.includes("\n")).length).toBe(10);
    expect(train.texts).toContain('What do I do with my "decline" message on a transfer?');
    for (const s of ["dev", "test"] as const) {
      const d = readTextClassification(join(DATA, "banking77", `${s}.tsv`), { labels: train.labels });
      expect(d.texts.length).toBe(splits[s]);
      expect(new Set(d.labelIds).size).toBe(77);
    }
  });

  it("accounts for every physical line: records plus the extra lines inside quoted fields", () => {
    const path = join(DATA, "banking77", "train.tsv");
    const t = readTsv(path);
    const physical = readTextFile(path).split("\n").length - 1; // the file ends with a newline
    const inner = t.rows.reduce((n, r) => n + r[0].split("\n").length - 1, 0);
    expect(physical).toBe(1 + t.rows.length + inner);
  });
});

describe("real files: SST-2 as a text<TAB>label file", () => {
  it("has the README's row counts and class balance", () => {
    const train = readTextClassification(join(DATA, "glue/SST-2/train.tsv"));
    const dev = readTextClassification(join(DATA, "glue/SST-2/dev.tsv"), { labels: ["0", "1"] });
    expect(train.labels).toEqual(["0", "1"]);
    expect(train.texts.length).toBe(67349);
    expect(train.labelIds.filter((x) => x === 1).length).toBe(37569);
    expect(dev.texts.length).toBe(872);
    expect(dev.labelIds.filter((x) => x === 1).length).toBe(444);
    expect(readTsv(join(DATA, "glue/SST-2/test.tsv")).rows.length).toBe(1821);
  });
});
