/**
 * Batches of an in-memory image dataset as Float32Array (B, C, H, W), normalized per channel as
 * (x / 255 - mean) / std. Shuffling is Fisher-Yates driven by the counter-based Philox generator, and the
 * optional augmentation (random crop with zero padding, horizontal flip) draws its words per epoch and per
 * sample index, so the same seed and epoch give the same batches however they are consumed.
 */
import { MinifloatError } from "../errors.js";
import { randomWord } from "../formats/philox.js";
import { datasetLength, type ImageDataset } from "./image-dataset.js";

/** Philox stream ids of the loader's random draws (distinct from other users of the same seed). */
export const SHUFFLE_STREAM = 0x5348_5546; // "SHUF"
/** Philox stream of the augmentation draws: words 3s, 3s+1, 3s+2 of sample s are dy, dx and flip. */
export const AUGMENT_STREAM = 0x4155_474d; // "AUGM"

/** Random crop and flip, as in the CIFAR ResNet recipe (He et al. 2016, section 4.2). */
export interface Augmentation {
  /** Zero padding on each side before a random crop back to H x W; 0 turns cropping off. */
  readonly padding?: number | undefined;
  /** Mirror left-right with probability 1/2. */
  readonly flip?: boolean | undefined;
}

/** How a DataLoader batches a dataset. */
export interface LoaderOptions {
  readonly batchSize: number;
  /** Shuffle each epoch (default true). */
  readonly shuffle?: boolean | undefined;
  /** Key of the generator (default 0). */
  readonly seed?: number | undefined;
  /** Use only the first N samples of the dataset (before shuffling). */
  readonly trainLimit?: number | undefined;
  /** Drop a last batch smaller than batchSize (default false). */
  readonly dropLast?: boolean | undefined;
  /** Per-channel normalization; defaults to the dataset's mean and std. */
  readonly mean?: readonly number[] | undefined;
  readonly std?: readonly number[] | undefined;
  readonly augment?: Augmentation | undefined;
}

/** One batch: normalized images (B, C, H, W), labels (B) and the dataset indices they came from. */
export interface Batch {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly indices: Int32Array;
  readonly shape: readonly [number, number, number, number];
}

const TWO32 = 2 ** 32;

/** A uniform integer in [0, n) from a uint32 word (multiply-shift; bias below n / 2^32). */
function below(word: number, n: number): number {
  return Math.min(n - 1, Math.floor((word / TWO32) * n));
}

/** A permutation of 0..n-1 by Fisher-Yates with Philox words of (seed, SHUFFLE_STREAM, epoch, i). */
export function shuffledIndices(n: number, seed: number, epoch: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = below(randomWord(seed, SHUFFLE_STREAM, epoch, i), i + 1);
    const t = order[i] ?? 0;
    order[i] = order[j] ?? 0;
    order[j] = t;
  }
  return order;
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new MinifloatError("argument", `${name}: expected an integer >= ${min}, got ${value}`);
  }
}

function checkChannels(name: string, values: readonly number[], channels: number): void {
  if (values.length !== channels) {
    throw new MinifloatError("argument", `${name}: expected ${channels} values, got ${values.length}`);
  }
}

/** Seeded, reproducible batches of an image dataset. */
export class DataLoader {
  readonly dataset: ImageDataset;
  /** Number of samples used (the dataset's, or trainLimit when smaller). */
  readonly size: number;
  private readonly batchSize: number;
  private readonly shuffle: boolean;
  private readonly seed: number;
  private readonly dropLast: boolean;
  private readonly padding: number;
  private readonly flip: boolean;
  private readonly mean: readonly number[];
  private readonly std: readonly number[];

