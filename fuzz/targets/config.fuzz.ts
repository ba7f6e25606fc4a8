/**
 * Fuzz target: configuration JSON as `train --config FILE` reads it, as a run directory's config.json
 * is read on resume, and as a Hugging Face checkpoint's config.json and shard index are read (the
 * checkpoint folder holds one valid shard, `a.safetensors`), then as a BERT configuration: its sizes
 * checked against the limits and against the shard's shapes, which must never allocate the model it
 * describes (seeds with a million layers or a 16384-wide model). Input: config JSON, NUL, index JSON.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parsesOrRefuses, scratchDir, splitAtNul } from "../contract.js";
import { trainConfigFrom } from "../../src/cli/train-options.js";
import { readRunConfig } from "../../src/experiment/run-dir.js";
import { readHfCheckpoint, readHfConfig, readHfShapes } from "../../src/io/hf-checkpoint.js";
import { bertConfig } from "../../src/nn/bert-config.js";
import { checkBertWeights } from "../../src/nn/bert-limits.js";
import { serializeSafetensors } from "../../src/io/safetensors.js";

let folders: { run: string; hf: string } | undefined;

function setUp(): { run: string; hf: string } {
  if (folders === undefined) {
    const run = join(scratchDir(), "run");
    const hf = join(scratchDir(), "checkpoint");
    mkdirSync(run, { recursive: true });
    mkdirSync(hf, { recursive: true });
    const shard = { w: { dtype: "F32", shape: [2], data: new Uint8Array(8) } } as const;
    writeFileSync(join(hf, "a.safetensors"), serializeSafetensors(shard));
    folders = { run, hf };
  }
  return folders;
}

/** One input through the configuration readers. */
export function fuzz(data: Buffer): void {
  const { run, hf } = setUp();
  const [config, index] = splitAtNul(data);
  const configPath = join(run, "config.json");
  writeFileSync(configPath, config);
  parsesOrRefuses(() => trainConfigFrom({ config: configPath }), configPath);
  parsesOrRefuses(() => readRunConfig(run), configPath);
  writeFileSync(join(hf, "config.json"), config);
  writeFileSync(join(hf, "model.safetensors.index.json"), index);
  parsesOrRefuses(() => readHfCheckpoint(hf), hf);
  parsesOrRefuses(() => {
    checkBertWeights(bertConfig(readHfConfig(hf), hf), readHfShapes(hf), hf);
  }, hf);
}
