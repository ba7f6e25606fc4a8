/**
 * The engine benchmark behind `minifloat bench`: float32 GEMM against @tensorflow/tfjs-backend-wasm on
 * the same shapes (one thread each), bfloat16/float16-storage GEMM against our float32 GEMM, 2 threads
 * against 1, conv2d forward+backward for a LeNet-5 and a ResNet-20 layer, and float32 -> format
 * rounding throughput, all measured side by side in one run. Each figure is the best of several timed
 * runs after warm-up runs (which also let V8 tier the wasm code up).
 */
import { availableParallelism, cpus } from "node:os";
import { renderTable } from "../src/cli/table.js";
import { encodeArray, FLOAT_FORMATS, type FloatFormatName } from "../src/formats/index.js";
import { wasmKernels, type Codes, type WasmKernels } from "../src/kernels/wasm/index.js";

/** Options of one benchmark run. */
export interface EngineBenchOptions {
  /** Fewer runs and smaller batches: finishes in well under a minute. */
  readonly quick?: boolean;
  /** Called with a short note as each part starts. */
  readonly progress?: (note: string) => void;
}

/** GFLOP/s of one GEMM shape. */
export interface GemmResult {
  readonly shape: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly f32: number;
  readonly bf16: number;
  readonly fp16: number;
  readonly tfjsWasmF32: number | null;
}

/** GFLOP/s of one convolution layer, forward + backward data + backward filter. */
export interface ConvResult {
  readonly layer: string;
  readonly shape: string;
  readonly f32OneThread: number;
  readonly f32: number;
  readonly bf16: number;
  readonly threads: number;
}

/** Everything one run measured. */
export interface EngineBenchResult {
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly threads: number;
  readonly quick: boolean;
  readonly gemm: readonly GemmResult[];
  readonly gemmThreads: { readonly shape: string; readonly oneThread: number; readonly twoThreads: number };
  readonly conv2d: readonly ConvResult[];
  /** float32 -> format, nearest-even, G elements/s, arrays already in the wasm memory. */
  readonly rounding: Readonly<Record<string, number>>;
  /** The same through encode() from and to ordinary JavaScript arrays (two copies included). */
  readonly roundingWithCopies: Readonly<Record<string, number>>;
  readonly ratios: {
    readonly gemm_f32_vs_tfjs_wasm: number | null;
    readonly gemm_bf16_vs_f32: number;
    readonly gemm_fp16_vs_f32: number;
    readonly threads2_vs_1: number;
  };
  readonly targets: Readonly<Record<string, number>>;
  readonly seconds: number;
}

const TARGETS = {
  gemm_f32_vs_tfjs_wasm: 1.1,
  gemm_bf16_vs_f32: 0.9,
  gemm_fp16_vs_f32: 0.9,
  "rounding.bfloat16": 2,
  "rounding.float16": 1,
  "rounding.float8_e4m3fn": 1,
} as const;

/** Untimed warm-up per measurement: at least 2 calls and this many seconds, so that V8 has tiered the
 * wasm code up from its baseline compiler before the timed calls. */
const WARM_SECONDS = 0.25;

/** Seconds of the fastest of `runs` calls of fn, after the warm-up. */
function best(fn: () => void, runs: number): number {
  return bestOf([fn], runs)[0] ?? Infinity;
}

/** The fastest of `runs` calls of each function, the calls interleaved (a, b, a, b, ...) so that a
 * noisy stretch on a shared machine hits every contender alike; each is warmed up first. */
function bestOf(fns: readonly (() => void)[], runs: number): number[] {
  for (const fn of fns) {
    const warmStart = performance.now();
    for (let i = 0; i < 2 || performance.now() - warmStart < WARM_SECONDS * 1000; i++) fn();
  }
  const fastest = fns.map(() => Infinity);
  for (let r = 0; r < runs; r++) {
    fns.forEach((fn, i) => {
      const t0 = performance.now();
      fn();
      fastest[i] = Math.min(fastest[i] ?? Infinity, performance.now() - t0);
    });
  }
  return fastest.map((ms) => ms / 1000);
}

