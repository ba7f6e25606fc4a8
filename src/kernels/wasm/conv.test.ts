/**
 * wasm conv2d forward, backward-data and backward-filter against naive JavaScript loops that sum in the
 * documented orders (test/support/wasm-reference.ts): bit-exact over strides, padding, dilation, groups,
 * non-square shapes and storage formats, and bit-identical for 1, 2 and 3 threads.
 */
import { describe, expect, it } from "vitest";
import { randomValues } from "../../../test/support/random-values.js";
import {
  convBackwardDataReference,
  convBackwardFilterReference,
  convForwardReference,
  kernels,
  outputSize,
  type Geometry,
} from "../../../test/support/wasm-reference.js";
import { decodeArray, encodeArray, FLOAT_FORMATS, resolveEncodeOptions } from "../../formats/index.js";

function geometry(
  g: Partial<Geometry> & Pick<Geometry, "n" | "c" | "h" | "w" | "o" | "kh" | "kw">,
): Geometry {
  return { sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, groups: 1, ...g };
}

/** The kernels' geometry argument for a reference geometry. */
function api(g: Geometry) {
  const { n, c, h, w, o, kh, kw, groups } = g;
  const pair = (a: number, b: number): [number, number] => [a, b];
  return {
    n,
    c,
    h,
    w,
    o,
    kh,
    kw,
    groups,
    stride: pair(g.sh, g.sw),
    padding: pair(g.ph, g.pw),
    dilation: pair(g.dh, g.dw),
  };
}

const CASES: readonly [string, Geometry][] = [
  ["1x1", geometry({ n: 2, c: 3, h: 4, w: 5, o: 4, kh: 1, kw: 1 })],
  ["LeNet-like 5x5", geometry({ n: 2, c: 6, h: 14, w: 14, o: 16, kh: 5, kw: 5 })],
  ["3x3 padded", geometry({ n: 3, c: 5, h: 9, w: 7, o: 6, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ["strided", geometry({ n: 2, c: 4, h: 11, w: 10, o: 8, kh: 3, kw: 2, sh: 2, sw: 3, ph: 1, pw: 2 })],
  ["dilated", geometry({ n: 1, c: 3, h: 12, w: 12, o: 5, kh: 3, kw: 3, dh: 2, dw: 3, ph: 2, pw: 1 })],
  ["grouped", geometry({ n: 2, c: 6, h: 8, w: 8, o: 9, kh: 3, kw: 3, ph: 1, pw: 1, groups: 3 })],
  [
    "depthwise",
    geometry({ n: 2, c: 4, h: 6, w: 6, o: 4, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, groups: 4 }),
  ],
];

function data(g: Geometry, seed: number) {
  const [oh, ow] = outputSize(g);
  return {
    x: randomValues(g.n * g.c * g.h * g.w, seed),
    w: randomValues(g.o * (g.c / g.groups) * g.kh * g.kw, seed + 1),
    dy: randomValues(g.n * g.o * oh * ow, seed + 2),
  };
}

describe("wasm conv2d, float32", () => {
  it.each(CASES)("%s: forward, backward data and backward filter match the loops", (_, g) => {
    const { x, w, dy } = data(g, 3);
    expect(kernels().conv2d(api(g), x, w)).toEqual(convForwardReference(g, x, w));
    expect(kernels().conv2dBackwardData(api(g), dy, w)).toEqual(convBackwardDataReference(g, dy, w));
    expect(kernels().conv2dBackwardFilter(api(g), x, dy)).toEqual(convBackwardFilterReference(g, x, dy));
  });
});

describe("wasm conv2d, storage formats", () => {
  // "strided" runs the packed GEMMs; "3x3 padded" (unit stride) the direct kernel of direct-conv.ts.
  it.each([CASES[3], CASES[2]])("%s: decodes bfloat16 / float8 operands and rounds outputs once", (_, g) => {
    const bf = FLOAT_FORMATS.bfloat16;
    const e4 = FLOAT_FORMATS.float8_e4m3fn;
    const { x, w, dy } = data(g, 7);
    const xc = encodeArray(bf, x);
    const wc = encodeArray(e4, w);
    const dyc = encodeArray(bf, dy);
    const [xv, wv, dyv] = [decodeArray(bf, xc), decodeArray(e4, wc), decodeArray(bf, dyc)];
    const sr = { rounding: "stochastic", random: { seed: 5, offset: 7 } } as const;
    const rsr = resolveEncodeOptions(sr);
    const k = kernels();
    const fwd = k.conv2d(api(g), xc, wc, {
      aFormat: bf,
      bFormat: e4,
      outFormat: FLOAT_FORMATS.float16,
      rounding: rsr,
    });
    expect(fwd).toEqual(encodeArray(FLOAT_FORMATS.float16, convForwardReference(g, xv, wv), sr));
    const bd = k.conv2dBackwardData(api(g), dyc, wc, { aFormat: bf, bFormat: e4, outFormat: bf });
    expect(bd).toEqual(encodeArray(bf, convBackwardDataReference(g, dyv, wv)));
    const bw = k.conv2dBackwardFilter(api(g), xc, dyc, {
      aFormat: bf,
      bFormat: bf,
      outFormat: bf,
      rounding: rsr,
    });
    expect(bw).toEqual(encodeArray(bf, convBackwardFilterReference(g, xv, dyv), sr));
  });

  it("rejects bad geometry and operand sizes", () => {
    const k = kernels();
    const g = { n: 1, c: 3, h: 4, w: 4, o: 2, kh: 3, kw: 3 };
    expect(() => k.conv2d({ ...g, groups: 2 }, new Float32Array(48), new Float32Array(54))).toThrow(/groups/);
    expect(() => k.conv2d({ ...g, kh: 5 }, new Float32Array(48), new Float32Array(90))).toThrow(
      /does not fit/,
    );
    expect(() => k.conv2d(g, new Float32Array(47), new Float32Array(54))).toThrow(/expected 48/);
  });
});

describe("wasm conv2d, threads", () => {
  it("gives bit-identical results on 1, 2 and 3 threads", () => {
    const g = geometry({ n: 5, c: 16, h: 16, w: 16, o: 16, kh: 3, kw: 3, ph: 1, pw: 1 });
    const one = geometry({ ...g, n: 1, h: 32, w: 32 }); // one image: split by pixels and channels
    const { x, w, dy } = data(g, 11);
    const single = data(one, 12);
    const k = kernels();
    const before = k.threads;
    const runs = [1, 2, 3].map((t) => {
      k.setThreads(t);
      return [
        k.conv2d(api(g), x, w),
        k.conv2dBackwardData(api(g), dy, w),
        k.conv2dBackwardFilter(api(g), x, dy, { outFormat: FLOAT_FORMATS.bfloat16 }),
        k.conv2d(api(one), single.x, single.w),
        k.conv2dBackwardData(api(one), single.dy, single.w),
      ];
    });
    k.setThreads(before);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    expect(runs[0]?.[1]).toEqual(convBackwardDataReference(g, dy, w));
  });
});
