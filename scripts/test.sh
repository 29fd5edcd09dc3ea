#!/usr/bin/env bash
# The whole test suite, from a fresh machine: system packages, fuzzers, the service checked by outside
# tools (promtool, a real Prometheus, schemathesis), then every Swift test target.
# Tests that need ../shared (weights, photos, references) skip when it is absent, and fail if CI is set.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-system.sh prometheus qemu-user chromium chromium-driver libc6-dev-arm64-cross

if [ -n "${CI:-}" ] && [ ! -d "${SHUFFLENET_SHARED_DIR:-../shared}" ]; then
    echo "test: CI is set but the shared fixtures folder ${SHUFFLENET_SHARED_DIR:-../shared} is missing" >&2
    exit 1
fi

# Fuzz every parser that sees untrusted bytes (FUZZ_SECONDS each, default 60; 0 skips).
if [ "${FUZZ_SECONDS:-60}" != 0 ]; then
    for target in http-request multipart safetensors checkpoint png jpeg v2-request; do
        scripts/fuzz.sh "$target" "${FUZZ_SECONDS:-60}"
    done
fi

# One release build of everything, tests included: the SIMD engine runs ~100x slower unoptimised, the
# service tests drive the release binary, and the zero-allocation test needs specialised generics.
# -enable-testing keeps @testable imports working in release.
swift build -c release --build-tests -Xswiftc -enable-testing
scripts/prepare-models.sh .build/release/shufflenet
scripts/service-checks.sh .build/release/shufflenet models/shufflenet_v1_g3_0.5x.safetensors
# The container without a Docker engine: hadolint, the build stage's commands, ldd vs the runtime packages.
scripts/check-container.sh
# deploy/ without a cluster: Kubernetes schemas, cross-file consistency, promtool on config and alerts.
scripts/check-deploy.sh
# arm64 without an arm64 machine: the C targets cross-compiled for aarch64 (the Swift ones cannot be here).
scripts/check-portability.sh

# tritonclient[http] builds real V2 request bodies and reads our responses in OpenInferenceTests.
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check "tritonclient[http]==2.*"
swift test -c release -Xswiftc -enable-testing --skip-build --disable-swift-testing

# Short versions of the reliability programme: the hostile-input catalogue, load, soak, slow clients,
# shutdown under load (the recorded full runs: scripts/reliability.sh --full, docs/reliability.md).
scripts/reliability.sh

# The same Swift suite under AddressSanitizer and ThreadSanitizer (SANITIZERS="" skips, e.g. locally).
for sanitizer in ${SANITIZERS-address thread}; do
    scripts/sanitizers.sh "$sanitizer"
done