/** n values of a standard-normal-like distribution (deterministic). */
function gaussian(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < 4; j++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      sum += s / 2 ** 32;
    }
    out[i] = (sum - 2) * Math.sqrt(3);
  }
  return out;
}

/** The geometric mean. */
function geomean(xs: readonly number[]): number {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / Math.max(1, xs.length));
}

/** Prepares a matrix multiply on the tfjs wasm backend (returns one call of it and a cleanup). */
type TfjsMatMul = (m: number, n: number, k: number) => { run: () => void; dispose: () => void };

async function loadTfjs(): Promise<TfjsMatMul | null> {
  const quiet = { log: console.log, warn: console.warn };
  console.log = console.warn = () => undefined; // tfjs greets Node users on the console
  try {
    const tf = await import("@tensorflow/tfjs-core");
    const backend = await import("@tensorflow/tfjs-backend-wasm");
    backend.setThreadsCount(1);
    if (!(await tf.setBackend("wasm"))) return null;
    await tf.ready();
    return (m, n, k) => {
      const a = tf.tensor2d(gaussian(m * k, 1), [m, k]);
      const b = tf.tensor2d(gaussian(k * n, 2), [k, n]);
      const run = (): void => {
        const c = tf.matMul(a, b);
        c.dataSync();
        c.dispose();
      };
      return {
        run,
        dispose: () => {
          a.dispose();
          b.dispose();
        },
      };
    };
  } catch {
    return null;
  } finally {
    console.log = quiet.log;
    console.warn = quiet.warn;
  }
}

function gemmShape(
  wk: WasmKernels,
  m: number,
  n: number,
  k: number,
  runs: number,
  tfjs: TfjsMatMul | null,
): GemmResult {
  const a = gaussian(m * k, 1);
  const b = gaussian(k * n, 2);
  const flops = (2 * m * n * k) / 1e9;
  const f32 = (): void => {
    wk.gemm({ m, n, k, a, b, out: new Float32Array(m * n) });
  };
  const low = (name: FloatFormatName): (() => void) => {
    const f = FLOAT_FORMATS[name];
    const ac = encodeArray(f, a);
    const bc = encodeArray(f, b);
    const out = new Uint16Array(m * n);
    return () => {
      wk.gemm({ m, n, k, a: ac, b: bc, aFormat: f, bFormat: f, outFormat: f, out });
    };
  };
  const tf = tfjs === null ? null : tfjs(m, n, k);
  const fns = [f32, low("bfloat16"), low("float16"), ...(tf === null ? [] : [tf.run])];
  const [t32 = 1, tbf = 1, tfp = 1, ttf = null] = bestOf(fns, runs);
  tf?.dispose();
  return {
    shape: `${m}x${n}x${k}`,
    m,
    n,
    k,
    f32: flops / t32,
    bf16: flops / tbf,
    fp16: flops / tfp,
    tfjsWasmF32: ttf === null ? null : flops / ttf,
  };
}

interface Layer {
  readonly layer: string;
  readonly g: {
    n: number;
    c: number;
    h: number;
    w: number;
    o: number;
    kh: number;
    kw: number;
    padding: number;
  };
}

