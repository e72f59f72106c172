#!/usr/bin/env bash
# Every test on a fresh Debian machine: a Release build (cpu and sim, and cuda where a GPU
# is), then the same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh --tests
jobs=$(nproc)
# CTest runs as many tests at once as there are cores; each test's OpenMP team then keeps to
# one thread. Teams of one thread per core in every test would spin at their barriers on each
# other's cores (measured on 2 cores: a stream test takes 6 s alone, 26 s beside a twin at 2
# threads each, 8.5 s at 1 thread each; with a third job beside them, minutes). The tests of
# the threads' own claims (the same bits on 1 or 2 threads) set their teams themselves and
# run alone (`threads_*` in CMakeLists.txt).
export OMP_NUM_THREADS=1

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

# The fixtures (PyTorch references) are the Release build's: inputs, made once.
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXFV_SANITIZE=ON -DXFV_FIXTURES_FROM="$PWD/build"
cmake --build build-sanitize -j"$jobs"
ctest --test-dir build-sanitize --output-on-failure -j"$jobs"
