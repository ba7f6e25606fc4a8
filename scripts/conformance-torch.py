#!/usr/bin/env python3
"""Golden file test/golden/conformance/torch.json: PyTorch's rounding of float32 and float64 to bfloat16
and float16 (Tensor.to), executed. The float32 inputs are those of onnxruntime.json's bfloat16 and
float16 casts (each format's edge values and a seeded random sample); the float64 inputs add values a
hair away from a halfway point between two neighbours, where rounding through float32 first (double
rounding) lands on the tie, and a seeded random sample of float64 values.

Run with Debian's torch (apt-get install python3-torch), from the repository root, after
scripts/conformance-onnxruntime.ts:
    /usr/bin/python3 scripts/conformance-torch.py && node dist/scripts/conformance-page.js
"""
import json
import math
import os
import random
import struct

import torch

DIR = "test/golden/conformance"
TARGETS = {"bfloat16": torch.bfloat16, "float16": torch.float16}
# Significand bits (with the leading one) and the smallest normal exponent of each target.
PRECISION = {"bfloat16": (8, -126), "float16": (11, -14)}


def to_golden(x):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0 and math.copysign(1.0, x) < 0:
        return "-0"
    return x


def from_golden(v):
    return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "-0": -0.0}.get(v, v) if isinstance(v, str) else float(v)


def near_ties(name, n, rng):
    """Values a relative 2^-30 above or below the halfway point between two neighbours of the target:
    float32 rounds them onto the tie (its half ulp is 2^-24), the target then rounds the tie to even."""
    bits, emin = PRECISION[name]
    out = [float.fromhex("0x1.ffdffffffffffp+15"), 1 + 2.0**-8 + 2.0**-30, 1 + 3 * 2.0**-8 - 2.0**-30]
    for _ in range(n):
        e = rng.randint(emin, 15)
        k = rng.randint(2 ** (bits - 1), 2**bits - 1)
        mid = (k + 0.5) * 2.0 ** (e - bits + 1)
        x = mid * (1 + rng.choice([-1, 1]) * 2.0**-30)
        out.append(x if rng.random() < 0.5 else -x)
    return out


def random_doubles(n, rng):
    return [struct.unpack("<d", struct.pack("<Q", (rng.getrandbits(1) << 63) | (rng.randint(1023 - 30, 1023 + 17) << 52) | rng.getrandbits(52)))[0] for _ in range(n)]


def run(values, source, target):
    x = torch.tensor(values, dtype=source)
    return [to_golden(v) for v in x.to(target).to(torch.float64).tolist()]


def main():
    with open(os.path.join(DIR, "onnxruntime.json")) as f:
        ort = {c["id"]: c for c in json.load(f)["cases"]}
    rng = random.Random(16)
    cases = []
    for name, dtype in TARGETS.items():
        inputs = [from_golden(v) for v in ort[f"cast-{name}"]["inputs"]]
        cases.append({"id": f"cast-float32-{name}", "op": "cast", "from": "float32", "to": name,
                      "inputs": [to_golden(v) for v in inputs], "outputs": run(inputs, torch.float32, dtype)})
        wide = inputs + near_ties(name, 150, rng) + random_doubles(150, rng)
        cases.append({"id": f"cast-float64-{name}", "op": "cast", "from": "float64", "to": name,
                      "inputs": [to_golden(v) for v in wide], "outputs": run(wide, torch.float64, dtype)})
    golden = {
        "oracle": "pytorch",
        "provenance": f"executed: torch {torch.__version__} (Debian python3-torch, CPU)",
        "generator": "scripts/conformance-torch.py",
        "cases": cases,
    }
    with open(os.path.join(DIR, "torch.json"), "w") as f:
        json.dump(golden, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
