/**
 * Hugging Face checkpoint directories with a stand-in model (io knows models only structurally): save and
 * load round trips in float32 and in the parameters' own dtype, values rounded once (from F64 too), key
 * mapping, sharded checkpoints, and every error naming the file or the tensors at fault.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { fromValues, type Tensor } from "../tensor/index.js";
import {
  loadHfCheckpoint,
  loadState,
  readHfCheckpoint,
  readHfConfig,
  saveHfCheckpoint,
  type CheckpointModel,
} from "./hf-checkpoint.js";
import { readSafetensors, writeSafetensors, type SafetensorsEntry } from "./safetensors.js";

/** Two parameters, "dense.weight" (2, 3) and "dense.bias" (2), in one format. */
class Stand implements CheckpointModel {
  readonly params = new Map<string, Tensor>();

  constructor(format = "float32", scale = 1) {
    const opts = { format, requiresGrad: true };
    this.params.set(
      "dense.weight",
      fromValues(
        [1, 2, 3, 4, 5, 6].map((v) => v * scale),
        [2, 3],
        opts,
      ),
    );
    this.params.set("dense.bias", fromValues([0.5 * scale, -0.25 * scale], [2], opts));
  }

  *namedParameters(): Generator<[string, Tensor]> {
    yield* this.params;
  }

  setParameter(name: string, t: Tensor): void {
    this.params.set(name, t);
  }

  values(name: string): number[] {
    return (this.params.get(name) as Tensor).toArray();
  }
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), "minifloat-hf-"));
  made.push(dir);
  return dir;
}

function f64(values: number[], shape: number[]): SafetensorsEntry {
  return { dtype: "F64", shape, data: new Uint8Array(new Float64Array(values).buffer) };
}

/** A checkpoint directory holding `tensors` and a small config. */
function checkpoint(tensors: Record<string, SafetensorsEntry>): string {
  const dir = tmp();
  writeFileSync(join(dir, "config.json"), JSON.stringify({ model_type: "stand" }));
  writeSafetensors(join(dir, "model.safetensors"), tensors, { format: "pt" });
  return dir;
}

const GOOD = {
  "dense.weight": f64([6, 5, 4, 3, 2, 1], [2, 3]),
  "dense.bias": f64([1, -1], [2]),
};

describe("saveHfCheckpoint and loadHfCheckpoint", () => {
  it("round-trips float32 exactly, with config.json and the 'pt' metadata transformers expects", () => {
    const dir = tmp();
    saveHfCheckpoint(dir, new Stand("float32", 1.1), { model_type: "stand", hidden_size: 3 });
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
    expect(config).toEqual({ model_type: "stand", hidden_size: 3, torch_dtype: "float32" });
    const file = readSafetensors(join(dir, "model.safetensors"));
    expect(file.metadata).toEqual({ format: "pt" });
    expect([...file.tensors.values()].map((e) => e.dtype)).toEqual(["F32", "F32"]);
    const { model, report } = loadHfCheckpoint(dir, () => new Stand());
    expect(report).toEqual({ loaded: ["dense.weight", "dense.bias"], missing: [], skipped: [] });
    expect(model.values("dense.weight")).toEqual(new Stand("float32", 1.1).values("dense.weight"));
  });

  it("saves each parameter in its own dtype on request and loads it back bit for bit", () => {
    const dir = tmp();
    const source = new Stand("bfloat16", 1.1);
    saveHfCheckpoint(dir, source, {}, { dtype: "params" });
    expect(readHfConfig(dir).torch_dtype).toBe("bfloat16");
    const entry = readHfCheckpoint(dir).tensors.get("dense.weight") as SafetensorsEntry;
    expect(entry.dtype).toBe("BF16");
    const { model } = loadHfCheckpoint(dir, () => new Stand("bfloat16"));
    const [a, b] = [model.params.get("dense.weight"), source.params.get("dense.weight")] as Tensor[];
    expect([...a.data]).toEqual([...b.data]);
    expect(a.requiresGrad).toBe(true);
  });

  it("rounds each value once into the parameter's format (no double rounding through float32)", () => {
    // 1 + 2^-8 + 2^-40 is just above the bfloat16 tie at 1 + 2^-8: once, it rounds up to 1 + 2^-7;
    // through float32 first it would become the tie 1 + 2^-8 and then round to even, 1.
    const x = 1 + 2 ** -8 + 2 ** -40;
    const dir = checkpoint({
      "dense.weight": f64([x, 0, 0, 0, 0, 0], [2, 3]),
      "dense.bias": f64([x, 3], [2]),
    });
    const { model } = loadHfCheckpoint(dir, () => new Stand("bfloat16"));
    expect(model.values("dense.bias")).toEqual([1 + 2 ** -7, 3]);
    expect(model.params.get("dense.bias")?.format.name).toBe("bfloat16");
  });

  it("maps keys through checkpointKey, skips what it maps to null, and allows what the options allow", () => {
    const model = new Stand();
    const mapped = Object.assign(model, {
      checkpointKey: (k: string) => (k.startsWith("head.") ? null : k.replace(/^base\./, "")),
    });
    const tensors = new Map<string, SafetensorsEntry>([
      ["base.dense.weight", GOOD["dense.weight"]],
      ["head.x", f64([1], [1])],
      ["other.y", f64([1], [1])],
    ]);
    const report = loadState(mapped, tensors, {
      allowMissing: (n) => n === "dense.bias",
      allowUnexpected: (k) => k === "other.y",
    });
    expect(report).toEqual({
      loaded: ["dense.weight"],
      missing: ["dense.bias"],
      skipped: ["head.x", "other.y"],
    });
    expect(model.values("dense.weight")).toEqual([6, 5, 4, 3, 2, 1]);
    expect(model.values("dense.bias")).toEqual([0.5, -0.25]);
  });

  it("reads sharded checkpoints through model.safetensors.index.json", () => {
    const dir = tmp();
    writeFileSync(join(dir, "config.json"), "{}");
    writeSafetensors(join(dir, "model-00001-of-00002.safetensors"), { "dense.weight": GOOD["dense.weight"] });
    writeSafetensors(join(dir, "model-00002-of-00002.safetensors"), { "dense.bias": GOOD["dense.bias"] });
    const weightMap = {
      "dense.weight": "model-00001-of-00002.safetensors",
      "dense.bias": "model-00002-of-00002.safetensors",
    };
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ weight_map: weightMap }));
    expect(loadHfCheckpoint(dir, () => new Stand()).model.values("dense.bias")).toEqual([1, -1]);
  });
});

