/**
 * The three studies' claims set beside minifloat's measurements, each with a verdict from a test that
 * fits the evidence (verdict.ts): accuracy differences by their 95% interval (predictions.ts: paired on
 * the test samples for one run each, across seeds for several) against the claim's margin, facts without
 * sampling noise (memory, cancelled updates, lemma violations) as they are. Pure: from the summaries of
 * comparisons, tolerance analyses and quantization runs to claims. The margins are the studies' own where
 * they give one (Yun et al.: 16-bit within about +-0.6 points of 32-bit; Zamirai et al.: nearest-rounding
 * BF16 loses points to cancelled updates, stochastic rounding and Kahan summation recover to within
 * -0.1/+0.2), widened where a few seeds cannot resolve them (stated in the claim).
 */
import { binomialInterval, type ToleranceSummary } from "../analysis/index.js";
import type { PolicySummary } from "./compare.js";
import { pairedDifference, type SamplePredictions } from "./predictions.js";
import type { QuantizeRunResults } from "./quantize-run.js";
import { combine, differenceEvidence, factVerdict, judge, type Evidence, type Verdict } from "./verdict.js";

/** One claim of a study, measured. */
export interface Claim {
  readonly study: 1 | 2 | 3;
  readonly id: string;
  /** The study's claim, in a sentence. */
  readonly claim: string;
  /** What minifloat measured, in a sentence with the numbers. */
  readonly measured: string;
  /** Each part of the claim: a difference with its interval and test, or a fact, with its verdict. */
  readonly evidence: readonly Evidence[];
  /** Every part's verdict combined (verdict.ts combine). */
  readonly verdict: Verdict;
  /** The part (sub-directory) that holds the evidence. */
  readonly part: string;
}

/** The per-sample predictions of a quantization study: float32's and each result's (null for a result
 * without them, e.g. a fallback), in the order of QuantizeRunResults.results. */
export interface QuantPredictions {
  readonly baseline: SamplePredictions;
  readonly results: readonly (SamplePredictions | null)[];
}

const points = (x: number): string => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(2)}`;
const pct = (x: number): string => (100 * x).toFixed(2);

/** A claim whose verdict combines its evidence. */
function claimOf(c: Omit<Claim, "verdict">): Claim {
  return { ...c, verdict: combine(c.evidence.map((e) => e.verdict)) };
}

function policy(summary: readonly PolicySummary[], name: string): PolicySummary | undefined {
  return summary.find((s) => s.policy === name);
}

/** Study 1: standalone 16-bit matches 32-bit within `tolerance` (a fraction; the study's is 0.006) on
 * each dataset, and halves memory. */
export function standaloneClaims(
  datasets: readonly {
    readonly name: string;
    readonly part: string;
    readonly summary: readonly PolicySummary[];
  }[],
  tolerance = 0.006,
): Claim[] {
  const out: Claim[] = [];
  for (const name of ["pure-fp16", "amp-fp16", "pure-bf16"]) {
    const rows = datasets.flatMap((d) => {
      const s = policy(d.summary, name);
      return s?.deltaVsFp32 == null ? [] : [{ d, s, delta: s.deltaVsFp32 }];
    });
    if (rows.length === 0) continue;
    const within = { kind: "within", margin: tolerance } as const;
    out.push(
      claimOf({
        study: 1,
        id: `accuracy-${name}`,
        claim: `${name} reaches float32's test accuracy within ±${(100 * tolerance).toFixed(1)} points (Yun et al.: within about ±0.6)`,
        measured: rows
          .map(
            (r) =>
              `${r.d.name}: ${pct(r.s.meanAccuracy)}% (${points(r.delta)} points vs fp32, ${r.s.runs} run${r.s.runs === 1 ? "" : "s"})`,
          )
          .join("; "),
        evidence: rows.map((r) => differenceEvidence(`${r.d.name}: ${name} vs fp32`, r.s.vsFp32, within)),
        part: rows[0].d.part,
      }),
    );
  }
  const memory = datasets.flatMap((d) => {
    const [a, b] = [policy(d.summary, "pure-fp16"), policy(d.summary, "fp32")];
    return a === undefined || b === undefined || b.peakBytes === 0
      ? []
      : [{ d, ratio: a.peakBytes / b.peakBytes }];
  });
  if (memory.length > 0) {
    out.push(
      claimOf({
        study: 1,
        id: "memory",
        claim:
          "standalone 16-bit needs about half the memory of float32 (parameters, activations and gradients in 16 bits)",
        measured: memory.map((m) => `${m.d.name}: peak memory ${m.ratio.toFixed(2)}x float32's`).join("; "),
        evidence: memory.map((m) => ({
          label: `${m.d.name}:`,
          fact: `peak memory ${m.ratio.toFixed(2)}x float32's (at most 0.6x expected)`,
          verdict: factVerdict(m.ratio <= 0.6),
        })),
        part: memory[0].d.part,
      }),
    );
  }
  return out;
}

