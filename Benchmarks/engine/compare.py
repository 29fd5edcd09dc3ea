#!/usr/bin/env python3
"""onnxruntime vs `shufflenet bench` on the same weights, alternately, several rounds, in one run.

Usage: compare.py SHUFFLENET_BINARY MODELS_DIR [--rounds R] [--seconds S] [--measured-peak GMACS]
Cases: 0.5x g3 and 0.5x g8 (real weights), 1x g3 and 2x g3 (random weights written once, read by both);
batch 1 with 1 and 2 threads, batch 8 with 2 threads. Prints logit agreement, then a table of medians.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(__file__))
import export_onnx  # noqa: E402

PEAK_GMAC_PER_CORE = 134.0  # the nominal FMA peak the engine issue quotes (2 × 512-bit FMA pipes at ~4.2 GHz)


def ort_session(path, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def time_ort(session, batch, seconds):
    x = np.random.default_rng(0).uniform(0, 255, (batch, 3, 224, 224)).astype(np.float32)
    end = time.perf_counter() + 0.5
    while time.perf_counter() < end:
        session.run(None, {"input": x})
    samples = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(samples) < 5:
        start = time.perf_counter()
        session.run(None, {"input": x})
        samples.append((time.perf_counter() - start) * 1000)
    return float(np.median(samples))


def time_ours(binary, model, batch, threads, seconds):
    out = subprocess.run([binary, "bench", "--model", model, "--batch", str(batch), "--threads", str(threads),
                          "--seconds", str(seconds), "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["median_ms"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("models")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2)
    parser.add_argument("--measured-peak", type=float, help="GMAC/s one core measured by fma_peak.c (run.sh passes it)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="engine-bench-")
    models = {
        "0.5x g3": os.path.join(args.models, "shufflenet_v1_g3_0.5x.safetensors"),
        "0.5x g8": os.path.join(args.models, "shufflenet_v1_g8_0.5x.safetensors"),
        "1x g3": os.path.join(work, "random_1x_g3.safetensors"),
        "2x g3": os.path.join(work, "random_2x_g3.safetensors"),
    }
    export_onnx.write_random("megvii-1x-g3", models["1x g3"])
    export_onnx.write_random("megvii-2x-g3", models["2x g3"])
    onnx_paths = {}
    macs = {"0.5x g3": 37.59, "0.5x g8": 40.47, "1x g3": 137.46, "2x g3": 524.05}  # MMAC per image (shufflenet info)
    reference = os.path.join(os.path.dirname(__file__), "../../../shared/reference/g3_0.5x_chelsea.io.safetensors")
    tensors = export_onnx.read_safetensors(reference)
    image = tensors["input"].astype(np.float32)

    print("logit agreement on the chelsea reference input (max |ours − onnxruntime| / max |onnxruntime|):")
    for name, path in models.items():
        onnx_paths[name] = os.path.join(work, name.replace(" ", "_") + ".onnx")
        export_onnx.export(path, onnx_paths[name])
        theirs = ort_session(onnx_paths[name], 1).run(None, {"input": image})[0][0]
        dump = os.path.join(work, "ours.bin")
        subprocess.run([args.binary, "bench", "--model", path, "--input", reference, "--dump-logits", dump], check=True)
        ours = np.fromfile(dump, dtype=np.float32)
        error = float(np.abs(ours - theirs).max() / np.abs(theirs).max())
        print(f"  {name}: {error:.2e}  top-1 {int(ours.argmax())} vs {int(theirs.argmax())}  {'OK' if error < 1e-4 else 'MISMATCH'}")

    cases = [(m, b, t) for m in models for (b, t) in [(1, 1), (1, 2), (8, 2)]]
    results = {case: ([], []) for case in cases}
    sessions = {}
    for round_index in range(args.rounds):
        for case in cases:
            name, batch, threads = case
            key = (name, threads)
            if key not in sessions:
                sessions[key] = ort_session(onnx_paths[name], threads)
            results[case][0].append(time_ort(sessions[key], batch, args.seconds))
            results[case][1].append(time_ours(args.binary, models[name], batch, threads, args.seconds))
        print(f"round {round_index + 1}/{args.rounds} done", file=sys.stderr)

    print()
    measured = args.measured_peak
    print(f"FMA peak per core: nominal {PEAK_GMAC_PER_CORE:.0f} GMAC/s" +
          (f"; measured now {measured:.1f} GMAC/s (fma_peak.c: multiply-adds in registers only, no memory)" if measured else ""))
    print()
    print("| model | batch | threads | onnxruntime ms | ours ms | ours/ORT latency | ORT img/s | ours img/s | ours/ORT throughput "
          "| ours % of nominal peak | ours % of measured peak | ORT % of measured peak |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for case in cases:
        name, batch, threads = case
        theirs, ours = float(np.median(results[case][0])), float(np.median(results[case][1]))
        cores = threads  # batch 1 splits each layer across the threads; batch 8 gives each thread whole images
        achieved, theirs_achieved = macs[name] * batch / ours, macs[name] * batch / theirs  # MMAC per ms = GMAC/s
        def share(rate):
            return f"{100 * rate / (measured * cores):.0f}%" if measured else "n/a"
        print(f"| {name} | {batch} | {threads} | {theirs:.3f} | {ours:.3f} | {ours / theirs:.2f} | {batch * 1000 / theirs:.0f} | "
              f"{batch * 1000 / ours:.0f} | {theirs / ours:.2f} | {100 * achieved / (PEAK_GMAC_PER_CORE * cores):.1f}% | "
              f"{share(achieved)} | {share(theirs_achieved)} |")


if __name__ == "__main__":
    main()
