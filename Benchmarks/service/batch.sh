#!/usr/bin/env bash
# A 32-image /classify request against 32 single requests on one keep-alive connection (Benchmarks/service/batch.py),
# against `shufflenet serve` with its default workers (one per CPU this process may use) on the 0.5× g3 weights.
# Usage: Benchmarks/service/batch.sh [ROUNDS] [SECONDS]   (5, 3); SERVE_ARGS="--workers 1" adds flags to serve,
# CLIENT_CPU=1 pins the client (default unpinned), SERVE_CPUS=0 pins the service (default unpinned).
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product shufflenet >/dev/null
scripts/prepare-models.sh .build/release/shufflenet >/dev/null
port=18204
pin() { if [ -n "$1" ]; then echo taskset -c "$1"; fi; }
$(pin "${SERVE_CPUS:-}") .build/release/shufflenet serve --host 127.0.0.1 --port $port \
    --model models/shufflenet_v1_g3_0.5x.safetensors --log-level warning ${SERVE_ARGS:-} & server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
$(pin "${CLIENT_CPU:-}") python3 Benchmarks/service/batch.py $port --rounds "${1:-5}" --seconds "${2:-3}"
