#!/usr/bin/env bash
# The image translation, xfv cpu beside PyTorch CPU, same machine, same sitting, same thread
# count: a full-size (CelebA-HQ layout, w_hpf 1 with FAN) checkpoint of seeded random
# weights, converted, then both timed. Usage: tools/bench_image.sh [threads] (default: nproc)
#        (XFV_BUILD=dir: the bench of another build folder; the fixtures stay build/'s)
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(bash tools/find-python.sh)
threads=${1:-$(nproc)}
work=build/bench-image
mkdir -p "$work"
[ -f "$work/sg2.safetensors" ] || {
  "$python" tools/make_checkpoint.py --kind stargan_v2 --size full --format zip --seed 7 --out "$work/sg2.ckpt"
  "$python" tools/convert.py "$work/sg2.ckpt" --out "$work/sg2.safetensors"
}
lscpu | grep -E "Model name|^CPU\(s\)"
OMP_NUM_THREADS=$threads "${XFV_BUILD:-build}"/xfv_bench_image --weights="$work/sg2.safetensors"
"$python" tools/bench_torch_image.py "$work/sg2.ckpt" --threads "$threads"
