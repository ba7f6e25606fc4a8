/**
 * ONNX export of BertForSequenceClassification (nn/bert.ts) as float32, the same ops in the same order:
 * (word + token type) + position embeddings, LayerNormalization; scores = Q K^T / sqrt(D) plus the
 * additive mask (1 - attention_mask) * -FLT_MAX (bert.ts's extendedAttentionMask in float32), softmax;
 * post-norm residuals; GELU (erf) or its tanh form; tanh pooler on [CLS]; classifier. Inputs are int64
 * (batch, sequence) with symbolic dims; weights are written decoded to float32, whatever their storage
 * format. Any matmul input can get a QDQ pair (see bertQdqSites). In onnxruntime-node (1.30, CPU), run
 * float8 QDQ models with the session option session.disable_quant_qdq = "1": its QDQ fusion turns float8
 * DQ -> MatMul into MatMulIntegerToFloat, which rejects float8; int8 weights that use all 8 bits can
 * saturate in its u8s8 kernels on CPUs without VNNI (7-bit weights, or the same option, avoid it).
 */
import { MinifloatError } from "../../errors.js";
import { BertForSequenceClassification, type BertHiddenAct, type BertLayer } from "../../nn/index.js";
import type { Linear, LayerNorm } from "../../nn/layers.js";
import type { Tensor } from "../../tensor/index.js";
import { OnnxGraphBuilder } from "./graph-builder.js";
import { encodeOnnxModel, type OnnxModel, type OnnxValueInfo } from "./onnx-proto.js";
import { qdqActivation, qdqWeight, resolveSite, type QdqMap, type QdqSite } from "./qdq.js";

/** Options of exportBertOnnx. */
export interface BertOnnxOptions {
  /** Default-domain opset, 19 (default) to 23; 20 and later write Gelu as one op. */
  readonly opset?: number;
  /** A fixed sequence length; default symbolic ("sequence"). */
  readonly sequenceLength?: number;
  /** A fixed batch size; default symbolic ("batch"). */
  readonly batchSize?: number;
  /** QDQ pairs on matmul inputs, by site name (bertQdqSites lists them). */
  readonly qdq?: QdqMap;
  /** ModelProto.producer_version; default "dev". */
  readonly producerVersion?: string;
}

/** One place a QDQ pair can go: a weight (dims as minifloat stores it, (out, in)) or an activation
 * (dims with -1 for batch and sequence). */
export interface BertQdqSiteInfo {
  readonly name: string;
  readonly kind: "weight" | "activation";
  readonly dims: readonly number[];
}

/** float32's largest finite value: bert.ts masks with -activationFormat.max, and the graph is float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** The Linear layers of `model` with their names, in forward order. */
function linears(model: BertForSequenceClassification): [string, Linear][] {
  const names = new Map<unknown, string>([...model.namedModules()].map(([n, m]) => [m, n]));
  const c = model.bert;
  const list: Linear[] = [];
  for (const layer of c.encoder.layer.layers) {
    const s = layer.attention.self;
    list.push(
      s.query,
      s.key,
      s.value,
      layer.attention.output.dense,
      layer.intermediate.dense,
      layer.output.dense,
    );
  }
  if (c.pooler !== null) list.push(c.pooler.dense);
  list.push(model.classifier);
  return list.map((l) => [names.get(l) as string, l]);
}

/** Every QDQ site of `model`: `<linear>.input` and `<linear>.weight` for each Linear, and for each self
 * attention `<self>.q`, `<self>.k`, `<self>.v` (the projections' outputs, (B, T, C)) and `<self>.probs`
 * (softmax output, (B, H, T, T)), the inputs of its two matmuls. Weight axes refer to (out, in). */
export function bertQdqSites(model: BertForSequenceClassification): BertQdqSiteInfo[] {
  const cfg = model.config;
  const sites: BertQdqSiteInfo[] = [];
  for (const [name, l] of linears(model)) {
    const [out = 0, inF = 0] = l.weight.shape;
    const act = name.endsWith("pooler.dense") || name === "classifier" ? [-1, inF] : [-1, -1, inF];
    sites.push({ name: `${name}.input`, kind: "activation", dims: act });
    sites.push({ name: `${name}.weight`, kind: "weight", dims: [out, inF] });
    if (name.endsWith(".attention.self.value")) {
      const self = name.slice(0, -".value".length);
      const c = cfg.hiddenSize;
      for (const p of ["q", "k", "v"])
        sites.push({ name: `${self}.${p}`, kind: "activation", dims: [-1, -1, c] });
      sites.push({ name: `${self}.probs`, kind: "activation", dims: [-1, cfg.numAttentionHeads, -1, -1] });
    }
  }
  return sites;
}

