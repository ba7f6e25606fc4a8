/**
 * A small builder for ONNX graphs: nodes appended in topological order (each call returns its output
 * names, which are made unique), constant initializers from typed arrays, and the finished OnnxModel.
 * Tensor data is written little-endian, as TensorProto.raw_data requires; every platform Node runs on
 * is little-endian, so typed arrays are used byte for byte.
 */
import type {
  OnnxAttribute,
  OnnxDataType,
  OnnxModel,
  OnnxNode,
  OnnxTensor,
  OnnxValueInfo,
} from "./onnx-proto.js";
import { irVersionForOpset } from "./onnx-proto.js";

/** Attribute shorthands: a number is an int, an array of numbers is ints; anything else spelled out. */
export type AttributeInput = number | readonly number[] | OnnxAttribute;

function toAttribute(a: AttributeInput): OnnxAttribute {
  if (typeof a === "number") return { type: "int", value: a };
  if (Array.isArray(a)) return { type: "ints", value: a as readonly number[] };
  return a as OnnxAttribute;
}

/** The bytes of a typed array, without a copy. */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Builds one graph of default-domain `opset`. */
export class OnnxGraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly names = new Set<string>();

  constructor(readonly opset: number) {
    irVersionForOpset(opset);
  }

  /** `base`, or `base_2`, `base_3`... whichever is not taken yet; the name is then taken. */
  unique(base: string): string {
    let name = base;
    for (let i = 2; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Append a node with `outputs` outputs named after `name`; returns the output names. */
  nodeN(
    opType: string,
    inputs: readonly string[],
    name: string,
    outputs: number,
    attributes: Readonly<Record<string, AttributeInput>> = {},
  ): string[] {
    const nodeName = this.unique(name);
    const outs = Array.from({ length: outputs }, (_, i) =>
      i === 0 ? nodeName : this.unique(`${nodeName}:${i}`),
    );
    const attrs = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, toAttribute(v)]));
    this.nodes.push({ opType, inputs, outputs: outs, name: nodeName, attributes: attrs });
    return outs;
  }

  /** Append a node with one output named after `name` (made unique); returns the output name. */
  node(
    opType: string,
    inputs: readonly string[],
    name: string,
    attributes: Readonly<Record<string, AttributeInput>> = {},
  ): string {
    return this.nodeN(opType, inputs, name, 1, attributes)[0];
  }

  /** A constant initializer of raw little-endian bytes; returns its (unique) name. */
  initializer(name: string, dataType: OnnxDataType, dims: readonly number[], raw: Uint8Array): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dataType, dims, raw });
    return unique;
  }

  /** A float32 initializer. */
  float32(name: string, values: Float32Array | readonly number[], dims: readonly number[]): string {
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    return this.initializer(name, "float32", dims, bytesOf(data));
  }

  /** An int64 initializer. */
  int64(name: string, values: readonly number[], dims: readonly number[]): string {
    return this.initializer(name, "int64", dims, bytesOf(BigInt64Array.from(values, (v) => BigInt(v))));
  }

  /** The finished model. */
  model(
    graphName: string,
    inputs: readonly OnnxValueInfo[],
    outputs: readonly OnnxValueInfo[],
    meta: { readonly producerVersion: string; readonly docString?: string },
  ): OnnxModel {
    return {
      irVersion: irVersionForOpset(this.opset),
      opsetImports: [{ domain: "", version: this.opset }],
      producerName: "minifloat",
      producerVersion: meta.producerVersion,
      ...(meta.docString === undefined ? {} : { docString: meta.docString }),
      graph: { name: graphName, nodes: this.nodes, initializers: this.initializers, inputs, outputs },
    };
  }
}
