/**
 * Shared test helper: a small synthetic image-classification dataset (class k lights up its own stripe
 * of an 8x8 image, plus seeded noise), so training tests run in a second and can still learn something.
 */
import type { ImageDataset } from "../../src/data/index.js";
import { randomWord } from "../../src/formats/index.js";

/** `n` 1x`size`x`size` images of `classes` classes; `seed` varies the noise. */
export function tinyImages(n: number, seed = 0, classes = 4, size = 8): ImageDataset {
  const per = size * size;
  const images = new Float32Array(n * per);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    labels[i] = k;
    for (let p = 0; p < per; p++) {
      const row = Math.floor(p / size);
      const stripe = Math.floor((row * classes) / size) === k ? 160 : 40;
      images[i * per + p] = stripe + (randomWord(seed, 7, i, p) % 64);
    }
  }
  return {
    name: "tiny",
    images,
    labels,
    shape: [1, size, size],
    classes: Array.from({ length: classes }, (_, k) => `class ${k}`),
    mean: [0.4],
    std: [0.25],
  };
}