/** Study 1, theory: where the error is below the tolerance (delta < tau) the 16-bit prediction equals the
 * 32-bit one, and for float16 that covers nearly every sample (at least `share`, default 99%). */
export function toleranceClaim(
  formats: readonly ToleranceSummary[],
  part: string,
  share = 0.99,
): Claim | null {
  const fp16 = formats.find((f) => f.format === "float16");
  if (fp16 === undefined) return null;
  const violations = formats.reduce((a, f) => a + f.lemmaViolations, 0);
  const others = formats
    .filter((f) => f !== fp16)
    .map((f) => `${f.format} ${pct(f.guaranteed)}%`)
    .join(", ");
  const guaranteed = Math.round(fp16.guaranteed * fp16.samples);
  const share95 = binomialInterval(guaranteed, fp16.samples);
  return claimOf({
    study: 1,
    id: "tolerance",
    claim: `the error of the 16-bit network against the 32-bit one, compared with the classification tolerance, explains agreement: delta < tau guarantees the same prediction, and float16 has it on nearly every sample (>= ${pct(share)}%)`,
    measured:
      `float16: delta < tau on ${pct(fp16.guaranteed)}% of ${fp16.samples} samples, predictions differ on ${pct(fp16.disagreement)}%; ` +
      `${violations} sample${violations === 1 ? "" : "s"} with delta < tau and a different prediction` +
      (others === "" ? "" : `; guaranteed share in ${others}`),
    evidence: [
      {
        label: "lemma:",
        fact: `${violations} violation${violations === 1 ? "" : "s"} (none expected)`,
        verdict: factVerdict(violations === 0),
      },
      {
        label: "float16 share with delta < tau:",
        fact: `${pct(fp16.guaranteed)}%, 95% CI [${pct(share95.low)}, ${pct(share95.high)}] (Clopper-Pearson; at least ${pct(share)}% expected)`,
        verdict: judge(share95, { kind: "at-least", bound: share }),
      },
    ],
    part,
  });
}

/** Study 2: nearest-rounding BF16 updates lose at least `loss` points to cancellation; stochastic
 * rounding and Kahan summation come within `recovery` of float32 (the study: -0.1/+0.2; a few seeds
 * resolve about half a point). */
