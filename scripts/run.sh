#!/usr/bin/env bash
# The main job, from a fresh machine: system packages, release build, the default models, then serve on
# :8080 (flags after the command go to `shufflenet serve`, e.g. scripts/run.sh --port 9000 --workers 2).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-system.sh
swift build -c release --product shufflenet
scripts/prepare-models.sh .build/release/shufflenet

echo "serving on :${SHUFFLENET_PORT:-8080} — try: curl -F image=@../shared/images/chelsea.png http://127.0.0.1:${SHUFFLENET_PORT:-8080}/classify"
exec .build/release/shufflenet serve --model models/shufflenet_v1_g3_0.5x.safetensors --model models/shufflenet_v1_g8_0.5x.safetensors "$@"
