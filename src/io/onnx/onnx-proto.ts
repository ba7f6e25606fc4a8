/**
 * ONNX model files as plain data and their protobuf encoding. The field numbers are those of
 * onnx/onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto,
 * TypeProto, TensorShapeProto, OperatorSetIdProto); tensor data is always written as little-endian
 * `raw_data`, which ONNX allows for every numeric type (float8 included, one byte per element).
 */
import { MinifloatError } from "../../errors.js";
import { ProtoWriter } from "./protobuf.js";

/** TensorProto.DataType by minifloat's canonical format names (plus the integer types ONNX needs). */
export const ONNX_DATA_TYPES = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  bfloat16: 16,
  float8_e4m3fn: 17,
  float8_e4m3fnuz: 18,
  float8_e5m2: 19,
  float8_e5m2fnuz: 20,
  uint4: 21,
  int4: 22,
} as const;

/** An element type of an ONNX tensor, by minifloat name. */
export type OnnxDataType = keyof typeof ONNX_DATA_TYPES;

/** A constant tensor (an initializer or an attribute value): `raw` holds its elements, little-endian. */
export interface OnnxTensor {
  readonly name: string;
  readonly dataType: OnnxDataType;
  readonly dims: readonly number[];
  readonly raw: Uint8Array;
}

/** One attribute value, tagged with its AttributeProto type. */
export type OnnxAttribute =
  | { readonly type: "int"; readonly value: number }
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "ints"; readonly value: readonly number[] }
  | { readonly type: "floats"; readonly value: readonly number[] }
  | { readonly type: "tensor"; readonly value: OnnxTensor };

/** A graph node: `opType` from `domain` (default the ONNX domain ""). */
export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly domain?: string;
  readonly attributes?: Readonly<Record<string, OnnxAttribute>>;
}

/** A graph input or output: a tensor type whose dimensions are sizes or symbolic names. */
export interface OnnxValueInfo {
  readonly name: string;
  readonly dataType: OnnxDataType;
  readonly dims: readonly (number | string)[];
}

/** A graph: nodes in topological order, constant initializers, inputs and outputs. */
export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

/** A whole model file. */
export interface OnnxModel {
  readonly irVersion: number;
  readonly opsetImports: readonly { readonly domain: string; readonly version: number }[];
  readonly producerName: string;
  readonly producerVersion: string;
  readonly docString?: string;
  readonly graph: OnnxGraph;
}

/** AttributeProto.AttributeType codes. */
const ATTRIBUTE_TYPES = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

/** The IR version that goes with each default-domain opset (onnx/helper.py VERSION_TABLE). */
const IR_VERSION_OF_OPSET: Readonly<Record<number, number>> = {
  17: 8,
  18: 8,
  19: 9,
  20: 9,
  21: 10,
  22: 10,
  23: 11,
};

/** The IR version for default-domain `opset` (17 to 23), or a MinifloatError("unsupported"). */
export function irVersionForOpset(opset: number): number {
  const ir = Object.hasOwn(IR_VERSION_OF_OPSET, opset) ? IR_VERSION_OF_OPSET[opset] : undefined;
  if (ir === undefined) {
    const known = Object.keys(IR_VERSION_OF_OPSET).join(", ");
    throw new MinifloatError("unsupported", `ONNX opset must be one of ${known}, got ${opset}`);
  }
  return ir;
}

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  w.packedInt64(1, t.dims).intField(2, ONNX_DATA_TYPES[t.dataType]).stringField(8, t.name);
  w.bytesField(9, t.raw);
}

function writeAttribute(w: ProtoWriter, name: string, a: OnnxAttribute): void {
  w.stringField(1, name).intField(20, ATTRIBUTE_TYPES[a.type]);
  switch (a.type) {
    case "float":
      w.floatField(2, a.value);
      break;
    case "int":
      w.intField(3, a.value);
      break;
    case "string":
      w.stringField(4, a.value);
      break;
    case "tensor":
      w.messageField(5, (m) => {
        writeTensor(m, a.value);
      });
      break;
    case "floats":
      w.packedFloat(7, a.value);
      break;
    case "ints":
      w.packedInt64(8, a.value);
      break;
    default:
      a satisfies never;
  }
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.stringField(1, i);
  for (const o of n.outputs) w.stringField(2, o);
  if (n.name !== undefined) w.stringField(3, n.name);
  w.stringField(4, n.opType);
  for (const [name, a] of Object.entries(n.attributes ?? {})) {
    w.messageField(5, (m) => {
      writeAttribute(m, name, a);
    });
  }
  if (n.domain !== undefined && n.domain !== "") w.stringField(7, n.domain);
}

/** ValueInfoProto { name = 1, type = 2: TypeProto { tensor_type = 1: { elem_type = 1, shape = 2 } } }. */
function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.stringField(1, v.name).messageField(2, (type) => {
    type.messageField(1, (tensor) => {
      tensor.intField(1, ONNX_DATA_TYPES[v.dataType]).messageField(2, (shape) => {
        for (const d of v.dims) {
          shape.messageField(1, (dim) => {
            if (typeof d === "number") dim.intField(1, d);
            else dim.stringField(2, d);
          });
        }
      });
    });
  });
}

function writeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.nodes)
    w.messageField(1, (m) => {
      writeNode(m, n);
    });
  w.stringField(2, g.name);
  for (const t of g.initializers)
    w.messageField(5, (m) => {
      writeTensor(m, t);
    });
  for (const v of g.inputs)
    w.messageField(11, (m) => {
      writeValueInfo(m, v);
    });
  for (const v of g.outputs)
    w.messageField(12, (m) => {
      writeValueInfo(m, v);
    });
}

/** The ModelProto bytes of `model` (an .onnx file's contents). */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.intField(1, model.irVersion);
  w.stringField(2, model.producerName).stringField(3, model.producerVersion);
  if (model.docString !== undefined) w.stringField(6, model.docString);
  w.messageField(7, (g) => {
    writeGraph(g, model.graph);
  });
  for (const o of model.opsetImports) {
    w.messageField(8, (m) => {
      if (o.domain !== "") m.stringField(1, o.domain);
      m.intField(2, o.version);
    });
  }
  return w.finish();
}
