/**
 * Declared shapes of the JSON files minifloat writes and reads back (metrics.jsonl lines, results.json,
 * compare.json, tolerance.json, quantize.json, reproduce.json): a schema is a validator whose type is
 * derived from it (`Infer<typeof s>`), in the manner of zod, so a reader never casts parsed JSON. A value
 * that does not fit is a "format" error naming the file (and line) and the field path.
 */
import { MinifloatError } from "../errors.js";

/** A validator of parsed JSON that returns the value typed (or throws SchemaMismatch). */
export interface Schema<T> {
  /** What it expects, for messages ("a number", "one of "epoch", "step""). */
  readonly expected: string;
  /** `value` as T; throws SchemaMismatch naming the field path `at`. */
  check(value: unknown, at: string): T;
}

/** The type a schema produces. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

/** A value that does not fit a schema: the field path, what was expected and what was found. */
export class SchemaMismatch extends Error {
  constructor(
    readonly at: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${at === "" ? "(top level)" : at}: expected ${expected}, got ${got}`);
    this.name = "SchemaMismatch";
  }
}

/** A short description of a parsed JSON value (never its whole text). */
export function describeJson(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return v.length > 40 ? `a string "${v.slice(0, 37)}..."` : `"${v}"`;
  if (typeof v === "number" || typeof v === "boolean") return `${typeof v} ${String(v)}`;
  return typeof v;
}

const field = (at: string, key: string): string => (at === "" ? key : `${at}.${key}`);

function leaf<T>(expected: string, ok: (v: unknown) => v is T): Schema<T> {
  return {
    expected,
    check(v, at) {
      if (!ok(v)) throw new SchemaMismatch(at, expected, describeJson(v));
      return v;
    },
  };
}

/** A finite number. */
export const number: Schema<number> = leaf("a number", (v): v is number => typeof v === "number");

/** A number that JSON.stringify may have written as null (NaN and ±Infinity are written so): read as NaN. */
export const float: Schema<number> = {
  expected: "a number (or null for NaN)",
  check(v, at) {
    if (v === null) return NaN;
    return number.check(v, at);
  },
};

/** A non-negative integer (counts, epochs, steps). */
export const count: Schema<number> = leaf(
  "a non-negative integer",
  (v): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0,
);

/** A string. */
export const string: Schema<string> = leaf("a string", (v): v is string => typeof v === "string");

/** true or false. */
export const boolean: Schema<boolean> = leaf("true or false", (v): v is boolean => typeof v === "boolean");

/** Any value, unchecked here (checked by a reader of its own, e.g. makeTrainConfig). */
export const unknown: Schema<unknown> = { expected: "a value", check: (v) => v };

/** One of the given strings. */
export function literal<const L extends readonly string[]>(...values: L): Schema<L[number]> {
  const expected =
    values.length === 1 ? `"${values[0]}"` : `one of ${values.map((v) => `"${v}"`).join(", ")}`;
  return leaf(expected, (v): v is L[number] => typeof v === "string" && values.includes(v));
}

/** An array whose every element fits `item`. */
export function array<T>(item: Schema<T>): Schema<T[]> {
  return {
    expected: "an array",
    check(v, at) {
      if (!Array.isArray(v)) throw new SchemaMismatch(at, this.expected, describeJson(v));
      return v.map((x, i) => item.check(x, `${at}[${i}]`));
    },
  };
}

/** `inner` or null. */
export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return {
    expected: `${inner.expected} or null`,
    check: (v, at) => (v === null ? null : inner.check(v, at)),
  };
}

/** `inner`, or null where the field is null or absent (a field added after older files were written). */
export function nullOrAbsent<T>(inner: Schema<T>): Schema<T | null> {
  return {
    expected: `${inner.expected} or null`,
    check: (v, at) => (v === null || v === undefined ? null : inner.check(v, at)),
  };
}

/** Marks an object field that may be absent. */
export interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly optional: true;
}

/** A field that may be absent (or `inner`). */
export function optional<T>(inner: Schema<T>): OptionalSchema<T> {
  return {
    optional: true,
    expected: inner.expected,
    check: (v, at) => (v === undefined ? undefined : inner.check(v, at)),
  };
}

type Shape = Readonly<Record<string, Schema<unknown>>>;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends OptionalSchema<unknown> ? K : never;
}[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
/** The object type of a shape: required fields, then optional ones. */
export type ObjectOf<S extends Shape> = { readonly [K in RequiredKeys<S>]: Infer<S[K]> } & {
  readonly [K in OptionalKeys<S>]?: S[K] extends OptionalSchema<infer T> ? T : never;
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** An object with the fields of `shape` (fields beyond it are kept as they are, unchecked). */
export function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  return {
    expected: "an object",
    check(v, at) {
      if (!isObject(v)) throw new SchemaMismatch(at, "an object", describeJson(v));
      const out: Record<string, unknown> = { ...v };
      for (const [key, s] of Object.entries(shape)) {
        const x = s.check(v[key], field(at, key));
        if (x !== undefined) out[key] = x;
      }
      return out as ObjectOf<S>;
    },
  };
}

/** An object whose every value fits `value` (a map from names). */
export function record<T>(value: Schema<T>): Schema<Readonly<Record<string, T>>> {
  return {
    expected: "an object",
    check(v, at) {
      if (!isObject(v)) throw new SchemaMismatch(at, this.expected, describeJson(v));
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value.check(x, field(at, k))]));
    },
  };
}

/** One of several object shapes, chosen by the string field `key` ("type", "kind"). */
export function tagged<M extends Readonly<Record<string, Schema<unknown>>>>(
  key: string,
  byTag: M,
): Schema<Infer<M[keyof M]>> {
  const tags = Object.keys(byTag);
  const tag = literal(...tags);
  return {
    expected: `an object with "${key}" one of ${tags.join(", ")}`,
    check(v, at) {
      if (!isObject(v)) throw new SchemaMismatch(at, "an object", describeJson(v));
      const t = tag.check(v[key], field(at, key));
      return byTag[t].check(v, at) as Infer<M[keyof M]>;
    },
  };
}

/** A schema whose value is then turned by `map` (which may throw MinifloatError naming `at`). */
export function refine<T, U>(inner: Schema<T>, map: (value: T, at: string) => U): Schema<U> {
  return { expected: inner.expected, check: (v, at) => map(inner.check(v, at), at) };
}

/** `value` checked against `schema`; a "format" error naming `source` (a file, or file:line) otherwise. */
export function validateJson<T>(schema: Schema<T>, value: unknown, source: string): T {
  try {
    return schema.check(value, "");
  } catch (e) {
    if (e instanceof SchemaMismatch) {
      throw new MinifloatError("format", `${source}: ${e.message}`, { cause: e });
    }
    // A refined field's own reader (makeTrainConfig, parsePolicy) names the field; add the file.
    if (e instanceof MinifloatError)
      throw new MinifloatError("format", `${source}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** JSON text parsed and checked against `schema`; a "format" error naming `source` otherwise (the
 * parser's message without the text it quotes, so a file's bytes never reach an error message). */
export function parseJson<T>(schema: Schema<T>, text: string, source: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/, ".*" is not valid JSON$/s, "") : String(e);
    throw new MinifloatError("format", `${source}: not valid JSON (${why.slice(0, 120)})`, { cause: e });
  }
  return validateJson(schema, value, source);
}
