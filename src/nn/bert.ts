/**
 * BERT as Hugging Face transformers' BertModel, BertForSequenceClassification and BertForQuestionAnswering
 * (models/bert/modeling_bert.py; the two task heads are in bert-heads.ts): the same modules in the same order, so namedParameters() gives the
 * names of a Hugging Face model.safetensors, and the same ops in the same order (embeddings summed
 * word + token type, then + position; scores / sqrt(D) plus the additive mask; post-norm residuals).
 * Dimensions: B batch, T tokens, C hidden size, H heads, D = C / H. Every op rounds into the activation
 * format once. MultiHeadAttention (transformer.ts) has no mask and an `out` projection named differently,
 * hence BertSelfAttention. The config is bert-config.ts's; loading a directory is io/hf-checkpoint.ts's.
 */
import {
  add,
  div,
  gelu,
  matmul,
  permute,
  relu,
  reshape,
  slice,
  softmax,
  tanh,
  type OpOptions,
} from "../ops/index.js";
import { fromValues, type Tensor } from "../tensor/index.js";
import {
  checkBertInput,
  bertConfigJson,
  type BertConfig,
  type BertHiddenAct,
  type BertInput,
  type BertModelOutput,
  type BertOptions,
} from "./bert-config.js";
import { Dropout, Embedding, LayerNorm, Linear } from "./layers.js";
import {
  dotOptions,
  Module,
  normalValues,
  opOptions,
  type MatmulSite,
  type ModuleContext,
} from "./module.js";

export * from "./bert-config.js";

type Activation = (x: Tensor, o: OpOptions) => Tensor;
const erfGelu: Activation = (x, o) => gelu(x, o);
const tanhGelu: Activation = (x, o) => gelu(x, { ...o, approximate: "tanh" });

/** The hidden activations by their Hugging Face (ACT2FN) names. */
const HIDDEN_ACTS = {
  gelu: erfGelu,
  gelu_python: erfGelu,
  gelu_new: tanhGelu,
  gelu_pytorch_tanh: tanhGelu,
  relu: (x, o) => relu(x, o),
} as const satisfies Record<BertHiddenAct, Activation>;

/** One encoder layer's input: hidden states (B, T, C) and the additive mask (B, 1, 1, T) or null. */
export interface BertHidden {
  readonly x: Tensor;
  readonly mask: Tensor | null;
}

/** BertEmbeddings: LayerNorm((word + token type) + position), then dropout; (B, T) ids -> (B, T, C). */
export class BertEmbeddings extends Module<BertInput> {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly norm: LayerNorm;
  readonly dropout: Dropout;
  private readonly ops: OpOptions;

  constructor(
    ctx: ModuleContext,
    readonly config: BertConfig,
  ) {
    super();
    const embed = (rows: number): Embedding => new Embedding(ctx, rows, config.hiddenSize);
    this.wordEmbeddings = this.addModule("word_embeddings", embed(config.vocabSize));
    this.positionEmbeddings = this.addModule("position_embeddings", embed(config.maxPositionEmbeddings));
    this.tokenTypeEmbeddings = this.addModule("token_type_embeddings", embed(config.typeVocabSize));
    this.norm = this.addModule("LayerNorm", new LayerNorm(ctx, config.hiddenSize, config.layerNormEps));
    this.dropout = this.addModule("dropout", new Dropout(ctx, config.hiddenDropoutProb));
    this.ops = opOptions(ctx);
  }

  forward(input: BertInput): Tensor {
    const [b, t] = input.shape;
    const types = input.tokenTypeIds ?? new Int32Array(b * t);
    const words = this.wordEmbeddings.forward({ ids: input.inputIds, shape: [b, t] }); // (B, T, C)
    const typed = add(words, this.tokenTypeEmbeddings.forward({ ids: types, shape: [b, t] }), this.ops);
    const ids = Int32Array.from({ length: t }, (_, i) => i);
    const positions = this.positionEmbeddings.forward({ ids, shape: [t] }); // (T, C)
    return this.dropout.forward(this.norm.forward(add(typed, positions, this.ops))); // (B, T, C)
  }
}