function convLayer(wk: WasmKernels, { layer, g }: Layer, runs: number, threads: number): ConvResult {
  const oh = g.h + 2 * g.padding - g.kh + 1;
  const ow = g.w + 2 * g.padding - g.kw + 1;
  const x = gaussian(g.n * g.c * g.h * g.w, 3);
  const w = gaussian(g.o * g.c * g.kh * g.kw, 4);
  const dy = gaussian(g.n * g.o * oh * ow, 5);
  const flops = (3 * 2 * g.n * g.o * oh * ow * g.c * g.kh * g.kw) / 1e9;
  const pass = (xs: Codes, ws: Codes, dys: Codes, format: FloatFormatName): (() => void) => {
    const f = FLOAT_FORMATS[format];
    const o = { aFormat: f, bFormat: f, outFormat: f };
    return () => {
      wk.conv2d(g, xs, ws, o);
      wk.conv2dBackwardData(g, dys, ws, o);
      wk.conv2dBackwardFilter(g, xs, dys, o);
    };
  };
  const bf = FLOAT_FORMATS.bfloat16;
  const on = (t: number, fn: () => void) => (): void => {
    wk.setThreads(t);
    fn();
  };
  const f32 = pass(x, w, dy, "float32");
  const bf16 = pass(encodeArray(bf, x), encodeArray(bf, w), encodeArray(bf, dy), "bfloat16");
  const [one = 1, all = 1, low = 1] = bestOf([on(1, f32), on(threads, f32), on(threads, bf16)], runs);
  return {
    layer,
    shape: `${g.n}x${g.c}x${g.h}x${g.w} * ${g.o}x${g.c}x${g.kh}x${g.kw}`,
    f32OneThread: flops / one,
    f32: flops / all,
    bf16: flops / low,
    threads,
  };
}

const ROUNDED = ["bfloat16", "float16", "float8_e4m3fn"] as const;

function rounding(
  wk: WasmKernels,
  n: number,
  runs: number,
): [Record<string, number>, Record<string, number>] {
  const x = gaussian(n, 6).map((v, i) => v * 2 ** ((i % 17) - 8));
  const inWasm: Record<string, number> = {};
  const withCopies: Record<string, number> = {};
  const src = wk.allocate(FLOAT_FORMATS.float32, n) as Float32Array;
  src.set(x);
  for (const name of ROUNDED) {
    const f = FLOAT_FORMATS[name];
    const dst = wk.allocate(f, n);
    inWasm[name] = n / best(() => wk.encode(f, src, undefined, dst), runs) / 1e9;
    wk.free(dst);
    const out = f.bits <= 8 ? new Uint8Array(n) : new Uint16Array(n);
    withCopies[name] = n / best(() => wk.encode(f, x, undefined, out), runs) / 1e9;
  }
  wk.free(src);
  return [inWasm, withCopies];
}

/** Run the engine benchmark (wasm kernels required). */
export async function runEngineBench(options: EngineBenchOptions = {}): Promise<EngineBenchResult> {
  const start = performance.now();
  const quick = options.quick === true;
  const note = options.progress ?? (() => undefined);
  const wk = wasmKernels();
  if (wk === null) throw new Error("wasm kernels unavailable: run `npm run build` to compile assembly/");
  const threads = wk.threads;
  const runs = quick ? 3 : 8;
  note("loading tfjs-backend-wasm");
  const tfjs = await loadTfjs();
  wk.setThreads(1);
  const gemm: GemmResult[] = [];
  for (const [m, n, k] of [
    [512, 512, 512],
    [1024, 1024, 1024],
    [128, 3072, 768],
  ] as const) {
    note(`gemm ${m}x${n}x${k}`);
    gemm.push(gemmShape(wk, m, n, k, runs, tfjs));
  }
  note("gemm threads");
  const a = gaussian(1024 * 1024, 7);
  const on = (t: number) => (): void => {
    wk.setThreads(t);
    wk.gemm({ m: 1024, n: 1024, k: 1024, a, b: a });
  };
  const [t1 = 1, t2 = 1] = bestOf([on(1), on(2)], runs);
  const oneThread = 2.147483648 / t1;
  const twoThreads = 2.147483648 / t2;
  const batch = quick ? 16 : 64;
  const layers: Layer[] = [
    { layer: "LeNet-5 conv2", g: { n: batch, c: 6, h: 14, w: 14, o: 16, kh: 5, kw: 5, padding: 0 } },
    { layer: "ResNet-20 3x3/16", g: { n: batch, c: 16, h: 32, w: 32, o: 16, kh: 3, kw: 3, padding: 1 } },
  ];
  const conv2d = layers.map((l) => {
    note(`conv2d ${l.layer}`);
    return convLayer(wk, l, runs, threads);
  });
  note("rounding");
  const [inWasm, withCopies] = rounding(wk, quick ? 2 ** 22 : 2 ** 24, 4 * runs);
  wk.setThreads(threads);
  const tf = gemm.map((g) => g.tfjsWasmF32);
  return {
    node: process.version,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: availableParallelism(),
    threads,
    quick,
    gemm,
    gemmThreads: { shape: "1024x1024x1024", oneThread, twoThreads },
    conv2d,
    rounding: inWasm,
    roundingWithCopies: withCopies,
    ratios: {
      gemm_f32_vs_tfjs_wasm: tf.some((t) => t === null)
        ? null
        : geomean(gemm.map((g) => g.f32 / (g.tfjsWasmF32 ?? 1))),
      gemm_bf16_vs_f32: geomean(gemm.map((g) => g.bf16 / g.f32)),
      gemm_fp16_vs_f32: geomean(gemm.map((g) => g.fp16 / g.f32)),
      threads2_vs_1: twoThreads / oneThread,
    },
    targets: TARGETS,
    seconds: (performance.now() - start) / 1000,
  };
}

