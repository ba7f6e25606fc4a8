/**
 * The memory layout shared with the TypeScript loader (src/kernels/wasm/layout.ts mirrors every number
 * here, and a test compares them with the values this module exports): blocking sizes of the GEMM, the
 * per-thread work area, the format descriptors and the argument blocks. Argument blocks are arrays of
 * float64 (exact for pointers, sizes and element indices below 2^53); descriptors are arrays of int32.
 */

// GEMM blocking: a 4x8 register tile (8 f32x4 accumulators), panels of KC, blocks of MC x NC.
export const MR: i32 = 4;
export const NR: i32 = 8;
export const MC: i32 = 64;
export const KC: i32 = 256;
export const NC: i32 = 1024;

// The thread-local area at the start of each thread's work area (byte offsets).
export const RCHUNK: i32 = 1024; // random words generated per chunk of stochastic rounding
export const TLS_RAND: i32 = 0; // RCHUNK + 16 uint32 words
export const TLS_STAGE_IN: i32 = 4352; // 64 bytes: a partial group of elements, zero-padded
export const TLS_STAGE_OUT: i32 = 4416; // 64 bytes
export const TLS_EDGE: i32 = 4480; // MR x NR floats: a partial register tile
export const TLS_ARGS: i32 = 4608; // 64 float64: an argument block built inside the module
export const TLS_CHUNK: i32 = 5120; // 3 x RCHUNK floats: elementwise chunks
export const TLS_BYTES: i32 = 17408;

// Work area of one thread: TLS, packed A block, packed B block, float32 C block, conv columns.
export const PACK_A_BYTES: i32 = MC * KC * 4;
export const PACK_B_BYTES: i32 = KC * NC * 4;

// Decode descriptor (int32 words).
export const D_WIDTH: i32 = 0; // bytes per code: 1, 2 or 4 (4 = float32, copied as it is)
export const D_MAG_MASK: i32 = 1;
export const D_SIGN_BIT: i32 = 2;
export const D_SIGN_SHIFT: i32 = 3; // 32 - bits: moves the sign bit to bit 31
export const D_MANT_SHIFT: i32 = 4; // 23 - mantissa bits
export const D_SCALE: i32 = 5; // float32 bits of 2^(127 - bias)
export const D_INF: i32 = 6; // magnitude code of infinity, or 0x7fffffff
export const D_NAN_MIN: i32 = 7; // magnitudes at or above this are NaN, or 0x7fffffff
export const D_NEG_ZERO_NAN: i32 = 8; // -1 when the negative-zero code is NaN (FNUZ), else 0
export const D_SPECIAL_MIN: i32 = 9; // min(D_INF, D_NAN_MIN)

// Encode descriptor (int32 words).
export const E_WIDTH: i32 = 0; // bytes per code: 1 or 2 (4 = float32: canonical NaN and flushing only)
export const E_MANT: i32 = 1;
export const E_CUTOFF: i32 = 2; // float32 exponent field of the target's smallest normal
export const E_MAX_CODE: i32 = 3;
export const E_SIGN_BIT: i32 = 4;
export const E_SIGN_SHIFT: i32 = 5; // 32 - bits
export const E_OVF0: i32 = 6; // overflow code of a positive / negative value
export const E_OVF1: i32 = 7;
export const E_ZERO0: i32 = 8; // zero code of a positive / negative value
export const E_ZERO1: i32 = 9;
export const E_NAN: i32 = 10;
export const E_MODE: i32 = 11; // 0 nearest-even, 1 toward-zero, 2 nearest-away, 3 stochastic
export const E_FLUSH: i32 = 12;
export const E_RANDOM_BITS: i32 = 13;
export const E_SUB_SCALE: i32 = 14; // float32 bits of 2^(mantissa bits - emin), when cutoff > 1
export const E_RNG: i32 = 15; // pointer to the generator key: seed lo, seed hi, stream, step (uint32)

