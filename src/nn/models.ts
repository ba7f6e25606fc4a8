/**
 * The image models: mlp, lenet5, vggSmall (VGG-style blocks with batch norm) and resnet20 (CIFAR-style,
 * He et al. 2016, "Deep Residual Learning", section 4.2; pre-activation variant from He et al. 2016,
 * "Identity Mappings in Deep Residual Networks"). Parameter names follow the PyTorch modules they mirror.
 */
import { MinifloatError } from "../errors.js";
import { add, avgPool2d, pad, relu, type OpOptions } from "../ops/index.js";
import type { Tensor } from "../tensor/index.js";
import {
  BatchNorm,
  Conv2d,
  Dropout,
  Flatten,
  GlobalAvgPool,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
  type Layer,
} from "./layers.js";
import { Module, opOptions, type ModuleContext } from "./module.js";

/** Shape of the input images and number of classes. */
export interface ImageModelConfig {
  /** Default 1 for mlp and lenet5, 3 otherwise. */
  readonly inChannels?: number;
  /** Height = width of the input; default 28 for mlp and lenet5, 32 otherwise. */
  readonly imageSize?: number;
  /** Default 10. */
  readonly classes?: number;
}

/** Options of mlp. */
export interface MlpConfig extends ImageModelConfig {
  /** Hidden layer widths; default [256, 128]. */
  readonly hidden?: readonly number[];
}

/** Features -> classifier, the layout of torchvision's classification models. */
export class Classifier extends Module {
  constructor(
    readonly features: Sequential,
    readonly classifier: Sequential,
  ) {
    super();
    this.addModule("features", features);
    this.addModule("classifier", classifier);
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x));
  }
}

/** Multilayer perceptron (B, C, H, W) or (B, D) -> (B, classes): Flatten, [Linear, ReLU]*, Linear. */
export function mlp(ctx: ModuleContext, config: MlpConfig = {}): Sequential {
  const { inChannels = 1, imageSize = 28, classes = 10, hidden = [256, 128] } = config;
  const layers: Layer[] = [new Flatten()];
  let width = inChannels * imageSize * imageSize;
  for (const h of hidden) {
    layers.push(new Linear(ctx, width, h), new ReLU(ctx));
    width = h;
  }
  layers.push(new Linear(ctx, width, classes));
  return new Sequential(layers);
}

/** LeNet-5 with ReLU and max pooling: conv 6@5x5 pad 2, pool, conv 16@5x5, pool, fc 120, 84, classes. */
export function lenet5(ctx: ModuleContext, config: ImageModelConfig = {}): Classifier {
  const { inChannels = 1, imageSize = 28, classes = 10 } = config;
  // (B, 6, S, S) -> pool (S/2) -> conv 5x5 (S/2 - 4) -> pool ((S/2 - 4) / 2).
  const side = Math.floor((Math.floor(imageSize / 2) - 4) / 2);
  if (side < 1) {
    throw new MinifloatError("config", `lenet5: imageSize must be at least 12, got ${imageSize}`);
  }
  const features = new Sequential([
    new Conv2d(ctx, inChannels, 6, 5, { padding: 2 }),
    new ReLU(ctx),
    new MaxPool2d(ctx, 2),
    new Conv2d(ctx, 6, 16, 5),
    new ReLU(ctx),
    new MaxPool2d(ctx, 2),
  ]);
  const classifier = new Sequential([
    new Flatten(),
    new Linear(ctx, 16 * side * side, 120),
    new ReLU(ctx),
    new Linear(ctx, 120, 84),
    new ReLU(ctx),
    new Linear(ctx, 84, classes),
  ]);
  return new Classifier(features, classifier);
}

/** Options of vggSmall. */
export interface VggConfig extends ImageModelConfig {
  /** Conv widths and "M" for 2x2 max pooling; default [32, 32, "M", 64, 64, "M", 128, "M"]. */
  readonly layers?: readonly (number | "M")[];
  /** Width of the hidden classifier layer; default 256. */
  readonly hidden?: number;
  /** Dropout before the last layer; default 0.5. */
  readonly dropout?: number;
}

/** Small VGG: [conv 3x3 (no bias), BatchNorm, ReLU] blocks and max pools, then Linear-ReLU-Dropout-Linear. */
export function vggSmall(ctx: ModuleContext, config: VggConfig = {}): Classifier {
  const { inChannels = 3, imageSize = 32, classes = 10, hidden = 256, dropout = 0.5 } = config;
  const spec = config.layers ?? [32, 32, "M", 64, 64, "M", 128, "M"];
  const layers: Layer[] = [];
  let channels = inChannels;
  let side = imageSize;
  for (const s of spec) {
    if (s === "M") {
      layers.push(new MaxPool2d(ctx, 2));
      side = Math.floor(side / 2);
    } else {
      layers.push(
        new Conv2d(ctx, channels, s, 3, { padding: 1, bias: false }),
        new BatchNorm(ctx, s),
        new ReLU(ctx),
      );
      channels = s;
    }
  }
  if (side < 1)
    throw new MinifloatError(
      "config",
      `vggSmall: imageSize ${imageSize} is too small for ${spec.length} layers`,
    );
  const classifier = new Sequential([
    new Flatten(),
    new Linear(ctx, channels * side * side, hidden),
    new ReLU(ctx),
    new Dropout(ctx, dropout),
    new Linear(ctx, hidden, classes),
  ]);
  return new Classifier(new Sequential(layers), classifier);
}

/** Shortcut of a block that changes shape: "A" zero-pads a strided identity (no parameters, as in the
 * CIFAR ResNets of the paper), "B" is a 1x1 convolution with batch norm. */
export type Shortcut = "A" | "B";

