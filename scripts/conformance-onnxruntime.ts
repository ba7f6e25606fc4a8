/**
 * Writes test/golden/conformance/onnxruntime.json: onnxruntime-node (a devDependency) executing tiny
 * models that minifloat's own ONNX writer builds: Cast float32 -> T -> float32 for bfloat16, float16 and
 * the four float8 types (saturate 0 and 1), and QuantizeLinear float32 -> int8, on each format's edge
 * values and a seeded random sample. Run from the repository root after `npm run build`:
 *     node dist/scripts/conformance-onnxruntime.js && node dist/scripts/conformance-page.js
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { floatFormat, isFloatFormatName } from "../src/formats/index.js";
import { writeJsonAtomic } from "../src/io/index.js";
import {
  encodeOnnxModel,
  ONNX_DATA_TYPES,
  OnnxGraphBuilder,
  type OnnxDataType,
} from "../src/io/onnx/index.js";
import {
  edgeInputs,
  GOLDEN_DIR,
  randomInputs,
  toGolden,
  type GoldenCase,
  type GoldenFile,
} from "./conformance/golden.js";

const OPSET = 21;
const RANDOM = 400;
/** Every float type ONNX and minifloat share, but float32 (the source). */
const CAST_TARGETS = (Object.keys(ONNX_DATA_TYPES) as OnnxDataType[]).filter(
  (t) => t !== "float32" && isFloatFormatName(t),
);
/** QuantizeLinear's parameters: a zero point away from 0 and -128 shows which one NaN becomes. */
const QUANT = { scale: 0.5, zeroPoint: 5 };

/** The model y = build(x) on a float32 vector x of length n. */
function modelBytes(
  n: number,
  build: (g: OnnxGraphBuilder) => { out: string; type: OnnxDataType },
): Uint8Array {
  const g = new OnnxGraphBuilder(OPSET);
  const { out, type } = build(g);
  const model = g.model(
    "conformance",
    [{ name: "x", dataType: "float32", dims: [n] }],
    [{ name: out, dataType: type, dims: [n] }],
    {
      producerVersion: "conformance",
    },
  );
  return encodeOnnxModel(model);
}

async function run(bytes: Uint8Array, inputs: readonly number[]): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const result = await session.run({
    x: new ort.Tensor("float32", Float32Array.from(inputs), [inputs.length]),
  });
  const y = Object.values(result)[0];
  return Array.from(y.data as Float32Array | Int8Array);
}

async function castCase(to: OnnxDataType, saturate: boolean | undefined): Promise<GoldenCase> {
  const f = floatFormat(to);
  const inputs = [...edgeInputs(f), ...randomInputs(f, RANDOM, 14)];
  const bytes = modelBytes(inputs.length, (g) => {
    const attrs = saturate === undefined ? {} : { saturate: saturate ? 1 : 0 };
    const low = g.node("Cast", ["x"], "to_low", { to: ONNX_DATA_TYPES[to], ...attrs });
    return { out: g.node("Cast", [low], "y", { to: ONNX_DATA_TYPES.float32 }), type: "float32" };
  });
  const outputs = await run(bytes, inputs);
  const id = `cast-${to}${saturate === undefined ? "" : saturate ? "-saturate" : "-nonsaturating"}`;
  return {
    id,
    op: "cast",
    from: "float32",
    to,
    ...(saturate === undefined ? {} : { saturate }),
    inputs: inputs.map(toGolden),
    outputs: outputs.map(toGolden),
  };
}

async function quantizeCase(): Promise<GoldenCase> {
  const ties = [0, 0.25, 0.75, 1.25, 63.25, 63.5, 63.75, 66.25, 66.5, 100, 1e9];
  const random = randomInputs(floatFormat("float16"), RANDOM, 15).map((x) => Math.fround(x / 256));
  const inputs = [...ties.flatMap((x) => [x, -x]), Infinity, -Infinity, NaN, ...random];
  const bytes = modelBytes(inputs.length, (g) => {
    const scale = g.float32("scale", [QUANT.scale], []);
    const zero = g.initializer("zero_point", "int8", [], Uint8Array.of(QUANT.zeroPoint));
    return { out: g.node("QuantizeLinear", ["x", scale, zero], "y"), type: "int8" };
  });
  const outputs = await run(bytes, inputs);
  return {
    id: "quantize-int8",
    op: "quantize",
    from: "float32",
    to: "int8",
    ...QUANT,
    inputs: inputs.map(toGolden),
    outputs: outputs.map(toGolden),
  };
}

const cases: GoldenCase[] = [];
for (const to of CAST_TARGETS) {
  if (to.startsWith("float8")) {
    cases.push(await castCase(to, false), await castCase(to, true));
  } else cases.push(await castCase(to, undefined));
}
cases.push(await quantizeCase());
const version = (createRequire(import.meta.url)("onnxruntime-node/package.json") as { version: string })
  .version;
const file: GoldenFile = {
  oracle: "onnxruntime",
  provenance: `executed: onnxruntime-node ${version} (CPU), opset ${OPSET}`,
  generator: "scripts/conformance-onnxruntime.ts",
  cases,
};
writeJsonAtomic(join(GOLDEN_DIR, "onnxruntime.json"), file);
