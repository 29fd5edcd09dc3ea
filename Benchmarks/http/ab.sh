#!/usr/bin/env bash
# Before/after for a change to the HTTP server: two http-fixed-response binaries on the same core, wrk
# against each in turn (the order flips every pair), PAIRS times. For each run it prints requests/s and the
# server's CPU time per request (user + system from /proc, µs), which a busy shared machine disturbs far
# less than throughput; then the medians and the median of the per-pair ratios (B / A).
# Usage: Benchmarks/http/ab.sh BINARY_A BINARY_B [PAIRS] [SECONDS]
set -euo pipefail
a_bin="${1:?usage: ab.sh BINARY_A BINARY_B [PAIRS] [SECONDS]}"; b_bin="${2:?}"
pairs="${3:-10}"; seconds="${4:-5}"
cd "$(dirname "$0")/../.."
scripts/setup-system.sh wrk
taskset -c 0 "$a_bin" 18091 1 >/dev/null & a_pid=$!
taskset -c 0 "$b_bin" 18092 1 >/dev/null & b_pid=$!
trap 'kill $a_pid $b_pid 2>/dev/null || true' EXIT
sleep 1
curl -sf http://127.0.0.1:18091/ >/dev/null && curl -sf http://127.0.0.1:18092/ >/dev/null

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tick_us=$((1000000 / $(getconf CLK_TCK)))
# run PID PORT → "requests/s cpu-µs-per-request"
run() {
    local before after out requests
    before=$(cpu_ticks "$1")
    out=$(taskset -c 1 wrk -t2 -c64 -d"${seconds}s" "http://127.0.0.1:$2/")
    after=$(cpu_ticks "$1")
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "($after - $before) * $tick_us / $requests" | bc -l)"
}
results=$(mktemp)
printf '%-5s %12s %12s %12s %12s\n' pair "A req/s" "B req/s" "A µs/req" "B µs/req"
for pair in $(seq 1 "$pairs"); do
    if [ $((pair % 2)) -eq 1 ]; then a=$(run $a_pid 18091); b=$(run $b_pid 18092)
    else b=$(run $b_pid 18092); a=$(run $a_pid 18091); fi
    read -r a_rps a_us <<<"$a"; read -r b_rps b_us <<<"$b"
    printf '%-5s %12.0f %12.0f %12.2f %12.2f\n' "$pair" "$a_rps" "$b_rps" "$a_us" "$b_us"
    echo "$a_rps $b_rps $a_us $b_us" >>"$results"
done
python3 - "$results" <<'PY'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
col = lambda i: [r[i] for r in rows]
m = statistics.median
print(f"median req/s: A {m(col(0)):.0f}  B {m(col(1)):.0f}  (B/A per pair, median {m([r[1] / r[0] for r in rows]):.3f})")
print(f"median CPU µs/request: A {m(col(2)):.2f}  B {m(col(3)):.2f}  (B/A per pair, median {m([r[3] / r[2] for r in rows]):.3f})")
PY
rm -f "$results"
