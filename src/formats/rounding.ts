/**
 * Rounding and overflow modes (DESIGN.md rule 2) and the options every encoder takes. Stochastic rounding
 * rounds up with probability floor(d * 2^r) / 2^r, where d in [0, 1) is the distance from the lower
 * neighbour in units of the gap and r the number of random bits: r at least the number of discarded bits
 * makes it exactly proportional to the distance.
 */
import { MinifloatError, closestName } from "../errors.js";

/** The rounding modes, in display order. */
export const ROUNDING_MODES = ["nearest-even", "toward-zero", "nearest-away", "stochastic"] as const;

/** How a value between two representable neighbours is rounded. */
export type RoundingMode = (typeof ROUNDING_MODES)[number];

/** The overflow modes. */
export const OVERFLOW_MODES = ["ieee", "saturate"] as const;

/** What a value beyond the largest finite one becomes: `ieee` gives infinity where the format has one,
 * NaN where it only has NaN, and the largest finite value where it has neither (OCP MX); `saturate`
 * always gives the largest finite value. */
export type OverflowMode = (typeof OVERFLOW_MODES)[number];

/** Where stochastic rounding draws its bits: a counter-based stream keyed by (seed, stream, step). */
export interface StochasticSource {
  /** Key of the generator; an integer in [0, 2^53). */
  readonly seed: number;
  /** Which tensor (or other stream) is being rounded; an integer in [0, 2^32). */
  readonly stream?: number;
  /** Which step of a run; an integer in [0, 2^32). */
  readonly step?: number;
  /** Index of the first element, for a slice of a larger array; an integer in [0, 2^53). */
  readonly offset?: number;
}

/** Options of every encoder. */
export interface EncodeOptions {
  /** Default "nearest-even". */
  readonly rounding?: RoundingMode;
  /** Default "ieee". */
  readonly overflow?: OverflowMode;
  /** Values below the smallest normal become zero (before rounding). Default false. */
  readonly flushSubnormals?: boolean;
  /** Random bits per stochastic rounding, 1 to 32. Default 32. */
  readonly randomBits?: number;
  /** The generator for stochastic rounding; required when rounding is "stochastic". */
  readonly random?: StochasticSource;
}

/** Options with every default filled in and checked. */
export interface ResolvedEncodeOptions {
  readonly rounding: RoundingMode;
  readonly saturate: boolean;
  readonly flushSubnormals: boolean;
  readonly randomBits: number;
  readonly random: Required<StochasticSource> | null;
}

function checkInteger(value: number, name: string, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new MinifloatError("argument", `${name} must be an integer in [0, ${max}], got ${value}`);
  }
}

/** Fill in defaults and validate; throws an "argument" error naming the bad option. */
export function resolveEncodeOptions(o: EncodeOptions = {}): ResolvedEncodeOptions {
  const rounding = o.rounding ?? "nearest-even";
  if (!ROUNDING_MODES.includes(rounding)) {
    const near = closestName(rounding, ROUNDING_MODES);
    throw new MinifloatError(
      "argument",
      `rounding must be one of ${ROUNDING_MODES.join(", ")}, got "${rounding}" (did you mean "${near ?? ""}"?)`,
    );
  }
  const overflow = o.overflow ?? "ieee";
  if (!OVERFLOW_MODES.includes(overflow)) {
    throw new MinifloatError(
      "argument",
      `overflow must be one of ${OVERFLOW_MODES.join(", ")}, got "${overflow}"`,
    );
  }
  const randomBits = o.randomBits ?? 32;
  if (!Number.isInteger(randomBits) || randomBits < 1 || randomBits > 32) {
    throw new MinifloatError("argument", `randomBits must be an integer in [1, 32], got ${randomBits}`);
  }
  let random: Required<StochasticSource> | null = null;
  if (rounding === "stochastic") {
    if (o.random === undefined) {
      throw new MinifloatError("argument", `rounding "stochastic" needs a random source ({ seed })`);
    }
    const r = o.random;
    checkInteger(r.seed, "random.seed", Number.MAX_SAFE_INTEGER);
    checkInteger(r.stream ?? 0, "random.stream", 0xffffffff);
    checkInteger(r.step ?? 0, "random.step", 0xffffffff);
    checkInteger(r.offset ?? 0, "random.offset", Number.MAX_SAFE_INTEGER);
    random = { seed: r.seed, stream: r.stream ?? 0, step: r.step ?? 0, offset: r.offset ?? 0 };
  }
  return {
    rounding,
    saturate: overflow === "saturate",
    flushSubnormals: o.flushSubnormals ?? false,
    randomBits,
    random,
  };
}
