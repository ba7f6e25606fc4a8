/**
 * Hyper-parameters that the optimizer-state format cannot hold, said at the start of a run. The safe
 * choice for Adam's epsilon in a 16-bit state format: at least the format's smallest subnormal so that it
 * does not vanish (float16: 5.96e-8), better its smallest normal so that it keeps full precision
 * (float16: 6.10e-5), or keep the optimizer state in float32 (the amp presets do).
 */
import { floatFormat, roundTo } from "../formats/index.js";
import type { AdamConfig } from "./adam.js";
import type { OptimizerPrecision } from "./optimizer.js";

/** Which optimizer a configuration is for. */
export type OptimizerSpec =
  ({ readonly kind: "adam" | "adamw" } & AdamConfig) | { readonly kind: "sgd"; readonly momentum?: number };

const fmt = (x: number): string => x.toPrecision(3);

/** Warnings (one sentence each, empty when none) for hyper-parameters that round badly in the policy's
 * optimizer-state format. */
export function optimizerWarnings(spec: OptimizerSpec, precision: OptimizerPrecision): string[] {
  const name = precision.roles.optimizerState.format;
  const f = floatFormat(name);
  const out: string[] = [];
  if (spec.kind === "adam" || spec.kind === "adamw") {
    const label = spec.kind === "adam" ? "Adam" : "AdamW";
    const eps = spec.eps ?? 1e-8;
    const r = roundTo(f, eps);
    const safe =
      `use epsilon >= ${fmt(f.smallestSubnormal)} (the smallest subnormal of ${name}; >= ` +
      `${fmt(f.smallestNormal)}, its smallest normal, keeps it exact to full precision) or keep optimizer state in float32`;
    if (eps > 0 && r === 0) {
      out.push(`${label} epsilon ${eps} rounds to 0 in ${name} (state format); ${safe}`);
    } else if (eps > 0 && Math.abs(r - eps) > 0.01 * eps) {
      out.push(`${label} epsilon ${eps} rounds to ${fmt(r)} in ${name} (state format); ${safe}`);
    }
    const [b1, b2] = spec.betas ?? [0.9, 0.999];
    for (const [which, b] of [
      ["beta1", b1],
      ["beta2", b2],
    ] as const) {
      if (b < 1 && roundTo(f, b) === 1) {
        out.push(
          `${label} ${which} ${b} rounds to 1 in ${name} (state format); the moment is still updated with ` +
            `the exact ${which} in float32, but a framework computing in ${name} would freeze it`,
        );
      }
    }
  }
  return out;
}