/** (rows, cols) row-major -> (cols, rows). */
function transpose2d(v: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = v[r * cols + c];
  return out;
}

/** Builds the BERT graph; one instance per export. */
class BertGraph {
  readonly b: OnnxGraphBuilder;
  private readonly used = new Set<string>();

  constructor(
    readonly model: BertForSequenceClassification,
    opset: number,
    private readonly qdq: QdqMap,
  ) {
    this.b = new OnnxGraphBuilder(opset);
  }

  private site(name: string): QdqSite | undefined {
    if (!Object.hasOwn(this.qdq, name)) return undefined;
    this.used.add(name);
    return this.qdq[name];
  }

  /** Names in the QDQ map that no site of the model has. */
  unusedSites(): string[] {
    return Object.keys(this.qdq).filter((n) => !this.used.has(n));
  }

  /** Activation `x` (dims with -1 for symbolic) through its site's QDQ pair, if it has one. */
  act(x: string, name: string, dims: readonly number[]): string {
    const s = this.site(name);
    return s === undefined ? x : qdqActivation(this.b, x, name, s, dims);
  }

  /** x (..., in) W^T + b, W stored transposed as (in, out), optionally quantized (axis refers to (out, in)). */
  linear(x: string, name: string, l: Linear, rank: number): string {
    const [out = 0, inF = 0] = l.weight.shape;
    const xq = this.act(x, `${name}.input`, [...new Array<number>(rank - 1).fill(-1), inF]);
    const wt = transpose2d(l.weight.toFloat32Array(), out, inF); // (in, out)
    const s = this.site(`${name}.weight`);
    let w: string;
    if (s === undefined) w = this.b.float32(`${name}.weight`, wt, [inF, out]);
    else {
      const axis = resolveSite(`${name}.weight`, s, [out, inF]).axis;
      const site = axis === null ? s : { ...s, axis: 1 - axis };
      w = qdqWeight(this.b, `${name}.weight`, wt, [inF, out], site);
    }
    const y = this.b.node("MatMul", [xq, w], `${name}.matmul`);
    if (l.bias === null) return y;
    return this.b.node(
      "Add",
      [y, this.b.float32(`${name}.bias`, l.bias.toFloat32Array(), [out])],
      `${name}.add`,
    );
  }

  layerNorm(x: string, name: string, n: LayerNorm): string {
    const [c = 0] = n.weight.shape;
    const gamma = this.b.float32(`${name}.weight`, n.weight.toFloat32Array(), [c]);
    const beta = this.b.float32(`${name}.bias`, n.bias.toFloat32Array(), [c]);
    return this.b.node("LayerNormalization", [x, gamma, beta], name, {
      axis: -1,
      epsilon: { type: "float", value: n.eps },
    });
  }

  /** The hidden activation, as bert.ts's HIDDEN_ACTS. */
  activation(x: string, name: string, act: BertHiddenAct): string {
    const b = this.b;
    const tanhForm = act === "gelu_new" || act === "gelu_pytorch_tanh";
    if (act === "relu") return b.node("Relu", [x], name);
    if (b.opset >= 20) {
      return b.node("Gelu", [x], name, tanhForm ? { approximate: { type: "string", value: "tanh" } } : {});
    }
    const half = b.node("Mul", [x, b.float32(`${name}.half`, [0.5], [])], `${name}.half_x`);
    let inner: string;
    if (tanhForm) {
      // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
      const cube = b.node("Mul", [b.node("Mul", [x, x], `${name}.x2`), x], `${name}.x3`);
      const poly = b.node(
        "Add",
        [x, b.node("Mul", [cube, b.float32(`${name}.c`, [0.044715], [])], `${name}.cx3`)],
        `${name}.poly`,
      );
      const k = b.float32(`${name}.k`, [Math.sqrt(2 / Math.PI)], []);
      inner = b.node("Tanh", [b.node("Mul", [poly, k], `${name}.scaled`)], `${name}.tanh`);
    } else {
      // 0.5 x (1 + erf(x / sqrt 2))
      inner = b.node(
        "Erf",
        [b.node("Div", [x, b.float32(`${name}.sqrt2`, [Math.SQRT2], [])], `${name}.div`)],
        `${name}.erf`,
      );
    }
    return b.node(
      "Mul",
      [half, b.node("Add", [inner, b.float32(`${name}.one`, [1], [])], `${name}.one_plus`)],
      name,
    );
  }
}

