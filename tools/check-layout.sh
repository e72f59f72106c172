#!/usr/bin/env bash
# The source layout's rules (docs/architecture.md, "Layout"), run by CTest as `layout`:
#   one op family, one name: each family that `xfv ops --list-families` names has its kernel
#   file kernels/<family>.cu, its cpu file engine/cpu/<family>.cpp and its cases
#   add_<family>_cases in engine/opcheck.cpp, and each of those is a family's;
#   kernels/ is the leaf: nothing under kernels/ includes a file of engine/.
# Usage: tools/check-layout.sh path/to/xfv
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
xfv=${1:?usage: tools/check-layout.sh path/to/xfv}
failed=0
fail() {
  echo "layout: $*" >&2
  failed=1
}

families=$("$xfv" ops --list-families)
[[ -n $families ]] || fail "xfv ops --list-families names no family"
for f in $families; do
  [[ -f $root/kernels/$f.cu ]] || fail "op family '$f' has no kernels/$f.cu"
  [[ -f $root/engine/cpu/$f.cpp ]] || fail "op family '$f' has no engine/cpu/$f.cpp"
  grep -q "^void add_${f}_cases(" "$root/engine/opcheck.cpp" || fail "op family '$f' has no add_${f}_cases in engine/opcheck.cpp"
done
for cu in "$root"/kernels/*.cu; do
  f=$(basename "$cu" .cu)
  grep -qx "$f" <<<"$families" || fail "kernels/$f.cu names no op family (xfv ops --list-families)"
done
for f in $(sed -n 's/^void add_\([a-z0-9_]*\)_cases(.*/\1/p' "$root/engine/opcheck.cpp"); do
  grep -qx "$f" <<<"$families" || fail "engine/opcheck.cpp: add_${f}_cases names no op family"
done
if grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](\.\./)*engine/' "$root/kernels" >&2; then
  fail "the lines above include engine/ from kernels/, which includes nothing from engine/"
fi
exit $failed
