/**
 * Converting a checkpoint's float tensors: each value rounded once to nearest-even, integer tensors and
 * side files kept, a value beyond the target's range an error naming the tensor and element.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { convertHfCheckpoint } from "./hf-convert.js";
import { readSafetensors, writeSafetensors, type SafetensorsEntry } from "./safetensors.js";
import { entryToFloat32 } from "./safetensors-tensor.js";

function f32(values: number[]): SafetensorsEntry {
  return { dtype: "F32", shape: [values.length], data: new Uint8Array(Float32Array.from(values).buffer) };
}

function checkpoint(tensors: [string, SafetensorsEntry][]): string {
  const dir = mkdtempSync(join(tmpdir(), "minifloat-convert-"));
  writeSafetensors(join(dir, "model.safetensors"), tensors);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ model_type: "bert", torch_dtype: "float32" }));
  writeFileSync(join(dir, "vocab.txt"), "[PAD]\n");
  return dir;
}

describe("convertHfCheckpoint", () => {
  it("rounds every float tensor once to nearest-even and keeps the rest", () => {
    const ids: SafetensorsEntry = { dtype: "I8", shape: [2], data: Uint8Array.of(1, 255) };
    const src = checkpoint([
      ["w", f32([1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, -65504, 2 ** -24, 0.1])],
      ["ids", ids],
    ]);
    const dst = join(src, "f16");
    const r = convertHfCheckpoint(src, dst, "float16");
    expect(r).toEqual({ tensors: 2, converted: 1, inexact: 3, values: 6 });
    const out = readSafetensors(join(dst, "model.safetensors")).tensors;
    const w = out.get("w") as SafetensorsEntry;
    expect(w.dtype).toBe("F16");
    // 1 + 2^-11 is a tie: to even (1); 1 + 3 * 2^-11 ties up to 1 + 2^-9; 0.1 to its nearest float16.
    expect(Array.from(entryToFloat32(w))).toEqual([1, 1, 1 + 2 ** -9, -65504, 2 ** -24, 0.0999755859375]);
    expect(out.get("ids")).toEqual(ids);
    expect(readFileSync(join(dst, "vocab.txt"), "utf8")).toBe("[PAD]\n");
    expect(JSON.parse(readFileSync(join(dst, "config.json"), "utf8"))).toEqual({
      model_type: "bert",
      torch_dtype: "float16",
    });
  });

  it("refuses a value beyond the target's range, naming it", () => {
    const src = checkpoint([["layer.weight", f32([1, 70000])]]);
    expectError(
      () => convertHfCheckpoint(src, join(src, "out"), "float16"),
      "format",
      /layer\.weight\[1\] = 70000 is beyond float16's range/,
    );
    expectError(() => convertHfCheckpoint(src, join(src, "out"), "float4_e2m1fn"), "unsupported", /sub-byte/);
  });
});
