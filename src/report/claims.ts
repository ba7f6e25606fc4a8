/**
 * The claims of `minifloat reproduce`: each study's claim beside minifloat's measurement, the evidence
 * (each difference with its 95% interval, each fact) and the verdict, coloured, with links to the
 * figures of the part that holds the evidence; and per study the count of claims that hold. A
 * reproduce.json written before verdicts had statistics says "partly": it reads as inconclusive.
 */
import { describeEvidence, type Claim, type ReproduceResults, type Verdict } from "../experiment/index.js";
import type { CellMark, KeyFigure, Section } from "./document.js";

const STUDIES = {
  1: "Standalone 16-bit training (Yun et al.)",
  2: "Revisiting BFloat16 training (Zamirai et al.)",
  3: "FP8 post-training quantization of BERT (Li et al.)",
} as const;

const TONES: { readonly [V in Verdict]: NonNullable<CellMark["tone"]> } = {
  holds: "good",
  "does not hold": "bad",
  "inconclusive at this scale": "neutral",
};

/** A claim's verdict, an old "partly" read as inconclusive (it had no interval behind it). */
function verdictOf(c: Claim): Verdict {
  return c.verdict in TONES ? c.verdict : "inconclusive at this scale";
}

/** Per study, how many of its claims hold (and how many are inconclusive). */
export function claimFigures(r: ReproduceResults): KeyFigure[] {
  return ([1, 2, 3] as const).flatMap((study) => {
    const claims = r.claims.filter((c) => c.study === study);
    if (claims.length === 0) return [];
    const count = (v: Verdict): number => claims.filter((c) => verdictOf(c) === v).length;
    const open = count("inconclusive at this scale");
    return [
      {
        label: `study ${study}: claims that hold`,
        value: `${count("holds")} of ${claims.length}`,
        detail: `${STUDIES[study]}${open > 0 ? `; ${open} inconclusive at this scale` : ""}`,
      },
    ];
  });
}

/** The claims table (with the parts that could not run); `figures` maps a part to its figures' ids. */
export function claimsSection(
  r: ReproduceResults,
  figures: ReadonlyMap<string, readonly string[]> = new Map(),
): Section {
  return {
    title: "Claims and measurements",
    text:
      `Each study's claim beside what minifloat measured at the ${r.scale} scale, with the verdict: an ` +
      "accuracy difference holds or does not hold only when its whole 95% interval says so, otherwise it " +
      "is inconclusive at this scale (docs/statistics.md). " +
      (r.notes.length === 0 ? "Every part ran." : r.notes.join(" ")),
    tables: [
      {
        title: "Claims",
        columns: [
          { header: "study" },
          { header: "claim" },
          { header: "measured" },
          { header: "evidence (95% intervals)" },
          { header: "verdict" },
          { header: "figures" },
        ],
        rows: r.claims.map((c) => [
          `${c.study}. ${STUDIES[c.study]}`,
          c.claim,
          c.measured,
          // A reproduce.json from before verdicts had statistics has no evidence.
          ((c as Partial<Claim>).evidence ?? []).map(describeEvidence).join("; "),
          verdictOf(c),
          "",
        ]),
        marks: r.claims.map((c) => [
          undefined,
          undefined,
          undefined,
          undefined,
          { tone: TONES[verdictOf(c)] },
          { figures: figures.get(c.part) ?? [] },
        ]),
      },
    ],
    figures: [],
  };
}
