/**
 * Batch norm forward and backward in float64, operation for operation the js kernels of
 * src/kernels/js/norm.ts (same expressions, same left-to-right evaluation, every sum sequential in the
 * js order), so the float64 results are the same bits: wasm f64 arithmetic is IEEE 754 binary64 with
 * no fused multiply-add. Each result is then narrowed to float32 (nearest-even for a float32 output,
 * round-to-odd for a narrower one, as src/kernels/round-float64.ts) and encoded once.
 */
import { encodeRange } from "./codec";

/** x (float64) narrowed to float32: nearest-even, or toward odd when `odd` (an inexact result becomes
 * the neighbour toward zero with its lowest bit set; NaN stays NaN), as roundToOddFloat32. */
@inline
function narrow(x: f64, odd: bool): f32 {
  const y = <f32>x;
  if (!odd || <f64>y == x || x != x) return y;
  const down: u32 = abs<f64>(<f64>y) > abs<f64>(x) ? 1 : 0;
  return reinterpret<f32>((reinterpret<u32>(y) - down) | 1);
}

/** Four float64 results (two f64x2) narrowed to float32 lanes as `narrow` does, lane for lane. */
@inline
function narrowVec(lo: v128, hi: v128, odd: bool): v128 {
  const y = i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
  if (!odd) return y;
  const ylo = f64x2.promote_low_f32x4(y);
  const yhi = f64x2.promote_low_f32x4(i32x4.shuffle(y, y, 2, 3, 0, 1));
  // Per 64-bit lane masks, then their low words as 32-bit lane masks.
  const inexactLo = v128.and(f64x2.ne(ylo, lo), f64x2.eq(lo, lo));
  const inexactHi = v128.and(f64x2.ne(yhi, hi), f64x2.eq(hi, hi));
  const downLo = f64x2.gt(f64x2.abs(ylo), f64x2.abs(lo));
  const downHi = f64x2.gt(f64x2.abs(yhi), f64x2.abs(hi));
  const inexact = i32x4.shuffle(inexactLo, inexactHi, 0, 2, 4, 6);
  const down = i32x4.shuffle(downLo, downHi, 0, 2, 4, 6);
  const odded = v128.or(i32x4.add(y, down), i32x4.splat(1)); // a true mask is -1: one step down
  return v128.bitselect(odded, y, inexact);
}