export function bf16UpdateClaims(
  summary: readonly PolicySummary[],
  part: string,
  loss = 0.01,
  recovery = 0.005,
): Claim[] {
  const fp32 = policy(summary, "fp32");
  const nearest = policy(summary, "pure-bf16");
  if (fp32 === undefined || nearest?.deltaVsFp32 == null) return [];
  const out: Claim[] = [
    claimOf({
      study: 2,
      id: "cancellation",
      claim: `with nearest rounding, BF16 weight updates smaller than half an ulp are cancelled, which costs accuracy (at least ${(100 * loss).toFixed(1)} points here; the study: up to 7)`,
      measured: `pure-bf16 ${pct(nearest.meanAccuracy)}% vs fp32 ${pct(fp32.meanAccuracy)}% (${points(nearest.deltaVsFp32)} points), ${pct(nearest.cancelledFraction)}% of updates cancelled in the last epoch (fp32: ${pct(fp32.cancelledFraction)}%)`,
      evidence: [
        differenceEvidence("pure-bf16 vs fp32", nearest.vsFp32, { kind: "at-most", bound: -loss }),
        {
          label: "cancelled updates:",
          fact: `${pct(nearest.cancelledFraction)}% against fp32's ${pct(fp32.cancelledFraction)}% (more expected)`,
          verdict: factVerdict(nearest.cancelledFraction > fp32.cancelledFraction),
        },
      ],
      part,
    }),
  ];
  const fixes = ["pure-bf16-sr", "pure-bf16-kahan"].flatMap((n) => {
    const s = policy(summary, n);
    return s?.deltaVsFp32 == null ? [] : [{ n, s, delta: s.deltaVsFp32 }];
  });
  if (fixes.length > 0) {
    out.push(
      claimOf({
        study: 2,
        id: "recovery",
        claim: `stochastic rounding or Kahan-compensated updates bring BF16 training back to float32's accuracy (the study: within -0.1/+0.2 points; here within ±${(100 * recovery).toFixed(1)}, the resolution of a few seeds)`,
        measured: fixes
          .map(
            (f) =>
              `${f.n} ${pct(f.s.meanAccuracy)}% (${points(f.delta)} points, ${pct(f.s.cancelledFraction)}% cancelled)`,
          )
          .join("; "),
        evidence: fixes.map((f) =>
          differenceEvidence(`${f.n} vs fp32`, f.s.vsFp32, { kind: "at-least", bound: -recovery }),
        ),
        part,
      }),
    );
  }
  return out;
}

/** Study 3: E4M3 post-training quantization stays within `close` of float32 (default a point) where INT8
 * per tensor loses more, by at least `more` (default half a point), both paired on the evaluation samples
 * (`predictions`; without them the accuracy parts are inconclusive). */
export function ptqClaims(
  q: QuantizeRunResults,
  part: string,
  predictions: QuantPredictions | null,
  close = 0.01,
  more = 0.005,
): Claim[] {
  const base = q.baseline.value;
  const indexed = q.results.map((r, i) => ({ r, p: predictions?.results[i] ?? null }));
  const plain = indexed.filter(({ r }) => r.fallback === undefined);
  const e4m3 = plain.filter(({ r }) => r.format === "float8_e4m3fn");
  const int8 = plain.filter(({ r }) => r.format === "int8" && r.granularity === "tensor");
  if (e4m3.length === 0) return [];
  const bestOf = (xs: typeof plain): (typeof plain)[number] =>
    xs.reduce((a, b) => (b.r.value > a.r.value ? b : a));
  const best = bestOf(e4m3);
  const measured = [
    `float32 ${pct(base)}%`,
    ...plain.map(
      ({ r }) => `${r.format} ${r.calibration} ${r.granularity} ${pct(r.value)}% (${points(r.value - base)})`,
    ),
  ].join("; ");
  const paired = (a: SamplePredictions | null | undefined, b: SamplePredictions | null) =>
    a == null || b === null ? null : pairedDifference(a, b);
  const evidence = [
    differenceEvidence(`E4M3 (${best.r.calibration}) vs float32`, paired(predictions?.baseline, best.p), {
      kind: "at-least",
      bound: -close,
    }),
  ];
  if (int8.length > 0) {
    const worst = bestOf(int8);
    evidence.push(
      differenceEvidence(`INT8 per tensor vs E4M3`, paired(best.p, worst.p), {
        kind: "at-most",
        bound: -more,
      }),
    );
  }
  return [
    claimOf({
      study: 3,
      id: "fp8-ptq",
      claim: `post-training quantization of every matmul input to FP8 E4M3 keeps ${q.baseline.metric} within ${(100 * close).toFixed(1)} point of float32${int8.length > 0 ? `, where INT8 (per tensor) loses more (by ${(100 * more).toFixed(1)} point or more)` : ""} (FP8-BERT)`,
      measured,
      evidence,
      part,
    }),
  ];
}
