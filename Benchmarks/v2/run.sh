#!/usr/bin/env bash
# The V2 codec's throughput (Benchmarks/v2/main.swift): batch-8 FP32 requests decoded from JSON and binary,
# [8, 1000] logits encoded both ways. One core (taskset -c 0), release build.
# With `service`: the V2 routes through `shufflenet serve` against the engine alone (binary and JSON FP32 at batch
# 1 and 8) and the V2 `image` path against /classify, 0.5× g3 weights (Benchmarks/service/v2.py gives the pairings).
# Usage: Benchmarks/v2/run.sh [ROUNDS]                                   (7)
#        Benchmarks/v2/run.sh service [ROUNDS] [SECONDS] [HEY_SECONDS]   (5, 3, 8)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = service ]; then
    scripts/setup-system.sh hey
    swift build -c release --product shufflenet >/dev/null
    scripts/prepare-models.sh .build/release/shufflenet >/dev/null
    exec python3 Benchmarks/service/v2.py --rounds "${2:-5}" --seconds "${3:-3}" --hey-seconds "${4:-8}"
fi
swift build -c release --product v2-codec-bench >/dev/null
taskset -c 0 .build/release/v2-codec-bench "${1:-7}"
