#!/usr/bin/env python3
"""JPEG decode + preprocess: ours (`exact` and `fast`) against Pillow, and what `fast` saves per request.

    Benchmarks/jpeg/decode.py [--binary .build/release/shufflenet] [--model FILE] [--rounds 3] [--seconds 3] [--cpu 0]

The photos: a small dev photo as it is (n01440764_tench, 500x375, ~0.2 MP) and photos of 1, 4 and 12 megapixels
made from n01924916_flatworm (1152x864) with Pillow LANCZOS, quality 90 (into a temporary folder).

Ours: `shufflenet bench --model M --image PHOTO --jpeg-scaling exact|fast --seconds S --json`, whose per-call
stage medians are decode (JPEG to RGB, EXIF orientation), preprocess (resize the shorter side to 256, centre
crop 224, into the model's float tensor) and inference. Pillow: `Image.open(BytesIO(data)).convert("RGB")`,
resize the shorter side to 256 (bilinear), centre crop 224, timed with time.perf_counter in a fresh process for
as many seconds, after a warm-up; also the same plus NumPy's conversion to the float BGR CHW tensor (what our
preprocess ends with), and with `Image.draft("RGB", size)` first (Pillow's own DCT scaling, the counterpart of
`fast`). Every measurement is a fresh process pinned to the same core (taskset -c CPU); each round runs ours
exact, ours fast, Pillow for every photo, so the shared machine's slow spells hit all three. The tables give
the medians over rounds, and the range of the per-round ratios.
"""
import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--binary", default=".build/release/shufflenet")
parser.add_argument("--model", default="models/shufflenet_v1_g3_0.5x.safetensors")
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--seconds", type=float, default=3)
parser.add_argument("--cpu", default="0")
parser.add_argument("--pillow", help=argparse.SUPPRESS)  # internal: time Pillow on this photo, print JSON
args = parser.parse_args()


def pillow_stages(data, draft):
    """Milliseconds: decode (open + convert), + resize + crop, + tensor."""
    from PIL import Image
    import numpy as np
    t0 = time.perf_counter()
    image = Image.open(io.BytesIO(data))
    w, h = image.size
    size = (256, int(256 * h / w + 0.5)) if w <= h else (int(256 * w / h + 0.5), 256)
    if draft:
        image.draft("RGB", size)
        w, h = image.size
        size = (256, int(256 * h / w + 0.5)) if w <= h else (int(256 * w / h + 0.5), 256)
    image = image.convert("RGB")
    t1 = time.perf_counter()
    image = image.resize(size, Image.BILINEAR)
    left, top = (size[0] - 224) // 2, (size[1] - 224) // 2
    image = image.crop((left, top, left + 224, top + 224))
    t2 = time.perf_counter()
    tensor = np.ascontiguousarray(np.asarray(image, dtype=np.float32)[:, :, ::-1].transpose(2, 0, 1))
    t3 = time.perf_counter()
    assert tensor.shape == (3, 224, 224)
    return (t1 - t0) * 1e3, (t2 - t0) * 1e3, (t3 - t0) * 1e3


if args.pillow:
    data = open(args.pillow, "rb").read()
    result = {}
    for name, draft in (("pillow", False), ("draft", True)):
        end = time.perf_counter() + 0.5
        while time.perf_counter() < end:
            pillow_stages(data, draft)
        samples = []
        end = time.perf_counter() + args.seconds / 2
        while time.perf_counter() < end or len(samples) < 5:
            samples.append(pillow_stages(data, draft))
        result[name] = [statistics.median(s[i] for s in samples) for i in range(3)]
    print(json.dumps(result))
    sys.exit()

sys.path.insert(0, os.path.dirname(__file__))
import photos  # noqa: E402


def ours(photo, mode):
    run = subprocess.run(["taskset", "-c", args.cpu, args.binary, "bench", "--model", args.model, "--image", photo,
                          "--jpeg-scaling", mode, "--seconds", str(args.seconds), "--json"],
                         capture_output=True, text=True, check=True)
    stages = json.loads(run.stdout)["stages_median_ms"]
    return stages["decode"], stages["preprocess"], stages["inference"]


def pillow(photo):
    run = subprocess.run(["taskset", "-c", args.cpu, sys.executable, __file__, "--pillow", photo, "--seconds", str(args.seconds)],
                         capture_output=True, text=True, check=True)
    return json.loads(run.stdout)


print(photos.load_average())
with tempfile.TemporaryDirectory() as folder:
    flatworm = os.path.join(photos.DEV, "n01924916_flatworm.JPEG")
    cases = [("small (tench)", os.path.join(photos.DEV, "n01440764_tench.JPEG"))]
    cases += [(f"{mp} MP", photos.megapixels(flatworm, mp, folder)) for mp in (1, 4, 12)]
    from PIL import Image
    sizes = {path: Image.open(path).size for _, path in cases}
    rows = {name: [] for name, _ in cases}
    for round_ in range(args.rounds):
        for name, path in cases:
            rows[name].append((ours(path, "exact"), ours(path, "fast"), pillow(path)))
        print(f"round {round_ + 1} done; " + photos.load_average(), flush=True)


def med(values):
    return statistics.median(values)


def span(values):
    return f"{min(values):.2f}–{max(values):.2f}"


print(f"\nmedians of {args.rounds} alternating rounds, {args.seconds:g} s each, pinned to CPU {args.cpu}; ms per image")
print("\n| photo | size | mode | decode ms | preprocess ms | inference ms | total ms | decode + preprocess: fast speed-up (range) |")
print("|---|---|---|---|---|---|---|---|")
for name, path in cases:
    w, h = sizes[path]
    r = rows[name]
    for mode, index in (("exact", 0), ("fast", 1)):
        d, p, i = (med(x[index][k] for x in r) for k in range(3))
        speedup = "" if index == 0 else (f"{med(x[0][0] + x[0][1] for x in r) / (d + p):.2f} "
                                         f"({span([(x[0][0] + x[0][1]) / (x[1][0] + x[1][1]) for x in r])})")
        print(f"| {name} | {w}×{h} | {mode} | {d:.3f} | {p:.3f} | {i:.3f} | {d + p + i:.3f} | {speedup} |")

print("\n| photo | ours exact | ours fast | Pillow (open+convert+resize+crop) | Pillow + tensor | Pillow draft + tensor | "
      "Pillow / ours exact (range) | Pillow / ours fast | Pillow draft + tensor / ours fast | Pillow decode alone | ours decode alone (exact) |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for name, path in cases:
    r = rows[name]
    exact = [x[0][0] + x[0][1] for x in r]
    fast = [x[1][0] + x[1][1] for x in r]
    plain = [x[2]["pillow"][1] for x in r]
    tensor = [x[2]["pillow"][2] for x in r]
    draft = [x[2]["draft"][2] for x in r]
    print(f"| {name} | {med(exact):.3f} | {med(fast):.3f} | {med(plain):.3f} | {med(tensor):.3f} | {med(draft):.3f} | "
          f"{med(plain) / med(exact):.2f} ({span([a / b for a, b in zip(plain, exact)])}) | {med(plain) / med(fast):.2f} | "
          f"{med(draft) / med(fast):.2f} | {med(x[2]['pillow'][0] for x in r):.3f} | {med(x[0][0] for x in r):.3f} |")
print("\n" + photos.load_average())
