/**
 * Verdicts end to end at a tiny scale on real MNIST (an MLP on a few thousand images): a planted real
 * effect, pure-bf16 with nearest rounding under plain SGD at a tiny learning rate (its updates are
 * cancelled), against fp32 gets "does not hold" for the 16-bit equivalence claim; a null effect, fp32
 * against fp32 with another seed, gets "holds" or "inconclusive", never "does not hold", on one seed
 * (paired on the test samples) and on two (Student t across seeds).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  accuracyDifference,
  compareRuns,
  judge,
  loadRunData,
  makeTrainConfig,
  predictionsAccuracy,
  readPredictions,
  runPaths,
  standaloneClaims,
  type AccuracyDifference,
  type SamplePredictions,
} from "../src/experiment/index.js";

const base = makeTrainConfig({
  model: "mlp",
  modelOptions: { hidden: [32] },
  data: "mnist",
  epochs: 1,
  batchSize: 32,
  optimizer: "sgd",
  momentum: 0,
  trainLimit: 2500,
  testLimit: 2000,
  logEvery: 0,
});
const data = loadRunData(base);
const temp = (): string => mkdtempSync(join(tmpdir(), "minifloat-verdicts-"));
const within = { kind: "within", margin: 0.006 } as const;

describe("verdicts on MNIST at a tiny scale", () => {
  it("a planted effect (cancelled BF16 updates) does not hold as 16-bit equivalence", async () => {
    const c = await compareRuns(
      { ...base, lr: 0.002 },
      { out: temp(), policies: ["fp32", "pure-bf16"], seeds: 1, data },
    );
    const bf16 = c.summary[1];
    expect(bf16.vsFp32?.method).toBe("paired-samples");
    expect(bf16.vsFp32?.high).toBeLessThan(-0.006);
    expect(bf16.vsFp32?.pValue).toBeLessThan(0.001);
    const [claim] = standaloneClaims([{ name: "MNIST", part: "mnist", summary: c.summary }]);
    expect(claim.id).toBe("accuracy-pure-bf16");
    expect(claim.verdict).toBe("does not hold");
  });

  it("a null effect (fp32 against fp32 with other seeds) never fails, on one seed and on two", async () => {
    // The demo's recipe: the learning rate decays to zero (cosine), so seeds swing less.
    const stable = { ...base, lr: 0.05, schedule: "cosine" } as const;
    const c = await compareRuns(makeTrainConfig(stable), { out: temp(), policies: ["fp32"], seeds: 4, data });
    const p = c.runs.map((r) => readPredictions(runPaths(r.dir).predictions) as SamplePredictions);
    expect(p.map(predictionsAccuracy)).toEqual(c.runs.map((r) => r.testAccuracy));
    const one = accuracyDifference([p[0]], [p[1]]);
    expect(one?.method).toBe("paired-samples");
    expect(judge(one as AccuracyDifference, within)).not.toBe("does not hold");
    const two = accuracyDifference([p[0], p[1]], [p[2], p[3]]);
    expect(two?.method).toBe("seeds");
    expect(two?.seeds).toBe(2);
    expect(judge(two as AccuracyDifference, within)).not.toBe("does not hold");
  });
});
