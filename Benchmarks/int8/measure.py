#!/usr/bin/env python3
"""Issue 19's int8 benchmark: ours (float, int8 per method) against onnxruntime (float, QDQ int8 per method).

Usage: measure.py SHUFFLENET_BINARY MODELS_DIR WORK_DIR [--rounds R] [--seconds S] [--methods …] [--latency-method M]

Models: 0.5× g3 and 0.5× g8 (real weights; accuracy and latency) and the 2× g3 shape (seeded random weights,
written once and read by both engines, as Benchmarks/engine does; latency only). Both engines' int8 models are
calibrated on the same 100 photos and judged on the other 100 (split.py). Our int8 models come from
`shufflenet quantize` when the binary has it; otherwise the script says so and measures the rest.

Accuracy: top-1 against the labels, and top-1 agreement with the same engine's float model and with
labels.json's float reference, on the 100 held-out photos. Latency: batch 1 on one thread and batch 8 on two
threads for the 0.5× models, batch 1 on one thread for 2× g3; the int8 models of `--latency-method` (every
method gives the same graph, only the scales differ). Each round times every cell's engines in turn (order
reversed every other round); the table gives medians over rounds of each call's median.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import onnxruntime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "engine"))
import compare as engine  # noqa: E402  (Benchmarks/engine/compare.py: time_ort, time_ours)
import export_onnx  # noqa: E402
import ort  # noqa: E402
import ours  # noqa: E402
import split  # noqa: E402

# Issue 19's speed targets per latency cell, stated on the table's ratio columns.
TARGETS = {("0.5× g3", 1, 1): "ours int8 / ours float ≤ 0.60",
           ("0.5× g3", 8, 2): "ours int8 / ours float ≤ 0.67 (throughput ≥ 1.5×)",
           ("2× g3", 1, 1): "ours int8 / ORT float ≤ 0.80"}


def percent(hits, total):
    return f"{100 * hits / total:.0f}"


OURS_ONLY = ["mse"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("models")
    parser.add_argument("work")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2)
    parser.add_argument("--methods", nargs="*", default=list(ort.METHODS), choices=list(ort.METHODS))
    parser.add_argument("--latency-method", default="minmax", choices=list(ort.METHODS))
    args = parser.parse_args()
    if args.latency_method not in args.methods:
        parser.error(f"--latency-method {args.latency_method} must be one of --methods")
    shutil.rmtree(args.work, ignore_errors=True)  # never time or judge a model left over from an earlier build
    os.makedirs(args.work)
    models = {"0.5× g3": (os.path.join(args.models, "shufflenet_v1_g3_0.5x.safetensors"), "g3_0.5x"),
              "0.5× g8": (os.path.join(args.models, "shufflenet_v1_g8_0.5x.safetensors"), "g8_0.5x"),
              "2× g3": (os.path.join(args.work, "random_2x_g3.safetensors"), None)}
    export_onnx.write_random("megvii-2x-g3", models["2× g3"][0])
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; onnxruntime {onnxruntime.__version__}; {engine_line(args.binary)}")
    print(load_line())

    quantizes = ours.has_quantize(args.binary)
    if not quantizes:
        print(f"NOTE: {args.binary} has no 'quantize' subcommand: our int8 rows and columns are missing; everything else runs.")
    calibration_dir = split.make_calibration_dir(os.path.join(args.work, "calibration"))
    held = split.held_out()
    labels = [e["label"] for e in held]
    # Per model: {(engine, method): path}, method None = float; the ORT entries are .onnx files. `missing` says
    # why one of our int8 models is absent (no subcommand, or the command failed: reported, the rest still runs).
    files, accuracy = {}, []
    missing = "no `shufflenet quantize`"
    for name, (path, key) in models.items():
        methods = args.methods if key else [args.latency_method]
        spec = ort.preprocessing_of(path)
        float_onnx = ort.export_float(path, args.work)
        files[name] = {("ORT", None): float_onnx, ("ours", None): path}
        calibration = ort.calibration_tensors(spec)
        # Ours also runs its default, mse (minimum expected squared error), which onnxruntime does not have.
        for method in methods + (OURS_ONLY if key else []):
            if method in methods:
                files[name][("ORT", method)] = ort.quantize(float_onnx, method, calibration)
            if quantizes:
                try:
                    files[name][("ours", method)] = ours.quantize(args.binary, path, calibration_dir, ours.int8_path(path, args.work, method), method)
                except RuntimeError as error:
                    print(f"NOTE: {error}")
                    missing = "`shufflenet quantize` failed (see NOTE)"
        if not key:
            continue
        inputs = [ort.preprocess(e["path"], spec) for e in held]
        reference = [e["reference_top1"][key] for e in held]
        for engine_name in ("ORT", "ours"):
            def top1s(file):
                return ort.top1s(file, inputs) if engine_name == "ORT" else ours.top1s(args.binary, file, [e["path"] for e in held])
            float_top1 = top1s(files[name][(engine_name, None)])
            for method in [None] + methods + (OURS_ONLY if engine_name == "ours" else []):
                if (engine_name, method) not in files[name]:
                    accuracy.append((name, engine_name, method, missing))
                    continue
                try:
                    predicted = float_top1 if method is None else top1s(files[name][(engine_name, method)])
                except RuntimeError as error:  # our int8 model does not classify: say so, measure the rest
                    print(f"NOTE: {error}")
                    accuracy.append((name, engine_name, method, "`shufflenet classify` failed (see NOTE)"))
                    continue
                accuracy.append((name, engine_name, method, (predicted, float_top1, reference)))
        print(f"quantized and judged {name}", file=sys.stderr)

    cells = [("0.5× g3", 1, 1), ("0.5× g3", 8, 2), ("0.5× g8", 1, 1), ("0.5× g8", 8, 2), ("2× g3", 1, 1)]
    engines = [("ORT", None), ("ORT", args.latency_method), ("ours", None), ("ours", args.latency_method)]
    times = {(cell, e): [] for cell in cells for e in engines}
    sessions = {}
    for round_index in range(args.rounds):
        for cell in cells:
            name, batch, threads = cell
            for e in engines if round_index % 2 == 0 else engines[::-1]:
                file = files[name].get(e)
                if file is None:
                    continue
                if e[0] == "ORT":
                    if (file, threads) not in sessions:
                        sessions[(file, threads)] = ort.session(file, threads)
                    times[(cell, e)].append(engine.time_ort(sessions[(file, threads)], batch, args.seconds))
                else:
                    try:
                        times[(cell, e)].append(engine.time_ours(args.binary, file, batch, threads, args.seconds))
                    except subprocess.CalledProcessError as error:  # an int8 model bench cannot run: reported, the rest still runs
                        print(f"NOTE: shufflenet bench --model {file} --batch {batch} --threads {threads}: {error.stderr.strip()[:300]}")
                        del files[name][e]
        print(f"round {round_index + 1}/{args.rounds} done", file=sys.stderr)
    print(load_line())
    print_accuracy(accuracy, labels)
    print_latency(cells, engines, times, args.latency_method)


def engine_line(binary):
    """Which kernel copy our binary chooses here, and which VNNI flags the CPU reports."""
    bench = subprocess.run([binary, "bench", "--preset", "megvii-0.5x-g3", "--seconds", "0.1", "--json"],
                           capture_output=True, text=True, check=True)
    with open("/proc/cpuinfo") as f:
        flags = f.read().split()
    vnni = [flag for flag in ("avx512_vnni", "avx_vnni") if flag in flags]
    return f"{binary}: engine {json.loads(bench.stdout)['engine']}; CPU VNNI flags: {', '.join(vnni) or 'none'}"


def load_line():
    return "load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def print_accuracy(rows, labels):
    n = len(labels)
    print()
    print(f"Accuracy on the {n} held-out photos (odd indices of labels.json; calibration on the {n} even ones):")
    print()
    print("| model | engine | method | top-1 % | Δ top-1 vs float (points) | agreement with float % | agreement with float reference (labels.json) % |")
    print("|---|---|---|---|---|---|---|")
    for name, engine_name, method, outcome in rows:
        kind = "float" if method is None else f"int8 {method}"
        if isinstance(outcome, str):
            print(f"| {name} | {engine_name} | {kind} | missing: {outcome} | | | |")
            continue
        predicted, float_top1, reference = outcome
        correct = sum(a == b for a, b in zip(predicted, labels))
        float_correct = sum(a == b for a, b in zip(float_top1, labels))
        print(f"| {name} | {engine_name} | {kind} | {percent(correct, n)} | {100 * (correct - float_correct) / n:+.0f} | "
              f"{percent(sum(a == b for a, b in zip(predicted, float_top1)), n)} | {percent(sum(a == b for a, b in zip(predicted, reference)), n)} |")


def print_latency(cells, engines, times, method):
    def median(cell, e):
        return float(np.median(times[(cell, e)])) if times[(cell, e)] else None

    def ms(value):
        return f"{value:.3f}" if value is not None else "missing"

    def ratio(a, b):
        return f"{a / b:.2f}" if a is not None and b is not None else "missing"

    print()
    print(f"Latency, medians over rounds (ms per call; int8 = the {method} models):")
    print()
    print("| model | batch | threads | ORT float ms | ORT int8 ms | ours float ms | ours int8 ms | ORT int8 / ORT float "
          "| ours int8 / ours float | ours int8 / ORT float | issue 19 target |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for cell in cells:
        ort_float, ort_int8, ours_float, ours_int8 = (median(cell, e) for e in engines)
        print(f"| {cell[0]} | {cell[1]} | {cell[2]} | {ms(ort_float)} | {ms(ort_int8)} | {ms(ours_float)} | {ms(ours_int8)} | "
              f"{ratio(ort_int8, ort_float)} | {ratio(ours_int8, ours_float)} | {ratio(ours_int8, ort_float)} | {TARGETS.get(cell, '')} |")


if __name__ == "__main__":
    main()
