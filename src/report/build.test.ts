/**
 * Inputs -> documents: the figures each kind of input gets, the numbers in the Markdown tables, one SVG
 * per figure in the HTML with nothing fetched from the network, report.json holding the data, and the
 * claims of reproduce with coloured verdicts linked to their figures.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  writeCompareDir,
  writeQuantDir,
  writeReproduceDir,
  writeRunDir,
  writeToleranceDir,
} from "../../test/report-fixtures.js";
import type { Claim, ReproduceResults } from "../experiment/index.js";
import { buildReport } from "./build.js";
import { claimFigures, claimsSection } from "./claims.js";
import { htmlTable } from "./html.js";
import { reportFigures } from "./document.js";
import { loadReportInputs } from "./load.js";
import { markdownTable } from "./markdown.js";
import { renderReport } from "./render.js";

const root = mkdtempSync(join(tmpdir(), "minifloat-report-build-"));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function reportOf(name: string, write: (dir: string) => void) {
  const dir = join(root, name);
  write(dir);
  return buildReport(dir, loadReportInputs(dir));
}

describe("buildReport", () => {
  it("reports a run: key figures, the epoch table and its curves", async () => {
    const r = reportOf("run", (d) => writeRunDir(d, "pure-bf16", 0, [0.5, 0.75, 0.8125]));
    expect(r.title).toBe("Training run: mlp on mnist, pure-bf16");
    expect(r.keyFigures[0]).toEqual({ label: "test accuracy", value: "81.25 %", detail: "after epoch 3" });
    expect(reportFigures(r).map((f) => f.id)).toEqual(["loss", "accuracy", "cancelled", "step-loss"]);
    const { markdown } = await renderReport(r);
    expect(markdown).toContain("| 3 | 0.5000 | 76.25 | 0.3750 | 81.25 | 27.00 | 0 | 2.0 |");
    // The accuracy figure's table: train and test per epoch, in percent.
    expect(markdown).toMatch(/\| test \| 3 \| 81\.25 \| 0\.00 \|/);
  });

  it("reports a comparison: the policy table, error bars and seed bands", async () => {
    const r = reportOf("compare", writeCompareDir);
    const ids = reportFigures(r).map((f) => f.id);
    expect(ids).toEqual(["final-accuracy", "loss", "accuracy", "cancelled", "step-loss"]);
    const { markdown } = await renderReport(r);
    // fp32 ends at 95% and 93%: mean 94.00, sample std 1.41; pure-bf16 at 85% and 87%.
    expect(markdown).toContain("| fp32 | 2 | 94.00 ± 1.41 | 0.00 | - | - |");
    expect(markdown).toContain(
      "| pure-bf16 | 2 | 86.00 ± 1.41 | -8.00 | -8.00 points, 95% CI [-33.41, +17.41] | paired t p = 0.156, 2 seeds |", // t = -4, 1 df: p = 1 - 2 atan(4) / pi
    );
    expect(markdown).toContain("| pure-bf16 | 2 | 86.00 ± 1.41 | -8.00 |");
    expect(markdown).toContain("| fp32 | 94.00 | 1.41 |");
    expect(r.keyFigures.find((k) => k.label === "largest drop vs fp32")?.value).toBe("-8.00 points");
    // The band of test accuracy after epoch 1: fp32 at 80% and 82%.
    expect(markdown).toMatch(/\| fp32 \| 1 \| 81\.00 \| 1\.41 \|/);
  });

  it("reports a tolerance analysis: histograms, scatter and layers", async () => {
    const r = reportOf("tolerance", writeToleranceDir);
    expect(reportFigures(r).map((f) => f.id)).toEqual([
      "delta-histogram",
      "tau-histogram",
      "delta-tau-scatter",
      "layer-error",
    ]);
    const { markdown } = await renderReport(r);
    expect(markdown).toContain(
      "| float8_e4m3fn | 92.50 | 2.50 | 90.00 | 87.50 | 7.50 | 3 | 1.00e-3 | 4.00e-1 |",
    );
    expect(markdown).toContain("| float16 | 1 | linear | 784 | 2.00e-4 | 0.00 | 5.00e-1 | 8.00e-4 |");
    // 40 samples per format, the one with delta = 0 cannot be drawn on log axes.
    expect(markdown).toContain("| float16 | 40 | 39 |");
    const bare = reportOf("tolerance-bare", (d) => {
      writeToleranceDir(d, false);
    });
    expect(reportFigures(bare).map((f) => f.id)).not.toContain("delta-tau-scatter");
    expect(bare.sections[0].text).toMatch(/samples\.csv is missing/);
  });

  it("reports a quantization: the metric per configuration against the baseline, and SQNR per layer", async () => {
    const r = reportOf("quant", writeQuantDir);
    expect(r.title).toBe("Post-training quantization: mlp on mnist");
    expect(reportFigures(r).map((f) => f.id)).toEqual(["quant-metric", "quant-layers"]);
    expect(r.keyFigures.map((k) => `${k.label}=${k.value}`)).toEqual([
      "baseline accuracy=0.9000",
      "best=0.8950",
      "worst=0.8500",
    ]);
    const { markdown } = await renderReport(r);
    expect(markdown).toContain("| int8 | max | per-tensor | 0.8500 | -0.0500 |");
    expect(markdown).toContain("| int8 | fc2 | 36.0 | 0.10 | 2.00 |");
  });

  it("renders one inline SVG per figure, an index of figures and the data as JSON", async () => {
    const r = reportOf("both", (d) => {
      writeRunDir(d, "fp32", 0, [0.9, 0.95]);
      writeToleranceDir(d);
    });
    const figures = reportFigures(r);
    expect(figures).toHaveLength(8);
    const docs = await renderReport(r);
    expect(docs.html.match(/<figure id="fig-/g)).toHaveLength(figures.length);
    expect(docs.html.match(/<svg /g)).toHaveLength(figures.length);
    expect(docs.html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    for (const [i, f] of figures.entries()) {
      expect(docs.html).toContain(`<b>Figure ${i + 1}.</b>`);
      expect(docs.markdown).toContain(`| ${i + 1} | ${f.title} |`);
    }
    const json = JSON.parse(docs.json) as {
      data: Record<string, unknown>;
      sections: { figures: { spec: unknown }[] }[];
    };
    expect(Object.keys(json.data)).toEqual(["run", "tolerance"]);
    expect(json.sections.flatMap((s) => s.figures)).toHaveLength(figures.length);
  });

  it("reports reproduce: the claims with their intervals, verdicts coloured, linked to their figures", async () => {
    const r = reportOf("reproduce", writeReproduceDir);
    const ids = reportFigures(r).map((f) => f.id);
    expect(ids.filter((id) => id.startsWith("mnist-"))).toHaveLength(5);
    const table = r.sections[0].tables[0];
    expect(table.rows.map((row) => row[4])).toEqual([
      "inconclusive at this scale",
      "inconclusive at this scale",
    ]);
    // pure-bf16 against fp32 on two seeds: -10 and -6 points, Student t with 1 df.
    expect(table.rows[0][3]).toBe(
      "MNIST: pure-bf16 vs fp32 -8.00 points, 95% CI [-33.41, +17.41]: inconclusive at this scale",
    );
    const docs = await renderReport(r);
    const number = (id: string): number => ids.indexOf(id) + 1;
    const links = ids
      .filter((id) => id.startsWith("mnist-"))
      .map((id) => `<a href="#fig-${id}">Figure ${number(id)}</a>`)
      .join(", ");
    expect(docs.html).toContain(`<td class="tone-neutral">inconclusive at this scale</td><td>${links}</td>`);
    for (const id of ids) expect(docs.html).toContain(`<figure id="fig-${id}">`);
    expect(docs.html).toContain(
      `<a href="#fig-fp8-ptq-quant-metric">Figure ${number("fp8-ptq-quant-metric")}</a>`,
    );
    expect(docs.markdown).toContain(
      `| inconclusive at this scale | Figure ${number("mnist-final-accuracy")}, Figure`,
    );
  });

  it("colours each verdict, and reads an old reproduce.json's partly as inconclusive", () => {
    const claim = (id: string, verdict: string) =>
      ({ study: 1, id, claim: id, measured: "m", verdict, part: "p" }) as unknown as Claim;
    const results = {
      scale: "demo",
      seconds: 1,
      claims: [claim("a", "holds"), claim("b", "does not hold"), claim("c", "partly")],
      parts: [],
      notes: [],
    } as ReproduceResults;
    const section = claimsSection(results, new Map([["p", ["p-fig"]]]));
    const html = htmlTable(section.tables[0], new Map([["p-fig", 4]]));
    expect(html).toContain('<td class="tone-good">holds</td><td><a href="#fig-p-fig">Figure 4</a></td>');
    expect(html).toContain('<td class="tone-bad">does not hold</td>');
    expect(html).toContain('<td class="tone-neutral">inconclusive at this scale</td>');
    expect(claimFigures(results)[0]).toEqual({
      label: "study 1: claims that hold",
      value: "1 of 3",
      detail: "Standalone 16-bit training (Yun et al.); 1 inconclusive at this scale",
    });
  });

  it("escapes table cells in Markdown", () => {
    const md = markdownTable({
      title: "t",
      columns: [{ header: "a|b" }, { header: "n", align: "right" }],
      rows: [["x|y", "1"]],
    });
    expect(md).toBe("| a\\|b | n |\n|---|---:|\n| x\\|y | 1 |");
  });
});
