#!/usr/bin/env bash
# The main job, from a fresh machine: system packages, release build, default models, then classify
# the sample photos. (When the HTTP service lands, this becomes: … then serve on :8080.)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-system.sh
swift build -c release --product shufflenet
scripts/prepare-models.sh .build/release/shufflenet

samples=()
for photo in chelsea coffee motorcycle_left; do
    [ -f "../shared/images/$photo.png" ] && samples+=("../shared/images/$photo.png")
done
if [ ${#samples[@]} -eq 0 ]; then
    echo "run: no sample photos in ../shared/images; classify your own with:"
    echo "  .build/release/shufflenet classify --model models/shufflenet_v1_g3_0.5x.safetensors IMAGE.png"
    exit 0
fi
.build/release/shufflenet classify --model models/shufflenet_v1_g3_0.5x.safetensors "$@" "${samples[@]}"
