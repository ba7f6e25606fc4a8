/**
 * The conformance page (docs/conformance.md) kept current from the golden files: minifloat's answer to
 * every golden input is recomputed; each input where an oracle differs must be explained by exactly one
 * known disagreement, each known disagreement must still show on at least one input, and regenerating
 * the page must give its bytes exactly.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { KNOWN_DISAGREEMENTS } from "../scripts/conformance/disagreements.js";
import { readGoldenFiles } from "../scripts/conformance/golden.js";
import { checkConformance, renderConformancePage } from "../scripts/conformance/page.js";

const root = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));
const GOLDEN = root("test/golden/conformance");
const files = readGoldenFiles(GOLDEN);
const conformance = checkConformance(files);

describe("conformance with PyTorch, ml_dtypes and onnxruntime", () => {
  it("has golden files for every oracle, each case with one output per input, under 1 MB in all", () => {
    expect(files.map((f) => f.oracle).sort()).toEqual([
      "ml_dtypes",
      "onnxruntime",
      "pytorch",
      "pytorch-source",
    ]);
    for (const f of files) {
      for (const c of f.cases) expect(c.outputs.length, `${f.oracle} ${c.id}`).toBe(c.inputs.length);
    }
    const bytes = readdirSync(GOLDEN).reduce((a, name) => a + statSync(`${GOLDEN}/${name}`).size, 0);
    expect(bytes).toBeLessThan(1 << 20);
  });

  it("explains every difference by exactly one known disagreement", () => {
    const unexplained = conformance.rows.filter((r) => r.known.length !== 1);
    expect(
      unexplained.map((r) => `${r.oracle} ${r.case} ${r.input}: ${r.oracleOutput} vs ${r.minifloatOutput}`),
    ).toEqual([]);
  });

  it("still sees every known disagreement", () => {
    for (const k of KNOWN_DISAGREEMENTS) {
      expect(
        conformance.rows.some((r) => r.known.includes(k)),
        k.id,
      ).toBe(true);
    }
  });

  it("agrees everywhere else, on the issue's cases among them", () => {
    const count = (oracle: string, id: string): number =>
      conformance.rows.filter((r) => r.oracle === oracle && r.case === id).length;
    // onnxruntime's Cast to bfloat16 / float16 and every fnuz cast, PyTorch from float32: no difference.
    for (const id of [
      "cast-bfloat16",
      "cast-float16",
      "cast-float8_e4m3fnuz-nonsaturating",
      "cast-float8_e5m2fnuz-saturate",
    ]) {
      expect(count("onnxruntime", id), id).toBe(0);
    }
    expect(count("pytorch", "cast-float32-bfloat16") + count("pytorch", "cast-float32-float16")).toBe(0);
    const issue = conformance.rows.find(
      (r) => r.case === "cast-float64-float16" && r.input === 0x1ffdffffffffff * 2 ** -37, // 0x1.ffdffffffffffp+15
    );
    expect(issue).toMatchObject({ oracleOutput: Infinity, minifloatOutput: 65504 });
  });

  it("docs/conformance.md is what the golden files give (node dist/scripts/conformance-page.js)", () => {
    expect(readFileSync(root("docs/conformance.md"), "utf8")).toBe(renderConformancePage(files));
  });
});
