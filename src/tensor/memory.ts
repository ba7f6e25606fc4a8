/**
 * Memory accounting: bytes of tensor storage held per format, now and at the peak. Because storage is
 * real (codes in the format's own width, DESIGN.md rule 3), these figures are what a run really holds,
 * not a simulation: a bfloat16 tensor of N elements counts 2N bytes.
 */

/** Bytes held, by format name and in total, now and at the peak. */
export interface MemorySnapshot {
  readonly currentBytes: number;
  readonly peakBytes: number;
  readonly byFormat: Readonly<Record<string, { readonly currentBytes: number; readonly peakBytes: number }>>;
}

/** Counts the bytes of live tensor storage per format. */
export class MemoryTracker {
  private current = 0;
  private peak = 0;
  private readonly perFormat = new Map<string, { current: number; peak: number }>();

  /** Record `bytes` newly held in format `name`. */
  alloc(name: string, bytes: number): void {
    const e = this.perFormat.get(name) ?? { current: 0, peak: 0 };
    e.current += bytes;
    e.peak = Math.max(e.peak, e.current);
    this.perFormat.set(name, e);
    this.current += bytes;
    this.peak = Math.max(this.peak, this.current);
  }

  /** Record `bytes` of format `name` released. */
  free(name: string, bytes: number): void {
    const e = this.perFormat.get(name);
    if (e !== undefined) e.current -= bytes;
    this.current -= bytes;
  }

  /** Start a new peak measurement from the current holdings (e.g. at the start of an epoch). */
  resetPeak(): void {
    this.peak = this.current;
    for (const e of this.perFormat.values()) e.peak = e.current;
  }

  /** The figures now. */
  snapshot(): MemorySnapshot {
    const byFormat: Record<string, { currentBytes: number; peakBytes: number }> = {};
    for (const [name, e] of this.perFormat) byFormat[name] = { currentBytes: e.current, peakBytes: e.peak };
    return { currentBytes: this.current, peakBytes: this.peak, byFormat };
  }
}
