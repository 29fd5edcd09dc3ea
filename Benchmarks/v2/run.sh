#!/usr/bin/env bash
# The V2 codec's throughput (Benchmarks/v2/main.swift): batch-8 FP32 requests decoded from JSON and binary,
# [8, 1000] logits encoded both ways. One core (taskset -c 0), release build.
# Usage: Benchmarks/v2/run.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product v2-codec-bench >/dev/null
taskset -c 0 .build/release/v2-codec-bench "${1:-7}"
