/**
 * Training-step benchmark: milliseconds per batch of the forward pass (model and cross-entropy) and of
 * backward, for a model under a precision preset on a backend, on seeded synthetic images (the time does
 * not depend on the pixel values). Reports the median over the timed batches after a few warm-up ones,
 * and a hash of the final parameters and gradients, which must not change when a kernel gets faster.
 * Usage: node dist/bench/train-step.js [--model lenet5] [--policy fp32] [--backend wasm] [--batches 30]
 */
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import {
  backward,
  createContext,
  createModel,
  crossEntropy,
  Engine,
  fromValues,
  PRESETS,
  randomWord,
  Sgd,
  isPresetName,
} from "../src/index.js";

const { values: args } = parseArgs({
  options: {
    model: { type: "string", default: "lenet5" },
    policy: { type: "string", default: "fp32" },
    backend: { type: "string", default: "wasm" },
    batches: { type: "string", default: "30" },
    "batch-size": { type: "string", default: "64" },
  },
});
const batches = Number(args.batches);
const batchSize = Number(args["batch-size"]);
if (!isPresetName(args.policy) || !(args.backend === "js" || args.backend === "wasm")) {
  process.stderr.write(`train-step: unknown --policy ${args.policy} or --backend ${args.backend}\n`);
  process.exit(2);
}
const WARMUP = 3;
const policy = PRESETS[args.policy];
const engine = new Engine({ backend: args.backend, seed: 1 });
const ctx = createContext({
  engine,
  paramFormat: policy.roles.params.format,
  activationFormat: policy.roles.activations.format,
  seed: 1,
});
// Fashion-MNIST's and MNIST's shape for every model: 1 x 28 x 28, 10 classes.
const model = createModel(args.model, { inChannels: 1, imageSize: 28, classes: 10 }, ctx);
const params = [...model.namedParameters()].map(([name, tensor]) => ({ name, tensor }));
const optimizer = new Sgd(params, { momentum: 0.9 }, policy, 1);
const pixels = batchSize * 28 * 28;

const forward: number[] = [];
const backwardMs: number[] = [];
const hash = createHash("sha256");
for (let b = 0; b < WARMUP + batches; b++) {
  const images = Float32Array.from({ length: pixels }, (_, i) => randomWord(7, b, 0, i) / 2 ** 32);
  const labels = Int32Array.from({ length: batchSize }, (_, i) => randomWord(8, b, 0, i) % 10);
  const t0 = performance.now();
  const x = fromValues(images, [batchSize, 1, 28, 28], { engine, format: policy.roles.activations.format });
  const loss = crossEntropy(model.forward(x), labels, { format: policy.roles.loss.format });
  const t1 = performance.now();
  backward(loss, { gradFormat: policy.roles.gradients.format });
  const t2 = performance.now();
  for (const p of params) if (p.tensor.grad !== null) hash.update(new Uint8Array(p.tensor.grad.data.buffer));
  optimizer.step(0.01);
  model.zeroGrad();
  if (b >= WARMUP) {
    forward.push(t1 - t0);
    backwardMs.push(t2 - t1);
  }
}
for (const p of params) hash.update(new Uint8Array(p.tensor.data.buffer));

const median = (v: number[]): number => v.sort((a, b) => a - b)[v.length >> 1] ?? NaN;
process.stdout.write(
  `${args.model} ${args.policy} ${args.backend}: forward ${median(forward).toFixed(1)} ms, ` +
    `backward ${median(backwardMs).toFixed(1)} ms per batch of ${batchSize} ` +
    `(median of ${batches}), hash ${hash.digest("hex").slice(0, 16)}\n`,
);
