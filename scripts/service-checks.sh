#!/usr/bin/env bash
# Checks of the running service with outside tools (part of the test command):
#   1. promtool check metrics on /metrics;
#   2. a real Prometheus server scrapes the service; its HTTP API must report the target up with samples;
#   3. schemathesis runs against the live server with openapi.yaml: no 5xx, every response matches the schema;
#   4. tritonclient, NVIDIA's V2 client, against the /v2 routes (Tests/V2/tritonclient_test.py);
#   5. the web page at / in headless Chromium (Selenium): a photo, several files in one request (a PNG, a
#      JPEG, a text file), two dropped files and an oversized file; then, against a second server started
#      with --api-key-file, the page's key form (refused key, accepted key); screenshots in artifacts/.
# Usage: scripts/service-checks.sh BINARY MODEL
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:?usage: service-checks.sh BINARY MODEL}"
model="${2:?usage: service-checks.sh BINARY MODEL}"

venv=.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# Pillow too: the Swift tests that run after these checks make JPEG fixtures with it (ImageDecodingTests).
"$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==4.*" "selenium==4.*" "tritonclient[http]==2.*" numpy \
    -r Tests/ImageDecodingTests/Fixtures/requirements.txt

work=$(mktemp -d)
chmod 755 "$work"
service_pid=""; prometheus_pid=""; keyed_pid=""
cleanup() {
    [ -n "$prometheus_pid" ] && kill "$prometheus_pid" 2>/dev/null || true
    [ -n "$service_pid" ] && kill -TERM "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null || true
    [ -n "$keyed_pid" ] && kill -TERM "$keyed_pid" 2>/dev/null && wait "$keyed_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$binary" serve --host 127.0.0.1 --port 0 --model "$model" --workers 2 --queue-size 64 2>"$work/serve.log" &
service_pid=$!
for _ in $(seq 1 600); do grep -q " ready" "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
port=$(grep -o 'port=[0-9]*' "$work/serve.log" | head -1 | cut -d= -f2)
[ -n "$port" ] || { echo "service-checks: the service did not start"; cat "$work/serve.log"; exit 1; }
base="http://127.0.0.1:$port"
curl -sf -F "image=@../shared/images/chelsea.png" "$base/classify" >/dev/null || true

echo "== promtool check metrics"
curl -sf "$base/metrics" | promtool check metrics
echo "promtool: ok"

echo "== Prometheus scrapes the service"
cat > "$work/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: shufflenet
    static_configs:
      - targets: ["127.0.0.1:$port"]
CONF
promtool check config "$work/prometheus.yml" >/dev/null
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address=127.0.0.1:19090 >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!
up=""
for _ in $(seq 1 60); do
    up=$(curl -sf 'http://127.0.0.1:19090/api/v1/query?query=up%7Bjob%3D%22shufflenet%22%7D' | "$venv/bin/python" -c \
        'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null || true)
    [ "$up" = "1" ] && break
    sleep 1
done
[ "$up" = "1" ] || { echo "Prometheus never saw the target up"; tail -20 "$work/prometheus.log"; exit 1; }
samples=$(curl -sf 'http://127.0.0.1:19090/api/v1/query?query=shufflenet_workers' | "$venv/bin/python" -c \
    'import json,sys; print(len(json.load(sys.stdin)["data"]["result"]))')
health=$(curl -sf 'http://127.0.0.1:19090/api/v1/targets' | "$venv/bin/python" -c \
    'import json,sys; print(json.load(sys.stdin)["data"]["activeTargets"][0]["health"])')
[ "$samples" -ge 1 ] && [ "$health" = "up" ] || { echo "Prometheus: target $health, $samples shufflenet_workers samples"; exit 1; }
echo "Prometheus: target up, shufflenet_workers scraped"

echo "== schemathesis against openapi.yaml"
# positive_data_acceptance is left out: a schema cannot say "a decodable PNG" or "a loaded model's name",
# so schema-valid random bytes are rightly refused with 415/422 and unknown names with 400.
"$venv/bin/schemathesis" run openapi.yaml --url "$base" --checks all --exclude-checks positive_data_acceptance --max-examples 30 \
    --request-timeout 30 --workers 1 --no-color 2>&1 | tail -25

echo "== tritonclient (Open Inference Protocol) against the live server"
"$venv/bin/python" Tests/V2/tritonclient_test.py "$base" "${SHUFFLENET_SHARED_DIR:-../shared}" "$(basename "$model" .safetensors)"

echo "== the web page in headless Chromium"
# A second server that needs an API key, for the page's key form.
key="page-check-key-$(openssl rand -hex 12)"
printf '# service-checks\n%s\n' "$key" > "$work/keys.txt"
"$binary" serve --host 127.0.0.1 --port 0 --model "$model" --workers 1 --api-key-file "$work/keys.txt" 2>"$work/keyed.log" &
keyed_pid=$!
for _ in $(seq 1 600); do grep -q " ready" "$work/keyed.log" 2>/dev/null && break; sleep 0.1; done
keyed_port=$(grep -o 'port=[0-9]*' "$work/keyed.log" | head -1 | cut -d= -f2)
[ -n "$keyed_port" ] || { echo "service-checks: the server with a key file did not start"; cat "$work/keyed.log"; exit 1; }
"$venv/bin/python" Tests/Browser/web_page_test.py "$base" "${SHUFFLENET_SHARED_DIR:-../shared}" artifacts "http://127.0.0.1:$keyed_port" "$key"
if grep -q "$key" "$work/keyed.log"; then echo "service-checks: the API key appears in the server's log"; exit 1; fi
echo "web page: ok (screenshots in artifacts/)"
