#!/usr/bin/env bash
# A/B of two `shufflenet` binaries as servers: each round starts BEFORE then AFTER (one at a time) pinned to
# core 0 with one worker, drives it with hey from core 1, and prints requests/s and p99 per round and the medians.
# Usage: Benchmarks/service/ab.sh BEFORE AFTER [IMAGE.png] [CONCURRENCY] [SECONDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
before=$1 after=$2 image=${3:-../shared/images/chelsea.png} concurrency=${4:-8} seconds=${5:-6} rounds=${6:-3}
model=models/shufflenet_v1_g3_0.5x.safetensors
[ -f "$model" ] || scripts/prepare-models.sh .build/release/shufflenet >/dev/null
port=18231
results=$(mktemp)
trap 'kill $server 2>/dev/null || true; rm -f "$results"' EXIT
for round in $(seq 1 "$rounds"); do
    for label in before after; do
        binary=$before; [ "$label" = after ] && binary=$after
        taskset -c 0 "$binary" serve --host 127.0.0.1 --port $port --workers 1 --queue-size 256 --model "$model" --log-level warning & server=$!
        until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.1; done
        taskset -c 1 hey -z 1s -c "$concurrency" -m POST -T image/png -D "$image" "http://127.0.0.1:$port/classify" >/dev/null
        out=$(taskset -c 1 hey -z "${seconds}s" -c "$concurrency" -m POST -T image/png -D "$image" "http://127.0.0.1:$port/classify")
        rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out"); p99=$(awk '/99% in/ {print $3 * 1000}' <<<"$out")
        echo "$label $rps $p99" >>"$results"
        printf 'round %d %-6s %8.1f req/s  p99 %6.1f ms\n' "$round" "$label" "$rps" "$p99"
        kill $server; wait $server 2>/dev/null || true
    done
done
python3 - "$results" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
med = {label: (statistics.median(float(r[1]) for r in rows if r[0] == label), statistics.median(float(r[2]) for r in rows if r[0] == label)) for label in ("before", "after")}
print(f"median req/s: before {med['before'][0]:.1f}, after {med['after'][0]:.1f} (after/before {med['after'][0] / med['before'][0]:.3f}); "
      f"median p99 ms: before {med['before'][1]:.1f}, after {med['after'][1]:.1f}")
PY
