#!/usr/bin/env python3
"""Golden files for src/nn/bert.test.ts: a tiny seeded BERT written in plain torch (no transformers
library), following Hugging Face's modeling_bert.py (BertEmbeddings, BertSelfAttention with the additive
mask (1 - mask) * finfo(float32).min, BertSelfOutput, BertIntermediate, BertOutput, BertPooler, the
sequence-classification and question-answering heads), saved as a Hugging Face checkpoint directory.

Run with Debian's torch (apt-get install python3-torch), from the repository root:
    /usr/bin/python3 scripts/bert-golden.py test/golden/bert && npx prettier --write test/golden/bert
Writes config.json, model.safetensors (bert.* + classifier.*, with the int64 position_ids buffer old
checkpoints carry), qa_outputs.safetensors (a QA head) and golden.json (inputs and expected outputs).
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

CONFIG = {
    "architectures": ["BertForSequenceClassification"],
    "model_type": "bert",
    "vocab_size": 99,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 37,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 64,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
    "classifier_dropout": None,
    "id2label": {"0": "negative", "1": "neutral", "2": "positive"},
    "label2id": {"negative": 0, "neutral": 1, "positive": 2},
    "problem_type": "single_label_classification",
    "torch_dtype": "float32",
}


def make_params(c, gen):
    """Every parameter by its Hugging Face name, random enough that each op matters."""
    h, i, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    p = {}

    def normal(*shape, std=1.0):
        return torch.randn(*shape, generator=gen, dtype=torch.float32) * std

    def linear(name, n_out, n_in):
        p[name + ".weight"] = normal(n_out, n_in, std=1.0 / math.sqrt(n_in))
        p[name + ".bias"] = normal(n_out, std=0.1)

    def layer_norm(name, n):
        p[name + ".weight"] = 1.0 + normal(n, std=0.2)
        p[name + ".bias"] = normal(n, std=0.2)

    # Word embeddings are stored as F16 (below): round them to float16 here so both sides agree.
    p["bert.embeddings.word_embeddings.weight"] = normal(v, h).half().float()
    p["bert.embeddings.position_embeddings.weight"] = normal(c["max_position_embeddings"], h, std=0.5)
    p["bert.embeddings.token_type_embeddings.weight"] = normal(c["type_vocab_size"], h, std=0.5)
    layer_norm("bert.embeddings.LayerNorm", h)
    for n in range(c["num_hidden_layers"]):
        pre = f"bert.encoder.layer.{n}."
        for part in ("query", "key", "value"):
            linear(pre + "attention.self." + part, h, h)
        linear(pre + "attention.output.dense", h, h)
        layer_norm(pre + "attention.output.LayerNorm", h)
        linear(pre + "intermediate.dense", i, h)
        linear(pre + "output.dense", h, i)
        layer_norm(pre + "output.LayerNorm", h)
    linear("bert.pooler.dense", h, h)
    linear("classifier", len(c["id2label"]), h)
    qa = {}
    qa["qa_outputs.weight"] = normal(2, h, std=1.0 / math.sqrt(h))
    qa["qa_outputs.bias"] = normal(2, std=0.1)
    return p, qa


def bert(p, c, input_ids, token_type_ids, attention_mask, act):
    """BertModel.forward in eval mode: (last hidden state (B, T, C), pooled output (B, C))."""
    B, T = input_ids.shape
    C, H = c["hidden_size"], c["num_attention_heads"]
    D = C // H
    eps = c["layer_norm_eps"]

    def lin(x, name):
        return F.linear(x, p[name + ".weight"], p[name + ".bias"])

    def ln(x, name):
        return F.layer_norm(x, (C,), p[name + ".weight"], p[name + ".bias"], eps)

    e = p["bert.embeddings.word_embeddings.weight"][input_ids]
    e = e + p["bert.embeddings.token_type_embeddings.weight"][token_type_ids]
    e = e + p["bert.embeddings.position_embeddings.weight"][torch.arange(T)][None]
    x = ln(e, "bert.embeddings.LayerNorm")  # (B, T, C); dropout is the identity in eval
    mask = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min  # (B, 1, 1, T)
    for n in range(c["num_hidden_layers"]):
        pre = f"bert.encoder.layer.{n}."

        def heads(t):
            return t.view(B, T, H, D).permute(0, 2, 1, 3)  # (B, H, T, D)

        q = heads(lin(x, pre + "attention.self.query"))
        k = heads(lin(x, pre + "attention.self.key"))
        v = heads(lin(x, pre + "attention.self.value"))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(D) + mask  # (B, H, T, T)
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous().view(B, T, C)
        a = ln(lin(ctx, pre + "attention.output.dense") + x, pre + "attention.output.LayerNorm")
        mid = act(lin(a, pre + "intermediate.dense"))
        x = ln(lin(mid, pre + "output.dense") + a, pre + "output.LayerNorm")
    pooled = torch.tanh(lin(x[:, 0], "bert.pooler.dense"))
    return x, pooled


def write_safetensors(path, tensors):
    """The safetensors layout by hand: u64 header length, JSON header (space-padded to 8 bytes), data."""
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name, (dtype, t) in tensors.items():
        data = t.contiguous().numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def values(t):
    """Row-major values: ints stay ints, float32 values print exactly (shortest float64 repr)."""
    return t.flatten().tolist()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "test/golden/bert"
    os.makedirs(out, exist_ok=True)
    c = CONFIG
    gen = torch.Generator().manual_seed(20240611)
    p, qa = make_params(c, gen)

    # (B, T) = (3, 7): full, padded after 5 tokens, padded after 3; two segments in the first two rows.
    input_ids = torch.tensor(
        [[2, 17, 45, 3, 61, 88, 3], [2, 9, 98, 3, 50, 0, 0], [2, 33, 3, 0, 0, 0, 0]], dtype=torch.long
    )
    token_type_ids = torch.tensor(
        [[0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 0]], dtype=torch.long
    )
    attention_mask = (input_ids != 0).long()

    with torch.no_grad():
        erf = lambda t: F.gelu(t)
        tanh = lambda t: F.gelu(t, approximate="tanh")
        hidden, pooled = bert(p, c, input_ids, token_type_ids, attention_mask, erf)
        logits = F.linear(pooled, p["classifier.weight"], p["classifier.bias"])
        qa_logits = F.linear(hidden, qa["qa_outputs.weight"], qa["qa_outputs.bias"])  # (B, T, 2)
        hidden_tanh, pooled_tanh = bert(p, c, input_ids, token_type_ids, attention_mask, tanh)
        logits_tanh = F.linear(pooled_tanh, p["classifier.weight"], p["classifier.bias"])

    tensors = {"bert.embeddings.position_ids": ("I64", torch.arange(c["max_position_embeddings"])[None])}
    for name, t in p.items():
        dtype = "F16" if name == "bert.embeddings.word_embeddings.weight" else "F32"
        tensors[name] = (dtype, t.half() if dtype == "F16" else t)
    write_safetensors(os.path.join(out, "model.safetensors"), tensors)
    write_safetensors(os.path.join(out, "qa_outputs.safetensors"), {k: ("F32", t) for k, t in qa.items()})
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
        f.write("\n")
    golden = {
        "source": "scripts/bert-golden.py (plain torch %s, float32, eval mode)" % torch.__version__,
        "shape": list(input_ids.shape),
        "input_ids": values(input_ids),
        "token_type_ids": values(token_type_ids),
        "attention_mask": values(attention_mask),
        "logits": values(logits),
        "pooled_output": values(pooled),
        "last_hidden_state": values(hidden),
        "start_logits": values(qa_logits[..., 0]),
        "end_logits": values(qa_logits[..., 1]),
        "logits_gelu_tanh": values(logits_tanh),
    }
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(golden, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
