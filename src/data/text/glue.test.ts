/**
 * GLUE loading on small files in each task's real layout (official headers, CoLA's header-less rows,
 * MRPC's BOM, MNLI's matched/mismatched files, literal quotes as in the official files, a pandas-quoted
 * re-save), header variants and short rows; then SST-2 on the real files (edges: glue-errors.test.ts).
 */
import { DATA } from "../../../test/support/data-dir.js";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectError } from "../../../test/support/expect-error.js";
import { loadGlueTask } from "./glue.js";

const root = mkdtempSync(join(tmpdir(), "minifloat-glue-"));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Write `lines` (fields joined by tabs) as root/task/name and return the task directory. */
function write(task: string, name: string, rows: string[][], bom = false): string {
  const dir = join(root, task);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), (bom ? "\ufeff" : "") + rows.map((r) => r.join("\t")).join("\n") + "\n");
  return dir;
}

const MNLI_PARSES = ["( a )", "( b )", "(ROOT a)", "(ROOT b)"];

describe("each task in its official layout", () => {
  it("CoLA: header-less four-column train/dev rows, and a test file with a header", () => {
    const dir = write("CoLA", "train.tsv", [
      ["gj04", "1", "", "Our friends won't buy this analysis, let alone the next one we propose."],
      ["gj04", "0", "*", "They drank the pub."],
    ]);
    write("CoLA", "test.tsv", [
      ["index", "sentence"],
      ["0", "Bill whistled past the house."],
    ]);
    const train = loadGlueTask("CoLA", dir, "train");
    expect(train.examples).toEqual([
      { textA: "Our friends won't buy this analysis, let alone the next one we propose.", label: 1 },
      { textA: "They drank the pub.", label: 0 },
    ]);
    expect(train.metrics).toEqual(["mcc"]);
    expect(loadGlueTask("cola", dir, "test").examples).toEqual([
      { textA: "Bill whistled past the house.", label: -1 },
    ]);
  });

  it("SST-2: `sentence` or `text` headers, and the test file's index column", () => {
    const a = write("SST-2", "dev.tsv", [
      ["sentence", "label"],
      ["it 's a charming journey . ", "1"],
      ["bleak ", "0"],
    ]);
    write("SST-2", "train.tsv", [
      ["text", "label"],
      ["fine", "1"],
    ]);
    write("SST-2", "test.tsv", [
      ["index", "sentence"],
      ["0", "uneasy mishmash ."],
      ["1", "a film ."],
    ]);
    expect(loadGlueTask("sst2", a, "dev").examples).toEqual([
      { textA: "it 's a charming journey . ", label: 1 },
      { textA: "bleak ", label: 0 },
    ]);
    expect(loadGlueTask("sst2", a, "train").examples).toEqual([{ textA: "fine", label: 1 }]);
    const test = loadGlueTask("sst2", a, "test");
    expect(test.examples.map((e) => e.textA)).toEqual(["uneasy mishmash .", "a film ."]);
    expect(test.labelled).toBe(false);
  });

  it("SST-2: a test header naming no id column over integer ids is read by position", () => {
    const dir = write("SST-2-mislabelled", "test.tsv", [
      ["text", "label"],
      ["0", "uneasy mishmash ."],
      ["1", "a film ."],
    ]);
    expect(loadGlueTask("sst2", dir, "test").examples.map((e) => e.textA)).toEqual([
      "uneasy mishmash .",
      "a film .",
    ]);
  });

  it("MRPC: BOM, `Quality` label, `#1 String` columns, literal quotes as in the official file", () => {
    const header = ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"];
    const dir = write(
      "MRPC",
      "train.tsv",
      [
        header,
        [
          "1",
          "702876",
          "702977",
          '"Amrozi accused his brother," he said.',
          'Referring to him as "the witness".',
        ],
        ["0", "2108705", "2108831", "Yucaipa owned Dominick 's .", '"Yucaipa" sold it.'],
      ],
      true,
    );
    write("MRPC", "test.tsv", [
      ["index", ...header.slice(1)],
      ["0", "1089874", "1089925", "PCCW 's chief .", "Reach is a JV ."],
    ]);
    const train = loadGlueTask("mrpc", dir, "train");
    expect(train.quoting).toBe("none");
    expect(train.examples[0]).toEqual({
      textA: '"Amrozi accused his brother," he said.',
      textB: 'Referring to him as "the witness".',
      label: 1,
    });
    expect(train.examples[1].textB).toBe('"Yucaipa" sold it.');
    expect(train.metrics).toEqual(["accuracy", "f1"]);
    expect(loadGlueTask("mrpc", dir, "test").examples).toEqual([
      { textA: "PCCW 's chief .", textB: "Reach is a JV .", label: -1 },
    ]);
  });

  it("STS-B: float scores from the last column, test without one", () => {
    const header = [
      "index",
      "genre",
      "filename",
      "year",
      "old_index",
      "source1",
      "source2",
      "sentence1",
      "sentence2",
    ];
    const dir = write("STS-B", "dev.tsv", [
      [...header, "score"],
      [
        "0",
        "main-captions",
        "MSRvid",
        "2012test",
        "0000",
        "none",
        "none",
        "A man with a hard hat is dancing.",
        "A man wearing a hard hat is dancing.",
        "5.000",
      ],
      [
        "1",
        "main-captions",
        "MSRvid",
        "2012test",
        "0002",
        "none",
        "none",
        "A young child is riding a horse.",
        "A child is riding a horse.",
        "4.750",
      ],
    ]);
    write("STS-B", "test.tsv", [
      header,
      ["0", "main-news", "headlines", "2015", "0001", "none", "none", "A.", "B."],
    ]);
    const dev = loadGlueTask("STS-B", dir, "dev");
    expect(dev.regression).toBe(true);
    expect(dev.labels).toEqual([]);
    expect(dev.examples.map((e) => e.label)).toEqual([5, 4.75]);
    expect(dev.examples[1].textB).toBe("A child is riding a horse.");
    expect(dev.metrics).toEqual(["pearson", "spearman"]);
    expect(loadGlueTask("stsb", dir, "test").examples).toEqual([{ textA: "A.", textB: "B.", label: -1 }]);
  });

  it("QQP: official columns; a pandas re-save with quoted multi-line questions is detected", () => {
    const header = ["id", "qid1", "qid2", "question1", "question2", "is_duplicate"];
    const dir = write("QQP", "dev.tsv", [
      header,
      [
        "201359",
        "303345",
        "303346",
        "Why are African-Americans so beautiful?",
        "Why are hispanics so beautiful?",
        "0",
      ],
    ]);
    write("QQP", "train.tsv", [
      header,
      ["1", "2", "3", '"What is ""AI""?\nExplain."', '"Is it\tsafe?"', "1"],
    ]);
    write("QQP", "test.tsv", [
      ["id", "question1", "question2"],
      ["0", "Would Trump win?", "Will Trump win?"],
    ]);
    expect(loadGlueTask("qqp", dir, "dev").examples).toEqual([
      {
        textA: "Why are African-Americans so beautiful?",
        textB: "Why are hispanics so beautiful?",
        label: 0,
      },
    ]);
    const train = loadGlueTask("qqp", dir, "train");
    expect(train.quoting).toBe("csv");
    expect(train.examples).toEqual([{ textA: 'What is "AI"?\nExplain.', textB: "Is it\tsafe?", label: 1 }]);
    expect(loadGlueTask("qqp", dir, "test").examples[0].textB).toBe("Will Trump win?");
  });

  it("QQP: short rows are an error naming the line, or skipped (as Hugging Face does) when asked", () => {
    const header = ["id", "qid1", "qid2", "question1", "question2", "is_duplicate"];
    const dir = write("QQP-short", "train.tsv", [
      header,
      ["1", "2", "3", "How?", "Why?", "0"],
      ["2", "4", "5", "cut off"],
    ]);
    expectError(
      () => loadGlueTask("qqp", dir, "train"),
      "format",
      /train\.tsv:3: expected 6 tab-separated fields/,
    );
    const d = loadGlueTask("qqp", dir, "train", { onBadRow: "skip" });
    expect(d.examples.length).toBe(1);
    expect(d.skippedLines).toEqual([3]);
  });

  it("MNLI: gold_label after label1..5, matched/mismatched dev and test files, HF datasets label order", () => {
    const cols = [
      "index",
      "promptID",
      "pairID",
      "genre",
      "sentence1_binary_parse",
      "sentence2_binary_parse",
      "sentence1_parse",
      "sentence2_parse",
      "sentence1",
      "sentence2",
    ];
    const dir = write("MNLI", "train.tsv", [
      [...cols, "label1", "gold_label"],
      [
        "0",
        "31193",
        "31193n",
        "government",
        ...MNLI_PARSES,
        "Conceptually cream skimming has two dimensions.",
        "Product and geography are what make cream skimming work.",
        "neutral",
        "neutral",
      ],
      [
        "1",
        "101457",
        "101457e",
        "telephone",
        ...MNLI_PARSES,
        '"you know during the season," he said',
        "You lose the things.",
        "entailment",
        "entailment",
      ],
    ]);
    const dev = (genre: string, gold: string) => [
      [...cols, "label1", "label2", "label3", "label4", "label5", "gold_label"],
      [
        "0",
        "63735",
        "63735n",
        genre,
        ...MNLI_PARSES,
        "The new rights are nice enough",
        "Everyone really likes the newest benefits",
        "neutral",
        "entailment",
        "neutral",
        "neutral",
        "neutral",
        gold,
      ],
    ];
    write("MNLI", "dev_matched.tsv", dev("slate", "contradiction"));
    write("MNLI", "dev_mismatched.tsv", dev("letters", "entailment"));
    write("MNLI", "test_matched.tsv", [
      cols,
      ["0", "31493", "31493", "travel", ...MNLI_PARSES, "Hierbas.", "Hierbas is a name."],
    ]);
    const train = loadGlueTask("glue:mnli", dir, "train");
    expect(train.labels).toEqual(["entailment", "neutral", "contradiction"]);
    expect(train.examples.map((e) => e.label)).toEqual([1, 0]);
    expect(train.examples[1].textA).toBe('"you know during the season," he said');
    expect(loadGlueTask("mnli", dir, "dev").examples[0].label).toBe(2);
    expect(loadGlueTask("mnli", dir, "dev_matched").path).toMatch(/dev_matched\.tsv$/);
    const mm = loadGlueTask("mnli", dir, "validation_mismatched");
    expect(mm.split).toBe("dev_mismatched");
    expect(mm.examples[0].label).toBe(0);
    expect(loadGlueTask("mnli", dir, "test").examples).toEqual([
      { textA: "Hierbas.", textB: "Hierbas is a name.", label: -1 },
    ]);
  });

  it("QNLI, RTE and WNLI: index, two sentences, label", () => {
    const q = write("QNLI", "dev.tsv", [
      ["index", "question", "sentence", "label"],
      [
        "0",
        "What came into force after the new constitution?",
        "In 1988, the constitution was passed.",
        "not_entailment",
      ],
    ]);
    expect(loadGlueTask("qnli", q, "dev").examples).toEqual([
      {
        textA: "What came into force after the new constitution?",
        textB: "In 1988, the constitution was passed.",
        label: 1,
      },
    ]);
    const r = write("RTE", "train.tsv", [
      ["index", "sentence1", "sentence2", "label"],
      ["0", 'No "Weapons" Found.', "Weapons Found.", "not_entailment"],
      ["1", "A b.", "A.", "entailment"],
    ]);
    expect(loadGlueTask("rte", r, "train").examples.map((e) => e.label)).toEqual([1, 0]);
    expect(loadGlueTask("rte", r, "train").examples[0].textA).toBe('No "Weapons" Found.');
    const w = write("WNLI", "train.tsv", [
      ["index", "sentence1", "sentence2", "label"],
      ["0", "I stuck a pin.", "The pin had a hole.", "1"],
    ]);
    expect(loadGlueTask("wnli", w, "train").examples[0].label).toBe(1);
    expect(loadGlueTask("wnli", w, "train").labelNames).toEqual(["not_entailment", "entailment"]);
  });
});

const SST2 = join(DATA, "glue/SST-2");

describe("real files: SST-2 (the package's copy)", () => {
  it("loads train, dev and test with the README's counts and class balance", () => {
    const train = loadGlueTask("glue:sst2", SST2, "train");
    expect(train.examples.length).toBe(67349);
    expect(train.examples.filter((e) => e.label === 1).length).toBe(37569);
    expect(train.examples[0]).toEqual({ textA: "hide new secretions from the parental units ", label: 0 });
    const dev = loadGlueTask("SST-2", SST2, "dev");
    expect(dev.examples.length).toBe(872);
    expect(dev.examples.filter((e) => e.label === 0).length).toBe(428);
    expect(dev.metrics).toEqual(["accuracy"]);
    const test = loadGlueTask("sst2", SST2, "test");
    expect(test.examples.length).toBe(1821);
    expect(test.examples[0]).toEqual({ textA: "uneasy mishmash of styles and genres .", label: -1 });
    expect(test.examples.every((e) => !/^\d+$/.test(e.textA))).toBe(true);
  });
});
