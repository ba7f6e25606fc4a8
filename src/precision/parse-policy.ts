/**
 * User precision policies from JSON: a record of roles -> format and rounding, accumulation, loss
 * scaling, update rule and batch-norm statistics, optionally `extends` a preset. Every mistake is a
 * "config" error naming the source, the field path, what was expected and what was found, with the
 * closest valid name for a misspelt one.
 */
import { closestName, MinifloatError } from "../errors.js";
import {
  FLOAT_FORMAT_NAMES,
  isFloatFormatName,
  ROUNDING_MODES,
  type RoundingMode,
} from "../formats/index.js";
import {
  DEFAULT_DYNAMIC_SCALING,
  isPresetName,
  POLICY_ROLES,
  PRESET_NAMES,
  PRESETS,
  type LossScaling,
  type PrecisionPolicy,
  type RoleFormat,
} from "./policy.js";
import { UPDATE_RULES } from "../optim/update.js";

type Json = Record<string, unknown>;

const TOP_FIELDS = [
  "name",
  "extends",
  "roles",
  "accumulate",
  "lossScaling",
  "updateRule",
  "batchNormStats",
] as const;

class Ctx {
  constructor(readonly source: string) {}

  fail(path: string, message: string): never {
    throw new MinifloatError("config", `${this.source}: ${path}: ${message}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `"${v}"`;
  if (typeof v === "object") return "an object";
  if (typeof v === "number" || typeof v === "boolean") return `${typeof v} ${String(v)}`;
  return typeof v;
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function oneOf<T extends string>(ctx: Ctx, path: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  const near = typeof v === "string" ? closestName(v, allowed) : undefined;
  const hint = near === undefined ? "" : ` (did you mean "${near}"?)`;
  return ctx.fail(path, `expected one of ${allowed.join(", ")}, got ${describe(v)}${hint}`);
}

function checkKeys(ctx: Ctx, path: string, obj: Json, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      const near = closestName(k, allowed);
      const hint = near === undefined ? "" : ` (did you mean "${near}"?)`;
      ctx.fail(
        path === "" ? k : `${path}.${k}`,
        `unknown field${hint}; expected one of ${allowed.join(", ")}`,
      );
    }
  }
}

function parseRole(ctx: Ctx, path: string, v: unknown): RoleFormat {
  let format: unknown = v;
  let rounding: RoundingMode = "nearest-even";
  if (isObject(v)) {
    checkKeys(ctx, path, v, ["format", "rounding"]);
    format = v.format;
    if (v.rounding !== undefined) rounding = oneOf(ctx, `${path}.rounding`, v.rounding, ROUNDING_MODES);
    path = `${path}.format`;
  }
  if (typeof format !== "string") {
    return ctx.fail(path, `expected a float format name or { format, rounding }, got ${describe(format)}`);
  }
  if (!isFloatFormatName(format)) {
    const near = closestName(format, FLOAT_FORMAT_NAMES);
    return ctx.fail(
      path,
      `unknown float format "${format}" (did you mean "${near ?? ""}"?); expected one of ${FLOAT_FORMAT_NAMES.join(", ")}`,
    );
  }
  return Object.freeze({ format, rounding });
}

function parseRoles(ctx: Ctx, v: unknown, base: PrecisionPolicy | undefined): PrecisionPolicy["roles"] {
  if (v === undefined && base !== undefined) return base.roles;
  if (!isObject(v))
    return ctx.fail("roles", `expected an object of ${POLICY_ROLES.join(", ")}, got ${describe(v)}`);
  checkKeys(ctx, "roles", v, POLICY_ROLES);
  const get = (r: (typeof POLICY_ROLES)[number]): RoleFormat | null => {
    const x = v[r];
    if (x === undefined) {
      if (base !== undefined) return base.roles[r];
      return ctx.fail(`roles.${r}`, "missing (give a format name, or null for masterParams)");
    }
    if (x === null) {
      if (r === "masterParams") return null;
      return ctx.fail(`roles.${r}`, "expected a float format name, got null (only masterParams may be null)");
    }
    return parseRole(ctx, `roles.${r}`, x);
  };
  const must = (r: Exclude<(typeof POLICY_ROLES)[number], "masterParams">): RoleFormat =>
    get(r) as RoleFormat;
  return Object.freeze({
    params: must("params"),
    masterParams: get("masterParams"),
    activations: must("activations"),
    gradients: must("gradients"),
    optimizerState: must("optimizerState"),
    kahanCompensation: must("kahanCompensation"),
    loss: must("loss"),
  });
}

function positive(ctx: Ctx, path: string, v: unknown, what: string, ok: (x: number) => boolean): number {
  if (typeof v !== "number" || !Number.isFinite(v) || !ok(v))
    ctx.fail(path, `expected ${what}, got ${describe(v)}`);
  return v;
}

/** The resolved form a run records ({"kind": "static", "scale": S}, ...) in the file form, so that the
 * policy saved in a run's config.json reads back as a policy file. */
function fileFormOf(ctx: Ctx, v: Json): unknown {
  const kind = oneOf(ctx, "lossScaling.kind", v.kind, ["none", "static", "dynamic"]);
  const rest: Json = Object.fromEntries(Object.entries(v).filter(([k]) => k !== "kind"));
  if (kind === "none") {
    checkKeys(ctx, "lossScaling", rest, []);
    return "none";
  }
  if (kind === "static") {
    checkKeys(ctx, "lossScaling", rest, ["scale"]);
    return { static: rest.scale };
  }
  return { dynamic: rest };
}

function parseLossScaling(ctx: Ctx, v: unknown): LossScaling {
  const kinds = '"none", { "static": S } or { "dynamic": { initial, growthInterval, factor, backoff } }';
  if (isObject(v) && "kind" in v) v = fileFormOf(ctx, v);
  if (v === "none") return Object.freeze({ kind: "none" });
  if (v === "dynamic") return Object.freeze({ kind: "dynamic", ...DEFAULT_DYNAMIC_SCALING });
  if (!isObject(v)) return ctx.fail("lossScaling", `expected ${kinds}, got ${describe(v)}`);
  checkKeys(ctx, "lossScaling", v, ["static", "dynamic"]);
  if ("static" in v === "dynamic" in v)
    return ctx.fail("lossScaling", `expected exactly one of static, dynamic`);
  if ("static" in v) {
    const s = positive(ctx, "lossScaling.static", v.static, "a positive finite number", (x) => x > 0);
    return Object.freeze({ kind: "static", scale: s });
  }
  const d = v.dynamic ?? {};
  if (!isObject(d)) return ctx.fail("lossScaling.dynamic", `expected an object, got ${describe(d)}`);
  checkKeys(ctx, "lossScaling.dynamic", d, ["initial", "growthInterval", "factor", "backoff"]);
  const p = "lossScaling.dynamic";
  const def = DEFAULT_DYNAMIC_SCALING;
  return Object.freeze({
    kind: "dynamic",
    initial: positive(
      ctx,
      `${p}.initial`,
      d.initial ?? def.initial,
      "a positive finite number",
      (x) => x > 0,
    ),
    growthInterval: positive(
      ctx,
      `${p}.growthInterval`,
      d.growthInterval ?? def.growthInterval,
      "a positive integer",
      (x) => Number.isInteger(x) && x > 0,
    ),
    factor: positive(ctx, `${p}.factor`, d.factor ?? def.factor, "a number > 1", (x) => x > 1),
    backoff: positive(
      ctx,
      `${p}.backoff`,
      d.backoff ?? def.backoff,
      "a number in (0, 1)",
      (x) => x > 0 && x < 1,
    ),
  });
}

/** A preset by name; a "config" error suggesting the closest preset otherwise. */
export function presetPolicy(name: string): PrecisionPolicy {
  if (isPresetName(name)) return PRESETS[name];
  const near = closestName(name, PRESET_NAMES);
  throw new MinifloatError(
    "config",
    `unknown precision policy "${name}" (did you mean "${near ?? ""}"?); expected one of ${PRESET_NAMES.join(", ")}`,
  );
}

/**
 * A policy from JSON text or a parsed value; `source` (a file name) prefixes every error message. Fields
 * missing from a policy that `extends` a preset come from the preset; otherwise every field is required
 * except lossScaling (default none), accumulate (float32) and batchNormStats (float32).
 */
export function parsePolicy(json: unknown, source = "policy"): PrecisionPolicy {
  const ctx: Ctx = new Ctx(source);
  let v = json;
  if (typeof json === "string") {
    try {
      v = JSON.parse(json) as unknown;
    } catch (e) {
      throw new MinifloatError("config", `${source}: not valid JSON: ${(e as Error).message}`, { cause: e });
    }
  }
  if (!isObject(v)) return ctx.fail("(top level)", `expected a JSON object, got ${describe(v)}`);
  checkKeys(ctx, "", v, TOP_FIELDS);
  let base: PrecisionPolicy | undefined;
  if (v.extends !== undefined) base = PRESETS[oneOf(ctx, "extends", v.extends, PRESET_NAMES)];
  const name = v.name ?? (base === undefined ? "custom" : `${base.name}-custom`);
  if (typeof name !== "string" || name === "")
    return ctx.fail("name", `expected a non-empty string, got ${describe(name)}`);
  const pick = <T extends string>(field: string, allowed: readonly T[], dflt: T | undefined): T => {
    const x = v[field];
    if (x === undefined && dflt !== undefined) return dflt;
    if (x === undefined) return ctx.fail(field, `missing; expected one of ${allowed.join(", ")}`);
    return oneOf(ctx, field, x, allowed);
  };
  const policy: PrecisionPolicy = {
    name,
    roles: parseRoles(ctx, v.roles, base),
    accumulate: pick("accumulate", ["float32", "output"], base?.accumulate ?? "float32"),
    lossScaling:
      v.lossScaling === undefined
        ? (base?.lossScaling ?? { kind: "none" })
        : parseLossScaling(ctx, v.lossScaling),
    updateRule: pick("updateRule", UPDATE_RULES, base?.updateRule),
    batchNormStats: pick("batchNormStats", ["float32", "policy"], base?.batchNormStats ?? "float32"),
  };
  return Object.freeze(policy);
}
