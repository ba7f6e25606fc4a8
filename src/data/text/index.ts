/**
 * Text data: TSV tables and `text<TAB>label` files, the GLUE tasks, SQuAD v1.1, and their metrics (GLUE's
 * sklearn/SciPy definitions, SQuAD's official evaluation, answer-span decoding). Produces plain strings
 * and numbers; tokenization and tensors belong to callers. Imports node:fs/path, ../../errors and io's
 * error words for unreadable files (../../io/fs-error.ts).
 */
export * from "./glue.js";
export * from "./metrics.js";
export * from "./squad.js";
export * from "./tsv.js";
