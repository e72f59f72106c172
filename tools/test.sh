#!/usr/bin/env bash
# Every test on a fresh Debian machine: a Release build (cpu and sim, and cuda where a GPU
# is), then the same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh --tests
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

# The fixtures (PyTorch references) are the Release build's: inputs, made once.
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXFV_SANITIZE=ON -DXFV_FIXTURES_FROM="$PWD/build"
cmake --build build-sanitize -j"$jobs"
ctest --test-dir build-sanitize --output-on-failure -j"$jobs"
