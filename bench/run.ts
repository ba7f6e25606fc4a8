/**
 * Conversion benchmark: million elements per second of encodeArray from a Float32Array, for every float
 * format and every rounding mode (stochastic with a fixed seed), and of decodeArray back to float32.
 * Input: ~4 million normal-ish values spanning several binades (a Gaussian times 2^k, k in [-8, 8]).
 * Each figure is the best of a few timed runs after a warm-up; slow paths are timed on a prefix of the
 * input (at least 2^18 elements) so that one run takes about 0.2 s. `--json` prints one object.
 */
import { parseArgs } from "node:util";
import {
  allocCodes,
  decodeArray,
  encodeArray,
  FLOAT_FORMATS,
  fillRandomWords,
  ROUNDING_MODES,
  type EncodeOptions,
  type FloatFormat,
  type RoundingMode,
} from "../src/index.js";
import { renderTable } from "../src/cli/table.js";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    elements: { type: "string", default: String(2 ** 22) },
    runs: { type: "string", default: "3" },
  },
});
const N = Number(args.elements);
const RUNS = Number(args.runs);
if (!Number.isSafeInteger(N) || N < 1 || !Number.isSafeInteger(RUNS) || RUNS < 1) {
  process.stderr.write(`bench: --elements and --runs must be positive integers\n`);
  process.exit(2);
}
const SEED = 42;

/** N values: a standard Gaussian (Box-Muller on Philox words) times 2^k with k uniform in [-8, 8]. */
function makeInput(n: number): Float32Array {
  const words = new Uint32Array(n * 2);
  fillRandomWords({ seed: 2024, stream: 0, step: 0, offset: 0 }, words);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = ((words[2 * i] ?? 0) + 1) / 2 ** 32;
    const w = words[2 * i + 1] ?? 0;
    const g = Math.sqrt(-2 * Math.log(u)) * Math.cos((2 * Math.PI * (w >>> 5)) / 2 ** 27);
    x[i] = g * 2 ** ((w & 31) % 17) * 2 ** -8;
  }
  return x;
}

const MIN_ELEMENTS = Math.min(N, 2 ** 18);
const TARGET_SECONDS = 0.2;

function seconds(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** A throughput and the number of elements it was timed on. */
interface Measurement {
  readonly mElementsPerSecond: number;
  readonly elements: number;
}

/** Best throughput of `fn(n)` (which processes the first n elements) over RUNS timed calls, after a
 * warm-up on MIN_ELEMENTS that also sizes n so one call takes about TARGET_SECONDS. */
function best(fn: (n: number) => void): Measurement {
  const rate =
    MIN_ELEMENTS /
    seconds(() => {
      fn(MIN_ELEMENTS);
    });
  const n = Math.min(N, Math.max(MIN_ELEMENTS, 2 ** Math.round(Math.log2(rate * TARGET_SECONDS))));
  fn(n);
  let fastest = Infinity;
  for (let r = 0; r < RUNS; r++) {
    fastest = Math.min(
      fastest,
      seconds(() => {
        fn(n);
      }),
    );
  }
  return { mElementsPerSecond: n / fastest / 1e6, elements: n };
}

interface FormatResult {
  readonly format: string;
  readonly encode: Record<RoundingMode, Measurement>;
  readonly decode: Measurement;
}

function benchFormat(f: FloatFormat, x: Float32Array): FormatResult {
  const codes = allocCodes(f, x.length);
  const encode = {} as Record<RoundingMode, Measurement>;
  for (const rounding of ROUNDING_MODES) {
    const options: EncodeOptions =
      rounding === "stochastic" ? { rounding, random: { seed: SEED } } : { rounding };
    encode[rounding] = best((n) => encodeArray(f, x.subarray(0, n), options, codes.subarray(0, n)));
  }
  const out = new Float32Array(x.length);
  const decode = best((n) => decodeArray(f, codes.subarray(0, n), out.subarray(0, n)));
  return { format: f.name, encode, decode };
}

function table(results: readonly FormatResult[]): string {
  const cell = (m: Measurement): string => m.mElementsPerSecond.toFixed(1);
  const columns = [
    { header: "format" },
    ...[...ROUNDING_MODES, "decode"].map((header) => ({ header, align: "right" as const })),
  ];
  const rows = results.map((r) => [
    r.format,
    ...ROUNDING_MODES.map((m) => cell(r.encode[m])),
    cell(r.decode),
  ]);
  return renderTable(columns, rows);
}

const start = performance.now();
const input = makeInput(N);
const results = Object.values(FLOAT_FORMATS).map((f) => benchFormat(f, input));
const total = (performance.now() - start) / 1000;
const meta = { elements: N, runs: RUNS, seed: SEED, node: process.version, unit: "million elements/s" };
if (args.json) {
  process.stdout.write(`${JSON.stringify({ ...meta, seconds: total, results }, null, 2)}\n`);
} else {
  process.stdout.write(
    `encodeArray (Float32Array -> codes) by rounding mode, and decodeArray (codes -> Float32Array)\n` +
      `${N} elements (slow paths: a prefix of >= ${MIN_ELEMENTS}, ~${TARGET_SECONDS} s per run), ` +
      `best of ${RUNS} runs after a warm-up, million elements/s, Node ${process.version}\n\n` +
      `${table(results)}\ntotal ${total.toFixed(1)} s\n`,
  );
}
