/**
 * The wasm backend's elementwise kernels: the binary ops and comparisons the wasm code computes in
 * float32 with one rounding (broadcast operands expanded as codes first), relu, and casts from float32.
 */
import { broadcastArray } from "../../broadcast.js";
import type { Kernels, UnaryOp } from "../../signatures.js";
import type { Operand, OutputRounding } from "../../types.js";
import { BINARY_OPS, type BinaryOp, type WasmKernels } from "../index.js";
import { encodeOptions, formatsFit, wasmOr } from "./shared.js";

type ElementwiseKernels = Pick<Kernels, "binary" | "compare" | "unary" | "cast">;

function inWasm(op: string): op is BinaryOp {
  return (BINARY_OPS as readonly string[]).includes(op);
}

/** out = a (op) b in wasm, a broadcast operand (a bias row, a scalar) expanded as codes: a copy, exact in any format. */
function binary(w: WasmKernels, op: BinaryOp, a: Operand, b: Operand, out: Operand, r: OutputRounding): void {
  w.binary(op, broadcastArray(a.data, a.shape, out.shape), broadcastArray(b.data, b.shape, out.shape), {
    aFormat: a.format,
    bFormat: b.format,
    outFormat: out.format,
    rounding: encodeOptions(r),
    out: out.data,
  });
}

/** The elementwise kernels in wasm where they fit, else js. */
export function elementwiseKernels(w: WasmKernels): ElementwiseKernels {
  return {
    binary: wasmOr(
      "binary",
      (op, a, b, out) => inWasm(op) && formatsFit(a, b, out),
      (op, a, b, out, r) => {
        if (inWasm(op)) binary(w, op, a, b, out, r);
      },
    ),
    compare: wasmOr(
      "compare",
      (_op, a, b, out) => formatsFit(a, b, out),
      (op, a, b, out, r) => {
        binary(w, op, a, b, out, r);
      },
    ),
    unary: wasmOr(
      "unary",
      (op: UnaryOp, x, out) => op === "relu" && formatsFit(x, out),
      (_op, x, out, r) => {
        w.relu(x.data, {
          aFormat: x.format,
          outFormat: out.format,
          rounding: encodeOptions(r),
          out: out.data,
        });
      },
    ),
    cast: wasmOr(
      "cast",
      (x, out) => x.data instanceof Float32Array && formatsFit(out),
      (x, out, r) => {
        if (x.data instanceof Float32Array) w.encode(out.format, x.data, encodeOptions(r), out.data);
      },
    ),
  };
}