/** (B, T, C) -> (B, H, T, D) for q and v, (B, H, D, T) for k. */
function heads(g: BertGraph, x: string, name: string, h: number, d: number, perm: number[]): string {
  const shape = g.b.int64(`${name}.heads_shape`, [0, 0, h, d], [4]);
  return g.b.node("Transpose", [g.b.node("Reshape", [x, shape], `${name}.reshape`)], `${name}.heads`, {
    perm,
  });
}

function encoderLayer(g: BertGraph, x: string, mask: string, layer: BertLayer, i: number): string {
  const cfg = g.model.config;
  const p = `bert.encoder.layer.${i}`;
  const self = `${p}.attention.self`;
  const s = layer.attention.self;
  const c = cfg.hiddenSize;
  const h = cfg.numAttentionHeads;
  const d = c / h;
  const btc = [-1, -1, c];
  const q = g.act(g.linear(x, `${self}.query`, s.query, 3), `${self}.q`, btc);
  const k = g.act(g.linear(x, `${self}.key`, s.key, 3), `${self}.k`, btc);
  const v = g.act(g.linear(x, `${self}.value`, s.value, 3), `${self}.v`, btc);
  const qh = heads(g, q, `${self}.q`, h, d, [0, 2, 1, 3]); // (B, H, T, D)
  const kt = heads(g, k, `${self}.k`, h, d, [0, 2, 3, 1]); // (B, H, D, T)
  const vh = heads(g, v, `${self}.v`, h, d, [0, 2, 1, 3]); // (B, H, T, D)
  const raw = g.b.node("MatMul", [qh, kt], `${self}.scores_matmul`); // (B, H, T, T)
  const root = g.b.float32(`${self}.sqrt_d`, [Math.sqrt(d)], []);
  const scores = g.b.node("Add", [g.b.node("Div", [raw, root], `${self}.scaled`), mask], `${self}.masked`);
  const probs = g.act(g.b.node("Softmax", [scores], `${self}.softmax`, { axis: -1 }), `${self}.probs`, [
    -1,
    h,
    -1,
    -1,
  ]);
  const ctx = g.b.node("MatMul", [probs, vh], `${self}.context`); // (B, H, T, D)
  const merged = g.b.node(
    "Reshape",
    [
      g.b.node("Transpose", [ctx], `${self}.context_t`, { perm: [0, 2, 1, 3] }),
      g.b.int64(`${self}.merge_shape`, [0, 0, c], [3]),
    ],
    `${self}.merged`,
  ); // (B, T, C)
  const ao = layer.attention.output;
  const aName = `${p}.attention.output`;
  const a = g.layerNorm(
    g.b.node("Add", [g.linear(merged, `${aName}.dense`, ao.dense, 3), x], `${aName}.residual`),
    `${aName}.LayerNorm`,
    ao.norm,
  );
  const inter = g.activation(
    g.linear(a, `${p}.intermediate.dense`, layer.intermediate.dense, 3),
    `${p}.intermediate.act`,
    cfg.hiddenAct,
  );
  const o = layer.output;
  return g.layerNorm(
    g.b.node("Add", [g.linear(inter, `${p}.output.dense`, o.dense, 3), a], `${p}.output.residual`),
    `${p}.output.LayerNorm`,
    o.norm,
  );
}

