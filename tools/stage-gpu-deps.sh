#!/usr/bin/env bash
# The bare GPU machine (the device tool's) has the CUDA toolkit, CMake and a python3 with
# PyTorch but none of Debian's libraries, and can fetch nothing. This stages, into
# build-deps/ (ignored by git; about 8 MiB, carried by the device run: carry=["build-deps"]),
# what the bare profile needs, as sources and headers, never this machine's binaries:
#   src/googletest   GoogleTest's sources (Debian's googletest package ships them)
#   src/benchmark    Google Benchmark's sources (Debian's source package, its upstream tarball)
#   include/         the header-only libraries: Random123, nlohmann-json, CLI11, stb
#   speech/          one recording of ../shared/data/speech (VCTK p228, CC BY 4.0: its README)
#                    at 24 kHz as float32 .npy, the streaming bench's source there (no WAV
#                    reader, no resampler: the Parallel WaveGAN bundle's rate)
# tools/gpu-check.sh builds with -DXFV_DEPS=build-deps: the test libraries are compiled there
# with the project. Without OpenBLAS the cpu reference ops use a plain GEMM, and without
# libjpeg, libsndfile and libsoxr `xfv` reads and writes PNG and .npy only (docs/gpu-check.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
out=build-deps
rm -rf "$out"
mkdir -p "$out/src" "$out/include"
cp -a /usr/src/googletest "$out/src/googletest"

# Debian's source of the Google Benchmark it installs (libbenchmark-dev), fetched once into a
# cache through a private deb-src list: the system's apt configuration is left alone.
version=$(dpkg-query -W -f='${source:Upstream-Version}' libbenchmark-dev)
cache=${XFV_CACHE:-$HOME/.cache/xfv}/debian-src
tarball=$cache/benchmark_$version.orig.tar.gz
if [ ! -f "$tarball" ]; then
  mkdir -p "$cache/lists/partial"
  . /etc/os-release
  echo "deb-src http://deb.debian.org/debian $VERSION_CODENAME main" >"$cache/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$cache/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$cache/lists")
  apt-get "${apt_opts[@]}" update -q
  (cd "$cache" && apt-get "${apt_opts[@]}" source --download-only "benchmark=$(dpkg-query -W -f='${Version}' libbenchmark-dev)")
fi
mkdir -p "$out/src/benchmark"
tar xzf "$tarball" -C "$out/src/benchmark" --strip-components=1 \
    "benchmark-$version/CMakeLists.txt" "benchmark-$version/cmake" "benchmark-$version/include" \
    "benchmark-$version/src" "benchmark-$version/LICENSE"

cp -a /usr/include/Random123 /usr/include/nlohmann /usr/include/CLI "$out/include/"
mkdir -p "$out/include/stb"
cp -a /usr/include/stb/stb_image.h /usr/include/stb/stb_image_write.h "$out/include/stb/"

mkdir -p "$out/speech"
cp ../shared/data/speech/README.md "$out/speech/"
/usr/bin/python3 - ../shared/data/speech/p228_023.wav "$out/speech/p228_023_24k.npy" <<'PY'
import sys
import numpy as np
import scipy.io.wavfile
import scipy.signal
rate, x = scipy.io.wavfile.read(sys.argv[1])
assert rate == 48000 and x.dtype == np.int16, (rate, x.dtype)
np.save(sys.argv[2], scipy.signal.resample_poly(x / 32768.0, 1, 2).astype(np.float32))
PY
du -sh "$out"
