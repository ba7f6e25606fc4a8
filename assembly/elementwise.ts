/**
 * Elementwise hot paths and the sum reduction, over any storage format: inputs are decoded to float32 in
 * chunks, the op runs in float32 (each result rounded to float32, as a JavaScript loop with Math.fround),
 * and the result is rounded once into the output format (DESIGN.md rule 4). All-float32 calls skip the
 * chunking. Element i rounds stochastically with word index + i.
 */
import { D_WIDTH, E_WIDTH, RCHUNK, TLS_CHUNK, word } from "./layout";
import { decodeRange, encodeRange } from "./codec";

/** Binary ops, by number: 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min, 6 relu backward (a = dy, b = x:
 * dy where x > 0, else 0), then the comparisons 7 eq, 8 ne, 9 lt, 10 le, 11 gt, 12 ge (1 where true,
 * +0 where false; every comparison with NaN is false but ne, as in JavaScript). */
@inline
function binaryVec(op: i32, a: v128, b: v128): v128 {
  if (op == 0) return f32x4.add(a, b);
  if (op == 1) return f32x4.sub(a, b);
  if (op == 2) return f32x4.mul(a, b);
  if (op == 3) return f32x4.div(a, b);
  if (op == 4) return f32x4.max(a, b);
  if (op == 5) return f32x4.min(a, b);
  if (op == 6) return v128.and(a, f32x4.gt(b, f32x4.splat(0)));
  return v128.and(compareVec(op, a, b), f32x4.splat(1));
}

@inline
function compareVec(op: i32, a: v128, b: v128): v128 {
  if (op == 7) return f32x4.eq(a, b);
  if (op == 8) return f32x4.ne(a, b);
  if (op == 9) return f32x4.lt(a, b);
  if (op == 10) return f32x4.le(a, b);
  if (op == 11) return f32x4.gt(a, b);
  return f32x4.ge(a, b);
}

@inline
function binaryScalar(op: i32, a: f32, b: f32): f32 {
  if (op == 0) return a + b;
  if (op == 1) return a - b;
  if (op == 2) return a * b;
  if (op == 3) return a / b;
  if (op == 4) return max<f32>(a, b);
  if (op == 5) return min<f32>(a, b);
  if (op == 6) return b > 0 ? a : 0;
  if (op == 7) return a == b ? 1 : 0;
  if (op == 8) return a != b ? 1 : 0;
  if (op == 9) return a < b ? 1 : 0;
  if (op == 10) return a <= b ? 1 : 0;
  if (op == 11) return a > b ? 1 : 0;
  return a >= b ? 1 : 0;
}

function binaryRange(op: i32, a: usize, b: usize, z: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(z + o, binaryVec(op, v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(z + o, binaryScalar(op, load<f32>(a + o), load<f32>(b + o)));
  }
}

/** float32 values of n codes at p (decoded into `buf` unless they are float32 already). */
function floats(p: usize, d: usize, n: i32, buf: usize, tls: usize): usize {
  if (word(d, D_WIDTH) == 4) return p;
  decodeRange(p, buf, n, d, tls);
  return buf;
}

/** out = a (op) b elementwise over n elements of any formats; outEnc 0 writes raw float32. */
export function binary(op: i32, a: usize, aDesc: usize, b: usize, bDesc: usize, out: usize, outEnc: usize, n: i32, index: f64, tls: usize): void {
  const wa = word(aDesc, D_WIDTH);
  const wb = word(bDesc, D_WIDTH);
  const wo = outEnc == 0 ? 4 : word(outEnc, E_WIDTH);
  if (wa == 4 && wb == 4 && outEnc == 0) {
    binaryRange(op, a, b, out, n);
    return;
  }
  const x = tls + TLS_CHUNK;
  const y = x + RCHUNK * 4;
  const z = y + RCHUNK * 4;
  for (let i = 0; i < n; i += RCHUNK) {
    const len = min(RCHUNK, n - i);
    const pa = floats(a + <usize>i * wa, aDesc, len, x, tls);
    const pb = floats(b + <usize>i * wb, bDesc, len, y, tls);
    const dst = outEnc == 0 ? out + (<usize>i << 2) : z;
    binaryRange(op, pa, pb, dst, len);
    if (outEnc != 0) encodeRange(z, out + <usize>i * wo, len, outEnc, index + <f64>i, tls);
  }
}

/** out = max(x, 0) (NaN stays NaN, -0 becomes +0) over n elements of any formats. */
export function relu(x: usize, xDesc: usize, out: usize, outEnc: usize, n: i32, index: f64, tls: usize): void {
  const wx = word(xDesc, D_WIDTH);
  const wo = outEnc == 0 ? 4 : word(outEnc, E_WIDTH);
  const buf = tls + TLS_CHUNK;
  const z = buf + RCHUNK * 4;
  for (let i = 0; i < n; i += RCHUNK) {
    const len = min(RCHUNK, n - i);
    const px = floats(x + <usize>i * wx, xDesc, len, buf, tls);
    const dst = outEnc == 0 ? out + (<usize>i << 2) : z;
    let j = 0;
    for (; j + 4 <= len; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, f32x4.max(v128.load(px + o), f32x4.splat(0)));
    }
    for (; j < len; j++) store<f32>(dst + (<usize>j << 2), max<f32>(load<f32>(px + (<usize>j << 2)), 0));
    if (outEnc != 0) encodeRange(z, out + <usize>i * wo, len, outEnc, index + <f64>i, tls);
  }
}

