/** Fuzz target: a SQuAD v1.1 JSON file, read, checked and scored against itself. */
import { parsesOrRefuses, scratchFile } from "../contract.js";
import { evaluateSquad, readSquad } from "../../src/data/text/squad.js";

/** One input through readSquad (and evaluateSquad on what it read). */
export function fuzz(data: Buffer): void {
  const path = scratchFile("fuzz-squad.json", data);
  parsesOrRefuses(() => {
    const squad = readSquad(path);
    const predictions = new Map(squad.questions.map((q) => [q.id, q.answers[0]?.text ?? ""]));
    evaluateSquad(squad.questions, predictions);
  }, path);
}
