/**
 * Progress of training on stderr: a live bar (cli-progress) with epoch, loss, samples/s and ETA when
 * stderr is a terminal, and otherwise one plain line per finished epoch, so logs and CI output stay
 * readable. Builds the TrainEvents a run is given.
 */
import { SingleBar } from "cli-progress";
import type { EpochMetrics, TrainEvents } from "../experiment/index.js";
import type { CliIo } from "./io.js";
import { percent } from "./print.js";

const pct = (x: number): string => `${percent(x)}%`;

/** One line summing up an epoch. */
export function epochLine(label: string, m: EpochMetrics, epochs: number): string {
  return (
    `${label}epoch ${m.epoch}/${epochs}  train loss ${m.trainLoss.toFixed(4)}  train acc ${pct(m.trainAccuracy)}  ` +
    `test acc ${pct(m.testAccuracy)}  cancelled ${pct(m.cancelledFraction)}  ${m.seconds.toFixed(1)} s  ` +
    `${Math.round(m.samplesPerSecond)} samples/s\n`
  );
}

/** The events that show a run's progress on `io`'s stderr; `label` prefixes every line (e.g. the policy). */
export function progressEvents(io: CliIo, label = ""): TrainEvents {
  const terminal = io.terminal;
  let bar: SingleBar | null = null;
  let epochs = 0;
  return {
    onStart: ({ setup, paths, resumedFrom }) => {
      for (const n of setup.notes) io.stderr(`minifloat: ${n}\n`);
      for (const w of setup.warnings) io.stderr(`minifloat: warning: ${w}\n`);
      if (resumedFrom !== null) io.stderr(`${label}resuming ${paths.dir} from ${resumedFrom}\n`);
    },
    onStep: (e) => {
      epochs = e.epochs;
      if (terminal === undefined) return;
      if (bar === null) {
        bar = new SingleBar({
          stream: terminal,
          format: `${label}epoch {epoch}/{epochs} [{bar}] {value}/{total} batches  loss {loss}  {speed} samples/s  ETA {eta_formatted}`,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        });
        bar.start(e.batches, e.batch, { epoch: e.epoch + 1, epochs: e.epochs, loss: "-", speed: "-" });
      }
      bar.update(e.batch + 1, {
        epoch: e.epoch + 1,
        loss: e.loss.toFixed(4),
        speed: Math.round(e.samplesPerSecond),
      });
    },
    onEpoch: (m) => {
      if (bar !== null) {
        bar.stop();
        bar = null;
      }
      io.stderr(epochLine(label, m, epochs));
    },
  };
}
