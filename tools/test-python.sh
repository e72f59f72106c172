#!/usr/bin/env bash
# The Python package's tests (tests/python, docs/python.md) as CTest runs them: a venv in
# BUILD/python/venv over PYTHON (its numpy, pytest and PyTorch seen through
# --system-site-packages), nanobind and scikit-build-core from PyPI into it once, the package
# installed by `pip install .` (its CMake build kept in BUILD/python/build, so a rerun builds
# only what changed), then pytest on it.
# Usage: tools/test-python.sh BUILD_DIR PYTHON [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "$1")
python=$2
shift 2
venv=$build/python/venv
[ -x "$venv/bin/python" ] || "$python" -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check nanobind scikit-build-core
CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)} \
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-build-isolation \
  --config-settings=build-dir="$build/python/build" .
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/python "$@"
