#!/usr/bin/env bash
# The Triton backend's server test (tests/triton, docs/serving.md) as CTest runs it: a venv in
# BUILD/triton/venv over PYTHON (its numpy and pytest seen through --system-site-packages),
# PyPI's nvidia-pytriton wheel for its tritonserver binary (without its Python dependencies:
# only the server is used) and tritonclient for HTTP and gRPC, installed once; then pytest,
# which starts the server on libtriton_xfv.so and stops it.
# Usage: tools/test-triton.sh BUILD_DIR PYTHON [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "$1")
python=$2
shift 2
venv=$build/triton/venv
[ -x "$venv/bin/python" ] || "$python" -m venv --system-site-packages "$venv"
pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check)
server=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/pytriton/tritonserver/bin/tritonserver
if ! [ -x "$server" ] || ! "$venv/bin/python" -c 'import tritonclient.http, tritonclient.grpc' 2>/dev/null; then
  "${pip[@]}" "tritonclient[http,grpc]"
  "${pip[@]}" --no-deps "nvidia-pytriton==0.7.0"
fi
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/triton "$@"
