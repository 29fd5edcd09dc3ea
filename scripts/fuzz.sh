#!/usr/bin/env bash
# Builds one libFuzzer target with AddressSanitizer and runs it for N seconds.
# Usage: scripts/fuzz.sh TARGET SECONDS      targets: http-request, multipart
# The corpus grows in .build-fuzz/corpus/TARGET (seeded from Fuzz/Seeds/TARGET); crashes land in
# .build-fuzz/crashes/TARGET and make the script fail. Prints libFuzzer's final statistics.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:?usage: scripts/fuzz.sh TARGET SECONDS}"
seconds="${2:-60}"
out=.build-fuzz
mkdir -p "$out/bin" "$out/corpus/$target" "$out/crashes/$target"

case "$target" in
    http-request) sources=(Sources/HTTP/Core/*.swift Sources/HTTP/Parsing/*.swift Fuzz/Targets/HTTPRequestFuzz.swift) ;;
    multipart)    sources=(Sources/HTTP/Core/*.swift Sources/HTTP/Parsing/*.swift Fuzz/Targets/MultipartFuzz.swift) ;;
    *) echo "fuzz: unknown target '$target' (http-request, multipart)" >&2; exit 2 ;;
esac

binary="$out/bin/$target"
# gold warns about every ASan helper symbol; keep the build log out of the way unless it fails.
if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name Fuzzed "${sources[@]}" -o "$binary" >"$out/$target.build.log" 2>&1; then
    cat "$out/$target.build.log" >&2
    exit 1
fi

cp -n Fuzz/Seeds/"$target"/* "$out/corpus/$target/" 2>/dev/null || true
log="$out/$target.log"
set +e
"$binary" "$out/corpus/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$out/crashes/$target/" -print_final_stats=1 >"$log" 2>&1
status=$?
set -e
grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)" "$log" || true
grep -E "cov: [0-9]+" "$log" | tail -1 || true
if [ $status -ne 0 ]; then
    echo "fuzz: $target FAILED (exit $status); see $log and $out/crashes/$target" >&2
    tail -40 "$log" >&2
    exit 1
fi
echo "fuzz: $target ran ${seconds}s without a crash"
