/**
 * Atomic writes: the new content appears whole, a failure at any step (write, fsync, rename) leaves the
 * previous file as it was and no temporary file behind; JSONL appends; paths kept inside a root.
 * node:fs is wrapped in spies so that a failure can be injected at one exact step.
 */
import * as fs from "node:fs";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync as plainWrite,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { appendLine, resolveInside, writeFileAtomic, writeJsonAtomic } from "./atomic.js";

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  return {
    ...actual,
    writeFileSync: vi.fn(actual.writeFileSync),
    fsyncSync: vi.fn(actual.fsyncSync),
    renameSync: vi.fn(actual.renameSync),
  };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "minifloat-atomic-"));
});
afterEach(() => {
  vi.resetAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function failWith(message: string): () => never {
  return () => {
    throw new Error(message);
  };
}

describe("writeFileAtomic", () => {
  it("writes text and bytes, replacing the previous content, with no temporary file left", () => {
    const path = join(dir, "a.txt");
    writeFileAtomic(path, "first");
    expect(readFileSync(path, "utf8")).toBe("first");
    writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(["a.txt"]);
  });

  it("keeps the permissions of the file it replaces", () => {
    const path = join(dir, "secret.json");
    plainWrite(path, "{}", { mode: 0o600 });
    writeFileAtomic(path, "[]");
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  const steps = [
    ["writing", () => vi.mocked(fs.writeFileSync).mockImplementationOnce(failWith("ENOSPC: disk full"))],
    ["fsync", () => vi.mocked(fs.fsyncSync).mockImplementationOnce(failWith("EIO: fsync failed"))],
    ["rename", () => vi.mocked(fs.renameSync).mockImplementationOnce(failWith("EXDEV: rename failed"))],
  ] as const;
  for (const [step, inject] of steps) {
    it(`leaves the previous file intact and no temporary file when ${step} fails`, () => {
      const path = join(dir, "ckpt.bin");
      writeFileAtomic(path, "old content");
      inject();
      expectError(
        () => {
          writeFileAtomic(path, "new content");
        },
        "io",
        /could not write .*ckpt\.bin: E[A-Z]+: /,
      );
      expect(readFileSync(path, "utf8")).toBe("old content");
      expect(readdirSync(dir)).toEqual(["ckpt.bin"]);
    });
  }

  it("ignores a folder that refuses fsync (the rename has happened)", () => {
    const path = join(dir, "b.txt");
    const real = vi.mocked(fs.fsyncSync).getMockImplementation();
    vi.mocked(fs.fsyncSync)
      .mockImplementationOnce((fd) => real?.(fd))
      .mockImplementationOnce(failWith("EINVAL: not supported"));
    writeFileAtomic(path, "ok");
    expect(readFileSync(path, "utf8")).toBe("ok");
  });

  it("names the path when the folder does not exist", () => {
    expectError(
      () => {
        writeFileAtomic(join(dir, "missing", "x.txt"), "x");
      },
      "io",
      /missing\/x\.txt: ENOENT/,
    );
  });

  it("leaves a directory in the way untouched and cleans up", () => {
    const path = join(dir, "taken");
    fs.mkdirSync(path);
    plainWrite(join(path, "inside"), "keep");
    expectError(
      () => {
        writeFileAtomic(path, "x");
      },
      "io",
      /could not write .*taken: /,
    );
    expect(readFileSync(join(path, "inside"), "utf8")).toBe("keep");
    expect(readdirSync(dir)).toEqual(["taken"]);
  });
});

describe("writeJsonAtomic", () => {
  it("writes pretty JSON with a trailing newline", () => {
    const path = join(dir, "config.json");
    writeJsonAtomic(path, { lr: 0.1, layers: [1, 2] });
    expect(readFileSync(path, "utf8")).toBe('{\n  "lr": 0.1,\n  "layers": [\n    1,\n    2\n  ]\n}\n');
  });

  it("refuses values that are not JSON, naming the file, and writes nothing", () => {
    const path = join(dir, "bad.json");
    expectError(
      () => {
        writeJsonAtomic(path, undefined);
      },
      "argument",
      /bad\.json: expected a JSON value, got undefined/,
    );
    expectError(
      () => {
        writeJsonAtomic(path, { n: 1n });
      },
      "argument",
      /bad\.json: value is not JSON: .*BigInt/,
    );
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    expectError(
      () => {
        writeJsonAtomic(path, cycle);
      },
      "argument",
      /bad\.json: value is not JSON: .*circular/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("appendLine", () => {
  it("appends one line per call", () => {
    const path = join(dir, "metrics.jsonl");
    appendLine(path, '{"step":1}');
    appendLine(path, '{"step":2}');
    expect(readFileSync(path, "utf8")).toBe('{"step":1}\n{"step":2}\n');
  });

  it("refuses a line break inside the line and a missing folder", () => {
    const path = join(dir, "m.jsonl");
    expectError(
      () => {
        appendLine(path, "a\nb");
      },
      "argument",
      /m\.jsonl.*expected a single line/,
    );
    expectError(
      () => {
        appendLine(path, "a\rb");
      },
      "argument",
      /single line/,
    );
    expectError(
      () => {
        appendLine(join(dir, "no", "m.jsonl"), "x");
      },
      "io",
      /could not append to .*no\/m\.jsonl: ENOENT/,
    );
  });
});

describe("resolveInside", () => {
  const root = "/runs/exp1";

  it("resolves paths that stay inside the root", () => {
    expect(resolveInside(root, "checkpoints/step-10.safetensors")).toBe(
      "/runs/exp1/checkpoints/step-10.safetensors",
    );
    expect(resolveInside(root, "a/../b")).toBe("/runs/exp1/b");
    expect(resolveInside(root, "..hidden")).toBe("/runs/exp1/..hidden");
    expect(resolveInside(root, "")).toBe("/runs/exp1");
    expect(resolveInside("relative/root", "x")).toBe(resolve("relative/root", "x"));
  });

  it("rejects escapes, absolute paths and NUL characters", () => {
    for (const bad of ["..", "../x", "a/../../x", "./../exp10/y"]) {
      expectError(() => resolveInside(root, bad), "io", /escapes \/runs\/exp1: expected a path inside it/);
    }
    expectError(
      () => resolveInside(root, "/etc/passwd"),
      "io",
      /"\/etc\/passwd" must be relative .* absolute/,
    );
    expectError(() => resolveInside(root, "a\0b"), "io", /NUL character/);
  });
});
