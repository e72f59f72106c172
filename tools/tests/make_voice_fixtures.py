#!/usr/bin/env python3
"""Builds the voice-parity fixtures in OUT_DIR: seeded random checkpoints of the released
StarGANv2-VC, JDC and Parallel WaveGAN layouts, their xfv weight file (one per size, the
three converted together), and PyTorch reference dumps of every voice network, for
`xfv validate` (registered as CTest tests in CMakeLists.txt).

  full   the VCTK sizes (zip epoch, legacy bst.t7 and pkl): the generator at 192 frames and
         at 157 (not a multiple of 4: uneven adaptive pooling of F0), the style encoder at
         96, the vocoder at 32 frames (per-layer dumps stay small)
  small  dim_in 16, a 6-layer PWG (JDC has one size): small enough for the sim backend

Speech from espeak-ng (Debian's): `speech.wav`, a sentence at its own 22.05 kHz, for the
CLI's resampling path; `source24k.wav` and `reference24k.wav`, two sentences in two voices
resampled to 24 kHz (PCM16), and `full.conversion.safetensors`, the whole conversion of the
one to the other in PyTorch (tools/dump_conversion.py), the end-to-end reference.

Usage: make_voice_fixtures.py OUT_DIR [--only full|small] [--no-speech]
  --only       that fixture alone
  --no-speech  no espeak-ng speech and no end-to-end conversion dump: the per-network dumps
               alone, which need PyTorch only (where espeak-ng is absent: the GPU machine)
"""
import argparse
import os
import shutil
import subprocess
import sys
import wave

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable  # the python running this script (tools/find-python.sh picks it)

FIXTURES = {
    "full": dict(fmt="zip", seed=21, generator_frames=(192, 157), style_frames=96, vocoder_frames=32,
                 f0_frames=64, mel_frames=100),
    "small": dict(fmt="legacy", seed=22, generator_frames=(37,), style_frames=80, vocoder_frames=8,
                  f0_frames=12, mel_frames=9),
}


def run(*args):
    subprocess.run([PYTHON, *args], check=True, stdout=subprocess.DEVNULL)


def tool(name):
    return os.path.join(TOOLS, name)


def main(out_dir, only, speech_too):
    os.makedirs(out_dir, exist_ok=True)
    speech = make_speech(out_dir) if speech_too else None
    for name, f in FIXTURES.items():
        if only and name not in only:
            continue
        size, seed = name, f["seed"]
        ckpt = {kind: os.path.join(out_dir, f"{name}.{kind}.ckpt") for kind in ("stargan_vc", "jdc", "pwg")}
        for kind, path in ckpt.items():
            run(tool("make_checkpoint.py"), "--kind", kind, "--size", size, "--format", f["fmt"],
                "--seed", str(seed), "--out", path)
        weights = os.path.join(out_dir, f"{name}.safetensors")
        run(tool("convert.py"), ckpt["stargan_vc"], ckpt["jdc"], ckpt["pwg"], "--out", weights)

        def dump(network, tag, *args, checkpoint=None):
            extra = ["--checkpoint", checkpoint] if checkpoint else []
            run(tool("dump_reference.py"), "--network", network, *extra, "--seed", str(seed + 10), *args,
                "--out", os.path.join(out_dir, f"{name}.{tag}.safetensors"))

        dump("mel", "mel", "--frames", str(f["mel_frames"]))
        dump("f0_model", "f0_model", "--frames", str(f["f0_frames"]), "--batch", "2", checkpoint=ckpt["jdc"])
        for frames in f["generator_frames"]:
            dump("audio_generator", f"audio_generator_{frames}", "--frames", str(frames), "--jdc", ckpt["jdc"],
                 checkpoint=ckpt["stargan_vc"])
        dump("audio_style_encoder", "audio_style_encoder", "--frames", str(f["style_frames"]), "--domain", "1",
             "--batch", "2", checkpoint=ckpt["stargan_vc"])
        dump("mapping_network", "mapping_network", "--domain", "2", "--batch", "2", checkpoint=ckpt["stargan_vc"])
        dump("vocoder", "vocoder", "--frames", str(f["vocoder_frames"]), checkpoint=ckpt["pwg"])
        if name == "full" and speech:
            run(tool("dump_conversion.py"), "--checkpoint", ckpt["stargan_vc"], "--jdc", ckpt["jdc"],
                "--vocoder", ckpt["pwg"], "--source", speech["source24k"], "--reference", speech["reference24k"],
                "--domain", "4", "--seed", str(seed), "--out", os.path.join(out_dir, "full.conversion.safetensors"))
        for path in ckpt.values():
            os.remove(path)  # the weight file is what the tests need


def say(out_dir, name, text, voice):
    path = os.path.join(out_dir, f"{name}.wav")
    espeak = shutil.which("espeak-ng")
    if not espeak:
        sys.exit("make_voice_fixtures.py: espeak-ng is missing (tools/install-deps.sh installs it)")
    subprocess.run([espeak, "-v", voice, "-w", path, text], check=True)
    return path


def resample_to_24k(src, dst):
    """A PCM16 WAV at 24 kHz of `src` (torchaudio's resampler: the file, not the method, is
    what both sides share)."""
    import numpy as np
    import torch
    import torchaudio.functional as AF
    with wave.open(src) as w:
        rate, data = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), "<i2")
    x = AF.resample(torch.from_numpy(data.astype(np.float32) / 32768), rate, 24000).numpy()
    with wave.open(dst, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(24000)
        w.writeframes(np.clip(np.round(x * 32767), -32768, 32767).astype("<i2").tobytes())
    return dst


def make_speech(out_dir):
    speech = {"speech": say(out_dir, "speech", "The quick brown fox jumps over the lazy dog.", "en")}
    src = say(out_dir, "source", "Please call Stella and ask her to bring these things.", "en+m3")
    ref = say(out_dir, "reference", "Six spoons of fresh snow peas, five thick slabs of blue cheese.", "en+f3")
    speech["source24k"] = resample_to_24k(src, os.path.join(out_dir, "source24k.wav"))
    speech["reference24k"] = resample_to_24k(ref, os.path.join(out_dir, "reference24k.wav"))
    os.remove(src), os.remove(ref)
    return speech


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir")
    p.add_argument("--only", nargs="+", choices=sorted(FIXTURES), help="make these fixtures alone")
    p.add_argument("--no-speech", action="store_true", help="the per-network dumps alone (no espeak-ng)")
    args = p.parse_args()
    main(args.out_dir, args.only, not args.no_speech)
