#!/usr/bin/env bash
# Streaming on cpu (docs/streaming.md, "Compute per chunk"), one sitting: the GEMM peak of
# the same minutes, the vocoder streams alone (the released HiFi-GAN V1 and the full-size
# Parallel WaveGAN) at chunks of 10, 20 and 40 ms, and the whole conversion as a stream on the
# full-size XFaVoT bundles of both vocoders (build/xfavot: hifigan.safetensors and
# full.safetensors, made by CTest's fixtures) at steps of 1, 2, 4 and 8 generator blocks,
# on real speech. PyTorch has no streaming counterpart to stand beside these.
# Usage: tools/bench_stream.sh [threads] [lookahead_blocks] [window_frames]
#        (XFV_BUILD=dir: the benches of another build folder; the fixtures stay build/'s)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
lookahead=${2:-4}
window=${3:-192}
speech=../shared/data/speech/p228_023.wav
bin=${XFV_BUILD:-build}
for f in build/hifigan/universal.safetensors build/xfavot/hifigan.safetensors build/xfavot/full.safetensors; do
  [ -f "$f" ] || { echo "bench_stream: $f is missing: build and run the tests once (ctest) to make it" >&2; exit 1; }
done
lscpu | grep -E "Model name|^CPU\(s\)"
export OMP_NUM_THREADS=$threads
"$bin"/xfv_bench --benchmark_filter=peak/sgemm
for v in build/hifigan/universal.safetensors build/xfavot/full.safetensors; do
  "$bin"/xfv_bench_vocoder_stream --weights="$v" --chunks=10,20,40
done
for b in build/xfavot/hifigan.safetensors build/xfavot/full.safetensors; do
  "$bin"/xfv_bench_voice_stream --weights="$b" --source="$speech" --steps=1,2,4,8 --lookahead="$lookahead" \
    --window="$window"
done
