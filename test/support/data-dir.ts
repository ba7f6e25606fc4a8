/**
 * Test helper: the project's own copies of the real text data (data/ in the package, see data/README.md),
 * so the tests that read real files always run. Read through packageDataDir(), as the commands find it.
 */
import { packageDataDir } from "../../src/io/index.js";

/** The package's data folder (data/glue/SST-2, data/banking77). */
export const DATA: string = packageDataDir();