function embeddings(g: BertGraph, ids: string, types: string): string {
  const e = g.model.bert.embeddings;
  const b = g.b;
  const table = (name: string, t: Tensor): string =>
    b.float32(`bert.embeddings.${name}.weight`, t.toFloat32Array(), t.shape);
  const words = b.node(
    "Gather",
    [table("word_embeddings", e.wordEmbeddings.weight), ids],
    "bert.embeddings.words",
  );
  const typed = b.node(
    "Gather",
    [table("token_type_embeddings", e.tokenTypeEmbeddings.weight), types],
    "bert.embeddings.types",
  );
  const t = b.node("Shape", [ids], "bert.embeddings.length", { start: 1, end: 2 }); // [T]
  const positions = b.node(
    "Slice",
    [
      table("position_embeddings", e.positionEmbeddings.weight),
      b.int64("bert.embeddings.zero", [0], [1]),
      t,
      b.int64("bert.embeddings.axis0", [0], [1]),
    ],
    "bert.embeddings.positions",
  ); // (T, C)
  const sum = b.node(
    "Add",
    [b.node("Add", [words, typed], "bert.embeddings.word_type"), positions],
    "bert.embeddings.sum",
  );
  return g.layerNorm(sum, "bert.embeddings.LayerNorm", e.norm);
}

/** The additive mask (B, 1, 1, T): 0 at tokens, -FLT_MAX at padding. */
function additiveMask(g: BertGraph, mask: string): string {
  const b = g.b;
  const m = b.node("Cast", [mask], "bert.mask.float", { to: 1 });
  const inv = b.node("Sub", [b.float32("bert.mask.one", [1], []), m], "bert.mask.inverted");
  const low = b.node("Mul", [inv, b.float32("bert.mask.low", [-FLOAT32_MAX], [])], "bert.mask.additive");
  return b.node("Unsqueeze", [low, b.int64("bert.mask.axes", [1, 2], [2])], "bert.mask.extended");
}

/** The OnnxModel of `model` (see exportBertOnnx). */
export function bertOnnxModel(
  model: BertForSequenceClassification,
  options: BertOnnxOptions = {},
): OnnxModel {
  if (!(model instanceof BertForSequenceClassification)) {
    throw new MinifloatError("unsupported", "exportBertOnnx: expected a BertForSequenceClassification");
  }
  const opset = options.opset ?? 19;
  if (opset < 19)
    throw new MinifloatError(
      "unsupported",
      `exportBertOnnx: opset must be 19 or later (float8 QDQ), got ${opset}`,
    );
  const g = new BertGraph(model, opset, options.qdq ?? {});
  const dims = [options.batchSize ?? "batch", options.sequenceLength ?? "sequence"];
  const inputs: OnnxValueInfo[] = ["input_ids", "attention_mask", "token_type_ids"].map((name) => ({
    name: g.b.unique(name),
    dataType: "int64",
    dims,
  }));
  let x = embeddings(g, "input_ids", "token_type_ids"); // (B, T, C)
  const mask = additiveMask(g, "attention_mask");
  model.bert.encoder.layer.layers.forEach((layer, i) => {
    x = encoderLayer(g, x, mask, layer, i);
  });
  const pooler = model.bert.pooler;
  if (pooler === null) throw new MinifloatError("unsupported", "exportBertOnnx: the model has no pooler");
  const cls = g.b.node("Gather", [x, g.b.int64("bert.pooler.first", [0], [])], "bert.pooler.cls", {
    axis: 1,
  }); // (B, C)
  const pooled = g.b.node("Tanh", [g.linear(cls, "bert.pooler.dense", pooler.dense, 2)], "bert.pooler.tanh");
  const logits = g.linear(pooled, "classifier", model.classifier, 2);
  const unused = g.unusedSites();
  if (unused.length > 0) {
    throw new MinifloatError(
      "config",
      `exportBertOnnx: unknown QDQ sites ${unused.join(", ")} (bertQdqSites lists them)`,
    );
  }
  const labels = model.config.id2label.length;
  const out = g.b.node("Identity", [logits], "logits");
  return g.b.model("bert", inputs, [{ name: out, dataType: "float32", dims: [dims[0], labels] }], {
    producerVersion: options.producerVersion ?? "dev",
    docString: "BertForSequenceClassification exported by minifloat",
  });
}

/** The .onnx file bytes of `model`, a BertForSequenceClassification: inputs input_ids, attention_mask and
 * token_type_ids (int64, (batch, sequence)), output logits (batch, num_labels), float32 weights, and QDQ
 * pairs at the sites of `options.qdq`. */
export function exportBertOnnx(
  model: BertForSequenceClassification,
  options: BertOnnxOptions = {},
): Uint8Array {
  return encodeOnnxModel(bertOnnxModel(model, options));
}
