/**
 * report.html as a reader sees it: each kind of report opened in Debian's chromium (driven by
 * playwright-core) with every network request refused, no console errors, every chart an SVG of real
 * size with marks in it, reproduce's claims linked to figures on the page with coloured verdicts, and a
 * full-page screenshot kept in test-artifacts/ to look at. Skipped, saying so, only where
 * /usr/bin/chromium is missing (.ci/run installs it).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReport } from "../src/report/index.js";
import {
  writeCompareDir,
  writeQuantDir,
  writeReproduceDir,
  writeRunDir,
  writeToleranceDir,
} from "./report-fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/", import.meta.url));

/** Flags for a headless browser run as root on a machine without network or GPU. */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-extensions",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--mute-audio",
];

/** What the page shows of one chart. */
interface ChartBox {
  readonly width: number;
  readonly height: number;
  readonly marks: number;
  readonly axisTitles: number;
}

/** Run in the page (as source text: this project compiles without the DOM library): size, drawn mark
 * items and axis titles of every chart. */
const CHART_PROBE = `[...document.querySelectorAll("figure .chart svg")].map((svg) => {
  const box = svg.getBoundingClientRect();
  return {
    width: box.width,
    height: box.height,
    marks: svg.querySelectorAll('.role-mark [role="graphics-symbol"]').length,
    axisTitles: svg.querySelectorAll(".role-axis-title text").length,
  };
})`;

const KINDS: Record<string, (dir: string) => void> = {
  run: (d) => writeRunDir(d, "pure-bf16", 0, [0.6, 0.8, 0.85]),
  compare: writeCompareDir,
  tolerance: writeToleranceDir,
  quant: writeQuantDir,
  reproduce: writeReproduceDir,
};

/** Run in the page: each claims-table link to a figure, whether its target exists, and the background
 * colour of each verdict cell. */
const CLAIM_PROBE = `({
  links: [...document.querySelectorAll('td a[href^="#fig-"]')].map((a) =>
    document.getElementById(a.getAttribute("href").slice(1)) !== null),
  tones: [...document.querySelectorAll('td[class^="tone-"]')].map((td) => getComputedStyle(td).backgroundColor),
})`;

const suite = present ? describe : describe.skip;
const title = present
  ? "report.html in chromium"
  : `report.html in chromium (skipped: ${CHROMIUM} is missing; apt-get install -y chromium)`;

suite(title, () => {
  const root = mkdtempSync(join(tmpdir(), "minifloat-report-browser-"));
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser.close();
    rmSync(root, { recursive: true, force: true });
  });

  for (const [kind, write] of Object.entries(KINDS)) {
    it(`shows the ${kind} report with every chart and no errors`, async () => {
      const dir = join(root, kind);
      write(dir);
      const { report, files } = await writeReport(dir);
      const expected = report.sections.flatMap((s) => s.figures).length;
      expect(JSON.parse(readFileSync(files.json, "utf8"))).toHaveProperty("title", report.title);

      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      const requests: string[] = [];
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith("file:")) return route.continue();
        requests.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(files.html).href, { waitUntil: "load" });

      expect(await page.textContent("h1")).toBe(report.title);
      expect(await page.locator(".card").count()).toBe(report.keyFigures.length);
      const charts = await page.evaluate<ChartBox[]>(CHART_PROBE);
      expect(charts).toHaveLength(expected);
      for (const c of charts) {
        expect(c.width).toBeGreaterThan(200);
        expect(c.height).toBeGreaterThan(150);
        expect(c.marks).toBeGreaterThan(0);
        expect(c.axisTitles).toBe(2);
      }
      expect(await page.locator("figcaption").count()).toBe(expected);
      if (kind === "reproduce") {
        // Every claim links to figures that are on the page; every verdict cell is coloured.
        const claims = await page.evaluate<{ links: boolean[]; tones: string[] }>(CLAIM_PROBE);
        expect(claims.links.length).toBeGreaterThan(0);
        expect(claims.links.every(Boolean)).toBe(true);
        expect(claims.tones).toHaveLength(2);
        for (const t of claims.tones) expect(t).not.toMatch(/rgba\(0, 0, 0, 0\)|transparent/);
      }
      await page.screenshot({ path: join(ARTIFACTS, `report-${kind}.png`), fullPage: true });
      await page.close();
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
    });
  }
});
