/**
 * The layers: Linear, Conv2d, BatchNorm, LayerNorm, Embedding, Dropout, pooling, activations, Flatten and
 * Sequential. Each forward passes the context's activation format and rounding to every op; parameters
 * are created in the parameter format with PyTorch's default initialization (Kaiming-uniform with
 * a = sqrt(5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases alike).
 */
import { quantizeArray } from "../formats/index.js";
import {
  add,
  avgPool2d,
  batchNorm,
  conv2d,
  dropout,
  embedding,
  gelu,
  globalAvgPool2d,
  layerNorm,
  matmul,
  maxPool2d,
  relu,
  reshape,
  tanh,
  type BatchNormState,
  type OpOptions,
  type Pair,
} from "../ops/index.js";
import type { Shape, Tensor } from "../tensor/index.js";
import {
  createParameter,
  dotOptions,
  Module,
  opOptions,
  type MatmulSite,
  type ModuleContext,
} from "./module.js";

/** A module that maps a tensor to a tensor (the kind Sequential chains). */
export type Layer = Module;

const LINEAR_SITES: readonly MatmulSite[] = [{ name: "", inputs: ["input"], weight: "weight" }];

/** Fully connected layer: x (..., in) -> (..., out) = x W^T + b, W (out, in). */
export class Linear extends Module {
  /** (out, in) for Linear, (Cout, Cin/groups, KH, KW) for Conv2d. */
  get weight(): Tensor {
    return this.param("weight") as Tensor;
  }

  /** (out) or null. */
  get bias(): Tensor | null {
    return this.param("bias") ?? null;
  }

  private readonly ops: OpOptions;
  private readonly dot: ReturnType<typeof dotOptions>;

  constructor(ctx: ModuleContext, inFeatures: number, outFeatures: number, bias = true) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    this.addParameter("weight", createParameter(ctx, [outFeatures, inFeatures], { kind: "uniform", bound }));
    if (bias) this.addParameter("bias", createParameter(ctx, [outFeatures], { kind: "uniform", bound }));
    this.ops = opOptions(ctx);
    this.dot = dotOptions(ctx);
  }

  /** One product, x W^T: the activation operand at hook point "input", the weight operand "weight". */
  override matmulSites(): readonly MatmulSite[] {
    return LINEAR_SITES;
  }

  forward(x: Tensor): Tensor {
    const y = matmul(this.hook("input", x), this.weight, { ...this.dot, transB: true }); // (..., out)
    return this.bias === null ? y : add(y, this.bias, this.ops);
  }
}

/** Options of Conv2d beyond the channel counts and kernel. */
export interface Conv2dLayerOptions {
  readonly stride?: Pair;
  readonly padding?: Pair;
  readonly groups?: number;
  /** Default true. */
  readonly bias?: boolean;
}

/** 2-D convolution: x (B, Cin, H, W) -> (B, Cout, OH, OW), weight (Cout, Cin/groups, KH, KW). */
export class Conv2d extends Module {
  /** (out, in) for Linear, (Cout, Cin/groups, KH, KW) for Conv2d. */
  get weight(): Tensor {
    return this.param("weight") as Tensor;
  }

  /** (out) or null. */
  get bias(): Tensor | null {
    return this.param("bias") ?? null;
  }

  private readonly ops: OpOptions;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly groups: number;

  constructor(
    ctx: ModuleContext,
    inChannels: number,
    outChannels: number,
    kernel: Pair,
    options: Conv2dLayerOptions = {},
  ) {
    super();
    const [kh, kw] = typeof kernel === "number" ? [kernel, kernel] : kernel;
    this.groups = options.groups ?? 1;
    const fanIn = (inChannels / this.groups) * kh * kw;
    const bound = 1 / Math.sqrt(fanIn);
    const shape = [outChannels, inChannels / this.groups, kh, kw];
    this.addParameter("weight", createParameter(ctx, shape, { kind: "uniform", bound }));
    if (options.bias ?? true) {
      this.addParameter("bias", createParameter(ctx, [outChannels], { kind: "uniform", bound }));
    }
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.ops = dotOptions(ctx);
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, {
      ...this.ops,
      stride: this.stride,
      padding: this.padding,
      groups: this.groups,
    });
  }
}

/**
 * Batch normalization over axis 1 of (B, C) or (B, C, H, W): gamma and beta are parameters, the running
 * mean and variance are float32 buffers rounded to ctx.bnStatsFormat after each training update.
 */
export class BatchNorm extends Module {
  /** Gamma (C). */
  get weight(): Tensor {
    return this.param("weight") as Tensor;
  }

  /** Beta (C). */
  get bias(): Tensor {
    return this.param("bias") as Tensor;
  }

  readonly state: BatchNormState;
  private readonly ctx: ModuleContext;

  constructor(
    ctx: ModuleContext,
    channels: number,
    readonly momentum = 0.1,
    readonly eps = 1e-5,
  ) {
    super();
    this.addParameter("weight", createParameter(ctx, [channels], { kind: "constant", value: 1 }));
    this.addParameter("bias", createParameter(ctx, [channels], { kind: "constant", value: 0 }));
    this.state = {
      runningMean: this.addBuffer("running_mean", new Float32Array(channels)),
      runningVar: this.addBuffer("running_var", new Float32Array(channels).fill(1)),
    };
    this.ctx = ctx;
  }

