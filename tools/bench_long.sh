#!/usr/bin/env bash
# Long recordings in bounded memory: `xfv voice` on SECONDS of real speech (the five VCTK
# recordings of ../shared/data/speech, repeated) with the voices-only bench file, the
# vocoder in its default windows, under /usr/bin/time -v: wall time and peak resident memory
# for the default session budget and for --budget-mb 512; with --whole, also the vocoder
# run whole (--vocoder-frames 1000000: several GB for 60 s) and the two outputs compared.
# Usage: tools/bench_long.sh [SECONDS (default 60)] [--whole]
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(bash tools/find-python.sh)
seconds=${1:-60}
whole=${2:-}
weights=$(bash tools/voice_bench_weights.sh)
work=build/bench-long
mkdir -p "$work"
speech="$work/speech$seconds.wav"
[ -f "$speech" ] || "$python" tools/long_speech.py make --seconds "$seconds" --out "$speech"
reference=../shared/data/speech/p228_023.wav
lscpu | grep -E "Model name|^CPU\(s\)"

run() {  # name, extra options
  local name=$1
  shift
  /usr/bin/time -v build/xfv voice --weights "$weights" --source "$speech" --reference "$reference" \
    --domain 3 --noise-seed 5 --float-wav --out "$work/$name.wav" "$@" 2>"$work/$name.time" >/dev/null
  printf '%-28s wall %s  peak RSS %.2f GB\n' "$name" \
    "$(grep 'Elapsed (wall' "$work/$name.time" | awk '{print $NF}')" \
    "$(grep 'Maximum resident' "$work/$name.time" | awk '{print $NF / 1e6}')"
}
run "windows_$seconds"
run "windows_budget512_$seconds" --budget-mb 512
if [ "$whole" = --whole ]; then
  run "whole_$seconds" --vocoder-frames 1000000
  "$python" tools/long_speech.py compare "$work/windows_$seconds.wav" "$work/whole_$seconds.wav"
fi
