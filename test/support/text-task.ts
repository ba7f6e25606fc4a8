/**
 * A trivially separable sentiment task written as TSV files (train.tsv, dev.tsv with named labels), and
 * a tiny BERT trained on it by `minifloat train`, for the tests of the commands that read text models.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/index.js";

const GOOD = ["good", "great", "fine", "lovely", "happy", "nice"];
const BAD = ["bad", "awful", "poor", "sad", "ugly", "terrible"];

/** Run the CLI in-process, capturing its output. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

/** A TSV task folder with train.tsv (48 rows) and dev.tsv (20 rows), labels "positive"/"negative". */
export function tsvTask(): string {
  const dir = mkdtempSync(join(tmpdir(), "minifloat-tsv-"));
  const rows = (n: number): string =>
    ["text\tlabel"]
      .concat(
        Array.from({ length: n }, (_, i) =>
          i % 2 === 0
            ? `the film was ${GOOD[(i >> 1) % 6]}\tpositive`
            : `the film was ${BAD[(i >> 1) % 6]}\tnegative`,
        ),
      )
      .join("\n") + "\n";
  writeFileSync(join(dir, "train.tsv"), rows(48));
  writeFileSync(join(dir, "dev.tsv"), rows(20));
  return dir;
}

/** The options of a one-layer, 16-wide BERT. */
export const TINY_BERT =
  '{"hidden_size":16,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":32}';

/** Train the tiny BERT on a new TSV task; returns the task folder, the run folder and train's stdout. */
export async function trainTinyTextModel(
  epochs = 6,
): Promise<{ data: string; run: string; trained: { code: number; out: string; err: string } }> {
  const data = tsvTask();
  const run = join(mkdtempSync(join(tmpdir(), "minifloat-run-")), "run");
  const trained = await cli(
    "train",
    ...["--model", "bert", "--model-options", TINY_BERT, "--data", "tsv", "--data-dir", data],
    ...["--epochs", String(epochs), "--batch-size", "16", "--max-length", "16", "--optimizer", "adamw"],
    ...["--lr", "0.03", "--backend", "js", "--out", run, "--json"],
  );
  return { data, run, trained };
}