const ATTENTION_SITES: readonly MatmulSite[] = [
  { name: "scores", inputs: ["query", "key"] },
  { name: "context", inputs: ["probs", "value"] },
];

/** BertSelfAttention: softmax(Q K^T / sqrt(D) + mask) V per head, with dropout on the probabilities. */
export class BertSelfAttention extends Module<BertHidden> {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly dropout: Dropout;
  private readonly ops: OpOptions;
  private readonly dot: ReturnType<typeof dotOptions>;

  constructor(
    ctx: ModuleContext,
    readonly config: BertConfig,
  ) {
    super();
    const c = config.hiddenSize;
    this.query = this.addModule("query", new Linear(ctx, c, c));
    this.key = this.addModule("key", new Linear(ctx, c, c));
    this.value = this.addModule("value", new Linear(ctx, c, c));
    this.dropout = this.addModule("dropout", new Dropout(ctx, config.attentionProbsDropoutProb));
    this.ops = opOptions(ctx);
    this.dot = dotOptions(ctx);
  }

  /** (B, T, C) -> (B, H, T, D). */
  private heads(x: Tensor): Tensor {
    const [b = 0, t = 0, c = 0] = x.shape;
    const h = this.config.numAttentionHeads;
    return permute(reshape(x, [b, t, h, c / h]), [0, 2, 1, 3]);
  }

  /** The two batched products: scores = Q K^T (hook points "query", "key") and context = P V ("probs",
   * "value"); their operands are the (B, H, T, D) heads and the (B, H, T, T) probabilities. */
  override matmulSites(): readonly MatmulSite[] {
    return ATTENTION_SITES;
  }

  forward({ x, mask }: BertHidden): Tensor {
    const [b = 0, t = 0, c = 0] = x.shape;
    const q = this.hook("query", this.heads(this.query.forward(x))); // (B, H, T, D)
    const k = this.hook("key", this.heads(this.key.forward(x))); // (B, H, T, D)
    const v = this.hook("value", this.heads(this.value.forward(x))); // (B, H, T, D)
    const d = c / this.config.numAttentionHeads;
    let scores = div(matmul(q, k, { ...this.dot, transB: true }), Math.sqrt(d), this.ops); // (B, H, T, T)
    if (mask !== null) scores = add(scores, mask, this.ops); // + (B, 1, 1, T)
    const probs = this.hook("probs", this.dropout.forward(softmax(scores, -1, this.ops))); // (B, H, T, T)
    return reshape(permute(matmul(probs, v, this.dot), [0, 2, 1, 3]), [b, t, c]); // (B, T, C)
  }
}

/** BertSelfOutput and BertOutput: LayerNorm(dropout(dense(x)) + residual). */
export class BertResidualOutput extends Module<{ readonly x: Tensor; readonly residual: Tensor }> {
  readonly dense: Linear;
  readonly norm: LayerNorm;
  readonly dropout: Dropout;
  private readonly ops: OpOptions;

  constructor(ctx: ModuleContext, config: BertConfig, inFeatures: number) {
    super();
    this.dense = this.addModule("dense", new Linear(ctx, inFeatures, config.hiddenSize));
    this.norm = this.addModule("LayerNorm", new LayerNorm(ctx, config.hiddenSize, config.layerNormEps));
    this.dropout = this.addModule("dropout", new Dropout(ctx, config.hiddenDropoutProb));
    this.ops = opOptions(ctx);
  }

  forward({ x, residual }: { readonly x: Tensor; readonly residual: Tensor }): Tensor {
    return this.norm.forward(add(this.dropout.forward(this.dense.forward(x)), residual, this.ops));
  }
}

