#!/usr/bin/env bash
# Long recordings in bounded memory: `xfv voice` on SECONDS of real speech (the five VCTK
# recordings of ../shared/data/speech, repeated) with the voices-only bench file, the
# vocoder in its default windows, under /usr/bin/time -v: wall time and peak resident memory
# for the default session budget and for --budget-mb 512. With --whole, also the vocoder run
# whole (--vocoder-frames 1000000, with a budget for its 3.4 GB of activations at 60 s) and
# the two outputs compared; with --bundle, also the full demo bundle
# (tools/make_demo_bundle.py) with a face as the reference.
# Usage: tools/bench_long.sh [SECONDS (default 60)] [--whole] [--bundle]
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(bash tools/find-python.sh)
seconds=60 whole="" bundle=""
for arg in "$@"; do
  case $arg in
    --whole) whole=1 ;;
    --bundle) bundle=1 ;;
    *) seconds=$arg ;;
  esac
done
weights=$(bash tools/voice_bench_weights.sh)
work=build/bench-long
mkdir -p "$work"
speech="$work/speech$seconds.wav"
[ -f "$speech" ] || "$python" tools/long_speech.py make --seconds "$seconds" --out "$speech"
reference=../shared/data/speech/p228_023.wav
lscpu | grep -E "Model name|^CPU\(s\)"

run() {  # name, options of xfv voice
  local name=$1
  shift
  if ! /usr/bin/time -v build/xfv voice --source "$speech" --noise-seed 5 --float-wav --out "$work/$name.wav" "$@" \
    2>"$work/$name.time" >/dev/null; then
    echo "$name failed:" >&2
    head -3 "$work/$name.time" >&2
    return 1
  fi
  printf '%-28s wall %s  peak RSS %.2f GB\n' "$name" \
    "$(grep 'Elapsed (wall' "$work/$name.time" | awk '{print $NF}')" \
    "$(grep 'Maximum resident' "$work/$name.time" | awk '{print $NF / 1e6}')"
}
voices=(--weights "$weights" --reference "$reference" --domain 3)
run "windows_$seconds" "${voices[@]}"
run "windows_budget512_$seconds" "${voices[@]}" --budget-mb 512
if [ -n "$whole" ]; then
  run "whole_$seconds" "${voices[@]}" --vocoder-frames 1000000 --budget-mb 16384
  "$python" tools/long_speech.py compare "$work/windows_$seconds.wav" "$work/whole_$seconds.wav"
fi
if [ -n "$bundle" ]; then
  demo=$work/xfavot_demo.safetensors
  [ -f "$demo" ] || "$python" tools/make_demo_bundle.py --out "$demo" --seed 2026 >/dev/null
  face=$("$python" -c "import os, skimage.data; print(os.path.dirname(skimage.data.__file__))")/astronaut.png
  run "bundle_$seconds" --weights "$demo" --reference "$face" --domain male
fi
