/**
 * The data loader on small in-memory datasets: exact normalized pixels, seeded shuffling (a permutation,
 * reproducible, different per epoch and seed), trainLimit, random access to a batch, and augmentation
 * (each output is the input shifted within the padding, or mirrored; reproducible for a seed and epoch).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import type { ImageDataset } from "./image-dataset.js";
import { DataLoader, shuffledIndices, type Batch } from "./loader.js";

/** n images (C, H, W) whose pixel (s, c, y, x) is (s + 5c + 3y + x) mod 256, label s mod 10. */
function synthetic(n: number, c: number, h: number, w: number): ImageDataset {
  const images = new Uint8Array(n * c * h * w);
  for (let s = 0; s < n; s++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) images[((s * c + ch) * h + y) * w + x] = (s + 5 * ch + 3 * y + x) % 256;
  const labels = new Int32Array(n).map((_, i) => i % 10);
  const mean = Array.from({ length: c }, (_, i) => 0.25 + 0.125 * i);
  const std = Array.from({ length: c }, (_, i) => 0.5 - 0.125 * i);
  return { name: "synthetic", images, labels, shape: [c, h, w], classes: [], mean, std };
}

function allIndices(batches: Iterable<Batch>): number[] {
  return [...batches].flatMap((b) => Array.from(b.indices));
}

describe("shuffledIndices", () => {
  it("is a permutation, reproducible, and differs by epoch and seed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.nat(), fc.nat(1000), (n, seed, epoch) => {
        const p = shuffledIndices(n, seed, epoch);
        expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(shuffledIndices(n, seed, epoch)).toEqual(p);
      }),
    );
    const a = Array.from(shuffledIndices(100, 1, 0));
    expect(Array.from(shuffledIndices(100, 1, 1))).not.toEqual(a);
    expect(Array.from(shuffledIndices(100, 2, 0))).not.toEqual(a);
    expect(a).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("puts each sample first about equally often", () => {
    const counts = new Array<number>(4).fill(0);
    for (let e = 0; e < 4000; e++) counts[shuffledIndices(4, 9, e)[0]]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });
});

