/**
 * The models: output shapes on a small batch, parameter counts against hand-computed numbers, PyTorch-style
 * parameter names, and createModel's error for an unknown name.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { backward } from "../autograd/index.js";
import { crossEntropy } from "../ops/index.js";
import { fromValues, type Tensor } from "../tensor/index.js";
import { createContext, type Module, type ModuleContext } from "./module.js";
import { lenet5, mlp, resnet20, vggSmall } from "./models.js";
import { createModel } from "./registry.js";
import { vitTiny } from "./transformer.js";

function images(ctx: ModuleContext, b: number, c: number, s: number): Tensor {
  const n = b * c * s * s;
  return fromValues(
    Array.from({ length: n }, (_, i) => Math.sin(i * 0.37)),
    [b, c, s, s],
    { engine: ctx.engine },
  );
}

describe("model parameter counts (hand-computed)", () => {
  it("mlp 784-256-128-10 has 235,146", () => {
    // 784*256+256 = 200,960; 256*128+128 = 32,896; 128*10+10 = 1,290.
    expect(mlp(createContext()).parameterCount()).toBe(200_960 + 32_896 + 1_290);
  });

  it("lenet5 for 1x28x28 has 61,706", () => {
    // conv1 6*1*25+6 = 156; conv2 16*6*25+16 = 2,416; fc 400*120+120 = 48,120; 120*84+84 = 10,164; 84*10+10 = 850.
    expect(lenet5(createContext()).parameterCount()).toBe(61_706);
  });

  it("vggSmall [32,32,M,64,64,M,128,M] for 3x32x32 has 666,858", () => {
    // convs (no bias): 3*32*9 + 32*32*9 + 32*64*9 + 64*64*9 + 64*128*9 = 139,104; BN 2*(32+32+64+64+128) = 640;
    // fc 128*4*4*256+256 = 524,544; 256*10+10 = 2,570.
    expect(vggSmall(createContext()).parameterCount()).toBe(139_104 + 640 + 524_544 + 2_570);
  });

  it("resnet20 with shortcut A has 269,722 (the paper's 0.27M), shortcut B adds two 1x1 projections", () => {
    // stem 432 + 32; stage1 3*(2*2,304 + 64) = 14,016; stage2 (4,608 + 9,216 + 128) + 2*(2*9,216 + 128) = 51,072;
    // stage3 (18,432 + 36,864 + 256) + 2*(2*36,864 + 256) = 203,520; fc 650.
    const a = 432 + 32 + 14_016 + 51_072 + 203_520 + 650;
    expect(resnet20(createContext()).parameterCount()).toBe(a);
    expect(resnet20(createContext(), { activation: "pre" }).parameterCount()).toBe(a);
    // B: 16*32 + 64 and 32*64 + 128 for the two projections with batch norm.
    expect(resnet20(createContext(), { shortcut: "B" }).parameterCount()).toBe(a + 512 + 64 + 2_048 + 128);
  });

  it("a small vit has the hand-computed count", () => {
    // patch 3*4*4*16+16 = 784; cls 16; pos (16+1)*16 = 272; per layer: 2 LN 64 + 4*(16*16+16) = 1,088 +
    // mlp 16*32+32 + 32*16+16 = 1,072 -> 2,224; norm 32; head 16*10+10 = 170.
    const m = vitTiny(createContext(), { imageSize: 16, dim: 16, depth: 2, heads: 2, mlpRatio: 2 });
    expect(m.parameterCount()).toBe(784 + 16 + 272 + 2 * 2_224 + 32 + 170);
  });
});

describe("model output shapes and names", () => {
  it("mlp and lenet5 map (2, 1, 28, 28) to (2, 10)", () => {
    const ctx = createContext();
    const x = images(ctx, 2, 1, 28);
    expect(mlp(ctx).forward(x).shape).toEqual([2, 10]);
    expect(lenet5(ctx).forward(x).shape).toEqual([2, 10]);
  });

  it("vggSmall, resnet20 (post, pre, B) and vit map (2, 3, 32, 32) or (2, 3, 16, 16) to (2, classes)", () => {
    const ctx = createContext();
    const x = images(ctx, 2, 3, 32);
    expect(vggSmall(ctx, { classes: 7 }).forward(x).shape).toEqual([2, 7]);
    expect(resnet20(ctx).forward(x).shape).toEqual([2, 10]);
    expect(resnet20(ctx, { activation: "pre", shortcut: "B" }).forward(x).shape).toEqual([2, 10]);
    const vit = vitTiny(ctx, { imageSize: 16, dim: 16, depth: 1, heads: 2 });
    expect(vit.forward(images(ctx, 2, 3, 16)).shape).toEqual([2, 10]);
  });

  it("names parameters as PyTorch's state_dict does", () => {
    const names = [...lenet5(createContext()).namedParameters()].map(([n]) => n);
    expect(names).toEqual([
      "features.0.weight",
      "features.0.bias",
      "features.3.weight",
      "features.3.bias",
      "classifier.1.weight",
      "classifier.1.bias",
      "classifier.3.weight",
      "classifier.3.bias",
      "classifier.5.weight",
      "classifier.5.bias",
    ]);
    const r = resnet20(createContext());
    const rn = [...r.namedParameters()].map(([n]) => n);
    expect(rn.slice(0, 5)).toEqual([
      "conv1.weight",
      "bn1.weight",
      "bn1.bias",
      "layer1.0.conv1.weight",
      "layer1.0.bn1.weight",
    ]);
    expect(rn.at(-1)).toBe("fc.bias");
    expect([...r.namedBuffers()].map(([n]) => n).slice(0, 2)).toEqual([
      "bn1.running_mean",
      "bn1.running_var",
    ]);
  });

  it("createModel builds by name and suggests the closest name for a typo", () => {
    expect(createModel("lenet5", {}, createContext()).parameterCount()).toBe(61_706);
    expectError(() => createModel("resnet2O", {}, createContext()), "config", /did you mean "resnet20"/);
  });
});

describe("model gradients and formats", () => {
  function gradsReachEveryParameter(model: Module, x: Tensor): void {
    const loss = crossEntropy(model.forward(x), [1, 3], { format: "float32" });
    backward(loss, { gradFormat: "float32" });
    for (const [name, p] of model.namedParameters()) {
      expect(p.grad?.shape, name).toEqual(p.shape);
      expect(
        p.grad?.toArray().some((g) => g !== 0),
        name,
      ).toBe(true);
    }
  }

  it("backward reaches every parameter of resnet20 (post/A, pre/B) and of a vit", () => {
    const ctx = createContext();
    gradsReachEveryParameter(resnet20(ctx, { imageSize: 8 }), images(ctx, 2, 3, 8));
    gradsReachEveryParameter(resnet20(ctx, { activation: "pre", shortcut: "B" }), images(ctx, 2, 3, 8));
    const vit = vitTiny(ctx, { imageSize: 8, dim: 8, depth: 2, heads: 2 });
    gradsReachEveryParameter(vit, images(ctx, 2, 3, 8));
  });

  it("runs a bfloat16 lenet5 and vit end to end with bfloat16 activations", () => {
    const ctx = createContext({ paramFormat: "bfloat16", activationFormat: "bfloat16" });
    const x = images(ctx, 2, 1, 28);
    const y = lenet5(ctx).forward(x);
    expect(y.format.name).toBe("bfloat16");
    expect(y.toArray().every(Number.isFinite)).toBe(true);
    const vit = vitTiny(ctx, { inChannels: 1, imageSize: 28, patchSize: 7, dim: 8, depth: 1, heads: 2 });
    expect(vit.forward(x).format.name).toBe("bfloat16");
  });
});
