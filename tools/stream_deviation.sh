#!/usr/bin/env bash
# The deviation of the streamed voice conversion from the whole one, per policy, look-ahead
# and window: `xfv stream --compare-offline` on real speech (../shared/data/speech, CSTR VCTK
# Corpus, CC BY 4.0) for each configuration, one markdown row each (docs/streaming.md).
# With random weights (the default: the XFaVoT test bundle) the table is a statement about
# the method, not about trained voices; give a bundle of trained checkpoints to measure those.
# Usage: tools/stream_deviation.sh [BUNDLE (default build/xfavot/full.safetensors)] [RECORDING...]
# The statistics policies: window:N, running and fixed (calibrated on CALIBRATION, default
# another speaker's recording, p230_023.wav), the last two on windows of N frames. CONFIGS
# (lines "POLICY:N LOOKAHEAD GAIN") runs some rows only.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=${1:-build/xfavot/full.safetensors}
shift || true
recordings=("$@")
[ ${#recordings[@]} -gt 0 ] || recordings=(../shared/data/speech/p228_023.wav)
xfv=${XFV_BIN:-build/xfv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
calibration=${CALIBRATION:-../shared/data/speech/p230_023.wav}
# policy:window frames, look-ahead blocks, gain
if [ -n "${CONFIGS:-}" ]; then
  mapfile -t configs <<<"$CONFIGS"
else
  configs=("window:48 1 fixed" "window:96 2 fixed" "window:192 4 fixed" "window:384 8 fixed" "window:192 4 running"
           "running:96 2 fixed" "running:192 4 fixed" "fixed:96 2 fixed" "fixed:192 4 fixed")
fi
echo "| recording | stats | look-ahead | gain | latency (ms) | log-mel distance | waveform relative L2 |"
echo "|---|---|---|---|---|---|---|"
for r in "${recordings[@]}"; do
  for c in "${configs[@]}"; do
    read -r policy lookahead gain <<<"$c"
    window=${policy#*:}
    case "${policy%%:*}" in
      window) stats=(--stats "window:$window") label="window:$window" ;;
      running) stats=(--stats running --window-frames "$window") label="running, window $window" ;;
      fixed) stats=(--stats "fixed:$calibration" --window-frames "$window")
             label="fixed:$(basename "$calibration"), window $window" ;;
      *) echo "unknown policy in '$c'" >&2; exit 2 ;;
    esac
    "$xfv" stream --weights "$bundle" --source "$r" --seed 3 --domain 1 --chunk-ms 20 --out "$work/out.wav" \
      "${stats[@]}" --lookahead-blocks "$lookahead" --gain "$gain" --compare-offline \
      --report "$work/report.json" 2>/dev/null
    python3 - "$work/report.json" "$(basename "$r")" "$label" "$lookahead" "$gain" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["compare_offline"]
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} blocks | {sys.argv[5]} | "
      f"{r['algorithmic_latency_ms']:.0f} | {c['log_mel_distance']:.3f} | {c['waveform_relative_l2']:.3f} |")
PY
  done
done
