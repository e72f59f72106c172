#!/usr/bin/env bash
# The bare GPU machine (the device tool's) has the CUDA toolkit and CMake but none of
# Debian's libraries, and can fetch nothing. This packs, from this machine's Debian packages,
# what the bare profile's tests and benches need (GoogleTest, Google Benchmark, Random123,
# nlohmann-json)
# into build-deps/ (ignored by git), in /usr's layout so that CMake's package configs find
# themselves there. The device run carries it: carry=["build-deps"]; tools/gpu-check.sh
# then builds with -DCMAKE_PREFIX_PATH=build-deps. Without OpenBLAS the cpu reference ops
# fall back to a plain GEMM, so OpenBLAS (36 MiB) does not travel.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
arch=$(gcc -print-multiarch)
out=build-deps
rm -rf "$out"
mkdir -p "$out/include" "$out/lib/$arch/cmake"
cp -a /usr/include/gtest /usr/include/gmock /usr/include/benchmark /usr/include/Random123 \
      /usr/include/nlohmann "$out/include/"
cp -a /usr/lib/"$arch"/libgtest*.a /usr/lib/"$arch"/libgmock*.a /usr/lib/"$arch"/libbenchmark* "$out/lib/$arch/"
cp -a /usr/lib/"$arch"/cmake/GTest /usr/lib/"$arch"/cmake/benchmark "$out/lib/$arch/cmake/"
du -sh "$out"
