/**
 * The runtime around the kernels: the TypeScript layout mirrors the module's, Philox in wasm draws the
 * words of src/formats/philox.ts, MINIFLOAT_THREADS sets the pool size, and a process that used the
 * pool exits by itself (the workers are unref'd).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { afterEach, describe, expect, it, vi } from "vitest";
import { randomWord } from "../../formats/index.js";
import * as layout from "./layout.js";
import { compileModule, defaultThreads, WasmRuntime } from "./runtime.js";
import { Heap } from "./heap.js";
import { kernels } from "../../../test/support/wasm-reference.js";
import { encodeArray, FLOAT_FORMATS, resolveEncodeOptions } from "../../formats/index.js";
import { randomValues } from "../../../test/support/random-values.js";

function runtime(): WasmRuntime {
  const module = compileModule();
  if (module === null) throw new Error("wasm module missing: run `npm run build`");
  return new WasmRuntime(module, 1);
}

describe("wasm runtime", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("mirrors the module's layout constants", () => {
    const ex = runtime().exports;
    const value = (name: string): unknown => (ex[name] as { value: unknown }).value;
    const mirrored = [
      "MR",
      "NR",
      "MC",
      "KC",
      "NC",
      "RCHUNK",
      "TLS_BYTES",
      "PACK_A_BYTES",
      "PACK_B_BYTES",
      "G_FIELDS",
      "CV_FIELDS",
    ] as const;
    for (const name of mirrored) expect({ name, value: value(name) }).toEqual({ name, value: layout[name] });
  });

  it("draws the Philox words of src/formats for any start", () => {
    const rt = runtime();
    const key = rt.arena.writeInt32(Int32Array.of(0x12345678, 3, 7, 9));
    const out = rt.arena.alloc(4 * 64);
    for (const start of [0, 1, 6, 2 ** 33 + 3]) {
      rt.exports.fillRandom(key, BigInt(start), 37, 5, out);
      const got = Array.from(new Uint32Array(rt.memory.buffer, out, 37));
      const want = Array.from(
        { length: 37 },
        (_, i) => randomWord(3 * 2 ** 32 + 0x12345678, 7, 9, start + i) >>> 5,
      );
      expect(got).toEqual(want);
    }
  });

  it("takes the thread count from MINIFLOAT_THREADS, else the cores", () => {
    vi.stubEnv("MINIFLOAT_THREADS", "3");
    expect(defaultThreads()).toBe(3);
    vi.stubEnv("MINIFLOAT_THREADS", "");
    expect(defaultThreads()).toBe(availableParallelism());
    vi.stubEnv("MINIFLOAT_THREADS", "two");
    expect(() => defaultThreads()).toThrow(/MINIFLOAT_THREADS must be an integer/);
  });

  it("lets a process that used the thread pool exit on its own", () => {
    const built = new URL("../../../dist/src/kernels/wasm/index.js", import.meta.url);
    if (!existsSync(built)) throw new Error("dist missing: run `npm run build`");
    const script = `
      const { wasmKernels } = await import(${JSON.stringify(built.href)});
      const k = wasmKernels();
      const a = new Float32Array(256 * 256).fill(1);
      const c = k.gemm({ m: 256, n: 256, k: 256, a, b: a });
      console.log(k.threads, c[0]);
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, MINIFLOAT_THREADS: "3" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect({ status: r.status, out: r.stdout.trim(), err: r.stderr }).toEqual({
      status: 0,
      out: "3 256",
      err: "",
    });
  });
});

describe("wasm resident arrays", () => {
  it("reuses freed heap blocks first-fit and gives the top back", () => {
    const h = new Heap();
    const base = h.top;
    const a = h.alloc(100);
    const b = h.alloc(1000);
    const c = h.alloc(64);
    expect([a, b - a, c - b]).toEqual([base, 128, 1024]);
    expect(h.free(b)).toBe(true);
    expect(h.free(b)).toBe(false);
    expect(h.alloc(500)).toBe(b);
    expect(h.free(c)).toBe(true);
    expect(h.free(a)).toBe(true);
    expect(h.used).toBe(512);
    expect(h.free(b)).toBe(true);
    expect([h.top, h.used]).toEqual([base, 0]);
  });

  it("runs kernels in place on arrays that live in the wasm memory", () => {
    const k = kernels();
    const x = randomValues(5000, 1);
    const src = k.allocate(FLOAT_FORMATS.float32, x.length) as Float32Array;
    const dst = k.allocate(FLOAT_FORMATS.bfloat16, x.length);
    src.set(x);
    expect([k.isResident(src), k.isResident(x)]).toEqual([true, false]);
    const sr = { rounding: "stochastic", random: { seed: 3 } } as const;
    expect(k.encode(FLOAT_FORMATS.bfloat16, src, resolveEncodeOptions(sr), dst)).toBe(dst);
    expect(dst).toEqual(encodeArray(FLOAT_FORMATS.bfloat16, x, sr));
    const c = k.allocate(FLOAT_FORMATS.float32, 50 * 100) as Float32Array;
    k.gemm({ m: 50, n: 100, k: 50, a: src, b: dst, bFormat: FLOAT_FORMATS.bfloat16, out: c });
    expect(c).toEqual(
      k.gemm({ m: 50, n: 100, k: 50, a: x, b: dst.slice(), bFormat: FLOAT_FORMATS.bfloat16 }),
    );
    expect([k.free(c), k.free(dst), k.free(src), k.free(x)]).toEqual([true, true, true, false]);
  });
});
