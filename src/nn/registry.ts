/**
 * createModel: the models by name, for the CLI and experiment configs. An unknown name is a config error
 * that suggests the closest known one.
 */
import { closestName, MinifloatError } from "../errors.js";
import type { Module, ModuleContext } from "./module.js";
import {
  lenet5,
  mlp,
  resnet20,
  vggSmall,
  type MlpConfig,
  type ResNetConfig,
  type VggConfig,
} from "./models.js";
import { vitTiny, type VitConfig } from "./transformer.js";

/** Every model's options in one record (each model reads the fields it knows). */
export type ModelConfig = MlpConfig & VggConfig & ResNetConfig & VitConfig;

/** The models createModel knows, by canonical name. */
export const MODELS = {
  mlp: (ctx: ModuleContext, c: ModelConfig) => mlp(ctx, c),
  lenet5: (ctx: ModuleContext, c: ModelConfig) => lenet5(ctx, c),
  "vgg-small": (ctx: ModuleContext, c: ModelConfig) => vggSmall(ctx, c),
  resnet20: (ctx: ModuleContext, c: ModelConfig) => resnet20(ctx, c),
  "vit-tiny": (ctx: ModuleContext, c: ModelConfig) => vitTiny(ctx, c),
} as const satisfies Record<string, (ctx: ModuleContext, c: ModelConfig) => Module>;

/** A canonical model name. */
export type ModelName = keyof typeof MODELS;

/** The model called `name`, built with `ctx`; throws MinifloatError("config") naming the closest model. */
export function createModel(name: string, config: ModelConfig, ctx: ModuleContext): Module {
  const names = Object.keys(MODELS);
  if (!Object.hasOwn(MODELS, name)) {
    const near = closestName(name, names);
    throw new MinifloatError(
      "config",
      `unknown model "${name}"${near === undefined ? "" : ` (did you mean "${near}"?)`}; known: ${names.join(", ")}`,
    );
  }
  return MODELS[name as ModelName](ctx, config);
}
