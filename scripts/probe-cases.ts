/**
 * The table of scripts/probe-cli.ts: adversarial invocations of every command (missing, extra and bad
 * arguments; outputs onto inputs; wrong folder kinds; files for folders; read-only parents; concurrent
 * runs), each with the outcome a careful CLI gives: ok, or a clear error (exit 2, one line).
 */

/** A tiny MLP on 128 MNIST samples. */
export const TINY = ["--model", "mlp", "--model-options", '{"hidden":[8]}', "--train-limit", "128"];
/** TINY, evaluated on 32 samples with the js kernels: a run in about a second. */
export const SMALL = [...TINY, "--test-limit", "32", "--batch-size", "32", "--backend", "js"];
const TRAIN = ["train", ...SMALL, "--epochs", "1"];
const COMPARE = ["compare", ...SMALL, "--epochs", "1", "--seeds", "1"];
const QUICK_QUANT = ["--formats", "int8", "--limit", "4", "--calibration-samples", "4"];
const QUANT = ["quantize", "$T/model", ...QUICK_QUANT];
const F16 = ["convert", "$T/model", "--dtype", "float16", "--out"];
const BF16 = ["convert", "$T/model", "--dtype", "bfloat16", "--out"];
/** A run that trains long enough to be busy while another command tries the same folder. */
const BUSY = [
  "train",
  ...TINY,
  "--test-limit",
  "32",
  "--batch-size",
  "8",
  "--epochs",
  "50",
  "--out",
  "$T/busy",
];
/** A parent folder nobody may write: root ignores file modes, so /sys then. */
const RO = process.getuid?.() === 0 ? "/sys" : "$T/ro";

/** One case: argv with $T for the case folder; `expect` ok or a clear error; `may` lists paths (under $T)
 * a resuming command may change; `before` runs first; `then` must succeed after it; `concurrent` trains
 * in the background meanwhile. */
export interface Case {
  readonly name: string;
  readonly argv: readonly string[];
  readonly expect: "ok" | "error";
  readonly may?: readonly string[];
  readonly before?: readonly string[];
  readonly then?: readonly string[];
  readonly concurrent?: readonly string[];
}

const c = (
  name: string,
  argv: readonly string[],
  expect: "ok" | "error",
  extra: Omit<Partial<Case>, "name" | "argv" | "expect"> = {},
): Case => ({ name, argv, expect, ...extra });
const outs = (cmd: readonly string[], what: string): Case[] => [
  c(`${what}: --out onto a file`, [...cmd, "--out", "$T/file.txt"], "error"),
  c(`${what}: --out under a file`, [...cmd, "--out", "$T/file.txt/x"], "error"),
  c(`${what}: --out in a read-only parent`, [...cmd, "--out", `${RO}/x`], "error"),
  c(`${what}: --out at a user's folder`, [...cmd, "--out", "$T/mine"], "error"),
  c(`${what}: --out at a user's folder --force`, [...cmd, "--out", "$T/mine", "--force"], "error"),
  c(`${what}: --out at the model`, [...cmd, "--out", "$T/model"], "error"),
  c(`${what}: --out at the model --force`, [...cmd, "--out", "$T/model", "--force"], "error"),
];

