/**
 * Progress of the long operations (evaluation, quantization, tolerance analysis, the studies) as plain
 * events: which step of how many, how far into it, and its result once done. The experiment layer only
 * emits them; how they are shown (a bar on a terminal, throttled lines in a log) is the caller's choice.
 */

/** Where a long operation stands: unit `done` of `total` in step `step` of `steps` (1-based). */
export interface Progress {
  /** What the step does, e.g. "float32" or "float8_e4m3fn max tensor". */
  readonly label: string;
  readonly step: number;
  readonly steps: number;
  readonly done: number;
  readonly total: number;
  /** What `done` counts: "batches", "samples", "windows". */
  readonly unit: string;
  /** More about the step so far, e.g. "loss 0.3120  812 samples/s". */
  readonly detail?: string;
  /** The step's outcome once it is done (e.g. "accuracy 91.20%"); absent while it runs. */
  readonly result?: string;
}

/** A receiver of progress events. */
export type ProgressListener = (p: Progress) => void;

/** One step's reporting: `count` as it goes, `finish` with its result (the count stays the last one). */
export interface StepProgress {
  readonly count: (done: number, total: number) => void;
  readonly finish: (result: string) => void;
}

/** The reporting of step `step` of `steps` named `label` to `listener` (nothing without one). */
export function progressStep(
  listener: ProgressListener | undefined,
  label: string,
  step: number,
  steps: number,
  unit = "batches",
): StepProgress {
  let done = 0;
  let total = 0;
  return {
    count: (d, t) => {
      done = d;
      total = t;
      listener?.({ label, step, steps, done, total, unit });
    },
    finish: (result) => listener?.({ label, step, steps, done, total, unit, result }),
  };
}
