#!/usr/bin/env python3
"""Our engine through its CLI: `shufflenet quantize` (when the binary has it) and top-1s from `shufflenet classify`.

    ours.py BINARY MODEL.safetensors WORK_DIR [--methods minmax entropy percentile]

prints our float model's top-1 accuracy on the held-out photos (split.py) and, when the binary has a
`quantize` subcommand, quantizes MODEL with the calibration photos once per method into
WORK_DIR/NAME.int8-METHOD.safetensors and prints each int8 model's accuracy and agreement with the float one.
Without the subcommand it says so and reports the float model only. Benchmarks/int8/measure.py uses the same
functions; latency comes from `shufflenet bench --json` (Benchmarks/engine/compare.py's `time_ours`).
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import split  # noqa: E402

METHODS = ("minmax", "entropy", "percentile", "mse")
FILES_PER_CALL = 50  # photos per `classify` invocation: few invocations, short command lines


def has_quantize(binary):
    """Whether `binary --help` lists a `quantize` subcommand (`quantize --help` would print the root help, exit 0)."""
    text = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    return re.search(r"^\s+quantize\s", text.split("SUBCOMMANDS:", 1)[-1], re.MULTILINE) is not None


def quantize(binary, model, calibration_dir, out, method):
    """`shufflenet quantize MODEL --calibration DIR --out OUT --method METHOD`; returns OUT."""
    run = subprocess.run([binary, "quantize", model, "--calibration", calibration_dir, "--out", out, "--method", method],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"shufflenet quantize {os.path.basename(model)} --method {method} failed ({run.returncode}): {run.stderr.strip()}")
    return out


def int8_path(model, work, method):
    return os.path.join(work, os.path.splitext(os.path.basename(model))[0] + f".int8-{method}.safetensors")


def top1s(binary, model, paths):
    """Top-1 class index of each image (classify's default decoding: exact JPEG, EXIF orientation applied), in order."""
    out = []
    for i in range(0, len(paths), FILES_PER_CALL):
        chunk = paths[i:i + FILES_PER_CALL]
        run = subprocess.run([binary, "classify", "--json", "--top-k", "1", "--model", model, *chunk], capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"shufflenet classify --model {model} failed ({run.returncode}): {run.stderr.strip()[:500]}")
        by_image = {entry["image"]: entry["predictions"][0]["index"] for entry in json.loads(run.stdout)}
        out += [by_image[path] for path in chunk]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("model")
    parser.add_argument("work")
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=METHODS)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    held = split.held_out()
    paths, labels = [e["path"] for e in held], [e["label"] for e in held]
    reference = top1s(args.binary, args.model, paths)
    key = next((k for k in split.CHECKPOINT_KEYS if k in os.path.basename(args.model)), None)
    if key:
        same = sum(a == e["reference_top1"][key] for a, e in zip(reference, held))
        print(f"our float top-1 = labels.json reference_top1[{key}] on {same}/{len(held)} held-out photos")
    print(f"float: top-1 {sum(a == b for a, b in zip(reference, labels))}/{len(held)}")
    if not has_quantize(args.binary):
        print(f"{args.binary} has no 'quantize' subcommand: int8 rows skipped")
        return
    calibration = split.make_calibration_dir(os.path.join(args.work, "calibration"))
    for method in args.methods:
        model = quantize(args.binary, args.model, calibration, int8_path(args.model, args.work, method), method)
        predicted = top1s(args.binary, model, paths)
        print(f"int8 {method}: top-1 {sum(a == b for a, b in zip(predicted, labels))}/{len(held)}, "
              f"agreement with float {sum(a == b for a, b in zip(predicted, reference))}/{len(held)}")


if __name__ == "__main__":
    main()