  constructor(dataset: ImageDataset, options: LoaderOptions) {
    checkCount("batchSize", options.batchSize, 1);
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 53) {
      throw new MinifloatError("argument", `seed: expected an integer in [0, 2^53), got ${seed}`);
    }
    if (options.trainLimit !== undefined) checkCount("trainLimit", options.trainLimit, 1);
    const padding = options.augment?.padding ?? 0;
    checkCount("augment.padding", padding, 0);
    const channels = dataset.shape[0];
    const mean = options.mean ?? dataset.mean;
    const std = options.std ?? dataset.std;
    checkChannels("mean", mean, channels);
    checkChannels("std", std, channels);
    this.dataset = dataset;
    this.size = Math.min(datasetLength(dataset), options.trainLimit ?? Infinity);
    this.batchSize = options.batchSize;
    this.shuffle = options.shuffle ?? true;
    this.seed = seed;
    this.dropLast = options.dropLast ?? false;
    this.padding = padding;
    this.flip = options.augment?.flip ?? false;
    this.mean = mean;
    this.std = std;
  }

  /** Number of batches in one epoch. */
  get batchesPerEpoch(): number {
    return this.dropLast ? Math.floor(this.size / this.batchSize) : Math.ceil(this.size / this.batchSize);
  }

  /** Order of the samples in an epoch: a seeded permutation, or 0..size-1 when not shuffling. */
  order(epoch: number): Int32Array {
    if (this.shuffle) return shuffledIndices(this.size, this.seed, epoch);
    const order = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) order[i] = i;
    return order;
  }

  /** The batches of an epoch, in order. */
  *epoch(epoch: number): Generator<Batch> {
    const order = this.order(epoch);
    for (let b = 0; b < this.batchesPerEpoch; b++) yield this.gather(order, b, epoch);
  }

  /** Batch `b` of an epoch alone (for resuming mid-epoch); the same as the epoch's b-th batch. */
  batch(epoch: number, b: number): Batch {
    checkCount("batch", b, 0);
    if (b >= this.batchesPerEpoch) {
      throw new MinifloatError("argument", `batch: expected < ${this.batchesPerEpoch}, got ${b}`);
    }
    return this.gather(this.order(epoch), b, epoch);
  }

  private gather(order: Int32Array, b: number, epoch: number): Batch {
    const [c, h, w] = this.dataset.shape;
    const start = b * this.batchSize;
    const count = Math.min(this.batchSize, this.size - start);
    const per = c * h * w;
    const images = new Float32Array(count * per); // (B, C, H, W)
    const labels = new Int32Array(count);
    const indices = order.slice(start, start + count);
    for (let k = 0; k < count; k++) {
      const s = indices[k] ?? 0;
      labels[k] = this.dataset.labels[s] ?? 0;
      this.writeSample(s, epoch, images, k * per);
    }
    return { images, labels, indices, shape: [count, c, h, w] };
  }

  /** Normalize (and augment) sample s into out[at .. at + C*H*W). */
  private writeSample(s: number, epoch: number, out: Float32Array, at: number): void {
    const [c, h, w] = this.dataset.shape;
    const p = this.padding;
    const dy = p > 0 ? below(randomWord(this.seed, AUGMENT_STREAM, epoch, 3 * s), 2 * p + 1) - p : 0;
    const dx = p > 0 ? below(randomWord(this.seed, AUGMENT_STREAM, epoch, 3 * s + 1), 2 * p + 1) - p : 0;
    const mirror = this.flip && randomWord(this.seed, AUGMENT_STREAM, epoch, 3 * s + 2) >= 2 ** 31;
    const src = this.dataset.images;
    const base = s * c * h * w;
    for (let ch = 0; ch < c; ch++) {
      const mean = this.mean[ch] ?? 0;
      const std = this.std[ch] ?? 1;
      for (let y = 0; y < h; y++) {
        const sy = y + dy;
        for (let x = 0; x < w; x++) {
          const sx = (mirror ? w - 1 - x : x) + dx;
          const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
          const v = inside ? (src[base + (ch * h + sy) * w + sx] ?? 0) : 0;
          out[at + (ch * h + y) * w + x] = (v / 255 - mean) / std;
        }
      }
    }
  }
}
