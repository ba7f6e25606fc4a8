/**
 * Inputs -> Report: one section builder per kind of input, in a table the compiler keeps complete, and
 * the report's title from its first input. Adding a kind is one loader in load.ts and one builder here.
 */
import { basename, resolve } from "node:path";
import type { KeyFigure, Report, Section } from "./document.js";
import type { ReportInput, ReportKind } from "./load.js";
import { quantPart } from "./quant.js";
import { claimFigures, claimsSection } from "./claims.js";
import { tolerancePart } from "./tolerance.js";
import { compareSections, runSections } from "./training.js";

/** What one input contributes to a report. */
export interface ReportPart {
  readonly title: string;
  readonly keyFigures: readonly KeyFigure[];
  readonly sections: readonly Section[];
  /** The input's data for report.json. */
  readonly data: unknown;
}

type Builders = { readonly [K in ReportKind]: (input: Extract<ReportInput, { kind: K }>) => ReportPart };

const BUILDERS: Builders = {
  run: (i) => ({
    title: `Training run: ${i.config.model} on ${i.config.data}, ${i.run.policy}`,
    ...runSections(i.config, i.run),
    data: { config: i.config, run: i.run },
  }),
  compare: (i) => ({
    title: `Precision policies compared: ${i.compare.base.model} on ${i.compare.base.data}`,
    ...compareSections(i.compare, i.runs),
    data: { compare: i.compare, runs: i.runs },
  }),
  tolerance: (i) => tolerancePart(i.tolerance, i.samples),
  quant: (i) => quantPart(i.quant),
  reproduce: (i) => reproducePart(i),
};

/** A part's sections with its title before theirs and its id before every figure id (two comparisons
 * would otherwise share ids). */
function nested(prefix: string, title: string, p: ReportPart): Section[] {
  return p.sections.map((s) => ({
    ...s,
    title: `${title}: ${s.title}`,
    figures: s.figures.map((f) => ({ ...f, id: `${prefix}-${f.id}` })),
  }));
}

function reproducePart(i: Extract<ReportInput, { kind: "reproduce" }>): ReportPart {
  const r = i.reproduce;
  const inner = i.parts.map(({ part: p, inputs }) => ({ p, parts: inputs.map((x) => part(x)) }));
  const sections = inner.map(({ p, parts }) => ({
    p,
    sections: parts.flatMap((x) => nested(p.id, p.title, x)),
  }));
  const figures = new Map(
    sections.map(({ p, sections: s }) => [p.dir, s.flatMap((x) => x.figures.map((f) => f.id))]),
  );
  return {
    title: `The three studies, reproduced by minifloat (${r.scale} scale)`,
    keyFigures: [
      ...claimFigures(r),
      { label: "time", value: `${(r.seconds / 60).toFixed(1)} min`, detail: "on this machine" },
    ],
    sections: [claimsSection(r, figures), ...sections.flatMap((x) => x.sections)],
    data: {
      reproduce: r,
      parts: Object.fromEntries(inner.map(({ p, parts }) => [p.id, parts.map((x) => x.data)])),
    },
  };
}

/** The part of one input (the table's entry for its kind; TypeScript cannot relate the two by itself). */
function part(input: ReportInput): ReportPart {
  const build = BUILDERS[input.kind] as (i: ReportInput) => ReportPart;
  return build(input);
}

/** The report of `inputs` (all from the folder `dir`, as loadReportInputs finds them). */
export function buildReport(dir: string, inputs: readonly ReportInput[]): Report {
  const parts = inputs.map((i) => part(i));
  const first = parts[0] as ReportPart | undefined;
  return {
    title: first?.title ?? "minifloat report",
    subtitle: `minifloat report of ${basename(resolve(dir))} (${inputs.map((i) => i.kind).join(" + ")})`,
    keyFigures: parts.flatMap((p) => p.keyFigures),
    sections: parts.flatMap((p) => p.sections),
    data: Object.fromEntries(inputs.map((i, k) => [i.kind, parts[k].data])),
  };
}