const f1 = (x: number | null): string => (x === null ? "-" : x.toFixed(1));
const f2 = (x: number | null): string => (x === null ? "-" : x.toFixed(2));

/** The result as text tables. */
export function renderEngineBench(r: EngineBenchResult): string {
  const right = { align: "right" } as const;
  const gemm = renderTable(
    [
      { header: "GEMM m x n x k" },
      { header: "f32", ...right },
      { header: "bf16", ...right },
      { header: "fp16", ...right },
      { header: "tfjs-wasm f32", ...right },
    ],
    r.gemm.map((g) => [g.shape, f1(g.f32), f1(g.bf16), f1(g.fp16), f1(g.tfjsWasmF32)]),
  );
  const conv = renderTable(
    [
      { header: "conv2d fwd+bwd" },
      { header: "shape" },
      { header: "f32 1 thread", ...right },
      { header: `f32 ${r.threads} threads`, ...right },
      { header: `bf16 ${r.threads} threads`, ...right },
    ],
    r.conv2d.map((c) => [c.layer, c.shape, f1(c.f32OneThread), f1(c.f32), f1(c.bf16)]),
  );
  const round = renderTable(
    [
      { header: "round float32 -> format" },
      { header: "in wasm memory", ...right },
      { header: "from/to JS arrays", ...right },
    ],
    ROUNDED.map((n) => [n, f2(r.rounding[n] ?? null), f2(r.roundingWithCopies[n] ?? null)]),
  );
  const ratios = renderTable(
    [{ header: "ratio" }, { header: "measured", ...right }, { header: "target", ...right }],
    [
      ["gemm_f32_vs_tfjs_wasm", f2(r.ratios.gemm_f32_vs_tfjs_wasm), ">= 1.1"],
      ["gemm_bf16_vs_f32", f2(r.ratios.gemm_bf16_vs_f32), ">= 0.9"],
      ["gemm_fp16_vs_f32", f2(r.ratios.gemm_fp16_vs_f32), ">= 0.9"],
      ["threads2_vs_1", f2(r.ratios.threads2_vs_1), "report"],
    ],
  );
  return (
    `minifloat engine benchmark${r.quick ? " (quick)" : ""}: Node ${r.node}, ${r.cpu}, ${r.cores} cores\n` +
    `best of several runs after warm-up; GEMM on 1 thread (tfjs-backend-wasm too), GFLOP/s\n\n` +
    `${gemm}\nGEMM ${r.gemmThreads.shape} f32: 1 thread ${f1(r.gemmThreads.oneThread)}, ` +
    `2 threads ${f1(r.gemmThreads.twoThreads)} GFLOP/s\n\n${conv}\n` +
    `rounding, nearest-even, G elements/s\n${round}\n${ratios}\ntotal ${r.seconds.toFixed(1)} s\n`
  );
}
