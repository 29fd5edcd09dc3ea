#!/usr/bin/env bash
# wrk against our HTTP server and nginx serving the same 28 bytes, alternately, several rounds, in one run.
# Each server gets one core (taskset -c 0); wrk runs on the other (-c 1). Prints a table of requests/s.
# Usage: Benchmarks/http/run.sh [ROUNDS] [SECONDS]
# With BASELINE=path/to/an-older/http-fixed-response, that binary runs too (same core, same rounds, in turn
# with the others), for a before/after comparison of a change in one run.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}"; seconds="${2:-10}"
scripts/setup-system.sh wrk nginx-light

swift build -c release --product http-fixed-response >/dev/null
work=$(mktemp -d)
chmod 755 "$work"  # nginx workers run as nobody
baseline="${BASELINE:-}"; before=""
trap 'kill $ours $theirs $before 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:18082;
        # served from memory, as ours is
        location = / { default_type text/plain; return 200 "hello from shufflenet-serve\\n"; }
    }
}
CONF
taskset -c 0 .build/release/http-fixed-response 18081 1 >/dev/null & ours=$!
taskset -c 0 nginx -c "$work/nginx.conf" & theirs=$!
[ -n "$baseline" ] && { taskset -c 0 "$baseline" 18083 1 >/dev/null & before=$!; }
sleep 1
curl -sf http://127.0.0.1:18081/ >/dev/null && curl -sf http://127.0.0.1:18082/ >/dev/null
[ -z "$baseline" ] || curl -sf http://127.0.0.1:18083/ >/dev/null

rps() { taskset -c 1 wrk -t2 -c64 -d"${seconds}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
if [ -z "$baseline" ]; then
    printf '%-6s %14s %14s %8s\n' round "ours req/s" "nginx req/s" ratio
else
    printf '%-6s %14s %14s %14s %8s %10s\n' round "ours req/s" "nginx req/s" "baseline req/s" ratio "ours/base"
fi
for round in $(seq 1 "$rounds"); do
    a=$(rps http://127.0.0.1:18081/); b=$(rps http://127.0.0.1:18082/)
    if [ -z "$baseline" ]; then
        printf '%-6s %14s %14s %8.2f\n' "$round" "$a" "$b" "$(echo "$a / $b" | bc -l)"
    else
        c=$(rps http://127.0.0.1:18083/)
        printf '%-6s %14s %14s %14s %8.2f %10.3f\n' "$round" "$a" "$b" "$c" "$(echo "$a / $b" | bc -l)" "$(echo "$a / $c" | bc -l)"
    fi
done
