#!/usr/bin/env bash
# The main job on a fresh Debian machine: set up, build, and run every op on every backend
# here (cpu, sim, and cuda where a GPU is), checked against cpu, with its time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target xfv
build/xfv ops "$@"
