/**
 * Precision policies (DESIGN.md rule 5): which format and rounding each role of a training run uses
 * (parameters, master parameters, activations, gradients, optimizer state, Kahan compensation, loss),
 * how dot products accumulate, the loss scaling, the weight-update rule and where batch-norm statistics
 * live. The presets are the configurations of the mixed-precision (Micikevicius et al., ICLR 2018) and
 * standalone 16-bit / BF16 studies (Zamirai et al., arXiv:2010.06192).
 */
import type { FloatFormatName, RoundingMode } from "../formats/index.js";
import type { UpdateRule } from "../optim/update.js";

/** The roles a policy gives a format. */
export const POLICY_ROLES = [
  "params",
  "masterParams",
  "activations",
  "gradients",
  "optimizerState",
  "kahanCompensation",
  "loss",
] as const;

/** A role a policy gives a format. */
export type PolicyRole = (typeof POLICY_ROLES)[number];

/** The format and rounding of one role. */
export interface RoleFormat {
  readonly format: FloatFormatName;
  readonly rounding: RoundingMode;
}

/** Dynamic loss scaling (Micikevicius et al. 2018, section 3.2): scale the loss, skip steps whose
 * gradients overflow and multiply the scale by `backoff`, multiply it by `factor` after
 * `growthInterval` good steps in a row. */
export interface DynamicLossScaling {
  readonly initial: number;
  readonly growthInterval: number;
  readonly factor: number;
  readonly backoff: number;
}

/** Loss scaling: none, a constant scale, or dynamic. */
export type LossScaling =
  | { readonly kind: "none" }
  | { readonly kind: "static"; readonly scale: number }
  | ({ readonly kind: "dynamic" } & DynamicLossScaling);

/** A complete precision policy. */
export interface PrecisionPolicy {
  /** The preset name, or the name a user policy gives itself. */
  readonly name: string;
  /** Formats per role; `masterParams` is null when there is no float32 master copy. */
  readonly roles: Readonly<Record<Exclude<PolicyRole, "masterParams">, RoleFormat>> & {
    readonly masterParams: RoleFormat | null;
  };
  /** Dot-product accumulation: float32 sums with one rounding, or every partial sum rounded. */
  readonly accumulate: "float32" | "output";
  readonly lossScaling: LossScaling;
  readonly updateRule: UpdateRule;
  /** Batch-norm running statistics in float32 (as the Keras models of the standalone-16-bit study) or
   * in the policy's formats (truly pure). */
  readonly batchNormStats: "float32" | "policy";
}

/** The dynamic loss scaling of Micikevicius et al. 2018 and DESIGN.md: 2^16, x2 after 2000 good steps,
 * x0.5 and skip on overflow. */
export const DEFAULT_DYNAMIC_SCALING: DynamicLossScaling = Object.freeze({
  initial: 2 ** 16,
  growthInterval: 2000,
  factor: 2,
  backoff: 0.5,
});

const role = (format: FloatFormatName, rounding: RoundingMode = "nearest-even"): RoleFormat =>
  Object.freeze({ format, rounding });

/** A policy with every role in `format` (no master copy, no loss scaling): the pure presets. */
function pure(name: string, format: FloatFormatName, updateRule: UpdateRule): PrecisionPolicy {
  const r = role(format);
  return Object.freeze({
    name,
    roles: Object.freeze({
      params: r,
      masterParams: null,
      activations: r,
      gradients: r,
      optimizerState: r,
      kahanCompensation: r,
      loss: r,
    }),
    accumulate: "float32",
    lossScaling: Object.freeze({ kind: "none" }),
    updateRule,
    batchNormStats: "float32",
  });
}

/** Mixed precision: `compute` for params/activations/gradients, float32 master copy, state and loss. */
function amp(name: string, compute: FloatFormatName, lossScaling: LossScaling): PrecisionPolicy {
  const c = role(compute);
  const f32 = role("float32");
  return Object.freeze({
    name,
    roles: Object.freeze({
      params: c,
      masterParams: f32,
      activations: c,
      gradients: c,
      optimizerState: f32,
      kahanCompensation: f32,
      loss: f32,
    }),
    accumulate: "float32",
    lossScaling: Object.freeze(lossScaling),
    updateRule: "nearest",
    batchNormStats: "float32",
  });
}

/** The preset names. */
export const PRESET_NAMES = [
  "fp32",
  "amp-fp16",
  "amp-bf16",
  "pure-fp16",
  "pure-bf16",
  "pure-bf16-sr",
  "pure-bf16-kahan",
  "pure-fp16-sr",
  "pure-fp16-kahan",
] as const;

/** A preset name. */
export type PresetName = (typeof PRESET_NAMES)[number];

/**
 * The presets of DESIGN.md rule 5. amp-bf16 has no loss scaling (bfloat16 has float32's exponent range);
 * the pure presets keep batch-norm statistics in float32, as the standalone-16-bit study's Keras models
 * did: use a user policy with batchNormStats "policy" for truly pure runs.
 */
export const PRESETS: Readonly<Record<PresetName, PrecisionPolicy>> = Object.freeze({
  fp32: pure("fp32", "float32", "nearest"),
  "amp-fp16": amp("amp-fp16", "float16", { kind: "dynamic", ...DEFAULT_DYNAMIC_SCALING }),
  "amp-bf16": amp("amp-bf16", "bfloat16", { kind: "none" }),
  "pure-fp16": pure("pure-fp16", "float16", "nearest"),
  "pure-bf16": pure("pure-bf16", "bfloat16", "nearest"),
  "pure-bf16-sr": pure("pure-bf16-sr", "bfloat16", "stochastic"),
  "pure-bf16-kahan": pure("pure-bf16-kahan", "bfloat16", "kahan"),
  "pure-fp16-sr": pure("pure-fp16-sr", "float16", "stochastic"),
  "pure-fp16-kahan": pure("pure-fp16-kahan", "float16", "kahan"),
});

/** True when `name` is a preset name. */
export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

/** The format in which an update is applied: the master copy's when there is one, else the params'. */
export function updateFormat(policy: PrecisionPolicy): RoleFormat {
  return policy.roles.masterParams ?? policy.roles.params;
}
