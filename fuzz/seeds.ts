/**
 * Writes the seed inputs of fuzz/corpus/<target>/seed-* (small valid files of every kind, plus a few
 * near misses); run by hand (`node dist/fuzz/seeds.js`) after changing them. Inputs found by fuzzing
 * sit beside them under other names and are kept.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { encodeIdx } from "../src/data/idx.js";
import { DTYPE_INFO, SAFETENSORS_DTYPES, serializeSafetensors } from "../src/io/safetensors.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

function write(target: string, name: string, data: string | Uint8Array): void {
  const dir = join(root, "fuzz", "corpus", target);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `seed-${name}`), data);
}

function bytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
}

// safetensors: one file per dtype, a two-tensor file with metadata, an empty one.
for (const dtype of SAFETENSORS_DTYPES) {
  const shape = DTYPE_INFO[dtype].bits < 8 ? [2, 4] : [2, 3];
  const n = (shape[0] * shape[1] * DTYPE_INFO[dtype].bits) / 8;
  write("safetensors", dtype.toLowerCase(), serializeSafetensors({ t: { dtype, shape, data: bytes(n) } }));
}
write(
  "safetensors",
  "two",
  serializeSafetensors(
    [
      ["a", { dtype: "F16", shape: [2], data: bytes(4) }],
      ["b", { dtype: "BF16", shape: [1, 1], data: bytes(2) }],
    ],
    { format: "pt" },
  ),
);
write("safetensors", "empty", serializeSafetensors({}));

// IDX: each dtype, plain and gzipped.
write("idx", "uint8", encodeIdx({ dtype: "uint8", shape: [2, 2, 2], data: Uint8Array.from(bytes(8)) }));
write("idx", "int8", encodeIdx({ dtype: "int8", shape: [3], data: Int8Array.of(-1, 0, 1) }));
write("idx", "int16", encodeIdx({ dtype: "int16", shape: [2], data: Int16Array.of(-300, 300) }));
write("idx", "int32", encodeIdx({ dtype: "int32", shape: [1, 2], data: Int32Array.of(-1, 70000) }));
write("idx", "float32", encodeIdx({ dtype: "float32", shape: [2], data: Float32Array.of(0.5, -2) }));
write("idx", "float64", encodeIdx({ dtype: "float64", shape: [1], data: Float64Array.of(Math.PI) }));
write(
  "idx",
  "labels.gz",
  gzipSync(encodeIdx({ dtype: "uint8", shape: [4], data: Uint8Array.of(1, 2, 3, 4) })),
);
write("idx", "scalar", encodeIdx({ dtype: "uint8", shape: [], data: Uint8Array.of(7) }));

// TSV: the first byte holds the options (bit 0 quoting none, bit 1 no header, bit 2 skip bad rows).
write("tsv", "plain", "\x00text\tlabel\nhello world\tpos\nbad movie\tneg\n");
write("tsv", "quoted", '\x00text\tlabel\n"a ""quoted""\ttab"\tpos\r\n"multi\nline"\tneg');
write("tsv", "literal-quotes", '\x01sentence\tlabel\nhe said "hi\t1\n');
write("tsv", "no-header-skip", "\x06a\tb\tc\nd\te\n\ufeffx\ty\tz\n");

// GLUE: the first byte picks the task (mod 9) and split ((byte / 9) mod 3); bit 7 forces literal quotes.
write("glue", "sst2-dev", "\x0a" + "sentence\tlabel\nit 's a charming journey .\t1\nbad\t0\n");
write("glue", "cola-train", "\x00" + "gj04\t1\t\tOur friends won't buy this analysis.\n");
write("glue", "mrpc-dev", "\x0b" + "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\tA b.\tA c.\n");
write(
  "glue",
  "stsb-dev",
  "\x0c" +
    "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n0\tmain\tx\t2012\t1\tnone\tnone\tA man.\tA woman.\t2.5\n",
);
write("glue", "mnli-test", "\x17" + "index\tsentence1\tsentence2\n0\tA\tB\n");

// SQuAD v1.1.
write(
  "squad",
  "v11",
  JSON.stringify({
    version: "1.1",
    data: [
      {
        title: "T",
        paragraphs: [
          {
            context: "The cat sat on the mat.",
            qas: [{ id: "q1", question: "Where?", answers: [{ text: "the mat", answer_start: 15 }] }],
          },
        ],
      },
    ],
  }),
);
write(
  "squad",
  "v2",
  '{"data":[{"paragraphs":[{"context":"x","qas":[{"id":"a","question":"?","answers":[],"is_impossible":true}]}]}]}',
);

// Tokenizer: vocab.txt, NUL, text (a TAB separates a pair).
const vocab = [
  "[PAD]",
  "[UNK]",
  "[CLS]",
  "[SEP]",
  "[MASK]",
  "the",
  "cat",
  "##s",
  "un",
  "##aff",
  "##able",
  ",",
  ".",
];
write("tokenizer", "small", `${vocab.join("\n")}\n\0The cats, unaffable.\tthe CAT`);
write("tokenizer", "crlf", `${vocab.join("\r\n")}\r\n\0Ünïcödé 我们 [MASK] \u0301x`);
write("tokenizer", "no-specials", "a\nb\n\0a b");
// Issue 15, items 4 and 5: bytes a vocab.txt linked to a device or system file would give.
write("tokenizer", "zeros", "\0".repeat(64));
write(
  "tokenizer",
  "passwd",
  "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n\0root",
);
write("tokenizer", "duplicate", `${vocab.join("\n")}\nthe\n\0the cat`);

// Policies.
write(
  "policy",
  "custom",
  JSON.stringify({
    extends: "pure-bf16",
    updateRule: "kahan",
    roles: { params: { format: "bfloat16", rounding: "stochastic" } },
  }),
);
write(
  "policy",
  "full",
  JSON.stringify({
    name: "p",
    roles: {
      params: "float16",
      masterParams: "float32",
      activations: "float16",
      gradients: "float16",
      optimizerState: "float32",
      kahanCompensation: "float16",
      loss: "float32",
    },
    updateRule: "nearest",
    lossScaling: { dynamic: { initial: 65536, growthInterval: 2000, factor: 2, backoff: 0.5 } },
  }),
);
write("policy", "typo", '{"extends":"amp-fp16","lossScalling":"none"}');

// Configuration: config JSON, NUL, shard index JSON.
write(
  "config",
  "train",
  `${JSON.stringify({ model: "mlp", epochs: 2, lr: 0.1, optimizer: "adam", modelOptions: { hidden: 8 } })}\0${JSON.stringify({ weight_map: { w: "a.safetensors" } })}`,
);
write(
  "config",
  "run-dir",
  `${JSON.stringify({ config: { model: "lenet5" }, policy: { name: "fp32" } })}\0{"weight_map":{"w":"../a.safetensors"}}`,
);
write(
  "config",
  "hf",
  `${JSON.stringify({ architectures: ["BertModel"], hidden_size: 8 })}\0{"metadata":{},"weight_map":{"w":"a.safetensors","v":".."}}`,
);

// Issue 15, item 4: a 2 KB BERT config.json asking for unbounded memory must be refused from its sizes.
const SHARD_INDEX = JSON.stringify({ weight_map: { w: "a.safetensors" } });
const bert = { architectures: ["BertForSequenceClassification"], model_type: "bert", vocab_size: 30522 };
for (const [name, sizes] of [
  ["bert-layers-1e6", { num_hidden_layers: 1_000_000 }],
  ["bert-intermediate-4e6", { intermediate_size: 4_000_000 }],
  ["bert-hidden-16384", { hidden_size: 16384, num_attention_heads: 16 }],
  ["bert-positions-1e5", { max_position_embeddings: 100_000 }],
  ["bert-small", { hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16 }],
] as const) {
  write("config", name, `${JSON.stringify({ ...bert, ...sizes })}\0${SHARD_INDEX}`);
}

// Command lines, one argument per line.
write("cli", "cast", "cast\n--to\nbfloat16,float8_e4m3fn\n--rounding\nstochastic\n--\n0.1\n-0x1.8p-3\nnan");
write("cli", "cast-json", "cast\n--json\n--to\nint8\n1e-40");
write("cli", "formats", "formats\n--json");
write(
  "cli",
  "train",
  'train\n--model\nmlp\n--epochs\n2\n--lr\n0.1\n--policy\npure-bf16-sr\n--model-options\n{"hidden":4}',
);
write("cli", "compare", "compare\n--policies\nfp32,amp-bf16\n--seeds\n2\n--optimizer\nadamw");
write("cli", "help", "--help");

// Values of `cast`.
for (const [name, v] of Object.entries({
  decimal: "-1.5e-3",
  hex: "0x1.8p-3",
  inf: "-Infinity",
  tiny: "0x1p-1080",
  long: "1".repeat(400),
})) {
  write("parse-value", name, v);
}