/** y = y + alpha * x in place (product and sum in float32), y rounded once into its format (yEnc; 0 for
 * float32 y): the weight update of SGD. */
export function axpy(alpha: f32, x: usize, xDesc: usize, y: usize, yDesc: usize, yEnc: usize, n: i32, index: f64, tls: usize): void {
  const wx = word(xDesc, D_WIDTH);
  const wy = word(yDesc, D_WIDTH);
  const xb = tls + TLS_CHUNK;
  const yb = xb + RCHUNK * 4;
  const z = yb + RCHUNK * 4;
  const av = f32x4.splat(alpha);
  for (let i = 0; i < n; i += RCHUNK) {
    const len = min(RCHUNK, n - i);
    const px = floats(x + <usize>i * wx, xDesc, len, xb, tls);
    const py = floats(y + <usize>i * wy, yDesc, len, yb, tls);
    const dst = yEnc == 0 ? py : z;
    let j = 0;
    for (; j + 4 <= len; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, f32x4.add(v128.load(py + o), f32x4.mul(av, v128.load(px + o))));
    }
    for (; j < len; j++) {
      const o = <usize>j << 2;
      store<f32>(dst + o, load<f32>(py + o) + alpha * load<f32>(px + o));
    }
    if (yEnc != 0) encodeRange(z, y + <usize>i * wy, len, yEnc, index + <f64>i, tls);
  }
}

/**
 * The float32 sum of n elements in a fixed order: accumulator j (0..15) sums the elements i = j mod 16
 * of the leading floor(n / 16) * 16 in increasing order from +0; the four f32x4 accumulators combine as
 * (v0 + v1) + (v2 + v3), its lanes as (l0 + l1) + (l2 + l3); the trailing n mod 16 elements are then
 * added one by one.
 */
export function sum(x: usize, xDesc: usize, n: i32, tls: usize): f32 {
  const wx = word(xDesc, D_WIDTH);
  const buf = tls + TLS_CHUNK;
  let v0 = f32x4.splat(0);
  let v1 = f32x4.splat(0);
  let v2 = f32x4.splat(0);
  let v3 = f32x4.splat(0);
  const body = n & ~15;
  for (let i = 0; i < body; i += RCHUNK) {
    const len = min(RCHUNK, body - i);
    const px = floats(x + <usize>i * wx, xDesc, len, buf, tls);
    for (let j = 0; j < len; j += 16) {
      const p = px + (<usize>j << 2);
      v0 = f32x4.add(v0, v128.load(p));
      v1 = f32x4.add(v1, v128.load(p, 16));
      v2 = f32x4.add(v2, v128.load(p, 32));
      v3 = f32x4.add(v3, v128.load(p, 48));
    }
  }
  const v = f32x4.add(f32x4.add(v0, v1), f32x4.add(v2, v3));
  let s = (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
  if (body < n) {
    const px = floats(x + <usize>body * wx, xDesc, n - body, buf, tls);
    for (let j = 0; j < n - body; j++) s += load<f32>(px + (<usize>j << 2));
  }
  return s;
}
