#!/usr/bin/env bash
# Sets up this machine (Debian packages) and runs Garrison's whole test suite.
# Integration tests start real containers and need root; they skip, saying why, without it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
swift test --skip-build --parallel --num-workers 2 2>&1 | tee .build/test-output.txt
