/**
 * Multi-head self-attention, the pre-norm transformer encoder layer and vit-tiny (Dosovitskiy et al.
 * 2021, "An Image is Worth 16x16 Words"). Dimensions: B batch, T tokens, C model width, H heads,
 * D = C / H head width. Attention is matmul, scale, softmax, matmul: every op rounds into the
 * activation format once.
 */
import { MinifloatError } from "../errors.js";
import {
  add,
  broadcastTo,
  concat,
  matmul,
  mul,
  permute,
  reshape,
  slice,
  softmax,
  type OpOptions,
} from "../ops/index.js";
import type { Tensor } from "../tensor/index.js";
import { Dropout, GELU, LayerNorm, Linear, Conv2d, Sequential } from "./layers.js";
import { createParameter, dotOptions, Module, opOptions, type ModuleContext } from "./module.js";
import type { ImageModelConfig } from "./models.js";

/** Multi-head self-attention: x (B, T, C) -> (B, T, C), with query, key, value and output projections. */
export class MultiHeadAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly out: Linear;
  private readonly ops: OpOptions;
  private readonly dot: ReturnType<typeof dotOptions>;

  constructor(
    ctx: ModuleContext,
    readonly dim: number,
    readonly heads: number,
  ) {
    super();
    if (!Number.isInteger(dim / heads)) {
      throw new MinifloatError("config", `MultiHeadAttention: dim ${dim} is not divisible by heads ${heads}`);
    }
    this.query = this.addModule("query", new Linear(ctx, dim, dim));
    this.key = this.addModule("key", new Linear(ctx, dim, dim));
    this.value = this.addModule("value", new Linear(ctx, dim, dim));
    this.out = this.addModule("out", new Linear(ctx, dim, dim));
    this.ops = opOptions(ctx);
    this.dot = dotOptions(ctx);
  }

  /** (B, T, C) -> (B, H, T, D). */
  private split(x: Tensor): Tensor {
    const [b = 0, t = 0] = x.shape;
    return permute(reshape(x, [b, t, this.heads, this.dim / this.heads]), [0, 2, 1, 3]);
  }

  forward(x: Tensor): Tensor {
    const [b = 0, t = 0, c = 0] = x.shape;
    const q = this.split(this.query.forward(x)); // (B, H, T, D)
    const k = this.split(this.key.forward(x)); // (B, H, T, D)
    const v = this.split(this.value.forward(x)); // (B, H, T, D)
    const scores = mul(matmul(q, k, { ...this.dot, transB: true }), 1 / Math.sqrt(c / this.heads), this.ops); // (B, H, T, T)
    const att = softmax(scores, -1, this.ops); // (B, H, T, T)
    const y = permute(matmul(att, v, this.dot), [0, 2, 1, 3]); // (B, T, H, D)
    return this.out.forward(reshape(y, [b, t, c])); // (B, T, C)
  }
}

/** Pre-norm encoder layer: x + attn(ln1(x)), then + mlp(ln2(x)) with a GELU hidden layer. */
export class TransformerEncoderLayer extends Module {
  readonly ln1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly ln2: LayerNorm;
  readonly mlp: Sequential;
  private readonly ops: OpOptions;

  constructor(ctx: ModuleContext, dim: number, heads: number, hidden: number, dropout = 0) {
    super();
    this.ln1 = this.addModule("ln1", new LayerNorm(ctx, dim));
    this.attn = this.addModule("attn", new MultiHeadAttention(ctx, dim, heads));
    this.ln2 = this.addModule("ln2", new LayerNorm(ctx, dim));
    this.mlp = this.addModule(
      "mlp",
      new Sequential([
        new Linear(ctx, dim, hidden),
        new GELU(ctx),
        new Dropout(ctx, dropout),
        new Linear(ctx, hidden, dim),
      ]),
    );
    this.ops = opOptions(ctx);
  }

  forward(x: Tensor): Tensor {
    const h = add(x, this.attn.forward(this.ln1.forward(x)), this.ops); // (B, T, C)
    return add(h, this.mlp.forward(this.ln2.forward(h)), this.ops); // (B, T, C)
  }
}

/** Options of vitTiny; the defaults are ViT-Tiny's widths (C 192, 12 layers, 3 heads, MLP 4C). */
export interface VitConfig extends ImageModelConfig {
  /** Default 4 (for 32x32 images: 64 patches). */
  readonly patchSize?: number;
  readonly dim?: number;
  readonly depth?: number;
  readonly heads?: number;
  /** Hidden width of each MLP as a multiple of dim; default 4. */
  readonly mlpRatio?: number;
  readonly dropout?: number;
}

/** Vision transformer: patch embedding, class token, learned positions, encoder layers, head on the class token. */
export class VisionTransformer extends Module {
  readonly patch: Conv2d;
  /** Class token (1, 1, C). */
  get clsToken(): Tensor {
    return this.param("cls_token") as Tensor;
  }

  /** Learned positions (1, T, C). */
  get posEmbed(): Tensor {
    return this.param("pos_embed") as Tensor;
  }

  readonly layers: Sequential;
  readonly norm: LayerNorm;
  readonly head: Linear;
  private readonly ops: OpOptions;

  constructor(ctx: ModuleContext, config: VitConfig = {}) {
    super();
    const {
      inChannels = 3,
      imageSize = 32,
      classes = 10,
      patchSize = 4,
      dim = 192,
      depth = 12,
      heads = 3,
    } = config;
    if (imageSize % patchSize !== 0) {
      throw new MinifloatError(
        "config",
        `vitTiny: imageSize ${imageSize} is not a multiple of patchSize ${patchSize}`,
      );
    }
    const tokens = (imageSize / patchSize) ** 2 + 1;
    this.patch = this.addModule(
      "patch_embed",
      new Conv2d(ctx, inChannels, dim, patchSize, { stride: patchSize }),
    );
    this.addParameter("cls_token", createParameter(ctx, [1, 1, dim], { kind: "normal", std: 0.02 }));
    this.addParameter("pos_embed", createParameter(ctx, [1, tokens, dim], { kind: "normal", std: 0.02 }));
    const hidden = Math.round(dim * (config.mlpRatio ?? 4));
    const blocks = Array.from(
      { length: depth },
      () => new TransformerEncoderLayer(ctx, dim, heads, hidden, config.dropout ?? 0),
    );
    this.layers = this.addModule("blocks", new Sequential(blocks));
    this.norm = this.addModule("norm", new LayerNorm(ctx, dim, 1e-6));
    this.head = this.addModule("head", new Linear(ctx, dim, classes));
    this.ops = opOptions(ctx);
  }

  forward(x: Tensor): Tensor {
    const p = this.patch.forward(x); // (B, C, H/P, W/P)
    const [b = 0, c = 0] = p.shape;
    const patches = permute(reshape(p, [b, c, -1]), [0, 2, 1]); // (B, T - 1, C)
    const cls = broadcastTo(this.clsToken, [b, 1, c]); // (B, 1, C)
    // concat needs one format: the class token is a parameter, so bring both to the activation format.
    const tokens = concat([add(cls, 0, this.ops), add(patches, 0, this.ops)], 1); // (B, T, C)
    const h = this.norm.forward(this.layers.forward(add(tokens, this.posEmbed, this.ops))); // (B, T, C)
    return this.head.forward(reshape(slice(h, [0, 0, 0], [b, 1, c]), [b, c])); // (B, classes)
  }
}

/** ViT-Tiny (or a smaller vision transformer, by config). */
export function vitTiny(ctx: ModuleContext, config: VitConfig = {}): VisionTransformer {
  return new VisionTransformer(ctx, config);
}
