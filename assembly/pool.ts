/**
 * Max pooling, its gradient scatter and the per-channel sum of a bias gradient over float32 NCHW planes,
 * in the js kernels' orders (src/kernels/js/pool.ts, conv.ts): these are scalar loops whose JavaScript
 * versions spent most of their time on bounds checks and short inner loops.
 */

/** Max over each KH x KW window of `planes` planes (H x W) at x: out (OH x OW per plane) the first
 * maximum in row-major window order (taps in the padding skipped; a NaN wins over numbers, the first NaN
 * over later ones), argmax its flat input index (-1 when no tap is inside). */
export function maxPool(
  x: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32, KH: i32, KW: i32, SY: i32, SX: i32, PY: i32,
  PX: i32, out: usize, argmax: usize,
): void {
  let at: usize = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oy = 0; oy < OH; oy++) {
      const y0 = max(oy * SY - PY, 0);
      const y1 = min(oy * SY - PY + KH, H);
      let ox = 0;
      if (KH == 2 && KW == 2 && SY == 2 && SX == 2 && PY == 0 && PX == 0) {
        // 2 x 2 windows, stride 2 (LeNet's and VGG's): four outputs per step, the taps of each lane in
        // the same order with the same selection as the scalar loop below.
        const top = base + 2 * oy * W;
        const r0 = x + (<usize>top << 2);
        const r1 = r0 + (<usize>W << 2);
        for (; ox + 4 <= OW; ox += 4, at += 16) {
          const u0 = v128.load(r0 + (<usize>ox << 3));
          const u1 = v128.load(r0 + (<usize>ox << 3), 16);
          const w0 = v128.load(r1 + (<usize>ox << 3));
          const w1 = v128.load(r1 + (<usize>ox << 3), 16);
          const ia = i32x4.add(i32x4.splat(top + 2 * ox), i32x4(0, 2, 4, 6));
          let best = i32x4.shuffle(u0, u1, 0, 2, 4, 6);
          let where = ia;
          const b = i32x4.shuffle(u0, u1, 1, 3, 5, 7);
          let wins = winsVec(b, best);
          best = v128.bitselect(b, best, wins);
          where = v128.bitselect(i32x4.add(ia, i32x4.splat(1)), where, wins);
          const c = i32x4.shuffle(w0, w1, 0, 2, 4, 6);
          wins = winsVec(c, best);
          best = v128.bitselect(c, best, wins);
          where = v128.bitselect(i32x4.add(ia, i32x4.splat(W)), where, wins);
          const d = i32x4.shuffle(w0, w1, 1, 3, 5, 7);
          wins = winsVec(d, best);
          best = v128.bitselect(d, best, wins);
          where = v128.bitselect(i32x4.add(ia, i32x4.splat(W + 1)), where, wins);
          v128.store(out + at, best);
          v128.store(argmax + at, where);
        }
      }
      for (; ox < OW; ox++, at += 4) {
        const x0 = max(ox * SX - PX, 0);
        const x1 = min(ox * SX - PX + KW, W);
        let best: f32 = -Infinity;
        let where = -1;
        if (y0 < y1 && x0 < x1) {
          // Start from the window's first tap (comparing it with itself changes nothing), then select
          // without branches: which tap wins is a coin toss on real data.
          where = base + y0 * W + x0;
          best = load<f32>(x + (<usize>where << 2));
          for (let iy = y0; iy < y1; iy++) {
            for (let i = base + iy * W + x0, end = base + iy * W + x1; i < end; i++) {
              const v = load<f32>(x + (<usize>i << 2));
              const wins = v > best || (v != v && best == best);
              best = select<f32>(v, best, wins);
              where = select<i32>(i, where, wins);
            }
          }
        }
        store<f32>(out + at, best);
        store<i32>(argmax + at, where);
      }
    }
  }
}

/** Lanes where tap v beats the best so far: greater, or NaN over a number (the scalar loop's rule). */
@inline
function winsVec(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
}

/** dx (m floats, zeroed here) = dy (n floats) scattered to argmax, adding in float32 in output order
 * (indices outside [0, m) are skipped, as a typed-array store in JavaScript ignores them). */
export function maxPoolBackward(dy: usize, argmax: usize, n: i32, dx: usize, m: i32): void {
  memory.fill(dx, 0, <usize>m << 2);
  for (let i = 0; i < n; i++) {
    const j = load<i32>(argmax + (<usize>i << 2));
    if (j >= 0 && j < m) {
      const p = dx + (<usize>j << 2);
      store<f32>(p, load<f32>(p) + load<f32>(dy + (<usize>i << 2)));
    }
  }
}

/** out[c] = the float32 sum from +0 of x[b, c, i] over b, then i, increasing (x: N x C x S floats). */
export function channelSum(x: usize, N: i32, C: i32, S: i32, out: usize): void {
  for (let c = 0; c < C; c++) {
    let acc: f32 = 0;
    for (let b = 0; b < N; b++) {
      const row = x + (<usize>(b * C + c) * S << 2);
      for (let i = 0; i < S; i++) acc += load<f32>(row + (<usize>i << 2));
    }
    store<f32>(out + (<usize>c << 2), acc);
  }
}
