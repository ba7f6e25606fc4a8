/**
 * NumPy broadcasting of a contiguous array to a larger shape, by copying elements (codes or float32
 * values: nothing is rounded, so the copy is exact in any format). The common cases skip the per-element
 * index map: the same shape (no copy), one element (a fill), and a suffix of the output shape (a bias row
 * repeated, by doubling copies).
 */
import { contiguousStrides, sizeOf, type Shape } from "../tensor/index.js";

/** A typed array of codes or values. */
type Elements = Float32Array | Uint32Array | Uint16Array | Uint8Array;

/**
 * For each element of `outShape` (row-major), the flat index of the element of a contiguous tensor of
 * `inShape` it reads under NumPy broadcasting; null when the shapes are equal (the identity map).
 */
export function broadcastIndex(inShape: Shape, outShape: Shape): Int32Array | null {
  const lead = outShape.length - inShape.length;
  if (lead === 0 && inShape.every((d, i) => d === outShape[i])) return null;
  const inStrides = contiguousStrides(inShape);
  const strides = outShape.map((_, i) => {
    const src = i - lead;
    return src < 0 || inShape[src] === 1 ? 0 : (inStrides[src] ?? 0);
  });
  const n = sizeOf(outShape);
  const map = new Int32Array(n);
  const index = new Array<number>(outShape.length).fill(0);
  let at = 0;
  for (let i = 0; i < n; i++) {
    map[i] = at;
    for (let d = outShape.length - 1; d >= 0; d--) {
      index[d]++;
      at += strides[d];
      if (index[d] < outShape[d]) break;
      at -= strides[d] * outShape[d];
      index[d] = 0;
    }
  }
  return map;
}

/** Whether `inShape` without its leading 1s is a suffix of `outShape` (so it repeats whole). */
function isSuffix(inShape: Shape, outShape: Shape): boolean {
  let first = 0;
  while (first < inShape.length && inShape[first] === 1) first++;
  const lead = outShape.length - inShape.length;
  for (let d = first; d < inShape.length; d++) if (inShape[d] !== outShape[lead + d]) return false;
  return true;
}

/** `src` (contiguous, of `inShape`) broadcast to `outShape`: `src` itself when the shapes agree. */
export function broadcastArray<T extends Elements>(src: T, inShape: Shape, outShape: Shape): T {
  const n = sizeOf(outShape);
  // Broadcasting only repeats elements, so an operand as large as the output is already in its order.
  if (src.length === n) return src;
  const out = new (src.constructor as new (n: number) => T)(n);
  if (src.length === 1) return out.fill(src[0]) as T;
  if (src.length > 0 && isSuffix(inShape, outShape)) {
    out.set(src);
    for (let filled = src.length; filled < n; filled *= 2) {
      out.copyWithin(filled, 0, Math.min(filled, n - filled));
    }
    return out;
  }
  const map = broadcastIndex(inShape, outShape);
  if (map === null) return src;
  for (let i = 0; i < n; i++) out[i] = src[map[i]];
  return out;
}
