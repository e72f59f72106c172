#!/usr/bin/env bash
# The voice conversion, xfv cpu beside PyTorch CPU, same machine, same sitting, same thread
# count: full-size (VCTK layout) StarGANv2-VC, JDC and Parallel WaveGAN checkpoints of seeded
# random weights, converted, then both timed on 2.4 s of audio.
# Usage: tools/bench_voice.sh [threads] (default: nproc)
#        (XFV_BUILD=dir: the bench of another build folder; the fixtures stay build/'s)
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(bash tools/find-python.sh)
threads=${1:-$(nproc)}
weights=$(bash tools/voice_bench_weights.sh)
work=$(dirname "$weights")
lscpu | grep -E "Model name|^CPU\(s\)"
OMP_NUM_THREADS=$threads "${XFV_BUILD:-build}"/xfv_bench_voice --weights="$weights"
"$python" tools/bench_torch_voice.py "$work/stargan_vc.ckpt" "$work/jdc.ckpt" "$work/pwg.ckpt" \
  --threads "$threads"
