#!/usr/bin/env bash
# Load figures of docs/serving.md: tritonserver (the test's venv, tools/test-triton.sh) serving
# MODEL of WEIGHTS on cpu with INSTANCES instances, loaded by tools/triton_load.py at
# concurrency 1, 4 and 16 over gRPC for SECONDS each, then the same call through the C API in
# one process (one session, then as many sessions as instances). The server is stopped by its pid.
# MODEL convert_stream: tools/triton_stream_latency.py instead (per-chunk latency of a recording
# streamed in chunks; SECONDS of the recording, 0 for all of it).
# Usage: tools/bench_triton.sh BUILD WEIGHTS MODEL [INSTANCES] [SECONDS] [options of the load script]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "$1") weights=$(realpath "$2") model=$3 instances=${4:-1} seconds=${5:-15}
shift $(( $# < 5 ? $# : 5 ))
load=tools/triton_load.py
[ "$model" = convert_stream ] && load=tools/triton_stream_latency.py
venv=$build/triton/venv
python=$venv/bin/python
server=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/pytriton/tritonserver/bin/tritonserver
tmp=$(mktemp -d)
mkdir -p "$tmp/backends/xfv"
ln -s "$build/libtriton_xfv.so" "$tmp/backends/xfv/libtriton_xfv.so"
"$python" tools/triton_repository.py "$weights" --out "$tmp/models" --tasks "$model" --instances "$instances" > /dev/null
"$server" --model-repository="$tmp/models" --backend-directory="$tmp/backends" --http-port=18600 \
  --grpc-port=18601 --metrics-port=18602 > "$tmp/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 120); do
  curl -sf localhost:18600/v2/health/ready > /dev/null && break
  kill -0 $pid || { cat "$tmp/server.log"; exit 1; }
  sleep 0.5
done
echo "$(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, OMP_NUM_THREADS=${OMP_NUM_THREADS:-unset}, $model, $instances instance(s)"
"$python" "$load" --url 127.0.0.1:18601 --model "$model" --seconds "$seconds" "$@"
kill $pid; wait $pid 2>/dev/null || true
sessions=1
[ "$instances" -gt 1 ] && sessions="1 $instances"
"$python" "$load" --capi "$build/libtriton_xfv.so" --weights "$weights" --model "$model" \
  --seconds "$seconds" --concurrency $sessions "$@" | tail -n +3
