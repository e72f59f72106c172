#!/usr/bin/env bash
# HiFi-GAN vocoding of 10 s, xfv cpu beside the package's PyTorch code, same machine, same
# sitting, same thread count, on the released universal weights and the mel of real speech
# (tiled): the HiFi-GAN fixtures (tools/tests/make_hifigan_fixtures.py) are made first if
# they are missing.
# Usage: tools/bench_vocode.sh [threads] (default: nproc)
#        (XFV_BUILD=dir: the bench of another build folder; the fixtures stay build/'s)
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(bash tools/find-python.sh)
threads=${1:-$(nproc)}
fixtures=build/hifigan
[ -f "$fixtures/universal.safetensors" ] || "$python" tools/tests/make_hifigan_fixtures.py "$fixtures"
lscpu | grep -E "Model name|^CPU\(s\)"
OMP_NUM_THREADS=$threads "${XFV_BUILD:-build}"/xfv_bench_vocode --weights="$fixtures/universal.safetensors" \
  --mel="$fixtures/speech.mel.npy" --seconds=10
"$python" tools/bench_torch_vocode.py "$fixtures/package" --mel "$fixtures/speech.mel.npy" \
  --seconds 10 --threads "$threads"
