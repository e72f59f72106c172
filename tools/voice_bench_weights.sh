#!/usr/bin/env bash
# Makes (once) and prints the voices-only weight file of the voice benches: full-size (VCTK
# layout) StarGANv2-VC, JDC and Parallel WaveGAN checkpoints of seeded random weights in
# build/bench-voice/, converted into one file. The checkpoints stay beside it for PyTorch.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(bash tools/find-python.sh)
work=build/bench-voice
mkdir -p "$work"
[ -f "$work/voice.safetensors" ] || {
  for kind in stargan_vc jdc pwg; do
    "$python" tools/make_checkpoint.py --kind $kind --size full --seed 7 --out "$work/$kind.ckpt" >&2
  done
  "$python" tools/convert.py "$work/stargan_vc.ckpt" "$work/jdc.ckpt" "$work/pwg.ckpt" \
    --out "$work/voice.safetensors" >&2
}
echo "$work/voice.safetensors"