/** The two float64 lanes of float32 lanes 0-1 (lo) or 2-3 (hi) of v. */
@inline
function lowF64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
@inline
function highF64(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

@inline
function f32At(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

/**
 * Training statistics of x (N x C x S float32): per channel the float64 mean (sum over b, then i,
 * increasing, from +0, divided by M = N S) and sq = the sum of (x - mean)^2 in the same order, written
 * to stats as [mean (C), sq (C)]; saved (float32) gets [mean (C), 1 / sqrt(sq / M + eps) (C)]. Each sum
 * is one sequential chain, as in js; four channels run side by side so that their chains overlap.
 */
function batchNormStats(x: usize, N: i32, C: i32, S: i32, eps: f64, stats: usize, saved: usize): void {
  const m = <f64>N * <f64>S;
  const plane = <usize>S << 2;
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
    for (let b = 0; b < N; b++) {
      const row = x + (<usize>(b * C + c) * S << 2);
      for (let i = 0; i < S; i++) {
        const p = row + (<usize>i << 2);
        s0 += <f64>load<f32>(p);
        s1 += <f64>load<f32>(p + plane);
        s2 += <f64>load<f32>(p + 2 * plane);
        s3 += <f64>load<f32>(p + 3 * plane);
      }
    }
    const m0 = s0 / m, m1 = s1 / m, m2 = s2 / m, m3 = s3 / m;
    let q0: f64 = 0, q1: f64 = 0, q2: f64 = 0, q3: f64 = 0;
    for (let b = 0; b < N; b++) {
      const row = x + (<usize>(b * C + c) * S << 2);
      for (let i = 0; i < S; i++) {
        const p = row + (<usize>i << 2);
        const d0 = <f64>load<f32>(p) - m0;
        const d1 = <f64>load<f32>(p + plane) - m1;
        const d2 = <f64>load<f32>(p + 2 * plane) - m2;
        const d3 = <f64>load<f32>(p + 3 * plane) - m3;
        q0 += d0 * d0;
        q1 += d1 * d1;
        q2 += d2 * d2;
        q3 += d3 * d3;
      }
    }
    saveChannel(C, c, m0, q0, m, eps, stats, saved);
    saveChannel(C, c + 1, m1, q1, m, eps, stats, saved);
    saveChannel(C, c + 2, m2, q2, m, eps, stats, saved);
    saveChannel(C, c + 3, m3, q3, m, eps, stats, saved);
  }
  for (; c < C; c++) {
    let sum: f64 = 0;
    for (let b = 0; b < N; b++) {
      const row = x + (<usize>(b * C + c) * S << 2);
      for (let i = 0; i < S; i++) sum += <f64>f32At(row, i);
    }
    const mean = sum / m;
    let sq: f64 = 0;
    for (let b = 0; b < N; b++) {
      const row = x + (<usize>(b * C + c) * S << 2);
      for (let i = 0; i < S; i++) {
        const d = <f64>f32At(row, i) - mean;
        sq += d * d;
      }
    }
    saveChannel(C, c, mean, sq, m, eps, stats, saved);
  }
}

@inline
function saveChannel(C: i32, c: i32, mean: f64, sq: f64, m: f64, eps: f64, stats: usize, saved: usize): void {
  store<f64>(stats + (<usize>c << 3), mean);
  store<f64>(stats + (<usize>(C + c) << 3), sq);
  store<f32>(saved + (<usize>c << 2), <f32>mean);
  store<f32>(saved + (<usize>(C + c) << 2), <f32>(1 / Math.sqrt(sq / m + eps)));
}

/**
 * Batch norm forward over x (N x C x S float32): when `training`, the statistics as batchNormStats;
 * else `saved` holds [mean (C), invstd (C)] already. Then y = (x - mean) * (invstd * gamma) + beta in
 * float64, narrowed into tmp (float32, N x C x S) and encoded into out with the descriptor `enc`.
 */
export function batchNorm(
  x: usize, N: i32, C: i32, S: i32, gamma: usize, beta: usize, training: bool, eps: f64, stats: usize,
  saved: usize, odd: bool, tmp: usize, out: usize, enc: usize, tls: usize,
): void {
  if (training) batchNormStats(x, N, C, S, eps, stats, saved);
  for (let b = 0; b < N; b++) {
    for (let c = 0; c < C; c++) {
      const mean = <f64>f32At(saved, c);
      const scale = <f64>f32At(saved, C + c) * <f64>f32At(gamma, c);
      const shift = <f64>f32At(beta, c);
      const mv = f64x2.splat(mean);
      const sv = f64x2.splat(scale);
      const hv = f64x2.splat(shift);
      const base = <usize>(b * C + c) * S << 2;
      const row = x + base;
      const dst = tmp + base;
      let i = 0;
      for (; i + 4 <= S; i += 4) {
        const v = v128.load(row + (<usize>i << 2));
        const lo = f64x2.add(f64x2.mul(f64x2.sub(lowF64(v), mv), sv), hv);
        const hi = f64x2.add(f64x2.mul(f64x2.sub(highF64(v), mv), sv), hv);
        v128.store(dst + (<usize>i << 2), narrowVec(lo, hi, odd));
      }
      for (; i < S; i++) store<f32>(dst + (<usize>i << 2), narrow((<f64>f32At(row, i) - mean) * scale + shift, odd));
    }
  }
  finish(tmp, out, N * C * S, enc, tls);
}

/** Encode n float32 values at tmp into out (nearest-even, so element indices do not matter); a float32
 * output may be tmp itself, where encoding only makes NaN canonical, as storeFloat64Nearest does. */
@inline
function finish(tmp: usize, out: usize, n: i32, enc: usize, tls: usize): void {
  encodeRange(tmp, out, n, enc, 0, tls);
}

/**
 * Batch norm backward over x and dy (N x C x S float32) with saved = [mean (C), invstd (C)]: per
 * channel sums (sumDy, then sumDyXhat = sum of dy (x - mean) invstd, over b then i, increasing, from +0)
 * written to sums as [sumDy (C), sumDyXhat (C)]; then dx = k / M (M dy - sumDy - xhat sumDyXhat) with
 * k = gamma invstd when `training`, dx = k dy otherwise, narrowed into tmp and encoded into dx.
 */
export function batchNormBackward(
  x: usize, dy: usize, N: i32, C: i32, S: i32, gamma: usize, saved: usize, training: bool, sums: usize,
  odd: bool, tmp: usize, dx: usize, enc: usize, tls: usize,
): void {
  const m = <f64>N * <f64>S;
  let group = 0;
  for (; group + 4 <= C; group += 4) backwardSums(x, dy, N, C, S, group, 4, saved, sums);
  for (; group < C; group++) backwardSums(x, dy, N, C, S, group, 1, saved, sums);
  for (let b = 0; b < N; b++) {
    for (let c = 0; c < C; c++) {
      const mean = <f64>f32At(saved, c);
      const invstd = <f64>f32At(saved, C + c);
      const sDy = load<f64>(sums + (<usize>c << 3));
      const sDyXhat = load<f64>(sums + (<usize>(C + c) << 3));
      const k = <f64>f32At(gamma, c) * invstd;
      const km = k / m;
      const base = <usize>(b * C + c) * S << 2;
      if (training) backwardRow(x + base, dy + base, tmp + base, S, mean, invstd, sDy, sDyXhat, km, m, odd);
      else scaleRow(dy + base, tmp + base, S, k, odd);
    }
  }
  finish(tmp, dx, N * C * S, enc, tls);
}

/**
 * sumDy and sumDyXhat of channels c to c + 3 (k = 4) or of c alone (k = 1, which reads channel c four
 * times and keeps the first): eight chains that overlap, each sequential over b, then i, as in js.
 */
@inline
function backwardSums(x: usize, dy: usize, N: i32, C: i32, S: i32, c: i32, k: i32, saved: usize, sums: usize): void {
  const plane = k == 4 ? <usize>S << 2 : 0;
  const step = k == 4 ? 1 : 0;
  const mean0 = <f64>f32At(saved, c), mean1 = <f64>f32At(saved, c + step);
  const mean2 = <f64>f32At(saved, c + 2 * step), mean3 = <f64>f32At(saved, c + 3 * step);
  const inv0 = <f64>f32At(saved, C + c), inv1 = <f64>f32At(saved, C + c + step);
  const inv2 = <f64>f32At(saved, C + c + 2 * step), inv3 = <f64>f32At(saved, C + c + 3 * step);
  let d0: f64 = 0, d1: f64 = 0, d2: f64 = 0, d3: f64 = 0;
  let e0: f64 = 0, e1: f64 = 0, e2: f64 = 0, e3: f64 = 0;
  for (let b = 0; b < N; b++) {
    const base = <usize>(b * C + c) * S << 2;
    for (let i = 0; i < S; i++) {
      const o = base + (<usize>i << 2);
      const g0 = <f64>load<f32>(dy + o);
      const g1 = <f64>load<f32>(dy + o + plane);
      const g2 = <f64>load<f32>(dy + o + 2 * plane);
      const g3 = <f64>load<f32>(dy + o + 3 * plane);
      d0 += g0;
      d1 += g1;
      d2 += g2;
      d3 += g3;
      e0 += g0 * (<f64>load<f32>(x + o) - mean0) * inv0;
      e1 += g1 * (<f64>load<f32>(x + o + plane) - mean1) * inv1;
      e2 += g2 * (<f64>load<f32>(x + o + 2 * plane) - mean2) * inv2;
      e3 += g3 * (<f64>load<f32>(x + o + 3 * plane) - mean3) * inv3;
    }
  }
  storeSums(C, c, d0, e0, sums);
  if (k == 1) return;
  storeSums(C, c + 1, d1, e1, sums);
  storeSums(C, c + 2, d2, e2, sums);
  storeSums(C, c + 3, d3, e3, sums);
}

@inline
function storeSums(C: i32, c: i32, sDy: f64, sDyXhat: f64, sums: usize): void {
  store<f64>(sums + (<usize>c << 3), sDy);
  store<f64>(sums + (<usize>(C + c) << 3), sDyXhat);
}

/** One row of the training dx: km * (m dy - sDy - ((x - mean) invstd) sDyXhat). */
@inline
function backwardRow(
  x: usize, dy: usize, dst: usize, S: i32, mean: f64, invstd: f64, sDy: f64, sDyXhat: f64, km: f64, m: f64,
  odd: bool,
): void {
  const meanV = f64x2.splat(mean);
  const invV = f64x2.splat(invstd);
  const sDyV = f64x2.splat(sDy);
  const sXV = f64x2.splat(sDyXhat);
  const kmV = f64x2.splat(km);
  const mV = f64x2.splat(m);
  let i = 0;
  for (; i + 4 <= S; i += 4) {
    const xv = v128.load(x + (<usize>i << 2));
    const dv = v128.load(dy + (<usize>i << 2));
    const xlo = f64x2.mul(f64x2.sub(lowF64(xv), meanV), invV);
    const xhi = f64x2.mul(f64x2.sub(highF64(xv), meanV), invV);
    const lo = f64x2.mul(kmV, f64x2.sub(f64x2.sub(f64x2.mul(mV, lowF64(dv)), sDyV), f64x2.mul(xlo, sXV)));
    const hi = f64x2.mul(kmV, f64x2.sub(f64x2.sub(f64x2.mul(mV, highF64(dv)), sDyV), f64x2.mul(xhi, sXV)));
    v128.store(dst + (<usize>i << 2), narrowVec(lo, hi, odd));
  }
  for (; i < S; i++) {
    const xhat = (<f64>f32At(x, i) - mean) * invstd;
    store<f32>(dst + (<usize>i << 2), narrow(km * (m * <f64>f32At(dy, i) - sDy - xhat * sDyXhat), odd));
  }
}

/** One row of the inference dx: k dy. */
@inline
function scaleRow(dy: usize, dst: usize, S: i32, k: f64, odd: bool): void {
  const kV = f64x2.splat(k);
  let i = 0;
  for (; i + 4 <= S; i += 4) {
    const dv = v128.load(dy + (<usize>i << 2));
    v128.store(dst + (<usize>i << 2), narrowVec(f64x2.mul(kV, lowF64(dv)), f64x2.mul(kV, highF64(dv)), odd));
  }
  for (; i < S; i++) store<f32>(dst + (<usize>i << 2), narrow(k * <f64>f32At(dy, i), odd));
}
