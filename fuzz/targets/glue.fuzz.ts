/**
 * Fuzz target: one split file of a GLUE task (the first byte picks task and split) read by
 * loadGlueTask with quoting detection, as a user's GLUE folder would be.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parsesOrRefuses, scratchDir, scratchFile } from "../contract.js";
import { GLUE_TASKS, loadGlueTask, type GlueTaskName } from "../../src/data/text/glue.js";

const TASKS = Object.keys(GLUE_TASKS) as GlueTaskName[];
const SPLITS = ["train", "dev", "test"] as const;

/** One input through loadGlueTask. */
export function fuzz(data: Buffer): void {
  const pick = data.length > 0 ? data[0] : 0;
  const task = GLUE_TASKS[TASKS[pick % TASKS.length] ?? "sst2"];
  const split = SPLITS[Math.floor(pick / TASKS.length) % SPLITS.length] ?? "dev";
  const file = task.files[split];
  if (file === undefined) return;
  const dir = join(scratchDir(), "glue", task.dirName);
  mkdirSync(dir, { recursive: true });
  const path = scratchFile(join("glue", task.dirName, file), data.subarray(1));
  const quoting = pick & 0x80 ? "none" : "auto";
  parsesOrRefuses(() => loadGlueTask(task.name, dir, split, { quoting }), path);
}
