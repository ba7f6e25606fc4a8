/**
 * The task heads on BertModel, as Hugging Face transformers names them: BertForSequenceClassification
 * (classifier on the pooled [CLS]) and BertForQuestionAnswering (start/end logits on every token), with
 * the mapping of checkpoint keys onto their parameters (a bare BertModel checkpoint loads too).
 */
import { reshape, slice } from "../ops/index.js";
import type { Tensor } from "../tensor/index.js";
import {
  bertConfigJson,
  type BertConfig,
  type BertInput,
  type BertOptions,
  type BertQaOutput,
} from "./bert-config.js";
import { BertModel, hfInitialize, normalizeKey } from "./bert.js";
import { Dropout, Linear } from "./layers.js";
import { Module, type ModuleContext } from "./module.js";

/** A head's parameter name for a checkpoint key: the head's own keys as they are, the rest under "bert."
 * (so a bare BertModel checkpoint, without the prefix, loads too). */
function headKey(bert: BertModel, head: string, key: string): string | null {
  const k = normalizeKey(key);
  if (k === null || k.startsWith(`${head}.`)) return k;
  const inner = bert.checkpointKey(k);
  return inner === null ? null : `bert.${inner}`;
}

/** BertForSequenceClassification: classifier(dropout(pooled [CLS])), (B, T) ids -> logits (B, num_labels). */
export class BertForSequenceClassification extends Module<BertInput> {
  readonly bert: BertModel;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(
    ctx: ModuleContext,
    readonly config: BertConfig,
    options: BertOptions = {},
  ) {
    super();
    this.bert = this.addModule("bert", new BertModel(ctx, config, { hfInit: false }));
    this.dropout = this.addModule(
      "dropout",
      new Dropout(ctx, config.classifierDropout ?? config.hiddenDropoutProb),
    );
    this.classifier = this.addModule(
      "classifier",
      new Linear(ctx, config.hiddenSize, config.id2label.length),
    );
    if (options.hfInit ?? true) hfInitialize(this, ctx, config);
  }

  forward(input: BertInput): Tensor {
    const pooled = this.bert.forward(input).pooledOutput as Tensor; // (B, C)
    return this.classifier.forward(this.dropout.forward(pooled)); // (B, num_labels)
  }

  /** This model's parameter name for a Hugging Face checkpoint key, or null to skip it. */
  checkpointKey(key: string): string | null {
    return headKey(this.bert, "classifier", key);
  }

  /** The config.json object of this model. */
  hfConfig(): Record<string, unknown> {
    return bertConfigJson(this.config, "BertForSequenceClassification");
  }
}

/** BertForQuestionAnswering: qa_outputs on every token (no pooler), (B, T) ids -> start and end logits. */
export class BertForQuestionAnswering extends Module<BertInput, BertQaOutput> {
  readonly bert: BertModel;
  readonly qaOutputs: Linear;

  constructor(
    ctx: ModuleContext,
    readonly config: BertConfig,
    options: BertOptions = {},
  ) {
    super();
    this.bert = this.addModule("bert", new BertModel(ctx, config, { hfInit: false, addPoolingLayer: false }));
    // Hugging Face sizes qa_outputs by num_labels and then needs it to be 2 (start, end): use 2.
    this.qaOutputs = this.addModule("qa_outputs", new Linear(ctx, config.hiddenSize, 2));
    if (options.hfInit ?? true) hfInitialize(this, ctx, config);
  }

  forward(input: BertInput): BertQaOutput {
    const [b, t] = input.shape;
    const logits = this.qaOutputs.forward(this.bert.forward(input).lastHiddenState); // (B, T, 2)
    const pick = (i: number): Tensor => reshape(slice(logits, [0, 0, i], [b, t, i + 1]), [b, t]); // (B, T)
    return { startLogits: pick(0), endLogits: pick(1) };
  }

  /** This model's parameter name for a Hugging Face checkpoint key, or null to skip it. */
  checkpointKey(key: string): string | null {
    return headKey(this.bert, "qa_outputs", key);
  }

  /** The config.json object of this model. */
  hfConfig(): Record<string, unknown> {
    return bertConfigJson(this.config, "BertForQuestionAnswering");
  }
}
