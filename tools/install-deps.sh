#!/usr/bin/env bash
# Installs, from Debian's packages, what xfv needs to build and test on a fresh machine.
# The CUDA toolkit (nvcc, cuBLAS, cuDNN, cuFFT) is expected to be installed already; without
# nvcc everything but the cuda backend still builds.
set -euo pipefail
packages=(cmake g++ make libopenblas-openmp-dev libboost-context-dev libgtest-dev libbenchmark-dev
          libcli11-dev librandom123-dev nlohmann-json3-dev libstb-dev libjpeg-dev libsndfile1-dev libsoxr-dev python3-pil
          python3-numpy python3-pytest python3-torch python3-torchaudio python3-skimage  # references, demo photos
          espeak-ng)  # a spoken sentence for the voice tests and demo
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
