#!/usr/bin/env bash
# arm64 without an arm64 machine: every C target of the package (cpuid feature check, epoll wrappers, libpng
# and libjpeg shims) compiled for aarch64 Linux with the toolchain's clang against Debian's arm64 glibc headers
# (libc6-dev-arm64-cross), warnings as errors. The epoll wrappers are the C most likely to break there:
# struct epoll_event is packed on x86-64 only. The Swift targets cannot be cross-checked here (no aarch64 Swift
# SDK on these machines); they use no x86-only API outside `#if arch(x86_64)`, and the AVX-512 kernel copy is
# built without flags on arm64 and never chosen (Package.swift).
set -euo pipefail
cd "$(dirname "$0")/.."
sysroot=/usr/aarch64-linux-gnu
[ -d "$sysroot/include" ] || { echo "check-portability: $sysroot/include missing (apt-get install libc6-dev-arm64-cross)" >&2; exit 1; }
clang=$(command -v clang || echo "$(dirname "$(command -v swift)")/clang")
[ -x "$clang" ] || { echo "check-portability: clang not found (it ships with the Swift toolchain, next to swift)" >&2; exit 1; }
png_include=$(pkg-config --cflags-only-I libpng)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# libjpeg-turbo's jpeglib.h, jmorecfg.h and jerror.h are architecture-independent, and its jconfig.h (in the
# multiarch folder) holds only version and feature macros, the same in Debian's arm64 build. They are linked
# into a folder of their own: -I /usr/include would put the host's glibc headers before the arm64 ones.
jpeg_include="$out/jpeg-include"
mkdir -p "$jpeg_include"
jpeg_dir=$(pkg-config --variable=includedir libjpeg)
for header in jpeglib.h jmorecfg.h jerror.h; do ln -s "$jpeg_dir/$header" "$jpeg_include/$header"; done
ln -s "$(find "$jpeg_dir" -maxdepth 2 -name jconfig.h | head -1)" "$jpeg_include/jconfig.h"
for source in Sources/*/*.c; do
    target=$(basename "$(dirname "$source")")
    # libpng's headers are architecture-independent apart from pnglibconf.h, whose options are the same on
    # Debian's arm64 build.
    # shellcheck disable=SC2086
    "$clang" --target=aarch64-linux-gnu --sysroot="$sysroot" -isystem "$sysroot/include" $png_include -I "$jpeg_include" \
        -I "Sources/$target/include" -std=c11 -O2 -Wall -Wextra -Werror -c "$source" -o "$out/$target.o"
    # ELF e_machine (2 bytes at offset 18): 183 is AArch64.
    machine=$(od -An -tu2 -j18 -N2 "$out/$target.o" | tr -d ' ')
    [ "$machine" = 183 ] || { echo "check-portability: $source gave an object for ELF machine $machine, not aarch64 (183)" >&2; exit 1; }
    echo "check-portability: $source compiles for aarch64-linux-gnu"
done
