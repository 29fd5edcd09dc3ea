#!/usr/bin/env bash
# The int8 kernels' micro-benchmark: bench.c and Sources/CInt8Kernels/*.c compiled with the package's flags
# (-O3 -ffp-contract=off, no -m flags: each copy carries its own target attributes), run once.
set -euo pipefail
cd "$(dirname "$0")/../.."
clang=$(command -v clang || echo "$(dirname "$(command -v swift)")/clang")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$clang" -std=gnu11 -O3 -ffp-contract=off -Wall -Wextra -I Sources/CInt8Kernels/include Benchmarks/int8/bench.c Sources/CInt8Kernels/*.c \
    -lm -o "$out/int8-bench"
"$out/int8-bench" "$@"
