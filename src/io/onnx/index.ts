/**
 * ONNX export (part of layer `io`): a minimal protobuf writer, ONNX models as plain data and their
 * encoding, a graph builder, QuantizeLinear/DequantizeLinear insertion, and BERT export. Imports
 * formats, tensor and nn; must not import experiment, report or cli.
 */
export * from "./onnx-proto.js";
export { OnnxGraphBuilder, type AttributeInput } from "./graph-builder.js";
export * from "./qdq.js";
export * from "./bert-onnx.js";
