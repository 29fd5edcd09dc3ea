#!/usr/bin/env bash
# onnxruntime vs our engine, side by side (see compare.py). Builds the release binary (with
# SHUFFLENET_TARGET_CPU if set, into its own build folder) and a virtual environment with onnx/onnxruntime.
# Usage: Benchmarks/engine/run.sh [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=.build
[ -n "${SHUFFLENET_TARGET_CPU:-}" ] && scratch=".build-$SHUFFLENET_TARGET_CPU"
swift build -c release --product shufflenet --scratch-path "$scratch" >/dev/null
scripts/prepare-models.sh "$scratch/release/shufflenet" >/dev/null
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check onnx onnxruntime numpy
echo "engine: $scratch/release/shufflenet (SHUFFLENET_TARGET_CPU=${SHUFFLENET_TARGET_CPU:-default})"
# What one core's FMA pipes deliver right now (registers only): measured before the comparison for the
# table's "% of measured peak" columns, and again after it to show how much the machine drifted meanwhile.
cc -O2 Benchmarks/engine/fma_peak.c -o "$scratch/fma_peak"
before=$("$scratch/fma_peak")
.venv/bin/python Benchmarks/engine/compare.py "$scratch/release/shufflenet" models --rounds "${1:-3}" --seconds "${2:-2}" \
    --measured-peak "${before%% *}" | tee "$scratch/engine-compare.txt"
after=$("$scratch/fma_peak")
echo "fma_peak before: $before GMAC/s; after: $after GMAC/s"
