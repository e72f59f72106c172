#!/usr/bin/env bash
# Prints the python3 that the fixture tools, the PyTorch references and the benches run
# under: $XFV_PYTHON if set, else the first python3 on PATH (every one, in order, then
# /usr/bin's) that imports the modules named (default: numpy torch). Fails, saying so, when
# none does.  Usage: tools/find-python.sh [MODULE ...]
# CMake (XFV_PYTHON) and tools/*.sh use it, so that no script names a python by its path:
# on a Debian machine it is /usr/bin/python3 (python3-torch); on the GPU machine, the one
# holding PyTorch there.
set -euo pipefail
if [ -n "${XFV_PYTHON:-}" ]; then
  echo "$XFV_PYTHON"
  exit 0
fi
modules=("${@:-numpy}")
[ $# -eq 0 ] && modules=(numpy torch)
imports=$(IFS=,; echo "${modules[*]}")
IFS=: read -ra dirs <<<"$PATH"
for dir in "${dirs[@]}" /usr/bin; do
  py=$dir/python3
  if [ -x "$py" ] && "$py" -c "import $imports" >/dev/null 2>&1; then
    echo "$py"
    exit 0
  fi
done
echo "find-python.sh: no python3 on PATH imports ${modules[*]} (tools/install-deps.sh --tests installs them; or set XFV_PYTHON)" >&2
exit 1
