#!/usr/bin/env bash
# On the bare GPU machine: build the bare profile (kernels for sm_80 and sm_90, the cpu
# reference ops, the op tests, the benches) with the libraries staged by
# tools/stage-gpu-deps.sh, run every test (the cuda backend against cpu), then the per-op
# benches on cuda and the cuDNN/cuBLAS baselines. Results go to $OUT when it is set.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-build-gpu}
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv | tee "$out/gpu.txt"
cmake -S . -B build-gpu -DXFV_BARE_GPU=ON -DCMAKE_BUILD_TYPE=Release -DXFV_PTXAS_VERBOSE=ON \
      -DCMAKE_PREFIX_PATH="$PWD/build-deps" > "$out/configure.txt" 2>&1 || { tail -30 "$out/configure.txt"; exit 1; }
cmake --build build-gpu -j"$(nproc)" > "$out/build.txt" 2>&1 || { tail -50 "$out/build.txt"; exit 1; }
build-gpu/xfv_tests --gtest_brief=1 2>&1 | tee "$out/tests.txt" | tail -30
build-gpu/xfv_bench --backends=cuda --benchmark_min_time=0.2 2>&1 | tee "$out/bench_cuda.txt" | tail -60
build-gpu/xfv_bench_baselines --benchmark_min_time=0.2 2>&1 | tee "$out/bench_baselines.txt" | tail -60
