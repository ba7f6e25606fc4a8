/**
 * Long-lived buffers inside the wasm memory, for callers that keep operands there (then kernels read
 * and write them in place, with no copy). A first-fit list of blocks above the reserved low memory;
 * freed neighbours merge and a free block at the top gives its space back to the per-call arena, which
 * always starts at the heap's top.
 */
import { ARENA_BASE } from "./layout.js";

interface Block {
  at: number;
  bytes: number;
  free: boolean;
}

const ALIGN = 64;

/** A first-fit allocator of 64-byte-aligned blocks from ARENA_BASE upward. */
export class Heap {
  private readonly blocks: Block[] = [];

  /** The first byte above every live block (where the per-call arena starts). */
  get top(): number {
    const last = this.blocks.at(-1);
    return last === undefined ? ARENA_BASE : last.at + last.bytes;
  }

  /** Bytes in live blocks. */
  get used(): number {
    return this.blocks.reduce((s, b) => s + (b.free ? 0 : b.bytes), 0);
  }

  /** Reserve `bytes`; returns the address (the caller makes sure memory reaches `top`). */
  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const i = this.blocks.findIndex((b) => b.free && b.bytes >= size);
    if (i < 0) {
      const at = this.top;
      this.blocks.push({ at, bytes: size, free: false });
      return at;
    }
    const b = this.blocks[i];
    if (b.bytes > size) this.blocks.splice(i + 1, 0, { at: b.at + size, bytes: b.bytes - size, free: true });
    b.bytes = size;
    b.free = false;
    return b.at;
  }

  /** Release the block at `at`; false when there is no live block there. */
  free(at: number): boolean {
    const i = this.blocks.findIndex((b) => b.at === at && !b.free);
    if (i < 0) return false;
    this.blocks[i].free = true;
    // Merge with free neighbours, then drop a free block at the top.
    for (let j = Math.min(i + 1, this.blocks.length - 1); j > 0; j--) {
      const a = this.blocks[j - 1];
      const b = this.blocks[j];
      if (a.free && b.free) {
        a.bytes += b.bytes;
        this.blocks.splice(j, 1);
      }
    }
    while (this.blocks.at(-1)?.free === true) this.blocks.pop();
    return true;
  }
}
