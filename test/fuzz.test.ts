/**
 * The short fuzz run of the test suite: every Jazzer.js target of fuzz/targets run in-process over its
 * committed corpus (seeds and the inputs fuzzing found, crashes included), then over seeded random
 * mutations of those inputs (bit flips, byte changes, insertions, deletions, splices, interesting
 * values, cuts). A target throws only when an input breaks the contract of fuzz/contract.ts (an error
 * that is not a MinifloatError naming its source). The long, coverage-guided runs are `npm run fuzz`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzz as cli } from "../fuzz/targets/cli.fuzz.js";
import { fuzz as config } from "../fuzz/targets/config.fuzz.js";
import { fuzz as glue } from "../fuzz/targets/glue.fuzz.js";
import { fuzz as idx } from "../fuzz/targets/idx.fuzz.js";
import { fuzz as parseValue } from "../fuzz/targets/parse-value.fuzz.js";
import { fuzz as policy } from "../fuzz/targets/policy.fuzz.js";
import { fuzz as safetensors } from "../fuzz/targets/safetensors.fuzz.js";
import { fuzz as squad } from "../fuzz/targets/squad.fuzz.js";
import { fuzz as tokenizer } from "../fuzz/targets/tokenizer.fuzz.js";
import { fuzz as tsv } from "../fuzz/targets/tsv.fuzz.js";

const TARGETS: Record<string, (data: Buffer) => void> = {
  safetensors,
  idx,
  tsv,
  glue,
  squad,
  tokenizer,
  policy,
  config,
  cli,
  "parse-value": parseValue,
};

/** Mutations per target; FUZZ_MUTATIONS raises it for a longer local run. */
const MUTATIONS = Number(process.env.FUZZ_MUTATIONS ?? "400");

function corpus(target: string): Buffer[] {
  const dir = join(import.meta.dirname, "..", "fuzz", "corpus", target);
  return readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f)));
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x22, 0x09, 0x0a, 0x0d, 0x5b, 0x7b, 0x2c, 0x30, 0x39];

/** One libFuzzer-style edit of `data` driven by `r` (a list of random integers). */
function mutate(data: Buffer, r: readonly number[], other: Buffer): Buffer {
  const [kind = 0, a = 0, b = 0, c = 0] = r;
  const n = data.length;
  const at = n === 0 ? 0 : a % n;
  const out = Buffer.from(data);
  switch (kind % 8) {
    case 0: // flip a bit
      if (n > 0) out[at] = (out[at] ?? 0) ^ (1 << (b % 8));
      return out;
    case 1: // set a byte
      if (n > 0) out[at] = b & 0xff;
      return out;
    case 2: // insert bytes
      return Buffer.concat([data.subarray(0, at), Buffer.alloc(1 + (c % 8), b & 0xff), data.subarray(at)]);
    case 3: // delete a range
      return Buffer.concat([data.subarray(0, at), data.subarray(Math.min(n, at + 1 + (b % 16)))]);
    case 4: // splice with another corpus input
      return Buffer.concat([data.subarray(0, at), other.subarray(other.length === 0 ? 0 : b % other.length)]);
    case 5: // an interesting byte
      if (n > 0) out[at] = INTERESTING[b % INTERESTING.length] ?? 0;
      return out;
    case 6: // cut
      return data.subarray(0, at);
    default: // duplicate a range (grows lengths and nesting)
      return Buffer.concat([
        data.subarray(0, at + 1),
        data.subarray(at, Math.min(n, at + 1 + (c % 64))),
        data.subarray(at + 1),
      ]);
  }
}

describe.each(Object.keys(TARGETS))("fuzz target %s", (name) => {
  const target = TARGETS[name];
  const inputs = corpus(name);

  it("keeps the contract on every corpus input", () => {
    expect(inputs.length).toBeGreaterThan(0);
    for (const input of inputs) target(input);
  });

  it("keeps the contract on random mutations of the corpus", () => {
    const edit = fc.array(fc.nat(), { minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(
        fc.nat(inputs.length - 1),
        fc.nat(inputs.length - 1),
        fc.array(edit, { minLength: 1, maxLength: 6 }),
        (i, j, edits) => {
          let data = inputs[i];
          for (const r of edits) data = mutate(data, r, inputs[j]);
          target(data);
        },
      ),
      { numRuns: MUTATIONS, seed: 9 },
    );
  });
});
