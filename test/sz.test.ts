import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { FILE_BUDGET, libraryLines, lineCount, sizeReport, TOTAL_BUDGET } from "../scripts/sz.js";

describe("npm run sz (the line budget)", () => {
  it("counts lines as wc -l does, plus an unterminated last line", () => {
    expect([lineCount(""), lineCount("a\n"), lineCount("a\nb"), lineCount("a\n\nb\n")]).toEqual([0, 1, 2, 3]);
  });

  it("names each file over the per-file budget and a total over the total budget", () => {
    const within = sizeReport([{ file: "formats/a.ts", lines: FILE_BUDGET }], false);
    expect(within.breaches).toEqual([]);
    const over = sizeReport(
      [
        { file: "formats/a.ts", lines: FILE_BUDGET + 1 },
        { file: "io/b.ts", lines: TOTAL_BUDGET },
      ],
      true,
    );
    expect(over.breaches).toEqual([
      `src/formats/a.ts: ${FILE_BUDGET + 1} lines, over the budget of ${FILE_BUDGET} per file`,
      `src/io/b.ts: ${TOTAL_BUDGET} lines, over the budget of ${FILE_BUDGET} per file`,
      `src/: ${TOTAL_BUDGET + FILE_BUDGET + 1} lines in all, over the budget of ${TOTAL_BUDGET}`,
    ]);
    expect(over.text).toContain(`${FILE_BUDGET + 1}  src/formats (1 files)`);
    expect(over.text).toContain(`${FILE_BUDGET + 1}  src/formats/a.ts`);
  });

  it("counts library files only, and the library is within budget", () => {
    const files = libraryLines(join(resolve(import.meta.dirname, ".."), "src"));
    expect(files.some((f) => f.file.endsWith(".test.ts"))).toBe(false);
    expect(files.map((f) => f.file)).toContain("formats/float-format.ts");
    expect(sizeReport(files, false).breaches).toEqual([]);
  });
});
