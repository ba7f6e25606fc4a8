/**
 * Philox4x32-10 (Salmon et al., SC 2011), the twin of src/formats/philox.ts: element e of stream
 * (seed, stream, step) is word e mod 4 of the block with counter (floor(e/4) low and high 32 bits,
 * stream, step) and key (seed low and high 32 bits), so every thread and backend draws the same bits.
 */

const M0: u64 = 0xd2511f53;
const M1: u64 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;

/**
 * Write the words of elements start .. start+n-1 of the stream keyed at `key` (seed lo, seed hi, stream,
 * step as uint32), each shifted right by `shift`, to `dst` (uint32).
 */
export function fillRandom(key: usize, start: u64, n: i32, shift: u32, dst: usize): void {
  const k0 = load<u32>(key);
  const k1 = load<u32>(key, 4);
  const stream = load<u32>(key, 8);
  const step = load<u32>(key, 12);
  let i = 0;
  while (i < n) {
    const e = start + <u64>i;
    const block = e >> 2;
    let x0 = <u32>block;
    let x1 = <u32>(block >> 32);
    let x2 = stream;
    let x3 = step;
    let key0 = k0;
    let key1 = k1;
    for (let round = 0; round < 10; round++) {
      const p0 = M0 * <u64>x0;
      const p1 = M1 * <u64>x2;
      x0 = <u32>(p1 >> 32) ^ x1 ^ key0;
      x1 = <u32>p1;
      x2 = <u32>(p0 >> 32) ^ x3 ^ key1;
      x3 = <u32>p0;
      key0 += W0;
      key1 += W1;
    }
    for (let lane = <i32>(e & 3); lane < 4 && i < n; lane++, i++) {
      const w = lane == 0 ? x0 : lane == 1 ? x1 : lane == 2 ? x2 : x3;
      store<u32>(dst + (<usize>i << 2), w >> shift);
    }
  }
}
