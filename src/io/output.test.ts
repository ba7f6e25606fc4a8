/**
 * The output rule's pieces: what a path holds (marker first, then files), inputs never outputs by real
 * path, and a folder built beside its target and swapped in, leaving the target as it was on failure.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkNotInput,
  checkOutputFile,
  checkOutputFolder,
  markFolder,
  pathState,
  writeFolderAtomic,
} from "./output.js";

const temp = (): string => mkdtempSync(join(tmpdir(), "minifloat-output-"));

function folder(files: Record<string, string>): string {
  const dir = temp();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe("pathState", () => {
  it("recognises folders by their marker, else by their files", () => {
    const root = temp();
    expect(pathState(join(root, "none"))).toBe("missing");
    writeFileSync(join(root, "f"), "x");
    expect(pathState(join(root, "f"))).toBe("file");
    expect(pathState(temp())).toBe("empty");
    expect(pathState(folder({ "config.json": "{}", "model.safetensors": "" }))).toBe("model");
    expect(pathState(folder({ "config.json": "{}", "metrics.jsonl": "" }))).toBe("run");
    expect(pathState(folder({ "config.json": '{"config":{},"policy":{}}' }))).toBe("run");
    expect(pathState(folder({ "config.json": '{"model_type":"bert"}' }))).toBe("other");
    expect(pathState(folder({ "compare.json": "{}" }))).toBe("compare");
    expect(pathState(folder({ "results.json": "{}" }))).toBe("other");
    const marked = folder({ "notes.txt": "" });
    markFolder(marked, "reproduce");
    expect(pathState(marked)).toBe("reproduce");
    // What a run killed while starting leaves (its lock, a write's temporary) is still an empty folder.
    expect(pathState(folder({ ".minifloat.lock": "", ".config.json.123.0123456789ab.tmp": "" }))).toBe(
      "empty",
    );
    expect(pathState(folder({ ".minifloat.lock": "", "notes.txt": "" }))).toBe("other");
  });
});

describe("checkNotInput", () => {
  it("compares real paths: the same folder through a link, an output inside or around the input", () => {
    const root = temp();
    const model = join(root, "model");
    mkdirSync(model);
    symlinkSync(model, join(root, "link"));
    const inputs = [{ path: model, name: "model directory" }];
    expect(() => {
      checkNotInput(join(root, "link"), "--out", inputs);
    }).toThrow(/is the input model directory/);
    expect(() => {
      checkNotInput(join(root, "link", "new", "x"), "--out", inputs);
    }).toThrow(/is inside the input/);
    expect(() => {
      checkNotInput(root, "--out", inputs);
    }).toThrow(/holds the input/);
    expect(() => {
      checkNotInput(join(root, "link", "x"), "--out", inputs, true);
    }).not.toThrow();
    expect(() => {
      checkNotInput(join(root, "other"), "--out", inputs);
    }).not.toThrow();
  });
});

describe("checkOutputFolder and checkOutputFile", () => {
  it("accepts only the folder kind a command writes, and replaces a model only with force", () => {
    const model = folder({ "config.json": "{}", "model.safetensors": "" });
    const run = folder({ "config.json": "{}", "metrics.jsonl": "" });
    expect(checkOutputFolder(run, { option: "--out", kind: "run" })).toBe("run");
    expect(() => checkOutputFolder(model, { option: "--out", kind: "run", force: true })).toThrow(
      /is a model directory/,
    );
    expect(() => checkOutputFolder(model, { option: "--out", kind: "model" })).toThrow(/pass --force/);
    expect(checkOutputFolder(model, { option: "--out", kind: "model", force: true })).toBe("model");
    expect(() =>
      checkOutputFolder(folder({ a: "" }), { option: "--out", kind: "model", force: true }),
    ).toThrow(/not empty/);
    expect(() => {
      checkOutputFile(join(run, "metrics.jsonl"), { option: "--onnx" });
    }).toThrow(/exists; pass --force/);
    expect(() => {
      checkOutputFile(run, { option: "--onnx", force: true });
    }).toThrow(/is a folder; expected a file/);
  });
});

describe("writeFolderAtomic", () => {
  it("swaps a finished folder in, and leaves the target untouched when the build fails", () => {
    const root = temp();
    const target = join(root, "m");
    mkdirSync(target);
    writeFileSync(join(target, "old"), "old");
    expect(() =>
      writeFolderAtomic(target, "model", (dir) => {
        writeFileSync(join(dir, "new"), "new");
        throw new Error("build failed");
      }),
    ).toThrow(/build failed/);
    expect(readdirSync(root)).toEqual(["m"]);
    expect(readdirSync(target)).toEqual(["old"]);
    const made = writeFolderAtomic(target, "model", (dir) => {
      writeFileSync(join(dir, "new"), "new");
      return dir;
    });
    expect(made).toMatch(/\.m\.\d+\.[0-9a-f]{12}\.tmp$/);
    expect(readdirSync(root)).toEqual(["m"]);
    expect(readdirSync(target).sort()).toEqual([".minifloat", "new"]);
    expect(readFileSync(join(target, "new"), "utf8")).toBe("new");
  });
});
