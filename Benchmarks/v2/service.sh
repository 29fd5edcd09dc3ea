#!/usr/bin/env bash
# The V2 routes through the service against the engine alone (binary and JSON FP32 at batch 1 and 8), and the
# V2 `image` path against /classify (Benchmarks/v2/service.py describes the pairings). 0.5× g3 weights.
# Usage: Benchmarks/v2/service.sh [ROUNDS] [SECONDS] [HEY_SECONDS]   (5, 3, 8)
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup-system.sh hey
swift build -c release --product shufflenet >/dev/null
scripts/prepare-models.sh .build/release/shufflenet >/dev/null
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python Benchmarks/v2/service.py --rounds "${1:-5}" --seconds "${2:-3}" --hey-seconds "${3:-8}"