/** BertAttention: `self` (BertSelfAttention) then `output` (dense, dropout, LayerNorm with the residual). */
export class BertAttention extends Module<BertHidden> {
  readonly self: BertSelfAttention;
  readonly output: BertResidualOutput;

  constructor(ctx: ModuleContext, config: BertConfig) {
    super();
    this.self = this.addModule("self", new BertSelfAttention(ctx, config));
    this.output = this.addModule("output", new BertResidualOutput(ctx, config, config.hiddenSize));
  }

  forward(h: BertHidden): Tensor {
    return this.output.forward({ x: this.self.forward(h), residual: h.x });
  }
}

/** BertIntermediate: dense (C -> intermediate_size) and the hidden activation. */
export class BertIntermediate extends Module {
  readonly dense: Linear;
  private readonly ops: OpOptions;

  constructor(
    ctx: ModuleContext,
    readonly config: BertConfig,
  ) {
    super();
    this.dense = this.addModule("dense", new Linear(ctx, config.hiddenSize, config.intermediateSize));
    this.ops = opOptions(ctx);
  }

  forward(x: Tensor): Tensor {
    return HIDDEN_ACTS[this.config.hiddenAct](this.dense.forward(x), this.ops);
  }
}

/** BertLayer: attention, then intermediate and output with the attention output as residual. */
export class BertLayer extends Module<BertHidden> {
  readonly attention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertResidualOutput;

  constructor(ctx: ModuleContext, config: BertConfig) {
    super();
    this.attention = this.addModule("attention", new BertAttention(ctx, config));
    this.intermediate = this.addModule("intermediate", new BertIntermediate(ctx, config));
    this.output = this.addModule("output", new BertResidualOutput(ctx, config, config.intermediateSize));
  }

  forward(h: BertHidden): Tensor {
    const a = this.attention.forward(h); // (B, T, C)
    return this.output.forward({ x: this.intermediate.forward(a), residual: a }); // (B, T, C)
  }
}

/** The layers of BertEncoder, named "0", "1", ... (Hugging Face's `encoder.layer` ModuleList). */
class BertLayerList extends Module<BertHidden> {
  constructor(readonly layers: readonly BertLayer[]) {
    super();
    layers.forEach((m, i) => this.addModule(String(i), m));
  }

  forward(h: BertHidden): Tensor {
    return this.layers.reduce((x, layer) => layer.forward({ x, mask: h.mask }), h.x);
  }
}

/** BertEncoder: num_hidden_layers BertLayers under `layer`. */
export class BertEncoder extends Module<BertHidden> {
  readonly layer: BertLayerList;

  constructor(ctx: ModuleContext, config: BertConfig) {
    super();
    const layers = Array.from({ length: config.numHiddenLayers }, () => new BertLayer(ctx, config));
    this.layer = this.addModule("layer", new BertLayerList(layers));
  }

  forward(h: BertHidden): Tensor {
    return this.layer.forward(h);
  }
}

/** BertPooler: tanh(dense(hidden state of the first token)), (B, T, C) -> (B, C). */
export class BertPooler extends Module {
  readonly dense: Linear;
  private readonly ops: OpOptions;

  constructor(ctx: ModuleContext, config: BertConfig) {
    super();
    this.dense = this.addModule("dense", new Linear(ctx, config.hiddenSize, config.hiddenSize));
    this.ops = opOptions(ctx);
  }

  forward(x: Tensor): Tensor {
    const [b = 0, , c = 0] = x.shape;
    return tanh(this.dense.forward(reshape(slice(x, [0, 0, 0], [b, 1, c]), [b, c])), this.ops);
  }
}

/** The additive attention mask (B, 1, 1, T): 0 where a token is attended, the activation format's lowest
 * finite value at padding (Hugging Face: (1 - mask) * torch.finfo(dtype).min); null when nothing is masked. */