  forward(x: Tensor): Tensor {
    const y = batchNorm(x, this.weight, this.bias, this.state, {
      ...opOptions(this.ctx),
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
    const f = this.ctx.bnStatsFormat;
    if (this.training && f.bits !== 32) {
      quantizeArray(f, this.state.runningMean); // in place
      quantizeArray(f, this.state.runningVar);
    }
    return y;
  }
}

/** Layer normalization of x (..., D) over D, with gamma (ones) and beta (zeros). */
export class LayerNorm extends Module {
  /** Gamma (C). */
  get weight(): Tensor {
    return this.param("weight") as Tensor;
  }

  /** Beta (C). */
  get bias(): Tensor {
    return this.param("bias") as Tensor;
  }

  private readonly ops: OpOptions;

  constructor(
    ctx: ModuleContext,
    dim: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.addParameter("weight", createParameter(ctx, [dim], { kind: "constant", value: 1 }));
    this.addParameter("bias", createParameter(ctx, [dim], { kind: "constant", value: 0 }));
    this.ops = opOptions(ctx);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, { ...this.ops, eps: this.eps });
  }
}

/** Integer token ids and the shape they fill, e.g. (B, T). */
export interface TokenIds {
  readonly ids: Int32Array | readonly number[];
  readonly shape: Shape;
}

/** Embedding table (V, D) initialized N(0, 1) as in PyTorch: ids of shape S -> (...S, D). */
export class Embedding extends Module<TokenIds> {
  /** The table (V, D). */
  get weight(): Tensor {
    return this.param("weight") as Tensor;
  }

  private readonly ops: OpOptions;

  constructor(ctx: ModuleContext, vocab: number, dim: number) {
    super();
    this.addParameter("weight", createParameter(ctx, [vocab, dim], { kind: "normal", std: 1 }));
    this.ops = opOptions(ctx);
  }

  forward(input: TokenIds): Tensor {
    return embedding(this.weight, input.ids, input.shape, this.ops);
  }
}

/** Dropout with probability p in training mode, the identity in eval mode; its mask stream is fixed. */
export class Dropout extends Module {
  private readonly ops: OpOptions;
  private readonly stream: number;

  constructor(
    ctx: ModuleContext,
    readonly p: number,
  ) {
    super();
    this.ops = opOptions(ctx);
    this.stream = ctx.nextStream();
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { ...this.ops, training: this.training, stream: this.stream });
  }
}

/** 2-D pooling of (B, C, H, W) by one of the pool ops; stride defaults to the kernel. */
class Pool2d extends Module {
  private readonly ops: OpOptions;

  constructor(
    ctx: ModuleContext,
    private readonly pool: typeof maxPool2d | typeof avgPool2d,
    readonly kernel: Pair,
    readonly stride: Pair,
  ) {
    super();
    this.ops = opOptions(ctx);
  }

  forward(x: Tensor): Tensor {
    return this.pool(x, { ...this.ops, kernel: this.kernel, stride: this.stride });
  }
}

/** 2-D max pooling of (B, C, H, W); stride defaults to the kernel. */
export class MaxPool2d extends Pool2d {
  constructor(ctx: ModuleContext, kernel: Pair, stride: Pair = kernel) {
    super(ctx, maxPool2d, kernel, stride);
  }
}

/** 2-D average pooling of (B, C, H, W); stride defaults to the kernel. */
export class AvgPool2d extends Pool2d {
  constructor(ctx: ModuleContext, kernel: Pair, stride: Pair = kernel) {
    super(ctx, avgPool2d, kernel, stride);
  }
}

/** Mean over H and W: (B, C, H, W) -> (B, C). */
export class GlobalAvgPool extends Module {
  private readonly ops: OpOptions;

  constructor(ctx: ModuleContext) {
    super();
    this.ops = opOptions(ctx);
  }

  forward(x: Tensor): Tensor {
    const y = globalAvgPool2d(x, this.ops); // (B, C, 1, 1)
    return reshape(y, [y.shape[0] ?? 0, y.shape[1] ?? 0]);
  }
}

/** Elementwise activation functions by name. */
const ACTIVATIONS = {
  relu: (x: Tensor, o: OpOptions) => relu(x, o),
  gelu: (x: Tensor, o: OpOptions) => gelu(x, o),
  tanh: (x: Tensor, o: OpOptions) => tanh(x, o),
} as const;

/** An elementwise activation (relu, gelu or tanh). */
export class Activation extends Module {
  private readonly ops: OpOptions;

  constructor(
    ctx: ModuleContext,
    readonly kind: keyof typeof ACTIVATIONS,
  ) {
    super();
    this.ops = opOptions(ctx);
  }

  forward(x: Tensor): Tensor {
    return ACTIVATIONS[this.kind](x, this.ops);
  }
}

/** max(x, 0) elementwise. */
export class ReLU extends Activation {
  constructor(ctx: ModuleContext) {
    super(ctx, "relu");
  }
}

/** GELU elementwise. */
export class GELU extends Activation {
  constructor(ctx: ModuleContext) {
    super(ctx, "gelu");
  }
}

/** tanh elementwise. */
export class Tanh extends Activation {
  constructor(ctx: ModuleContext) {
    super(ctx, "tanh");
  }
}

/** (B, ...) -> (B, prod(...)). */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    return reshape(x, [x.shape[0] ?? 1, -1]);
  }
}

/** Layers applied in order, named "0", "1", ... as in PyTorch's nn.Sequential. */
export class Sequential extends Module {
  readonly layers: readonly Layer[];

  constructor(layers: readonly Layer[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.addModule(String(i), m));
  }

  forward(x: Tensor): Tensor {
    return this.layers.reduce((y, m) => m.forward(y), x);
  }
}
