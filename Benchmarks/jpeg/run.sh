#!/usr/bin/env bash
# JPEG benchmarks: what --jpeg-scaling fast does to predictions (predictions.py, both 0.5× models), and decode +
# preprocess of 0.2, 1, 4 and 12 MP photos, ours exact and fast against Pillow (decode.py, pinned to CPU 0).
# Usage: Benchmarks/jpeg/run.sh [ROUNDS] [SECONDS]   (3, 3: decode.py's alternating rounds and seconds per measurement)
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product shufflenet >/dev/null
scripts/prepare-models.sh .build/release/shufflenet >/dev/null
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check numpy pillow
.venv/bin/python Benchmarks/jpeg/predictions.py
.venv/bin/python Benchmarks/jpeg/decode.py --rounds "${1:-3}" --seconds "${2:-3}"
