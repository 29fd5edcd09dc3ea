#!/usr/bin/env bash
# Issue 19's int8 benchmark (see measure.py): ours float and int8 (`shufflenet quantize`, each calibration method)
# against onnxruntime float and its own QDQ int8 (quantize_static, each method), same calibration photos, same
# held-out photos (split.py), latency alternating round by round. Builds the release binary (with
# SHUFFLENET_TARGET_CPU if set, into its own build folder) and a virtual environment with pinned packages.
# Usage: Benchmarks/int8/run.sh [ROUNDS] [SECONDS]   (3, 2); LATENCY_METHOD=minmax|entropy|percentile (minmax)
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=.build
[ -n "${SHUFFLENET_TARGET_CPU:-}" ] && scratch=".build-$SHUFFLENET_TARGET_CPU"
swift build -c release --product shufflenet --scratch-path "$scratch" >/dev/null
scripts/prepare-models.sh "$scratch/release/shufflenet" >/dev/null
[ -x .venv/bin/python ] || python3 -m venv .venv
# sympy: quant_pre_process's symbolic shape inference.
.venv/bin/pip install -q --disable-pip-version-check onnx==1.23.2 onnxruntime==1.32.0 numpy==2.4.6 pillow==13.0.0 sympy==1.14.0
echo "engine: $scratch/release/shufflenet (SHUFFLENET_TARGET_CPU=${SHUFFLENET_TARGET_CPU:-default})"
.venv/bin/python Benchmarks/int8/measure.py "$scratch/release/shufflenet" models "$scratch/int8-bench" \
    --rounds "${1:-3}" --seconds "${2:-2}" --latency-method "${LATENCY_METHOD:-minmax}" | tee "$scratch/int8-compare.txt"