describe("checkpoint errors", () => {
  it("names missing directories, files and unreadable formats", () => {
    expectError(() => readHfCheckpoint("/nonexistent/minifloat"), "io", /no such checkpoint directory/);
    const empty = tmp();
    expectError(() => readHfCheckpoint(empty), "io", /no config.json \(a Hugging Face checkpoint directory/);
    writeFileSync(join(empty, "config.json"), "{ not json");
    expectError(() => readHfConfig(empty), "format", /config.json is not valid JSON/);
    writeFileSync(join(empty, "config.json"), "[1]");
    expectError(() => readHfConfig(empty), "format", /config.json must be a JSON object, got \[1\]/);
    writeFileSync(join(empty, "config.json"), "{}");
    expectError(
      () => readHfCheckpoint(empty),
      "io",
      /no model.safetensors or model.safetensors.index.json; found config.json/,
    );
    writeFileSync(join(empty, "pytorch_model.bin"), "");
    expectError(
      () => readHfCheckpoint(empty),
      "unsupported",
      /holds pytorch_model.bin.*convert it to model.safetensors/,
    );
  });

  it("keeps shard files inside the checkpoint folder (weight_map names files, not paths)", () => {
    const dir = tmp();
    writeFileSync(join(dir, "config.json"), "{}");
    writeSafetensors(join(dir, "a.safetensors"), GOOD);
    const index = (weightMap: unknown): void => {
      writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ weight_map: weightMap }));
    };
    for (const escape of ["..", ".", "", "../a.safetensors", "/etc/passwd", "..\\a", "a\u0000b"]) {
      index({ "dense.weight": "a.safetensors", "dense.bias": escape });
      expectError(
        () => readHfCheckpoint(dir),
        "format",
        /model\.safetensors\.index\.json: weight_map must map tensor names to file names in .*, got "/,
      );
    }
    index(["a.safetensors"]);
    expectError(() => readHfCheckpoint(dir), "format", /weight_map must map .*, got no files/);
    index({ "dense.weight": 3 });
    expectError(() => readHfCheckpoint(dir), "format", /weight_map must map .*, got 3/);
    index({ "dense.weight": "a.safetensors", "dense.bias": "a.safetensors" });
    expect([...readHfCheckpoint(dir).tensors.keys()].sort()).toEqual(["dense.bias", "dense.weight"]);
  });

  it("refuses deeply nested JSON with a format error, not a stack overflow (found by fuzzing)", () => {
    const dir = tmp();
    const deep = "[".repeat(20_000) + "]".repeat(20_000);
    writeFileSync(join(dir, "config.json"), deep);
    expectError(
      () => readHfConfig(dir),
      "format",
      /config.json must be a JSON object, got a deeply nested array/,
    );
    writeFileSync(join(dir, "config.json"), "{}");
    writeFileSync(join(dir, "model.safetensors.index.json"), `{"weight_map":{"w":${deep}}}`);
    expectError(() => readHfCheckpoint(dir), "format", /got a deeply nested array/);
  });

  it("lists missing, unexpected and mis-shaped tensors together and leaves the model unchanged", () => {
    const dir = checkpoint({ "dense.weight": f64([1, 2, 3, 4, 5, 6], [3, 2]), "dense.extra": f64([1], [1]) });
    const model = new Stand();
    expectError(
      () => loadHfCheckpoint(dir, () => model),
      "format",
      /does not match the model: missing 1: dense.bias; unexpected 1: dense.extra; wrong shape 1: dense.weight expected \(2, 3\), got \(3, 2\)/,
    );
    expect(model.values("dense.weight")).toEqual([1, 2, 3, 4, 5, 6]);
    const shapeOnly = checkpoint({
      "dense.weight": f64([1, 2, 3, 4, 5, 6], [6]),
      "dense.bias": GOOD["dense.bias"],
    });
    expectError(
      () => loadHfCheckpoint(shapeOnly, () => new Stand()),
      "shape",
      /dense.weight expected \(2, 3\), got \(6\)/,
    );
  });

  it("rejects integer tensors and two keys that load one parameter", () => {
    const ints: SafetensorsEntry = { dtype: "I32", shape: [2], data: new Uint8Array(8) };
    const dir = checkpoint({ "dense.weight": GOOD["dense.weight"], "dense.bias": ints });
    expectError(
      () => loadHfCheckpoint(dir, () => new Stand()),
      "format",
      /dense.bias has dtype I32, expected a float dtype/,
    );
    const twice = Object.assign(new Stand(), { checkpointKey: (k: string) => k.replace(/^old\./, "") });
    const tensors = new Map([...Object.entries(GOOD), ["old.dense.bias", GOOD["dense.bias"]]]);
    expectError(
      () => loadState(twice, tensors),
      "format",
      /dense.bias and old.dense.bias both load dense.bias/,
    );
  });
});