/** Options of resnet20. */
export interface ResNetConfig extends ImageModelConfig {
  /** "post" (the original: conv-BN-ReLU) or "pre" (BN-ReLU-conv); default "post". */
  readonly activation?: "pre" | "post";
  /** Default "A". */
  readonly shortcut?: Shortcut;
  /** Blocks per stage; default 3 (ResNet-20; 5 gives ResNet-32). */
  readonly blocks?: number;
}

/** Basic residual block: two 3x3 convolutions, (B, Cin, H, W) -> (B, Cout, H/stride, W/stride). */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm;
  readonly downsample: Sequential | null = null;
  private readonly ops: OpOptions;
  private readonly padChannels: number;

  constructor(
    ctx: ModuleContext,
    inChannels: number,
    outChannels: number,
    readonly stride: number,
    readonly preActivation: boolean,
    readonly shortcut: Shortcut,
  ) {
    super();
    this.ops = opOptions(ctx);
    // Pre-activation normalizes the block's input (Cin channels) first; post normalizes conv1's output.
    this.bn1 = new BatchNorm(ctx, preActivation ? inChannels : outChannels);
    this.conv1 = new Conv2d(ctx, inChannels, outChannels, 3, { stride, padding: 1, bias: false });
    this.bn2 = new BatchNorm(ctx, outChannels);
    this.conv2 = new Conv2d(ctx, outChannels, outChannels, 3, { padding: 1, bias: false });
    const order: [string, Module][] = preActivation
      ? [
          ["bn1", this.bn1],
          ["conv1", this.conv1],
          ["bn2", this.bn2],
          ["conv2", this.conv2],
        ]
      : [
          ["conv1", this.conv1],
          ["bn1", this.bn1],
          ["conv2", this.conv2],
          ["bn2", this.bn2],
        ];
    for (const [name, m] of order) this.addModule(name, m);
    const reshapes = stride !== 1 || inChannels !== outChannels;
    this.padChannels = reshapes && shortcut === "A" ? outChannels - inChannels : 0;
    if (reshapes && shortcut === "B") {
      this.downsample = this.addModule(
        "downsample",
        new Sequential([
          new Conv2d(ctx, inChannels, outChannels, 1, { stride, bias: false }),
          new BatchNorm(ctx, outChannels),
        ]),
      );
    }
  }

  private identity(x: Tensor): Tensor {
    if (this.downsample !== null) return this.downsample.forward(x);
    if (this.stride === 1 && this.padChannels === 0) return x;
    // Option A: x[:, :, ::s, ::s] (a 1x1 average pool is exact), channels zero-padded on both sides.
    const sub = this.stride === 1 ? x : avgPool2d(x, { ...this.ops, kernel: 1, stride: this.stride });
    const half = Math.floor(this.padChannels / 2);
    return pad(sub, [
      [0, 0],
      [half, this.padChannels - half],
    ]);
  }

  forward(x: Tensor): Tensor {
    const o = this.ops;
    if (this.preActivation) {
      const h = relu(this.bn1.forward(x), o); // (B, Cin, H, W)
      const y = this.conv2.forward(relu(this.bn2.forward(this.conv1.forward(h)), o));
      return add(y, this.identity(x), o);
    }
    const h = relu(this.bn1.forward(this.conv1.forward(x)), o); // (B, Cout, H/s, W/s)
    const y = this.bn2.forward(this.conv2.forward(h));
    return relu(add(y, this.identity(x), o), o);
  }
}

/** CIFAR ResNet-20: 3x3 conv 16, three stages of basic blocks (16, 32, 64 channels), pool, fc. */
export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly stages: Sequential[];
  readonly pool: GlobalAvgPool;
  readonly fc: Linear;
  private readonly ops: OpOptions;

  constructor(
    ctx: ModuleContext,
    private readonly config: ResNetConfig = {},
  ) {
    super();
    const { inChannels = 3, classes = 10, activation = "post", shortcut = "A", blocks = 3 } = config;
    const pre = activation === "pre";
    this.ops = opOptions(ctx);
    this.conv1 = this.addModule("conv1", new Conv2d(ctx, inChannels, 16, 3, { padding: 1, bias: false }));
    // Pre-activation puts the stem's BN-ReLU after the last stage instead (named "bn" there, as bn1 here).
    this.bn1 = pre ? new BatchNorm(ctx, 64) : this.addModule("bn1", new BatchNorm(ctx, 16));
    let channels = 16;
    this.stages = [16, 32, 64].map((width, s) => {
      const stage: Layer[] = [];
      for (let b = 0; b < blocks; b++) {
        stage.push(new BasicBlock(ctx, channels, width, s > 0 && b === 0 ? 2 : 1, pre, shortcut));
        channels = width;
      }
      return this.addModule(`layer${s + 1}`, new Sequential(stage));
    });
    if (pre) this.addModule("bn1", this.bn1);
    this.pool = new GlobalAvgPool(ctx);
    this.fc = this.addModule("fc", new Linear(ctx, 64, classes));
  }

  forward(x: Tensor): Tensor {
    const pre = this.config.activation === "pre";
    let h = this.conv1.forward(x); // (B, 16, H, W)
    if (!pre) h = relu(this.bn1.forward(h), this.ops);
    for (const stage of this.stages) h = stage.forward(h); // (B, 64, H/4, W/4)
    if (pre) h = relu(this.bn1.forward(h), this.ops);
    return this.fc.forward(this.pool.forward(h)); // (B, classes)
  }
}

/** ResNet-20 for CIFAR-sized images (0.27M parameters with shortcut "A"). */
export function resnet20(ctx: ModuleContext, config: ResNetConfig = {}): ResNet {
  return new ResNet(ctx, config);
}