export function extendedAttentionMask(ctx: ModuleContext, input: BertInput): Tensor | null {
  const [b, t] = input.shape;
  const mask = input.attentionMask;
  if (mask === undefined) return null;
  if (Array.from(mask).every((m) => m === 1)) return null;
  const low = -ctx.activationFormat.max;
  const values = Float64Array.from(mask, (m) => (m === 1 ? 0 : low));
  return fromValues(values, [b, 1, 1, t], { engine: ctx.engine, format: ctx.activationFormat });
}

/** Re-initialize every Linear and Embedding of `root` as Hugging Face's BertPreTrainedModel._init_weights
 * does: weights normal(0, initializer_range), biases 0, the word embeddings' pad_token_id row 0. */
export function hfInitialize(root: Module<never, unknown>, ctx: ModuleContext, config: BertConfig): void {
  const set = (name: string, values: Float64Array, shape: readonly number[]): void => {
    const old = [...root.namedParameters()].find(([n]) => n === name)?.[1];
    const t = fromValues(values, shape, { engine: ctx.engine, format: ctx.paramFormat, requiresGrad: true });
    root.setParameter(name, t);
    old?.dispose();
  };
  const std = config.initializerRange;
  for (const [name, m] of root.namedModules()) {
    const at = (p: string): string => (name === "" ? p : `${name}.${p}`);
    if (m instanceof Linear || m instanceof Embedding) {
      const [rows = 0, cols = 0] = m.weight.shape;
      const w = normalValues(ctx.seed, ctx.nextStream(), rows * cols, std);
      if (name.endsWith("word_embeddings"))
        w.fill(0, config.padTokenId * cols, (config.padTokenId + 1) * cols);
      set(at("weight"), w, [rows, cols]);
      if (m instanceof Linear && m.bias !== null) set(at("bias"), new Float64Array(rows), [rows]);
    }
  }
}

/** A checkpoint key with old LayerNorm names mapped (gamma -> weight, beta -> bias), or null for what no
 * model here holds: the position_ids / token_type_ids buffers and the cls.* pretraining heads (MLM, NSP). */
export function normalizeKey(key: string): string | null {
  if (/\.(position_ids|token_type_ids)$/.test(key) || key.startsWith("cls.")) return null;
  return key.replace(/\.gamma$/, ".weight").replace(/\.beta$/, ".bias");
}

/** BertModel: embeddings, encoder and (optionally) the pooler; (B, T) ids -> hidden states and pooled [CLS]. */
export class BertModel extends Module<BertInput, BertModelOutput> {
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler | null;

  constructor(
    private readonly ctx: ModuleContext,
    readonly config: BertConfig,
    options: BertOptions & { readonly addPoolingLayer?: boolean } = {},
  ) {
    super();
    this.embeddings = this.addModule("embeddings", new BertEmbeddings(ctx, config));
    this.encoder = this.addModule("encoder", new BertEncoder(ctx, config));
    const pool = options.addPoolingLayer ?? true;
    this.pooler = pool ? this.addModule("pooler", new BertPooler(ctx, config)) : null;
    if (options.hfInit ?? true) hfInitialize(this, ctx, config);
  }

  forward(input: BertInput): BertModelOutput {
    checkBertInput(this.config, input);
    const x = this.embeddings.forward(input); // (B, T, C)
    const h = this.encoder.forward({ x, mask: extendedAttentionMask(this.ctx, input) }); // (B, T, C)
    return { lastHiddenState: h, pooledOutput: this.pooler?.forward(h) ?? null };
  }

  /** This model's parameter name for a Hugging Face checkpoint key (a "bert." prefix is dropped), or null
   * to skip the key (buffers, pretraining heads, and the pooler when this model has none). */
  checkpointKey(key: string): string | null {
    const k = normalizeKey(key);
    const base = k?.startsWith("bert.") === true ? k.slice("bert.".length) : k;
    return base === null || (this.pooler === null && base.startsWith("pooler.")) ? null : base;
  }

  /** The config.json object of this model. */
  hfConfig(): Record<string, unknown> {
    return bertConfigJson(this.config, "BertModel");
  }
}
