#!/usr/bin/env bash
# Produces models/shufflenet_v1_g3_0.5x.safetensors and models/shufflenet_v1_g8_0.5x.safetensors.
#
# Checkpoints come from $SHUFFLENET_CHECKPOINTS_DIR, else ../shared/models, else they are downloaded from
# their public origin (Megvii's weights as redistributed in github.com/DavidBlavid/ShufflenetDemo at a fixed
# commit). Every checkpoint and the labels list are verified against a pinned sha256 before use.
# Usage: scripts/prepare-models.sh [path/to/shufflenet]   (default: the release build)
set -euo pipefail
shopt -s inherit_errexit  # failures inside $(locate …) must stop the script
cd "$(dirname "$0")/.."

binary="${1:-.build/release/shufflenet}"
out_dir="${SHUFFLENET_MODELS_DIR:-models}"
cache_dir="$out_dir/cache"
mkdir -p "$out_dir"

origin="https://github.com/DavidBlavid/ShufflenetDemo/raw/08971610b2160944c6cbe7108962566fbad5a985"
labels_url="https://raw.githubusercontent.com/onnx/models/main/validated/vision/classification/synset.txt"
labels_sha="acf75ef0abe89694b19056e0796401068b459c457baa30335f240c7692857355"
declare -A sha=(
    [3]=da5df689f1d8f278fd1446e73f3a63aa7809206fadc6678bfd7580aad412abde
    [8]=324922040c0ee642ce7168f32259aca0c9e16baf6b2abade4122edff6ba58382
)

verify() { # file sha256
    local actual
    actual=$(sha256sum "$1" | cut -d' ' -f1)
    if [ "$actual" != "$2" ]; then
        echo "prepare-models: $1 has sha256 $actual, expected $2; refusing to use it" >&2
        exit 1
    fi
}

# Finds a local copy of shared/models/NAME, or downloads URL into the cache; prints the path.
locate() { # name url sha
    local name=$1 url=$2 digest=$3 dir
    for dir in "${SHUFFLENET_CHECKPOINTS_DIR:-}" ../shared/models; do
        if [ -n "$dir" ] && [ -f "$dir/$name" ]; then verify "$dir/$name" "$digest"; echo "$dir/$name"; return; fi
    done
    mkdir -p "$cache_dir"
    if [ ! -f "$cache_dir/$name" ]; then
        echo "prepare-models: downloading $url" >&2
        if ! curl --fail --location --silent --show-error --retry 3 -o "$cache_dir/$name.partial" "$url"; then
            echo "prepare-models: cannot download $name from $url; put it in \$SHUFFLENET_CHECKPOINTS_DIR (or set SHUFFLENET_LABELS for the labels)" >&2
            exit 1
        fi
        mv "$cache_dir/$name.partial" "$cache_dir/$name"
    fi
    verify "$cache_dir/$name" "$digest"
    echo "$cache_dir/$name"
}

if [ ! -x "$binary" ]; then
    echo "prepare-models: $binary not found; build first (swift build -c release)" >&2
    exit 1
fi

labels="${SHUFFLENET_LABELS:-}"
if [ -z "$labels" ]; then labels=$(locate imagenet_synsets.txt "$labels_url" "$labels_sha"); fi

for g in 3 8; do
    target="$out_dir/shufflenet_v1_g${g}_0.5x.safetensors"
    if [ -f "$target" ] && "$binary" info --model "$target" >/dev/null 2>&1; then
        echo "prepare-models: $target is ready"
        continue
    fi
    checkpoint=$(locate "shufflenetv1_g${g}_0.5x.pth.tar" "$origin/weights/ShuffleNetV1/Group${g}/models/0.5x.pth.tar" "${sha[$g]}")
    "$binary" convert "$checkpoint" --out "$target" --labels "$labels" --name "shufflenet_v1_g${g}_0.5x"
done
