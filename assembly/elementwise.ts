/**
 * Elementwise hot paths over any storage format: inputs are decoded to float32 in
 * chunks, the op runs in float32 (each result rounded to float32, as a JavaScript loop with Math.fround),
 * and the result is rounded once into the output format (DESIGN.md rule 4). All-float32 calls skip the
 * chunking. Element i rounds stochastically with word index + i.
 */
import { D_WIDTH, E_WIDTH, RCHUNK, TLS_CHUNK, word } from "./layout";
import { decodeRange, encodeRange } from "./codec";

/** Binary ops, by number: 0 add, 1 sub, 2 mul, 3 div, 4 maximum, 5 minimum, then the comparisons 6 eq,
 * 7 ne, 8 lt, 9 le, 10 gt, 11 ge (1 where true, +0 where false; every comparison with NaN is false but
 * ne, as in JavaScript). */
@inline
function binaryVec(op: i32, a: v128, b: v128): v128 {
  if (op == 0) return f32x4.add(a, b);
  if (op == 1) return f32x4.sub(a, b);
  if (op == 2) return f32x4.mul(a, b);
  if (op == 3) return f32x4.div(a, b);
  if (op == 4) return f32x4.max(a, b);
  if (op == 5) return f32x4.min(a, b);
  return v128.and(compareVec(op, a, b), f32x4.splat(1));
}

@inline
function compareVec(op: i32, a: v128, b: v128): v128 {
  if (op == 6) return f32x4.eq(a, b);
  if (op == 7) return f32x4.ne(a, b);
  if (op == 8) return f32x4.lt(a, b);
  if (op == 9) return f32x4.le(a, b);
  if (op == 10) return f32x4.gt(a, b);
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
  if (op == 6) return a == b ? 1 : 0;
  if (op == 7) return a != b ? 1 : 0;
  if (op == 8) return a < b ? 1 : 0;
  if (op == 9) return a <= b ? 1 : 0;
  if (op == 10) return a > b ? 1 : 0;
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

