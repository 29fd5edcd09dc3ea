#!/usr/bin/env bash
# shufflenet serve vs uvicorn + Starlette + Pillow + onnxruntime on the same weights and preprocessing.
# Each server is pinned to core 0 (one inference worker / one uvicorn worker, onnxruntime 1 thread);
# hey runs on core 1. POSTs raw image bodies with their Content-Type at concurrency 1, 8, 32: PNG (chelsea.png
# 451×300 and a 224×224 crop of it, small.png) and JPEG (rocket.jpg 640×427; tench.jpg, the 500×375 ImageNet dev
# photo n01440764_tench; flatworm.jpg, the 1152×864 dev photo n01924916_flatworm, only when named in IMAGES).
# Usage: Benchmarks/service/run.sh [SECONDS] [ROUNDS]
# IMAGES="chelsea.png rocket.jpg" and CONCURRENCIES="8 32" (environment) choose the cells; default
# small.png chelsea.png rocket.jpg tench.jpg at 1, 8, 32. OURS_ARGS="--jpeg-scaling fast" adds flags to our serve.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-10}"
rounds="${2:-3}"
scripts/setup-system.sh hey
swift build -c release --product shufflenet >/dev/null
scripts/prepare-models.sh .build/release/shufflenet >/dev/null
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check onnx onnxruntime numpy pillow starlette uvicorn python-multipart

work=$(mktemp -d)
trap 'kill $ours $theirs 2>/dev/null || true; rm -rf "$work"' EXIT
.venv/bin/python Benchmarks/engine/export_onnx.py models/shufflenet_v1_g3_0.5x.safetensors "$work/g3.onnx"
.venv/bin/python -c "from PIL import Image; Image.open('../shared/images/chelsea.png').convert('RGB').crop((100,40,324,264)).save('$work/small.png')"
cp ../shared/images/chelsea.png ../shared/images/rocket.jpg "$work/"
cp ../shared/photos/imagenet-dev/n01440764_tench.JPEG "$work/tench.jpg"
cp ../shared/photos/imagenet-dev/n01924916_flatworm.JPEG "$work/flatworm.jpg"

taskset -c 0 .build/release/shufflenet serve --host 127.0.0.1 --port 18201 --workers 1 --queue-size 256 \
    --model models/shufflenet_v1_g3_0.5x.safetensors --log-level warning ${OURS_ARGS:-} & ours=$!
(cd Benchmarks/service && SHUFFLENET_ONNX="$work/g3.onnx" taskset -c 0 ../../.venv/bin/uvicorn python_app:app \
    --host 127.0.0.1 --port 18202 --log-level warning --no-access-log) & theirs=$!
for port in 18201 18202; do
    for _ in $(seq 1 100); do curl -sf -H "Content-Type: image/png" --data-binary "@$work/small.png" "http://127.0.0.1:$port/classify" >/dev/null && break; sleep 0.2; done
done

# Decode + preprocess of chelsea.png: ours from the response timings, Pillow's in process.
.venv/bin/python - "$work/chelsea.png" <<'PY'
import json, statistics, subprocess, sys, time, io
import numpy as np
sys.path.insert(0, "Benchmarks/service")
import os; os.environ.setdefault("SHUFFLENET_ONNX", "")
from PIL import Image
data = open(sys.argv[1], "rb").read()
def pillow():
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image = image.resize((385, 256), Image.BILINEAR).crop((80, 16, 304, 240))
    return np.asarray(image)
for _ in range(20): pillow()
samples = []
for _ in range(200):
    t = time.perf_counter(); pillow(); samples.append((time.perf_counter() - t) * 1000)
ours = []
for _ in range(100):
    out = subprocess.run(["curl", "-s", "-H", "Content-Type: image/png", "--data-binary", "@" + sys.argv[1],
                          "http://127.0.0.1:18201/classify"], capture_output=True, text=True).stdout
    t = json.loads(out)["timings_ms"]; ours.append(t["decode"] + t["preprocess"])
print(f"decode+preprocess of chelsea.png (median): ours {statistics.median(ours):.3f} ms, Pillow open+convert+resize+crop {statistics.median(samples):.3f} ms")
PY

run() { # port image concurrency
    case "$2" in *.png) type=image/png ;; *) type=image/jpeg ;; esac
    taskset -c 1 hey -z "${seconds}s" -c "$3" -m POST -T "$type" -D "$2" "http://127.0.0.1:$1/classify" >"$work/hey.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/hey.txt")
    p99=$(awk '/99% in/ {print $3 * 1000}' "$work/hey.txt")
    codes=$(awk '/^ *\[[0-9]+\]\t/ {printf "%s%s×%s", sep, $1, $2; sep=" "}' "$work/hey.txt")
    echo "$rps $p99 $codes"
}
# Each cell alternates the two servers `rounds` times (ours, then Python, then ours…): the shared machine's
# slow spells then hit both, and the table gives the medians of the rounds plus the range of the per-round ratios.
results="$work/results.txt"
echo "load average (1, 5, 15 min) at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
for image in ${IMAGES:-small.png chelsea.png rocket.jpg tench.jpg}; do
    for c in ${CONCURRENCIES:-1 8 32}; do
        for round in $(seq 1 "$rounds"); do
            read -r a_rps a_p99 a_codes < <(run 18201 "$work/$image" "$c")
            read -r b_rps b_p99 b_codes < <(run 18202 "$work/$image" "$c")
            echo "$image $c $a_rps $b_rps $a_p99 $b_p99 $a_codes / $b_codes" >>"$results"
        done
    done
done
echo "load average (1, 5, 15 min) at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$results" "$rounds" <<'PY'
import statistics, sys
from collections import OrderedDict
cells = OrderedDict()
for line in open(sys.argv[1]):
    image, c, a_rps, b_rps, a_p99, b_p99, codes = line.split(" ", 6)
    cells.setdefault((image, int(c)), []).append((float(a_rps), float(b_rps), float(a_p99), float(b_p99), codes.strip()))
print(f"medians of {sys.argv[2]} alternating rounds per cell; ranges are the per-round ratios")
print("| image | concurrency | ours req/s | python req/s | ratio (range) | ours p99 ms | python p99 ms | p99 ratio (range) | statuses of the last round (ours / python) |")
print("|---|---|---|---|---|---|---|---|---|")
for (image, c), rows in cells.items():
    med = [statistics.median(r[i] for r in rows) for i in range(4)]
    rps_ratios = [r[0] / r[1] for r in rows]
    p99_ratios = [r[2] / r[3] for r in rows]
    print(f"| {image} | {c} | {med[0]:.0f} | {med[1]:.0f} | {med[0] / med[1]:.2f} ({min(rps_ratios):.2f}–{max(rps_ratios):.2f}) | "
          f"{med[2]:.1f} | {med[3]:.1f} | {med[2] / med[3]:.2f} ({min(p99_ratios):.2f}–{max(p99_ratios):.2f}) | {rows[-1][4]} |")
PY
