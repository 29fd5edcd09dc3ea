#!/usr/bin/env python3
"""Before/after comparison of two `shufflenet` binaries on the same machine, in one run.

    Benchmarks/engine/ab.py BEFORE AFTER [--rounds 3] [--seconds 1] [--preset P ...] [--kernels K ...]
                            [--batch 1] [--threads 1]

Runs `shufflenet bench --json` for every preset and kernel set, alternating the two binaries, `rounds` times,
and prints a Markdown table of the medians of the per-run median latencies per call. Alternating keeps a noisy
shared machine from favouring whichever binary ran first.
"""
import argparse
import json
import statistics
import subprocess

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("before")
parser.add_argument("after")
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--seconds", type=float, default=1.0)
parser.add_argument("--preset", action="append", dest="presets")
parser.add_argument("--kernels", action="append", dest="kernel_sets")
parser.add_argument("--batch", type=int, default=1)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()
presets = args.presets or ["megvii-0.5x-g3", "megvii-0.5x-g8", "megvii-1x-g3", "megvii-2x-g3"]
kernel_sets = args.kernel_sets or ["avx512", "baseline"]

medians = {}
for _ in range(args.rounds):
    for preset in presets:
        for kernels in kernel_sets:
            for label, binary in (("before", args.before), ("after", args.after)):
                run = subprocess.run([binary, "bench", "--preset", preset, "--seconds", str(args.seconds), "--kernels", kernels,
                                      "--batch", str(args.batch), "--threads", str(args.threads), "--json"],
                                     capture_output=True, text=True, check=True)
                medians.setdefault((preset, kernels, label), []).append(json.loads(run.stdout)["median_ms"])

print("| model | kernels | before ms | after ms | after/before |")
print("|---|---|---|---|---|")
for preset in presets:
    for kernels in kernel_sets:
        before = statistics.median(medians[(preset, kernels, "before")])
        after = statistics.median(medians[(preset, kernels, "after")])
        print(f"| {preset} | {kernels} | {before:.3f} | {after:.3f} | {after / before:.2f} |")
