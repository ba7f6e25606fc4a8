/**
 * Layer `data`: datasets read into memory (IDX, Fashion-MNIST, CIFAR-10 binary batches; GLUE, SQuAD and
 * TSV text in text/), BERT's WordPiece tokenizer (tokenizer/) and seeded, reproducible batching to
 * normalized Float32Array. Produces plain typed arrays; callers make tensors.
 * Imports only formats (the Philox generator), io (atomic writes of caches) and ../errors; never nn,
 * optim or the CLI.
 */
export * from "./idx.js";
export * from "./image-dataset.js";
export * from "./loader.js";
export * from "./tokenizer/index.js";
export * from "./text/index.js";
export * from "./text-loader.js";
