#!/usr/bin/env python3
"""Squeeze-and-excitation against the same network without it, 1x g3 shape, batch 1, one thread, in one run.

    Benchmarks/engine/se_ab.py BEFORE AFTER [--rounds 15] [--seconds 1.5] [--kernels K] [--fifo] [--dir DIR]

Writes two random-weight state dicts once (`g3_1x.safetensors` and `g3_1x_se16.safetensors` in DIR, default
/tmp/shufflenet-se-bench: the Megvii 1x g3 table, r = 16, batch norms at identity, He-uniform convolutions), then
each round runs `bench --json` for the four (binary, model) pairs in a rotated order and prints the round's
SE/plain latency ratio for each binary and AFTER/BEFORE for each model; the summary gives medians and ranges.
BEFORE and AFTER may be the same binary. `--fifo` runs each bench under `chrt -f 1` (SCHED_FIFO, root only): on a
shared machine the other processes' time slices otherwise land inside calls and a median can jump between modes
(docs/benchmarks.md, 2026-12-01).
"""
import argparse
import array
import json
import os
import random
import statistics
import struct
import subprocess

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("before")
parser.add_argument("after")
parser.add_argument("--rounds", type=int, default=15)
parser.add_argument("--seconds", type=float, default=1.5)
parser.add_argument("--kernels")
parser.add_argument("--fifo", action="store_true")
parser.add_argument("--dir", default="/tmp/shufflenet-se-bench")
args = parser.parse_args()

GROUPS, STEM, WIDTHS, REPEATS = 3, 24, [240, 480, 960], [4, 8, 4]


def state_dict(reduction):
    """The reference layout (../shared/reference/SE.md): features.{i}.branch_main_{1,2}, se.fc{1,2}, classifier."""
    rng = random.Random(1)
    tensors = {}

    def conv(name, shape):
        fan = 1
        for d in shape[1:]:
            fan *= d
        bound = (2 / fan) ** 0.5
        count = 1
        for d in shape:
            count *= d
        tensors[name] = (shape, array.array("f", (rng.uniform(-bound, bound) for _ in range(count))))

    def batch_norm(prefix, channels):
        for suffix, value in (("weight", 1.0), ("bias", 0.0), ("running_mean", 0.0), ("running_var", 1.0)):
            tensors[f"{prefix}.{suffix}"] = ([channels], array.array("f", [value] * channels))

    conv("first_conv.0.weight", [STEM, 3, 3, 3])
    batch_norm("first_conv.1", STEM)
    channels, index = STEM, 0
    for stage, (width, repeat) in enumerate(zip(WIDTHS, REPEATS)):
        for i in range(repeat):
            stride = 2 if i == 0 else 1
            first_groups = 1 if stage == 0 and i == 0 else GROUPS
            mid, branch = width // 4, (width - channels if stride == 2 else width)
            prefix = f"features.{index}"
            conv(f"{prefix}.branch_main_1.0.weight", [mid, channels // first_groups, 1, 1])
            batch_norm(f"{prefix}.branch_main_1.1", mid)
            conv(f"{prefix}.branch_main_1.3.weight", [mid, 1, 3, 3])
            batch_norm(f"{prefix}.branch_main_1.4", mid)
            conv(f"{prefix}.branch_main_2.0.weight", [branch, mid // GROUPS, 1, 1])
            batch_norm(f"{prefix}.branch_main_2.1", branch)
            if reduction:
                hidden = branch // reduction
                conv(f"{prefix}.se.fc1.weight", [hidden, branch, 1, 1])
                tensors[f"{prefix}.se.fc1.bias"] = ([hidden], array.array("f", [0.0] * hidden))
                conv(f"{prefix}.se.fc2.weight", [branch, hidden, 1, 1])
                tensors[f"{prefix}.se.fc2.bias"] = ([branch], array.array("f", [0.0] * branch))
            channels, index = width, index + 1
    conv("classifier.0.weight", [1000, WIDTHS[-1]])
    arch = {"groups": GROUPS, "stem": STEM, "widths": WIDTHS, "repeats": REPEATS, "classes": 1000}
    if reduction:
        arch["se_reduction"] = reduction
    header, blobs, offset = {"__metadata__": {"arch": json.dumps(arch)}}, [], 0
    for name in sorted(tensors):
        shape, values = tensors[name]
        data = values.tobytes()
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    return struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs)


os.makedirs(args.dir, exist_ok=True)
models = {"plain": os.path.join(args.dir, "g3_1x.safetensors"), "se": os.path.join(args.dir, "g3_1x_se16.safetensors")}
for label, reduction in (("plain", 0), ("se", 16)):
    if not os.path.exists(models[label]):
        with open(models[label], "wb") as file:
            file.write(state_dict(reduction))

binaries = {"before": args.before, "after": args.after}
pairs = [(binary, model) for binary in ("before", "after") for model in ("plain", "se")]
rounds = []
for r in range(args.rounds):
    got = {}
    for binary, model in pairs[r % 4:] + pairs[:r % 4]:
        command = (["chrt", "-f", "1"] if args.fifo else []) + [binaries[binary], "bench", "--model", models[model],
                                                                "--seconds", str(args.seconds), "--json"]
        if args.kernels:
            command += ["--kernels", args.kernels]
        got[(binary, model)] = json.loads(subprocess.run(command, capture_output=True, text=True, check=True, timeout=120).stdout)["median_ms"]
    ratios = {"SE/plain, before": got[("before", "se")] / got[("before", "plain")],
              "SE/plain, after": got[("after", "se")] / got[("after", "plain")],
              "plain after/before": got[("after", "plain")] / got[("before", "plain")],
              "SE after/before": got[("after", "se")] / got[("before", "se")]}
    rounds.append((got, ratios))
    print(f"round {r + 1}: " + ", ".join(f"{b} {m} {got[(b, m)]:.3f} ms" for b, m in pairs) + " | "
          + ", ".join(f"{name} {value:.3f}" for name, value in ratios.items()), flush=True)

print("\n| measure | median | range | middle half |\n|---|---|---|---|")
for name in rounds[0][1]:
    values = sorted(ratios[name] for _, ratios in rounds)
    quarter = len(values) // 4
    print(f"| {name} | {statistics.median(values):.3f} | {values[0]:.3f}–{values[-1]:.3f} | "
          f"{values[quarter]:.3f}–{values[-1 - quarter]:.3f} |")
for binary, model in pairs:
    values = sorted(got[(binary, model)] for got, _ in rounds)
    print(f"| {binary} {model} ms | {statistics.median(values):.3f} | {values[0]:.3f}–{values[-1]:.3f} | |")
