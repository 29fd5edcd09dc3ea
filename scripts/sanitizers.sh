#!/usr/bin/env bash
# The whole Swift test suite under a sanitizer (the pool and the server are concurrent code).
# Usage: scripts/sanitizers.sh address|thread
# Builds into .build-asan / .build-tsan (release, as the normal run: the SIMD engine is unusable
# unoptimised) and points the service tests at the sanitised `shufflenet`, so the server process runs
# under the sanitizer too. Its leak checker stays on: a leak in the server makes it exit non-zero and
# the tests (which require exit 0 after SIGTERM) fail. In the XCTest process itself leak detection is
# off: Linux XCTest and Foundation's Process/FileHandle keep objects alive for the life of the process,
# and every allocation a test makes has XCTest frames, so they cannot be told apart by suppressions.
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:?usage: scripts/sanitizers.sh address|thread}"
case "$kind" in
    address) scratch=.build-asan; export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" ;;
    thread)  scratch=.build-tsan; export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" ;;
    *) echo "sanitizers: unknown sanitizer '$kind' (address, thread)" >&2; exit 2 ;;
esac
swift build -c release --build-tests --sanitize="$kind" -Xswiftc -enable-testing --scratch-path "$scratch"
# The server under test: leak detection on (ASan), races fatal (TSan).
SHUFFLENET_SERVE_BINARY="$PWD/$scratch/release/shufflenet" \
SHUFFLENET_SERVE_ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" \
    swift test -c release --sanitize="$kind" -Xswiftc -enable-testing --scratch-path "$scratch" --skip-build --disable-swift-testing
echo "sanitizers: the test suite passed under --sanitize=$kind"
