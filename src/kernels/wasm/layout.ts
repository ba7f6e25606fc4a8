/**
 * The memory layout shared with the WebAssembly module: the TypeScript mirror of assembly/layout.ts
 * (layout.test.ts checks the numbers the module exports). Argument blocks are float64 arrays, format
 * descriptors int32 arrays; the fixed low memory holds the thread pool's control words.
 */

/** Rows of the GEMM register tile. */
export const MR = 4;
/** Columns of the GEMM register tile. */
export const NR = 8;
/** Rows of a packed A block. */
export const MC = 64;
/** Depth (k) of a packed panel. */
export const KC = 256;
/** Columns of a packed B block. */
export const NC = 1024;
/** Elements per chunk of stochastic-rounding words. */
export const RCHUNK = 1024;
/** Bytes of the thread-local area at the start of each work area. */
export const TLS_BYTES = 17408;
/** Bytes of a packed A block. */
export const PACK_A_BYTES = MC * KC * 4;
/** Bytes of a packed B block. */
export const PACK_B_BYTES = KC * NC * 4;

/** Byte offset of the pool's control words (int32) in the shared memory. */
export const CTRL = 1024;
/** Where the per-call arena starts. */
export const ARENA_BASE = 65536;

/** Decode descriptor words. */
export const D = {
  WIDTH: 0,
  MAG_MASK: 1,
  SIGN_BIT: 2,
  SIGN_SHIFT: 3,
  MANT_SHIFT: 4,
  SCALE: 5,
  INF: 6,
  NAN_MIN: 7,
  NEG_ZERO_NAN: 8,
  SPECIAL_MIN: 9,
} as const;

/** Encode descriptor words. */
export const E = {
  WIDTH: 0,
  MANT: 1,
  CUTOFF: 2,
  MAX_CODE: 3,
  SIGN_BIT: 4,
  SIGN_SHIFT: 5,
  OVF0: 6,
  OVF1: 7,
  ZERO0: 8,
  ZERO1: 9,
  NAN: 10,
  MODE: 11,
  FLUSH: 12,
  RANDOM_BITS: 13,
  SUB_SCALE: 14,
  RNG: 15,
} as const;

/** Words in a descriptor. */
export const DESC_WORDS = 16;

/** GEMM argument block fields (float64). */
export const G = {
  M: 0,
  N: 1,
  K: 2,
  BATCH: 3,
  A: 4,
  A_DESC: 5,
  TRANS_A: 6,
  LDA: 7,
  STRIDE_A: 8,
  B: 9,
  B_DESC: 10,
  TRANS_B: 11,
  LDB: 12,
  STRIDE_B: 13,
  C: 14,
  C_ENC: 15,
  LDC: 16,
  STRIDE_C: 17,
  INDEX: 18,
  ACCUMULATE: 19,
  TILE_M: 20,
  TILE_N: 21,
  WORK: 22,
  WORK_STRIDE: 23,
  B_CONV: 24,
} as const;
/** Fields in a GEMM argument block. */
export const G_FIELDS = 25;

/** Convolution argument block fields (float64). */
export const CV = {
  N: 0,
  C: 1,
  H: 2,
  W: 3,
  O: 4,
  KH: 5,
  KW: 6,
  OH: 7,
  OW: 8,
  SH: 9,
  SW: 10,
  PH: 11,
  PW: 12,
  DH: 13,
  DW: 14,
  GROUPS: 15,
  IN1: 16,
  IN1_DESC: 17,
  IN2: 18,
  IN2_DESC: 19,
  OUT: 20,
  OUT_ENC: 21,
  INDEX: 22,
  CHUNK: 23,
  WORK: 24,
  WORK_STRIDE: 25,
} as const;
/** Fields in a convolution argument block. */
export const CV_FIELDS = 26;

/** Pool control words (int32 at CTRL). */
export const CTRL_WORDS = { GEN: 0, JOB: 1, ARGS: 2, NT: 3, DONE: 4, ERROR: 5, READY: 6, STOP: 7 } as const;
