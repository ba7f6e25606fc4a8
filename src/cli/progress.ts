/**
 * Progress of the long commands on stderr, one display for all of them: a live bar (cli-progress) with
 * the step, its count and ETA when stderr is a terminal, and otherwise plain lines (one per finished
 * step, and at most one per interval while a step runs), so logs and CI output stay readable. stdout is
 * never touched, so --json output stays one JSON value. Training runs get their TrainEvents here too.
 */
import { SingleBar } from "cli-progress";
import type { EpochMetrics, Progress, ProgressListener, TrainEvents } from "../experiment/index.js";
import type { CliIo } from "./io.js";
import { percent } from "./print.js";

const pct = (x: number): string => `${percent(x)}%`;

/** How often (at most) a plain progress line is printed while a step runs, in milliseconds. */
export const PROGRESS_INTERVAL_MS = 30_000;

/** Options of a ProgressDisplay. */
export interface ProgressOptions {
  /** Show nothing (--quiet). */
  readonly quiet?: boolean | undefined;
  /** The least time between two plain lines of one running step (default PROGRESS_INTERVAL_MS). */
  readonly intervalMs?: number | undefined;
  /** The clock, in milliseconds (tests). */
  readonly now?: (() => number) | undefined;
}

/** "[2/10] label" (just "label" for a single-step operation). */
function stepName(p: Progress): string {
  return p.steps > 1 ? `[${p.step}/${p.steps}] ${p.label}` : p.label;
}

/** The plain line of an event `seconds` into its step: the result once done, else the count so far. */
export function progressLine(p: Progress, seconds: number): string {
  const count = `${p.done}/${p.total} ${p.unit}`;
  const time = `${seconds.toFixed(1)} s`;
  return p.result === undefined
    ? `${stepName(p)}: ${count}${p.detail === undefined ? "" : `, ${p.detail}`}, ${time}\n`
    : `${stepName(p)}: ${p.result} (${count}, ${time})\n`;
}

/** Shows Progress events on `io`'s stderr: a bar on a terminal, throttled plain lines otherwise. */
export class ProgressDisplay {
  private bar: SingleBar | null = null;
  private key = "";
  private started = 0;
  private lastLine = 0;
  private readonly now: () => number;
  private readonly intervalMs: number;

  constructor(
    private readonly io: CliIo,
    private readonly options: ProgressOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.intervalMs = options.intervalMs ?? PROGRESS_INTERVAL_MS;
  }

  /** update() as a listener, for the experiment layer's onProgress options. */
  readonly listener: ProgressListener = (p) => {
    this.update(p);
  };

  /** Show `p`: a new step (label or number) starts a new bar; a result ends the step with its line. */
  update(p: Progress): void {
    if (this.options.quiet === true) return;
    const key = `${p.step}/${p.steps} ${p.label}`;
    const t = this.now();
    if (key !== this.key) {
      this.stopBar();
      this.key = key;
      this.started = t;
      this.lastLine = t;
    }
    const seconds = (t - this.started) / 1000;
    if (p.result !== undefined) {
      this.stopBar();
      this.key = "";
      this.io.stderr(progressLine(p, seconds));
    } else if (this.io.terminal !== undefined) {
      this.draw(this.io.terminal, p);
    } else if (t - this.lastLine >= this.intervalMs) {
      this.lastLine = t;
      this.io.stderr(progressLine(p, seconds));
    }
  }

  /** A line of its own (a stage starting, a step summed up), below any bar; shown even with --quiet
   * when `always` is set. */
  note(line: string, always = false): void {
    if (this.options.quiet === true && !always) return;
    this.stopBar();
    this.key = "";
    this.io.stderr(line);
  }

  /** Remove the bar, if one is drawn. */
  stopBar(): void {
    this.bar?.stop();
    this.bar = null;
  }

  private draw(terminal: NodeJS.WriteStream, p: Progress): void {
    const payload = {
      step: stepName(p),
      unit: p.unit,
      detail: p.detail === undefined ? "" : `  ${p.detail}`,
    };
    if (this.bar === null) {
      this.bar = new SingleBar({
        stream: terminal,
        format: "{step} [{bar}] {value}/{total} {unit}{detail}  ETA {eta_formatted}",
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      });
      this.bar.start(p.total, p.done, payload);
    }
    this.bar.setTotal(p.total);
    this.bar.update(p.done, payload);
  }
}

/** The display of a command's progress: nothing with --quiet. */
export function progressDisplay(io: CliIo, quiet: boolean | undefined): ProgressDisplay {
  return new ProgressDisplay(io, { quiet });
}

/** One line summing up an epoch. */
export function epochLine(label: string, m: EpochMetrics, epochs: number): string {
  return (
    `${label}epoch ${m.epoch}/${epochs}  train loss ${m.trainLoss.toFixed(4)}  train acc ${pct(m.trainAccuracy)}  ` +
    `test acc ${pct(m.testAccuracy)}  cancelled ${pct(m.cancelledFraction)}  ${m.seconds.toFixed(1)} s  ` +
    `${Math.round(m.samplesPerSecond)} samples/s\n`
  );
}

/** The events that show a run's progress on `io`'s stderr through `display` (a bar per epoch, a line
 * per finished epoch); `label` prefixes every line (e.g. the policy). Notes and warnings show even when
 * quiet. */
export function progressEvents(io: CliIo, label = "", display = new ProgressDisplay(io)): TrainEvents {
  let epochs = 0;
  return {
    onStart: ({ setup, paths, resumedFrom, lockNote }) => {
      if (typeof lockNote === "string") display.note(`minifloat: ${lockNote}\n`, true);
      for (const n of setup.notes) display.note(`minifloat: ${n}\n`, true);
      for (const w of setup.warnings) display.note(`minifloat: warning: ${w}\n`, true);
      if (resumedFrom !== null) display.note(`${label}resuming ${paths.dir} from ${resumedFrom}\n`);
    },
    onStep: (e) => {
      epochs = e.epochs;
      display.update({
        label: `${label}epoch ${e.epoch + 1}/${e.epochs}`,
        step: 1,
        steps: 1,
        done: e.batch + 1,
        total: e.batches,
        unit: "batches",
        detail: `loss ${e.loss.toFixed(4)}, ${Math.round(e.samplesPerSecond)} samples/s`,
      });
    },
    onEpoch: (m) => {
      display.note(epochLine(label, m, epochs));
    },
  };
}
