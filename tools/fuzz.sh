#!/usr/bin/env bash
# Fuzzes the parsers of outside bytes (tests/fuzz, docs/reliability.md) with libFuzzer, ASan
# and UBSan, SECONDS per target, in slices of at most 5 minutes, each slice under the shared
# lock (/tmp/xfv-cpu.lock) so that others' builds and tests take turns with it.
#   tools/fuzz.sh SECONDS [TARGET]     TARGET: one of tests/fuzz/CMakeLists.txt's; all by default
# Builds build-fuzz (clang, -DXFV_FUZZ=ON) first if needed. What it finds stays in build-fuzz:
#   corpus/TARGET/      the working corpus (new inputs that reach new code), kept across runs;
#                       the committed seeds in tests/fuzz/corpus/TARGET are read, never written
#   artifacts/TARGET/   crashes, hangs (timeout-*) and over-allocations (oom-*): fix the engine,
#                       then copy the input to tests/fuzz/regressions/TARGET/ (CI replays it)
#   runs.tsv            one line per slice: target, seconds run, executions, cov, ft, result
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: tools/fuzz.sh SECONDS [TARGET]}
targets=${2:-$(sed -n 's/^set(XFV_FUZZ_TARGETS \(.*\))$/\1/p' tests/fuzz/CMakeLists.txt)}
build=build-fuzz
lock=${XFV_LOCK:-/tmp/xfv-cpu.lock}
slice_max=300

# Inputs larger than a seed needs only slow the search down.
max_len() {
  case $1 in
    dump) echo 65536 ;;
    safetensors_weights) echo 32768 ;;
    image | audio) echo 16384 ;;
    *) echo 4096 ;;
  esac
}

if [[ ! -f $build/CMakeCache.txt ]]; then
  command -v clang++ >/dev/null || bash tools/install-deps.sh --fuzz
  flock "$lock" env CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXFV_FUZZ=ON
fi
flock "$lock" cmake --build "$build" -j"$(nproc)" --target $(printf 'xfv_fuzz_%s ' $targets)

# Leaks inside third-party decoders that xfv cannot free (tests/fuzz/lsan.supp says which).
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for t in $targets; do
  mkdir -p "$build/corpus/$t" "$build/artifacts/$t" "$build/logs"
  dict=()
  [[ -f tests/fuzz/dicts/$t.dict ]] && dict=(-dict="tests/fuzz/dicts/$t.dict")
  left=$seconds
  while ((left > 0)); do
    slice=$((left < slice_max ? left : slice_max))
    log=$build/logs/$t-$(date -u +%Y%m%dT%H%M%S).log
    status=0
    # The slice's own time starts once the lock is held (a finding ends it early).
    flock "$lock" bash -c 'date +%s >"$0"; exec "$@"' "$log.start" \
      "$build/tests/fuzz/xfv_fuzz_$t" -max_total_time="$slice" -max_len="$(max_len "$t")" \
      -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -print_final_stats=1 "${dict[@]}" \
      -artifact_prefix="$build/artifacts/$t/" "$build/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1 || status=$?
    ran=$(($(date +%s) - $(cat "$log.start")))
    rm -f "$log.start"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 | sed 's/cov: \([0-9]*\) ft: \([0-9]*\)/\1\t\2/')
    result=$([[ $status == 0 ]] && echo ok || echo "FOUND: $(grep -oE "(crash|timeout|oom|leak|slow-unit)-[0-9a-f]+" "$log" | tail -1)")
    printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$ran" "${execs:-?}" "${cov:-?	?}" "$result" | tee -a "$build/runs.tsv"
    if [[ $status != 0 ]]; then
      echo "fuzz.sh: $t found a problem; its log: $log" >&2
      break
    fi
    left=$((left - slice))
  done
done