describe("DataLoader", () => {
  it("normalizes (x / 255 - mean) / std per channel, exactly, in (B, C, H, W)", () => {
    const ds = synthetic(5, 2, 3, 4);
    const loader = new DataLoader(ds, { batchSize: 2, shuffle: false });
    const batches = [...loader.epoch(0)];
    expect(batches.map((b) => b.shape)).toEqual([
      [2, 2, 3, 4],
      [2, 2, 3, 4],
      [1, 2, 3, 4],
    ]);
    const b = batches[1];
    expect(Array.from(b.labels)).toEqual([2, 3]);
    // Sample 3, channel 1, row 2, column 1 sits at k = 1 of batch 1.
    const v = (3 + 5 + 6 + 1) / 255;
    expect(b.images[((1 * 2 + 1) * 3 + 2) * 4 + 1]).toBe(Math.fround((v - 0.375) / 0.375));
    expect(b.images[0]).toBe(Math.fround((2 / 255 - 0.25) / 0.5));
  });

  it("honours custom mean/std and Float32Array images", () => {
    const ds = { ...synthetic(2, 1, 1, 2), images: Float32Array.from([0, 255, 51, 127.5]) };
    const batch = new DataLoader(ds, { batchSize: 4, shuffle: false, mean: [0.5], std: [0.5] }).batch(0, 0);
    expect(Array.from(batch.images)).toEqual([-1, 1, Math.fround(-0.6), 0]);
  });

  it("covers every sample once per epoch, reproducibly, and limits to the first N", () => {
    const ds = synthetic(23, 1, 2, 2);
    const loader = new DataLoader(ds, { batchSize: 5, seed: 42 });
    expect(loader.batchesPerEpoch).toBe(5);
    const e0 = allIndices(loader.epoch(0));
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(allIndices(new DataLoader(ds, { batchSize: 7, seed: 42 }).epoch(0))).toEqual(e0);
    expect(allIndices(loader.epoch(1))).not.toEqual(e0);
    const limited = new DataLoader(ds, { batchSize: 4, seed: 42, trainLimit: 10 });
    expect(limited.size).toBe(10);
    expect(limited.batchesPerEpoch).toBe(3);
    const l0 = allIndices(limited.epoch(3));
    expect([...l0].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(new DataLoader(ds, { batchSize: 4, trainLimit: 100 }).size).toBe(23);
  });

  it("gives batch(e, b) equal to the b-th batch of epoch e; dropLast drops the short one", () => {
    const ds = synthetic(11, 3, 4, 4);
    const loader = new DataLoader(ds, { batchSize: 4, seed: 7, augment: { padding: 1, flip: true } });
    const batches = [...loader.epoch(2)];
    expect(loader.batch(2, 2)).toEqual(batches[2]);
    expect(loader.batch(2, 0)).toEqual(batches[0]);
    const dropping = new DataLoader(ds, { batchSize: 4, seed: 7, dropLast: true });
    expect([...dropping.epoch(0)].map((b) => b.shape[0])).toEqual([4, 4]);
  });

  it("flips: each sample is its plain or mirrored normalization, both occur, reproducibly", () => {
    const ds = synthetic(40, 1, 2, 3);
    const plain = new DataLoader(ds, { batchSize: 40, shuffle: false }).batch(0, 0).images;
    const aug = new DataLoader(ds, { batchSize: 40, shuffle: false, seed: 3, augment: { flip: true } });
    const out = aug.batch(5, 0).images;
    let mirrored = 0;
    for (let s = 0; s < 40; s++) {
      const got = Array.from(out.subarray(s * 6, s * 6 + 6));
      const p = Array.from(plain.subarray(s * 6, s * 6 + 6));
      const m = [p[2], p[1], p[0], p[5], p[4], p[3]];
      if (got.join() === m.join()) mirrored++;
      else expect(got).toEqual(p);
    }
    expect(mirrored).toBeGreaterThan(5);
    expect(mirrored).toBeLessThan(35);
    expect(aug.batch(5, 0).images).toEqual(out);
    expect(aug.batch(6, 0).images).not.toEqual(out);
  });

  it("crops: each sample is the input shifted by at most the padding, zero-filled", () => {
    const ds = synthetic(30, 2, 5, 5);
    const p = 2;
    const loader = new DataLoader(ds, { batchSize: 30, shuffle: false, seed: 11, augment: { padding: p } });
    const out = loader.batch(0, 0).images;
    const shifts = new Set<string>();
    for (let s = 0; s < 30; s++) {
      let found: string | undefined;
      for (let dy = -p; dy <= p && found === undefined; dy++)
        for (let dx = -p; dx <= p && found === undefined; dx++) {
          let ok = true;
          for (let c = 0; c < 2 && ok; c++)
            for (let y = 0; y < 5 && ok; y++)
              for (let x = 0; x < 5 && ok; x++) {
                const [sy, sx] = [y + dy, x + dx];
                const raw = sy >= 0 && sy < 5 && sx >= 0 && sx < 5 ? (s + 5 * c + 3 * sy + sx) % 256 : 0;
                const want = Math.fround((raw / 255 - (ds.mean[c] ?? 0)) / (ds.std[c] ?? 1));
                ok = out[((s * 2 + c) * 5 + y) * 5 + x] === want;
              }
          if (ok) found = `${dy},${dx}`;
        }
      expect(found).toBeDefined();
      shifts.add(found ?? "");
    }
    expect(shifts.size).toBeGreaterThan(5);
  });

  it("refuses bad options with argument errors naming the option", () => {
    const ds = synthetic(4, 2, 2, 2);
    expectError(
      () => new DataLoader(ds, { batchSize: 0 }),
      "argument",
      /batchSize: expected an integer >= 1, got 0/,
    );
    expectError(() => new DataLoader(ds, { batchSize: 2, trainLimit: 1.5 }), "argument", /trainLimit/);
    expectError(
      () => new DataLoader(ds, { batchSize: 2, mean: [0.5] }),
      "argument",
      /mean: expected 2 values, got 1/,
    );
    expectError(() => new DataLoader(ds, { batchSize: 2, seed: -1 }), "argument", /seed/);
    expectError(
      () => new DataLoader(ds, { batchSize: 2 }).batch(0, 2),
      "argument",
      /batch: expected < 2, got 2/,
    );
  });
});
