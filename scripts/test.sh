#!/usr/bin/env bash
# Sets up this machine (Debian packages) and runs Garrison's whole test suite.
# Integration tests start real containers and need root; they skip, saying why, without it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Formatting (.swift-format, 2 spaces, 140 columns): `swift format format -i -r -p Sources Tests Package.swift` fixes it.
swift format lint --strict -r -p Sources Tests Package.swift
swift build --build-tests
# Fuzzing (docs/fuzzing.md): the libFuzzer build and a 30-second run of every target, before the suite so that
# swift test's summary stays the last thing printed; a finding fails the script after the suite has run.
fuzz_status=0
bash scripts/fuzz.sh all 30 2>&1 | tee .build/fuzz-output.txt || fuzz_status=$?
# Serial: container tests share one 2-core machine with the kernel; parallel runs made timing-sensitive probes flaky.
swift test --skip-build --no-parallel 2>&1 | tee .build/test-output.txt
if [[ $fuzz_status != 0 ]]; then
  echo "scripts/test.sh: fuzzing failed (exit $fuzz_status), see .build/fuzz-output.txt" >&2
  exit "$fuzz_status"
fi
