/**
 * Writes docs/conformance.md from the golden files in test/golden/conformance (see
 * scripts/conformance/page.ts). Run from the repository root after `npm run build`:
 *     node dist/scripts/conformance-page.js
 */
import { writeFileAtomic } from "../src/io/index.js";
import { GOLDEN_DIR, readGoldenFiles } from "./conformance/golden.js";
import { renderConformancePage } from "./conformance/page.js";

/** Where the page goes, from the repository root. */
const PAGE = "docs/conformance.md";

writeFileAtomic(PAGE, renderConformancePage(readGoldenFiles(GOLDEN_DIR)));
process.stdout.write(`wrote ${PAGE}\n`);
