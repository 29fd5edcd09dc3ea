#!/usr/bin/env python3
"""What `--jpeg-scaling fast` does to predictions, on the photos it actually rescales.

    Benchmarks/jpeg/predictions.py [--binary .build/release/shufflenet] [--model FILE ...] [--factors 2 3 4]

`fast` decodes a JPEG reduced by 1/2, 1/4 or 1/8 inside libjpeg-turbo's IDCT (the largest reduction keeping
the shorter side at least the resize target, 256), so only photos whose shorter side is at least 512 change.
The photos: the ImageNet dev photos in ../shared whose shorter side is >= 512, and each of them enlarged 2x, 3x
and 4x with Pillow LANCZOS (quality 90, into a temporary folder). Each model classifies every photo with
`shufflenet classify --json --top-k 1000` in both modes; the tables give, per photo, the reduction `fast` chose
(from the decoded size), both top-1s and the largest absolute difference between the two probability vectors
over all 1000 classes, then a summary per model naming every photo whose top-1 changed, with both classes'
probabilities in each mode.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import photos  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--binary", default=".build/release/shufflenet")
parser.add_argument("--model", action="append", dest="models")
parser.add_argument("--factors", type=int, nargs="*", default=[2, 3, 4])
args = parser.parse_args()
models = args.models or ["models/shufflenet_v1_g3_0.5x.safetensors", "models/shufflenet_v1_g8_0.5x.safetensors"]


def classify(model, mode, paths):
    """path -> (decoded width, height, probabilities by class index)."""
    run = subprocess.run([args.binary, "classify", "--json", "--top-k", "1000", "--max-pixels", str(10**9),
                          "--jpeg-scaling", mode, "--model", model, *paths], capture_output=True, text=True, check=True)
    results = {}
    for entry in json.loads(run.stdout):
        probabilities = [0.0] * 1000
        for p in entry["predictions"]:
            probabilities[p["index"]] = p["probability"]
        results[entry["image"]] = (entry["width"], entry["height"], probabilities)
    return results


def top1(probabilities):
    return max(range(len(probabilities)), key=probabilities.__getitem__)


print(photos.load_average())
with tempfile.TemporaryDirectory() as folder:
    sources = photos.dev_photos(min_short_side=512)
    cases = [(path, 1, label) for path, label in sources]
    for factor in args.factors:
        cases += [(photos.enlarged(path, factor, folder), factor, label) for path, label in sources]
    paths = [case[0] for case in cases]
    outcomes = {}
    for model in models:
        exact, fast = classify(model, "exact", paths), classify(model, "fast", paths)
        outcomes[model] = (exact, fast)
    print(photos.load_average())

names = [os.path.splitext(os.path.basename(m))[0].replace("shufflenet_v1_", "") for m in models]
print()
print("| photo | size | scale | " + " | ".join(f"{n} top-1 exact → fast | {n} max abs Δp" for n in names) + " |")
print("|---|---|---|" + "---|---|" * len(models))
summary = {model: {"photos": 0, "rescaled": 0, "agree": 0, "correct_exact": 0, "correct_fast": 0, "max_diff": [], "changed": []} for model in models}
for path, factor, label in cases:
    cells = []
    for model in models:
        exact, fast = outcomes[model]
        (width, height, p_exact), (fast_width, _, p_fast) = exact[path], fast[path]
        a, b = top1(p_exact), top1(p_fast)
        diff = max(abs(x - y) for x, y in zip(p_exact, p_fast))
        stats = summary[model]
        stats["photos"] += 1
        stats["rescaled"] += fast_width < width
        stats["agree"] += a == b
        stats["correct_exact"] += a == label
        stats["correct_fast"] += b == label
        stats["max_diff"].append(diff)
        name = os.path.basename(path)
        if a != b:
            stats["changed"].append(f"{name}, label {label}: exact {a} {p_exact[a]:.3f} / {b} {p_exact[b]:.3f}, "
                                    f"fast {a} {p_fast[a]:.3f} / {b} {p_fast[b]:.3f}")
        mark = "" if a == b else " **changed**"
        cells.append(f"{a} → {b}{mark} | {diff:.4f}")
    name = os.path.basename(path)
    print(f"| {name} | {width}×{height} | 1/{round(width / fast_width)} | " + " | ".join(cells) + " |")

print()
print("| model | photos (rescaled by fast) | same top-1 | top-1 = label, exact / fast | largest abs Δp (median over photos) | top-1 changed |")
print("|---|---|---|---|---|---|")
for model, name in zip(models, names):
    s = summary[model]
    diffs = sorted(s["max_diff"])
    changed = "; ".join(s["changed"]) or "none"
    print(f"| {name} | {s['photos']} ({s['rescaled']}) | {s['agree']}/{s['photos']} | {s['correct_exact']} / {s['correct_fast']} | "
          f"{diffs[-1]:.4f} ({diffs[len(diffs) // 2]:.4f}) | {changed} |")
