#!/usr/bin/env bash
# The C API's threads under ThreadSanitizer (docs/reliability.md): builds build-tsan (clang,
# -DXFV_SANITIZE=thread: LLVM's OpenMP runtime, no BLIS, no CUDA) and runs the C API tests
# that put threads on one model, with the engine's OpenMP teams at 2 threads and LLVM's Archer
# tool loaded, which tells TSan of the runtime's barriers and locks (without it every barrier
# of a parallel loop reads as a race); tests/tsan/tsan.supp says what of the runtime itself is
# ignored, and why. Exits non-zero on any report (TSan's exit code 66).
#   tools/tsan.sh [GTEST_FILTER]
# The fixtures (the small XFaVoT bundle, the HiFi-GAN files) are those of the Release build
# in build/, or of XFV_FIXTURES_FROM.
set -euo pipefail
cd "$(dirname "$0")/.."
filter=${1:-'*CApiThreads.*:CApiManyThreads.*:CApiHostile.ASessionClosedUnderItsStreamsLivesUntilTheyClose'}
build=build-tsan
lock=${XFV_LOCK:-/tmp/xfv-cpu.lock}
fixtures=${XFV_FIXTURES_FROM:-$PWD/build}

if [[ ! -f $build/CMakeCache.txt ]]; then
  flock "$lock" env CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DXFV_SANITIZE=thread -DXFV_TRITON=OFF -DXFV_FIXTURES_FROM="$fixtures"
fi
flock "$lock" cmake --build "$build" -j"$(nproc)" --target xfv_capi_tests

archer=$(dirname "$(clang++ -print-file-name=libomp.so)")/libarcher.so
[[ -f $archer ]] || archer=$(ls /usr/lib/llvm-*/lib/libarcher.so | tail -1)
# ARCHER_OPTIONS=verbose=1 prints that Archer is active: without it the run means nothing.
flock "$lock" env OMP_NUM_THREADS=2 OMP_TOOL_LIBRARIES="$archer" ARCHER_OPTIONS=verbose=1 \
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan/tsan.supp${TSAN_OPTIONS:+ $TSAN_OPTIONS}" \
  XFV_XFAVOT="$fixtures/xfavot" XFV_HIFIGAN="$fixtures/hifigan" XFV_FACES="$fixtures/faces" \
  "$build/xfv_capi_tests" --gtest_filter="$filter"
