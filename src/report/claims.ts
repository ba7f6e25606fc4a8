/**
 * The claims of `minifloat reproduce`: each study's claim beside minifloat's measurement and its verdict,
 * as a table, and the count of claims that hold as key figures.
 */
import type { ReproduceResults } from "../experiment/index.js";
import type { KeyFigure, Section } from "./document.js";

const STUDIES = {
  1: "Standalone 16-bit training (Yun et al.)",
  2: "Revisiting BFloat16 training (Zamirai et al.)",
  3: "FP8 post-training quantization of BERT (Li et al.)",
} as const;

/** Per study, how many of its claims hold. */
export function claimFigures(r: ReproduceResults): KeyFigure[] {
  return ([1, 2, 3] as const).flatMap((study) => {
    const claims = r.claims.filter((c) => c.study === study);
    if (claims.length === 0) return [];
    const holds = claims.filter((c) => c.verdict === "holds").length;
    const partly = claims.filter((c) => c.verdict === "partly").length;
    return [
      {
        label: `study ${study}: claims that hold`,
        value: `${holds} of ${claims.length}`,
        detail: `${STUDIES[study]}${partly > 0 ? `; ${partly} partly` : ""}`,
      },
    ];
  });
}

/** The claims table (with the parts that could not run). */
export function claimsSection(r: ReproduceResults): Section {
  return {
    title: "Claims and measurements",
    text:
      `Each study's claim beside what minifloat measured at the ${r.scale} scale, with the verdict. ` +
      (r.notes.length === 0 ? "Every part ran." : r.notes.join(" ")),
    tables: [
      {
        title: "Claims",
        columns: [{ header: "study" }, { header: "claim" }, { header: "measured" }, { header: "verdict" }],
        rows: r.claims.map((c) => [`${c.study}. ${STUDIES[c.study]}`, c.claim, c.measured, c.verdict]),
      },
    ],
    figures: [],
  };
}
