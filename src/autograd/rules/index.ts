/**
 * The table of every op's gradient rule, joined from the family tables. Typed over every OpName, so an
 * op without a rule does not compile.
 */
import type { OpName } from "../../ops/index.js";
import type { GradRules } from "../rule.js";
import { elementwiseRules } from "./elementwise.js";
import { mathRules } from "./math.js";
import { nnRules } from "./nn.js";
import { viewRules } from "./views.js";

/** One gradient rule per op. */
export const GRAD_RULES: GradRules<OpName> = { ...elementwiseRules, ...mathRules, ...nnRules, ...viewRules };