/** Every case the probe runs. */
export const CASES: Case[] = [
  // formats, cast: no outputs, only arguments.
  c("formats", ["formats"], "ok"),
  c("formats --json", ["formats", "--json"], "ok"),
  c("formats extra argument", ["formats", "x"], "error"),
  c("formats unknown option", ["formats", "--bogus"], "error"),
  c("cast 0.1", ["cast", "0.1"], "ok"),
  c("cast no value", ["cast"], "error"),
  c("cast bad value", ["cast", "abc"], "error"),
  c("cast bad format", ["cast", "--to", "fp17", "1"], "error"),
  c("cast bad rounding", ["cast", "--rounding", "up", "1"], "error"),
  c("cast bad seed", ["cast", "--seed", "-1", "1"], "error"),
  c("cast bad random bits", ["cast", "--random-bits", "33", "--rounding", "stochastic", "1"], "error"),
  c("cast empty --to", ["cast", "--to", "", "1"], "error"),
  c("unknown command", ["bogus"], "error"),
  c("no command", [], "error"),
  // train: arguments
  c("train tiny", [...TRAIN, "--out", "$T/new"], "ok"),
  c("train --epochs 0", [...TRAIN, "--epochs", "0", "--out", "$T/new"], "error"),
  c("train --epochs x", [...TRAIN, "--epochs", "x", "--out", "$T/new"], "error"),
  c("train --lr nan", [...TRAIN, "--lr", "nan", "--out", "$T/new"], "error"),
  c("train --lr -1", [...TRAIN, "--lr", "-1", "--out", "$T/new"], "error"),
  c("train --batch-size 0", [...TRAIN, "--batch-size", "0", "--out", "$T/new"], "error"),
  c("train unknown model", [...TRAIN, "--model", "gpt", "--out", "$T/new"], "error"),
  c("train unknown data", [...TRAIN, "--data", "imagenet", "--out", "$T/new"], "error"),
  c("train unknown optimizer", [...TRAIN, "--optimizer", "lion", "--out", "$T/new"], "error"),
  c("train unknown schedule", [...TRAIN, "--schedule", "bogus", "--out", "$T/new"], "error"),
  c("train unknown backend", [...TRAIN, "--backend", "cuda", "--out", "$T/new"], "error"),
  c("train bad model options", [...TRAIN, "--model-options", "{", "--out", "$T/new"], "error"),
  c("train model options not object", [...TRAIN, "--model-options", "[1]", "--out", "$T/new"], "error"),
  c("train unknown policy", [...TRAIN, "--policy", "bogus", "--out", "$T/new"], "error"),
  c("train policy file", [...TRAIN, "--policy", "$T/policy.json", "--out", "$T/new"], "ok"),
  c("train missing policy file", [...TRAIN, "--policy", "$T/none.json", "--out", "$T/new"], "error"),
  c("train unparseable policy", [...TRAIN, "--policy", "$T/bad-policy.json", "--out", "$T/new"], "error"),
  c("train folder as --policy", [...TRAIN, "--policy", "$T/a/", "--out", "$T/new"], "error"),
  c("train file as --policy dir", [...TRAIN, "--policy", "$T/file.txt/p.json", "--out", "$T/new"], "error"),
  c("train --config", [...TRAIN, "--config", "$T/config.json", "--out", "$T/new"], "ok"),
  c("train --config missing", [...TRAIN, "--config", "$T/none.json", "--out", "$T/new"], "error"),
  c("train --config folder", [...TRAIN, "--config", "$T/a", "--out", "$T/new"], "error"),
  c("train --config not json", [...TRAIN, "--config", "$T/bad-policy.json", "--out", "$T/new"], "error"),
  c(
    "train --data-dir missing",
    [...TRAIN, "--data", "tsv", "--data-dir", "$T/none", "--out", "$T/new"],
    "error",
  ),
  c(
    "train --data-dir file",
    [...TRAIN, "--data", "tsv", "--data-dir", "$T/file.txt", "--out", "$T/new"],
    "error",
  ),
  c("train --init missing", [...TRAIN, "--init", "$T/none", "--out", "$T/new"], "error"),
  c("train --init file", [...TRAIN, "--init", "$T/file.txt", "--out", "$T/new"], "error"),
  c("train extra argument", [...TRAIN, "x", "--out", "$T/new"], "error"),
  c("train unknown option", [...TRAIN, "--bogus", "--out", "$T/new"], "error"),
  c("train --resume --force", [...TRAIN, "--resume", "--force", "--out", "$T/run"], "ok", {
    may: ["$T/run"],
  }),
  // train: folders
  c("train into a finished run", [...TRAIN, "--out", "$T/run"], "error"),
  c("train --resume same epochs", [...TRAIN, "--resume", "--out", "$T/run"], "ok", { may: ["$T/run"] }),
  c("train --resume more epochs", [...TRAIN, "--epochs", "2", "--resume", "--out", "$T/run"], "ok", {
    may: ["$T/run"],
  }),
  c("train --resume fewer epochs", [...TRAIN, "--epochs", "2", "--resume", "--out", "$T/run4"], "error"),
  c("train --resume other lr", [...TRAIN, "--lr", "0.5", "--resume", "--out", "$T/run"], "error"),
  c(
    "train --resume other policy",
    [...TRAIN, "--policy", "pure-bf16", "--resume", "--out", "$T/run"],
    "error",
  ),
  c("train --force a finished run", [...TRAIN, "--force", "--out", "$T/run"], "ok"),
  c("train into an empty folder", [...TRAIN, "--out", "$T/empty"], "ok"),
  c("train --resume into a new folder", [...TRAIN, "--resume", "--out", "$T/new"], "ok"),
  c("train into the run's checkpoints", [...TRAIN, "--out", "$T/run/checkpoints"], "error"),
  c("train into a new folder inside a run", [...TRAIN, "--out", "$T/run/sub"], "ok"),
  ...outs(TRAIN, "train"),
  c(
    "train --init missing leaves nothing (then ok)",
    [...TRAIN, "--init", "$T/none", "--out", "$T/new"],
    "error",
    {
      then: [...TRAIN, "--out", "$T/new"],
    },
  ),
  c("train --resume while another trains", [...TRAIN, "--resume", "--out", "$T/busy"], "error", {
    concurrent: BUSY,
    may: ["$T/busy"],
  }),
  c("train --force while another trains", [...TRAIN, "--force", "--out", "$T/busy"], "error", {
    concurrent: BUSY,
    may: ["$T/busy"],
  }),
  c("compare into a run being trained", [...COMPARE, "--policies", "fp32", "--out", "$T/busy"], "error", {
    concurrent: BUSY,
    may: ["$T/busy"],
  }),
  // compare
  c("compare two policies", [...COMPARE, "--policies", "fp32,pure-bf16", "--out", "$T/cmp"], "ok"),
  c("compare fp32,fp32", [...COMPARE, "--policies", "fp32,fp32", "--out", "$T/cmp"], "error"),
  c("compare fp32,bogus", [...COMPARE, "--policies", "fp32,bogus", "--out", "$T/cmp"], "error"),
  c(
    "compare two files of one name",
    [...COMPARE, "--policies", "$T/a/p.json,$T/b/p.json", "--out", "$T/cmp"],
    "error",
  ),
  c(
    "compare preset and file of its name",
    [...COMPARE, "--policies", "fp32,$T/a/p.json", "--out", "$T/cmp"],
    "ok",
  ),
  c("compare empty policies", [...COMPARE, "--policies", ",", "--out", "$T/cmp"], "error"),
  c("compare --seeds 0", [...COMPARE, "--seeds", "0", "--out", "$T/cmp"], "error"),
  c("compare --jobs 0", [...COMPARE, "--jobs", "0", "--out", "$T/cmp"], "error"),
  c(
    "compare --jobs 2 duplicates",
    [...COMPARE, "--jobs", "2", "--policies", "fp32,fp32", "--out", "$T/cmp"],
    "error",
  ),
  c("compare into a run", [...COMPARE, "--policies", "fp32", "--out", "$T/run"], "error"),
  c("compare extra argument", [...COMPARE, "x", "--out", "$T/cmp"], "error"),
  c("compare then again (reuses runs)", [...COMPARE, "--policies", "fp32", "--out", "$T/cmp"], "ok", {
    then: [...COMPARE, "--policies", "fp32", "--out", "$T/cmp"],
  }),
  ...outs([...COMPARE, "--policies", "fp32"], "compare"),
  // tolerance
  c("tolerance on a run", ["tolerance", "$T/run", "--limit", "8"], "ok"),
  c("tolerance --out", ["tolerance", "$T/run", "--limit", "8", "--out", "$T/tol"], "ok"),
  c("tolerance no run", ["tolerance"], "error"),
  c("tolerance missing run", ["tolerance", "$T/none"], "error"),
  c("tolerance on a file", ["tolerance", "$T/file.txt"], "error"),
  c("tolerance on a model", ["tolerance", "$T/model"], "error"),
  c("tolerance on a user's folder", ["tolerance", "$T/mine"], "error"),
  c("tolerance on an empty folder", ["tolerance", "$T/empty"], "error"),
  c("tolerance bad format", ["tolerance", "$T/run", "--formats", "fp17"], "error"),
  c("tolerance bad policy", ["tolerance", "$T/run", "--policies", "bogus"], "error"),
  c("tolerance bad limit", ["tolerance", "$T/run", "--limit", "0"], "error"),
  c("tolerance missing checkpoint", ["tolerance", "$T/run", "--checkpoint", "$T/none"], "error"),
  c("tolerance checkpoint is a file", ["tolerance", "$T/run", "--checkpoint", "$T/file.txt"], "error"),
  c("tolerance --out the run", ["tolerance", "$T/run", "--limit", "8", "--out", "$T/run"], "error"),
  c("tolerance --out in the run", ["tolerance", "$T/run", "--limit", "8", "--out", "$T/run/tol"], "error"),
  c("tolerance --out a file", ["tolerance", "$T/run", "--limit", "8", "--out", "$T/file.txt"], "error"),
  c("tolerance --out read-only", ["tolerance", "$T/run", "--limit", "8", "--out", `${RO}/tol`], "error"),
  c("tolerance --out the model", ["tolerance", "$T/run", "--limit", "8", "--out", "$T/model"], "error"),
  c("tolerance --out twice", ["tolerance", "$T/run", "--limit", "8", "--out", "$T/tol"], "error", {
    before: ["tolerance", "$T/run", "--limit", "8", "--out", "$T/tol"],
  }),
  c(
    "tolerance --out twice --force",
    ["tolerance", "$T/run", "--limit", "8", "--out", "$T/tol", "--force"],
    "ok",
    {
      before: ["tolerance", "$T/run", "--limit", "8", "--out", "$T/tol"],
    },
  ),
  c("tolerance extra argument", ["tolerance", "$T/run", "x"], "error"),
  // eval
  c("eval model", ["eval", "$T/model", "--limit", "4"], "ok"),
  c("eval missing model", ["eval", "$T/none"], "error"),
  c("eval file as model", ["eval", "$T/file.txt"], "error"),
  c("eval run as model", ["eval", "$T/run"], "error"),
  c("eval user's folder as model", ["eval", "$T/mine"], "error"),
  c("eval empty folder", ["eval", "$T/empty"], "error"),
  c("eval bad data", ["eval", "$T/model", "--data", "bogus"], "error"),
  c("eval missing data dir", ["eval", "$T/model", "--data-dir", "$T/none"], "error"),
  c("eval file as data dir", ["eval", "$T/model", "--data-dir", "$T/file.txt"], "error"),
  c("eval bad limit", ["eval", "$T/model", "--limit", "0"], "error"),
  c("eval bad batch size", ["eval", "$T/model", "--batch-size", "x"], "error"),
  c("eval extra argument", ["eval", "$T/model", "x"], "error"),
  c("eval squad on a classifier", ["eval", "$T/model", "--data", "squad", "--data-dir", "$T/none"], "error"),
  // convert
  c("convert float16", [...F16, "$T/f16"], "ok"),
  c("convert onto itself", [...BF16, "$T/model"], "error"),
  c("convert onto itself --force", [...BF16, "$T/model", "--force"], "error"),
  c("convert into itself", [...BF16, "$T/model/bf16"], "error"),
  c("convert onto its parent", [...BF16, "$T", "--force"], "error"),
  c("convert onto a run", [...F16, "$T/run"], "error"),
  c("convert onto a run --force", [...F16, "$T/run", "--force"], "error"),
  c("convert into a new folder inside a run", [...F16, "$T/run/m"], "ok"),
  c("convert onto a user's folder", [...F16, "$T/mine"], "error"),
  c("convert onto a user's folder --force", [...F16, "$T/mine", "--force"], "error"),
  c("convert onto a file", [...F16, "$T/file.txt"], "error"),
  c("convert under a file", [...F16, "$T/file.txt/m"], "error"),
  c("convert read-only parent", [...F16, `${RO}/m`], "error"),
  c("convert into an empty folder", [...F16, "$T/empty"], "ok"),
  c("convert twice", [...F16, "$T/f16"], "error", {
    before: [...BF16, "$T/f16"],
  }),
  c("convert twice --force", [...F16, "$T/f16", "--force"], "ok", {
    before: [...BF16, "$T/f16"],
  }),
  c("convert bad dtype", ["convert", "$T/model", "--dtype", "fp17", "--out", "$T/f16"], "error"),
  c("convert int dtype", ["convert", "$T/model", "--dtype", "int8", "--out", "$T/f16"], "error"),
  c(
    "convert sub-byte dtype",
    ["convert", "$T/model", "--dtype", "float4_e2m1fn", "--out", "$T/f16"],
    "error",
  ),
  c("convert float8", ["convert", "$T/model", "--dtype", "float8_e4m3fn", "--out", "$T/f8"], "ok"),
  c("convert no --out", ["convert", "$T/model", "--dtype", "float16"], "error"),
  c("convert no --dtype", ["convert", "$T/model", "--out", "$T/f16"], "error"),
  c("convert no model", ["convert", "--dtype", "float16", "--out", "$T/f16"], "error"),
  c("convert missing model", ["convert", "$T/none", "--dtype", "float16", "--out", "$T/f16"], "error"),
  c("convert a run", ["convert", "$T/run", "--dtype", "float16", "--out", "$T/f16"], "error"),
  c("convert a file", ["convert", "$T/file.txt", "--dtype", "float16", "--out", "$T/f16"], "error"),
  c("convert extra argument", ["convert", "$T/model", "x", "--dtype", "float16", "--out", "$T/f16"], "error"),
  // quantize
  c("quantize", QUANT, "ok"),
  c("quantize --save onto the model", [...QUANT, "--save", "$T/model"], "error"),
  c("quantize --save onto the model --force", [...QUANT, "--save", "$T/model", "--force"], "error"),
  c("quantize --save inside the model", [...QUANT, "--save", "$T/model/q"], "error"),
  c("quantize --save onto a run", [...QUANT, "--save", "$T/run"], "error"),
  c("quantize --save onto a user's folder", [...QUANT, "--save", "$T/mine"], "error"),
  c("quantize --save onto a file", [...QUANT, "--save", "$T/file.txt"], "error"),
  c("quantize --save read-only", [...QUANT, "--save", `${RO}/q`], "error"),
  c("quantize --onnx onto the weights", [...QUANT, "--onnx", "$T/model/model.safetensors"], "error"),
  c("quantize --onnx onto a file", [...QUANT, "--onnx", "$T/file.txt"], "error"),
  c("quantize --onnx onto a folder", [...QUANT, "--onnx", "$T/empty", "--force"], "error"),
  c("quantize --onnx under a file", [...QUANT, "--onnx", "$T/file.txt/m.onnx"], "error"),
  c("quantize --out onto the model", [...QUANT, "--out", "$T/model"], "error"),
  c("quantize --out onto a run", [...QUANT, "--out", "$T/run"], "error"),
  c("quantize --out onto a file", [...QUANT, "--out", "$T/file.txt"], "error"),
  c("quantize --agreement without --save", [...QUANT, "--agreement"], "error"),
  c("quantize bad format", ["quantize", "$T/model", "--formats", "fp17"], "error"),
  c("quantize bad calibration", ["quantize", "$T/model", "--calibration", "median"], "error"),
  c(
    "quantize bad percentile",
    ["quantize", "$T/model", "--calibration", "percentile", "--percentile", "101"],
    "error",
  ),
  c("quantize bad granularity", ["quantize", "$T/model", "--granularity", "row"], "error"),
  c("quantize bad max drop", ["quantize", "$T/model", "--max-drop", "-1"], "error"),
  c("quantize bad smoothquant", ["quantize", "$T/model", "--smoothquant", "2"], "error"),
  c("quantize missing model", ["quantize", "$T/none"], "error"),
  c("quantize a run", ["quantize", "$T/run"], "error"),
  c("quantize a file", ["quantize", "$T/file.txt"], "error"),
  c("quantize bad data", ["quantize", "$T/model", "--data", "bogus"], "error"),
  c("quantize missing data dir", ["quantize", "$T/model", "--data-dir", "$T/none"], "error"),
  c("quantize extra argument", ["quantize", "$T/model", "x"], "error"),
  // report
  c("report on a run", ["report", "$T/run"], "ok"),
  c("report twice", ["report", "$T/run"], "error", { before: ["report", "$T/run"] }),
  c("report twice --force", ["report", "$T/run", "--force"], "ok", { before: ["report", "$T/run"] }),
  c("report --out elsewhere", ["report", "$T/run", "--out", "$T/rep"], "ok"),
  c("report --out onto the model", ["report", "$T/run", "--out", "$T/model"], "error"),
  c("report --out onto another run", ["report", "$T/run", "--out", "$T/run4"], "error"),
  c("report --out holding the input", ["report", "$T/run", "--out", "$T"], "error"),
  c("report --out a file", ["report", "$T/run", "--out", "$T/file.txt"], "error"),
  c("report --out read-only", ["report", "$T/run", "--out", `${RO}/rep`], "error"),
  c("report missing folder", ["report", "$T/none"], "error"),
  c("report a file", ["report", "$T/file.txt"], "error"),
  c("report a user's folder", ["report", "$T/mine"], "error"),
  c("report an empty folder", ["report", "$T/empty"], "error"),
  c("report no folder", ["report"], "error"),
  c("report extra argument", ["report", "$T/run", "x"], "error"),
  // reproduce, demo: only what fails before the studies run
  c("demo --model missing", ["demo", "--model", "$T/none", "--out", "$T/demo", "--json"], "error"),
  c("demo --model a run", ["demo", "--model", "$T/run", "--out", "$T/demo", "--json"], "error"),
  c("demo --model a file", ["demo", "--model", "$T/file.txt", "--out", "$T/demo", "--json"], "error"),
  c("demo --out a file", ["demo", "--out", "$T/file.txt", "--json"], "error"),
  c("demo --out a run", ["demo", "--out", "$T/run", "--json"], "error"),
  c("demo --out the model", ["demo", "--out", "$T/model", "--json"], "error"),
  c("demo --out a user's folder", ["demo", "--out", "$T/mine", "--json"], "error"),
  c("demo --out read-only", ["demo", "--out", `${RO}/demo`, "--json"], "error"),
  c("demo --jobs 0", ["demo", "--jobs", "0"], "error"),
  c("demo extra argument", ["demo", "x"], "error"),
  c("reproduce --quick --full", ["reproduce", "--quick", "--full", "--out", "$T/rep"], "error"),
  c("reproduce --model missing", ["reproduce", "--model", "$T/none", "--out", "$T/rep"], "error"),
  c("reproduce --out a run", ["reproduce", "--out", "$T/run"], "error"),
  c("reproduce --out the model --force", ["reproduce", "--out", "$T/model", "--force"], "error"),
  c("reproduce --out a file", ["reproduce", "--out", "$T/file.txt"], "error"),
  c("reproduce --jobs x", ["reproduce", "--jobs", "x"], "error"),
  // bench: arguments only
  c("bench bad part", ["bench", "--only", "gpu"], "error"),
  c("bench extra argument", ["bench", "x"], "error"),
];