// GEMM argument block (float64 fields).
export const G_M: i32 = 0;
export const G_N: i32 = 1;
export const G_K: i32 = 2;
export const G_BATCH: i32 = 3;
export const G_A: i32 = 4;
export const G_A_DESC: i32 = 5;
export const G_TRANS_A: i32 = 6;
export const G_LDA: i32 = 7;
export const G_STRIDE_A: i32 = 8;
export const G_B: i32 = 9;
export const G_B_DESC: i32 = 10;
export const G_TRANS_B: i32 = 11;
export const G_LDB: i32 = 12;
export const G_STRIDE_B: i32 = 13;
export const G_C: i32 = 14;
export const G_C_ENC: i32 = 15; // encode descriptor, or 0: raw float32
export const G_LDC: i32 = 16;
export const G_STRIDE_C: i32 = 17;
export const G_INDEX: i32 = 18; // stochastic-rounding index of C[0, 0] of batch 0
export const G_ACCUMULATE: i32 = 19; // 1: add onto the float32 values already in C (raw only)
export const G_TILE_M: i32 = 20;
export const G_TILE_N: i32 = 21;
export const G_WORK: i32 = 22;
export const G_WORK_STRIDE: i32 = 23;
export const G_B_CONV: i32 = 24; // implicit im2col descriptor replacing B (convolution), or 0
export const G_FIELDS: i32 = 25;

// Implicit im2col descriptor (float64 fields): B(k, j) of a convolution GEMM read straight from a
// float32 volume. k = (c, ky, kx); pixel j = (py, px) on a grid GRID_W wide; the source row is
// (py * AY + BY + ky * CY) / DY when that divides exactly and lies in [0, SRC_H), likewise for
// columns; anything else reads as +0. GEMM column j is pixel P0 + j.
export const IC_SRC: i32 = 0;
export const IC_SRC_H: i32 = 1;
export const IC_SRC_W: i32 = 2;
export const IC_GRID_W: i32 = 3;
export const IC_KH: i32 = 4;
export const IC_KW: i32 = 5;
export const IC_AY: i32 = 6;
export const IC_BY: i32 = 7;
export const IC_CY: i32 = 8;
export const IC_DY: i32 = 9;
export const IC_AX: i32 = 10;
export const IC_BX: i32 = 11;
export const IC_CX: i32 = 12;
export const IC_DX: i32 = 13;
export const IC_P0: i32 = 14; // pixel of the GEMM's column 0

// Inside TLS_ARGS: the inner GEMM's block, a float32 decode descriptor, the im2col descriptor and
// the per-line pixel coordinates of a panel.
export const TLS_F32_DESC: i32 = TLS_ARGS + 256;
export const TLS_IM2COL: i32 = TLS_ARGS + 320;
export const TLS_LINES: i32 = TLS_ARGS + 448;

// Convolution argument block (float64 fields).
export const CV_N: i32 = 0;
export const CV_C: i32 = 1;
export const CV_H: i32 = 2;
export const CV_W: i32 = 3;
export const CV_O: i32 = 4;
export const CV_KH: i32 = 5;
export const CV_KW: i32 = 6;
export const CV_OH: i32 = 7;
export const CV_OW: i32 = 8;
export const CV_SH: i32 = 9;
export const CV_SW: i32 = 10;
export const CV_PH: i32 = 11;
export const CV_PW: i32 = 12;
export const CV_DH: i32 = 13;
export const CV_DW: i32 = 14;
export const CV_GROUPS: i32 = 15;
export const CV_IN1: i32 = 16; // forward: x; backward data: dy; backward filter: x
export const CV_IN1_DESC: i32 = 17;
export const CV_IN2: i32 = 18; // forward: w; backward data: w; backward filter: dy
export const CV_IN2_DESC: i32 = 19;
export const CV_OUT: i32 = 20; // forward: y; backward data: dx; backward filter: dw
export const CV_OUT_ENC: i32 = 21;
export const CV_INDEX: i32 = 22; // stochastic-rounding index of the output's element 0
export const CV_CHUNK: i32 = 23; // output pixels, input channels or filter columns per work item
export const CV_WORK: i32 = 24;
export const CV_WORK_STRIDE: i32 = 25;
export const CV_FIELDS: i32 = 26;

/** The float64 field `i` of the argument block at `args`, as an integer. */
@inline
export function argI(args: usize, i: i32): i32 {
  return <i32>load<f64>(args + (<usize>i << 3));
}

/** The float64 field `i` of the argument block at `args`. */
@inline
export function argF(args: usize, i: i32): f64 {
  return load<f64>(args + (<usize>i << 3));
}

/** Store float64 field `i` of the argument block at `args`. */
@inline
export function setArg(args: usize, i: i32, v: f64): void {
  store<f64>(args + (<usize>i << 3), v);
}

/** The int32 word `i` of the descriptor at `d`. */
@inline
export function word(d: usize, i: i32): i32 {
  return load<i32>(d + (<usize>i << 2));
}
