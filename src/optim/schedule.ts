/**
 * Learning-rate schedules as pure functions of the step (0-based): constant, step decay, cosine
 * annealing (Loshchilov & Hutter, SGDR, ICLR 2017, without restarts), and linear warmup in front of any
 * schedule (Goyal et al., arXiv:1706.02677).
 */
import { MinifloatError } from "../errors.js";

/** A learning rate as a function of the step. */
export type Schedule = (step: number) => number;

function check(ok: boolean, message: string): void {
  if (!ok) throw new MinifloatError("config", `schedule: ${message}`);
}

/** The same rate at every step. */
export function constantSchedule(lr: number): Schedule {
  check(lr >= 0, `lr must be >= 0, got ${lr}`);
  return () => lr;
}

/** lr * gamma^floor(step / stepSize) (PyTorch's StepLR). */
export function stepSchedule(lr: number, stepSize: number, gamma = 0.1): Schedule {
  check(Number.isInteger(stepSize) && stepSize > 0, `stepSize must be a positive integer, got ${stepSize}`);
  return (step) => lr * gamma ** Math.floor(step / stepSize);
}

/** minLr + (lr - minLr) (1 + cos(pi step / totalSteps)) / 2, then minLr after totalSteps. */
export function cosineSchedule(lr: number, totalSteps: number, minLr = 0): Schedule {
  check(totalSteps > 0, `totalSteps must be > 0, got ${totalSteps}`);
  return (step) => {
    const s = Math.min(Math.max(step, 0), totalSteps);
    return minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * s) / totalSteps))) / 2;
  };
}

/** Linear warmup over `warmupSteps`: after(0) * (step + 1) / warmupSteps, then after(step - warmupSteps). */
export function warmupSchedule(warmupSteps: number, after: Schedule): Schedule {
  check(
    Number.isInteger(warmupSteps) && warmupSteps >= 0,
    `warmupSteps must be an integer >= 0, got ${warmupSteps}`,
  );
  return (step) => (step < warmupSteps ? (after(0) * (step + 1)) / warmupSteps : after(step - warmupSteps));
}

/** Linear warmup then cosine decay to `minLr`, `totalSteps` in all. */
export function warmupCosineSchedule(
  lr: number,
  warmupSteps: number,
  totalSteps: number,
  minLr = 0,
): Schedule {
  check(totalSteps > warmupSteps, `totalSteps (${totalSteps}) must exceed warmupSteps (${warmupSteps})`);
  return warmupSchedule(warmupSteps, cosineSchedule(lr, totalSteps - warmupSteps, minLr));
}
