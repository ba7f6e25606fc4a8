/**
 * Looking formats up by name. Canonical names only (DESIGN.md rule 1): an unknown name is an error that
 * suggests the closest canonical one, never a silent alias.
 */
import { closestName, MinifloatError } from "../errors.js";
import { FLOAT_FORMAT_NAMES, FLOAT_FORMATS, type FloatFormat, type FloatFormatName } from "./float-format.js";
import { INT_FORMAT_NAMES, INT_FORMATS, type IntFormat, type IntFormatName } from "./int-format.js";

/** Any number format: a float format or an integer format. */
export type Format = FloatFormat | IntFormat;

/** Any canonical format name. */
export type FormatName = FloatFormatName | IntFormatName;

/** Every canonical format name, floats first. */
export const FORMAT_NAMES: readonly FormatName[] = [...FLOAT_FORMAT_NAMES, ...INT_FORMAT_NAMES];

/** True when `name` is a canonical float format name. */
export function isFloatFormatName(name: string): name is FloatFormatName {
  return Object.hasOwn(FLOAT_FORMATS, name);
}

/** True when `name` is a canonical integer format name. */
export function isIntFormatName(name: string): name is IntFormatName {
  return Object.hasOwn(INT_FORMATS, name);
}

function unknown(name: string, what: string, candidates: readonly string[]): MinifloatError {
  const near = closestName(name, candidates);
  const hint = near === undefined ? "" : ` (did you mean "${near}"?)`;
  return new MinifloatError(
    "format",
    `unknown ${what} "${name}"${hint}; expected one of: ${candidates.join(", ")}`,
  );
}

/** The float format called `name`; throws a "format" error suggesting the closest name otherwise. */
export function floatFormat(name: string): FloatFormat {
  if (isFloatFormatName(name)) return FLOAT_FORMATS[name];
  throw unknown(name, "float format", FLOAT_FORMAT_NAMES);
}

/** The integer format called `name`; throws a "format" error suggesting the closest name otherwise. */
export function intFormat(name: string): IntFormat {
  if (isIntFormatName(name)) return INT_FORMATS[name];
  throw unknown(name, "integer format", INT_FORMAT_NAMES);
}

/** The format called `name` (float or integer); throws a "format" error suggesting the closest name. */
export function format(name: string): Format {
  if (isFloatFormatName(name)) return FLOAT_FORMATS[name];
  if (isIntFormatName(name)) return INT_FORMATS[name];
  throw unknown(name, "format", FORMAT_NAMES);
}
