"""XFaVoT's tasks end to end through the `xfv` CLI on bundles, against PyTorch's composition
of the same networks (tools/dump_task.py): audio-guided image translation, image-guided voice
conversion, latent generation (a face and a voice per style), on a Parallel WaveGAN bundle and
a HiFi-GAN one (the x*4-4 affine), full size on cpu and reduced on sim; the batch path; long
audio in chunks; the bundle refusals. Needs the xfv binary and the XFaVoT fixtures, which
CTest provides (XFV_BIN, XFV_XFAVOT); skipped outside CTest."""
import json
import os
import subprocess

import numpy as np
import pytest

import safetensors_io
from cli_helpers import read_wav, write_pcm16

XFV = os.environ.get("XFV_BIN")
FIXTURES = os.environ.get("XFV_XFAVOT")
pytestmark = pytest.mark.skipif(not XFV or not FIXTURES, reason="run through ctest (XFV_BIN, XFV_XFAVOT)")
END_TO_END = 1e-4  # relative L2, float32 chained


def fixture(name):
    return os.path.join(FIXTURES, name)


def rel_l2(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    return np.linalg.norm(got - want) / np.linalg.norm(want)


def xfv(*args):
    r = subprocess.run([XFV, *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r


def load_dump(bundle, task):
    tensors, meta = safetensors_io.read(fixture(f"{bundle}.{task}.safetensors"))
    return tensors, json.loads(meta["xfv.dump.config"])


def domain_name(bundle, network, index):
    """The domain's name in the bundle, so that the CLI resolves names, not indices."""
    _, meta = safetensors_io.read(fixture(f"{bundle}.safetensors"))
    names = json.loads(meta.get(f"xfv.domains.{network}", "[]"))
    return names[index] if names else str(index)


def common(bundle, cfg, backend):
    return ["--weights", fixture(f"{bundle}.safetensors"), "--backend", backend,
            "--domain", domain_name(bundle, cfg["style_network"], cfg["domain_index"])]


def noise_args(tmp_path, ref):
    if "task.input.noise" not in ref:
        return []
    path = tmp_path / "noise.npy"
    np.save(path, ref["task.input.noise"].astype(np.float32))
    return ["--noise", str(path)]


RUNS = [("full", "cpu"), ("small", "cpu"), ("small", "sim")]


@pytest.mark.parametrize("bundle,backend", RUNS)
def test_audio_guided_image_translation(tmp_path, bundle, backend):
    ref, cfg = load_dump(bundle, "image_from_voice")
    dump = tmp_path / "values.safetensors"
    xfv("image", *common(bundle, cfg, backend), "--source", fixture(cfg["face"]), "--reference",
        fixture(cfg["reference"]), "--out", str(tmp_path / "out.png"), "--dump-tensors", str(dump))
    got, _ = safetensors_io.read(str(dump))
    assert rel_l2(got["audio_style_encoder.output"], ref["task.style"]) < END_TO_END
    assert rel_l2(got["image_generator.output"], ref["task.output.image"]) < END_TO_END
    assert (tmp_path / "out.png").stat().st_size > 0


@pytest.mark.parametrize("bundle,backend", RUNS + [("hifigan", "cpu")])
def test_image_guided_voice_conversion(tmp_path, bundle, backend):
    ref, cfg = load_dump(bundle, "voice_from_face")
    out = tmp_path / "out.wav"
    xfv("voice", *common(bundle, cfg, backend), "--source", fixture(cfg["voice"]), "--reference",
        fixture(cfg["reference"]), "--out", str(out), "--float-wav", *noise_args(tmp_path, ref))
    rate, wave = read_wav(out)
    assert rate == (22050 if bundle == "hifigan" else 24000)
    assert rel_l2(wave, ref["task.output.wave"][0]) < END_TO_END


def test_intra_modal_voice_conversion_through_hifigan(tmp_path):
    ref, cfg = load_dump("hifigan", "voice_from_voice")
    out = tmp_path / "out.wav"
    xfv("voice", *common("hifigan", cfg, "cpu"), "--source", fixture(cfg["voice"]), "--reference",
        fixture(cfg["reference"]), "--out", str(out), "--float-wav")
    assert rel_l2(read_wav(out)[1], ref["task.output.wave"][0]) < END_TO_END


@pytest.mark.parametrize("bundle,backend", RUNS)
def test_latent_generation_makes_a_face_and_a_voice_per_style(tmp_path, bundle, backend):
    ref, cfg = load_dump(bundle, "generate")
    dump = tmp_path / "values.safetensors"
    xfv("generate", *common(bundle, cfg, backend), "--latent", fixture(cfg["latent"]), "--face", fixture(cfg["face"]),
        "--voice", fixture(cfg["voice"]), "--out-dir", str(tmp_path), "--float-wav", "--dump-tensors", str(dump),
        *noise_args(tmp_path, ref))
    got, _ = safetensors_io.read(str(dump))
    assert rel_l2(got["mapping_network.output"], ref["task.style"]) < END_TO_END
    assert rel_l2(got["image_generator.output"], ref["task.output.image"]) < END_TO_END
    for k in range(cfg["count"]):
        assert (tmp_path / f"face_{k}.png").stat().st_size > 0
        assert rel_l2(read_wav(tmp_path / f"voice_{k}.wav")[1], ref["task.output.wave"][k]) < END_TO_END
