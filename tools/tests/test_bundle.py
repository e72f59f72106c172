"""Bundles: tools/convert.py assembling the image and voice sides into one file (separate
files with --mapping-from, or one XFaVoT training checkpoint), its xfv.voice metadata and its
consistency checks, and tools/make_demo_bundle.py. Run: /usr/bin/python3 -m pytest -q tools/tests"""
import collections
import filecmp
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import ckpt_helpers as helpers
import convert
import make_checkpoint
import safetensors_io
from test_convert import assert_fails
from weights import manifests

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALL = ["image_generator", "image_style_encoder", "mapping_network", "fan", "audio_generator",
       "audio_style_encoder", "f0_model", "vocoder"]
# The small image side at the small voice side's style_dim (16), so that the two can share a
# mapping network; make_checkpoint's own small image side has style 64.
IMAGE16 = dict(make_checkpoint.SIZES["small"], style_dim=16)
STARGAN_VC_VOICE = ('{"mel": {"recipe": "stargan_vc", "sampling_rate": 24000, "n_fft": 2048, "win_size": 1200, '
                    '"hop_size": 300, "num_mels": 80, "fmin": 0, "fmax": 8000, "filterbank_rate": 16000, '
                    '"scale": "htk", "log": "ln", "mean": -4, "std": 4}, "vocoder_input": {"scale": 1, "shift": 0}}')
# make_checkpoint's small HiFi-GAN: V1's mel settings, upsample rates [4, 4] (hop 16).
HIFIGAN_VOICE = ('{"mel": {"recipe": "hifigan", "sampling_rate": 22050, "n_fft": 1024, "win_size": 1024, '
                 '"hop_size": 16, "num_mels": 80, "fmin": 0, "fmax": 8000, "filterbank_rate": 22050, '
                 '"scale": "slaney", "log": "ln", "mean": -4, "std": 4}, "vocoder_input": {"scale": 4, "shift": -4}}')


def prefixed(sd):
    """A state_dict as DataParallel saves it."""
    return collections.OrderedDict(("module." + k, v) for k, v in sd.items())


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    """Small checkpoints of every layout, under their released base names (the HiFi-GAN with
    its config.json in a folder of its own), and the objects saved."""
    d = tmp_path_factory.mktemp("parts")
    objs = {
        "100000_nets_ema.ckpt": make_checkpoint.checkpoint_object("stargan_v2", IMAGE16, 1),
        "wing.ckpt": make_checkpoint.checkpoint_object("wing", None, 1),  # = nets_ema's fan (same seed)
        # style 64, no FAN (w_hpf 0): for the style_dim refusal
        "style64_nets_ema.ckpt": make_checkpoint.checkpoint_object(
            "stargan_v2", dict(make_checkpoint.SIZES["small"], w_hpf=0), 2),
        "epoch_00150.pth": make_checkpoint.voice_checkpoint_object("stargan_vc", "small", 1),
        "bst.t7": make_checkpoint.voice_checkpoint_object("jdc", "small", 1),
        "checkpoint-400000steps.pkl": make_checkpoint.voice_checkpoint_object("pwg", "small", 1),
        "hifigan/generator_small.pth.tar": make_checkpoint.voice_checkpoint_object("hifigan", "small", 1),
    }
    os.makedirs(d / "hifigan")
    with open(d / "hifigan" / "config.json", "w") as f:
        json.dump(make_checkpoint.HIFIGAN_SIZES["small"], f)
    nets, vc = objs["100000_nets_ema.ckpt"], objs["epoch_00150.pth"]
    # An XFaVoT training run: model_ema holds what inference uses, model the training copies
    # (other weights) and the one f0_model; every key with DataParallel's prefix.
    training_image = make_checkpoint.checkpoint_object("stargan_v2", IMAGE16, 99)
    ema = {"image_generator": nets["generator"], "image_style_encoder": nets["style_encoder"],
           "mapping_network": nets["mapping_network"], "audio_generator": vc["model_ema"]["generator"],
           "audio_style_encoder": vc["model_ema"]["style_encoder"]}
    model = {"image_generator": training_image["generator"], "image_style_encoder": training_image["style_encoder"],
             "mapping_network": training_image["mapping_network"], "audio_generator": vc["model"]["generator"],
             "audio_style_encoder": vc["model"]["style_encoder"], "f0_model": objs["bst.t7"]["net"]}
    objs["xfavot.pth"] = {"model": {k: prefixed(v) for k, v in model.items()},
                          "model_ema": {k: prefixed(v) for k, v in ema.items()},
                          "optimizer": {"image_generator": {"state": {}, "param_groups": []}},
                          "steps": 1000, "epochs": 10}
    objs["xfavot_model_only.pth"] = {"model": dict(ema, f0_model=prefixed(objs["bst.t7"]["net"])), "steps": 1}
    for name, obj in objs.items():
        make_checkpoint.save(obj, str(d / name), "zip" if name.startswith("xfavot") else "legacy")
    paths = {name.split("/")[-1].split(".")[0].split("-")[0]: d / name for name in objs}
    return objs, paths


def run(args, capsys):
    return helpers.run_convert(args, capsys)


def read(path):
    tensors, meta = safetensors_io.read(str(path))
    return tensors, meta


def of(tensors, network):
    return {k[len(network) + 1:]: v for k, v in tensors.items() if k.startswith(network + ".")}


def bit_equal(got, want_sd):
    """got: {key: float32 array}; want_sd: a torch state_dict (integer buffers dropped)."""
    want = {k: v.numpy() for k, v in want_sd.items() if v.dtype.is_floating_point}
    assert set(got) == set(want)
    for k, v in want.items():
        assert got[k].dtype == np.float32 and np.array_equal(got[k].view(np.uint32), v.view(np.uint32)), k


refused = assert_fails  # exit 2, only `error: ` lines, each needle in them, no output, no temporary


# ---- assembly from separate files ------------------------------------------------------------------

@pytest.mark.parametrize("side", ["image", "audio"])
def test_mapping_from_keeps_the_chosen_mapping_network(parts, tmp_path, capsys, side):
    objs, p = parts
    out = tmp_path / "b.safetensors"
    code, _, err = run([p["100000_nets_ema"], p["epoch_00150"], p["bst"], p["checkpoint"],
                        "--mapping-from", side, "--out", out], capsys)
    assert code == 0, err
    kept, dropped = ("100000_nets_ema.ckpt", "epoch_00150.pth") if side == "image" else \
        ("epoch_00150.pth", "100000_nets_ema.ckpt")
    assert f"note: {dropped}: mapping_network ignored (--mapping-from {side} keeps the one of {kept})" in err
    tensors, meta = read(out)
    assert json.loads(meta["xfv.networks"]) == ALL
    want = objs["100000_nets_ema.ckpt"]["mapping_network"] if side == "image" else \
        objs["epoch_00150.pth"]["model_ema"]["mapping_network"]
    bit_equal(of(tensors, "mapping_network"), want)
    assert meta["xfv.source.mapping_network"] == kept
    assert meta["xfv.source.audio_generator"] == "epoch_00150.pth"
    assert meta["xfv.source.image_generator"] == meta["xfv.source.fan"] == "100000_nets_ema.ckpt"
    bit_equal(of(tensors, "image_style_encoder"), objs["100000_nets_ema.ckpt"]["style_encoder"])
    bit_equal(of(tensors, "audio_style_encoder"), objs["epoch_00150.pth"]["model_ema"]["style_encoder"])
    assert {json.loads(meta[f"xfv.config.{n}"])["style_dim"] for n in convert.STYLE_NETWORKS} == {16}
    assert meta["xfv.voice"] == STARGAN_VC_VOICE


def test_two_mapping_networks_need_mapping_from(parts, tmp_path, capsys):
    _, p = parts
    out = tmp_path / "b.safetensors"
    refused([p["100000_nets_ema"], p["epoch_00150"], "--out", out], capsys,
            f"epoch_00150.pth: each network must come from one input: mapping_network (also in "
            f"{p['100000_nets_ema']}); give --mapping-from image or --mapping-from audio")
    # the flag naming a side that gives no mapping network
    refused([p["100000_nets_ema"], p["bst"], "--mapping-from", "audio", "--out", out], capsys,
            "--mapping-from audio is given, but no StarGANv2-VC epoch_*.pth among the inputs gives a mapping_network")
    refused([p["epoch_00150"], "--mapping-from", "image", "--out", out], capsys,
            "--mapping-from image is given, but no StarGAN v2 *_nets_ema.ckpt among the inputs")
    # two files of one side stay an error, flag or not
    refused([p["100000_nets_ema"], p["style64_nets_ema"], "--mapping-from", "image", "--out", out], capsys,
            "style64_nets_ema.ckpt: each network must come from one input: image_generator (also in")


# ---- the XFaVoT training checkpoint -----------------------------------------------------------------

@pytest.fixture(scope="module")
def assembled(parts, tmp_path_factory):
    _, p = parts
    out = tmp_path_factory.mktemp("assembled") / "separate.safetensors"
    assert convert.main([str(a) for a in (p["100000_nets_ema"], p["epoch_00150"], p["bst"], p["checkpoint"],
                                          "--mapping-from", "image", "--out", out)]) == 0
    return read(out)


@pytest.mark.parametrize("name", ["xfavot", "xfavot_model_only"])
def test_xfavot_checkpoint_equals_the_separate_files(parts, assembled, tmp_path, capsys, name):
    """model_ema's networks (model's f0_model), `module.` stripped, FAN from wing.ckpt and the
    vocoder from its own file: the same tensors and metadata as the separate files."""
    objs, p = parts
    out = tmp_path / "b.safetensors"
    code, stdout, err = run([p[name], p["wing"], p["checkpoint"], "--out", out], capsys)
    assert code == 0, err
    assert "f0_model: ignored" in stdout  # the JDC's LSTMs and heads, as from bst.t7
    tensors, meta = read(out)
    want_tensors, want_meta = assembled
    assert set(tensors) == set(want_tensors)
    for k, v in want_tensors.items():
        assert np.array_equal(tensors[k].view(np.uint32), v.view(np.uint32)), k
    assert {k: v for k, v in meta.items() if not k.startswith("xfv.source.")} == \
        {k: v for k, v in want_meta.items() if not k.startswith("xfv.source.")}
    for network in ALL:
        want = {"fan": "wing.ckpt", "vocoder": "checkpoint-400000steps.pkl"}.get(network, f"{name}.pth")
        assert meta[f"xfv.source.{network}"] == want, network
    # the training copies under model are not what was converted
    assert not np.array_equal(tensors["image_generator.from_rgb.weight"],
                              objs["xfavot.pth"]["model"]["image_generator"]["module.from_rgb.weight"].numpy())


def test_xfavot_unknown_networks_are_named(parts, tmp_path, capsys):
    objs, p = parts
    bad = tmp_path / "xfavot.pth"
    model = dict(objs["xfavot.pth"]["model"], discriminator={}, image_discriminator={})
    make_checkpoint.save({"model": model, "model_ema": dict(objs["xfavot.pth"]["model_ema"], fan={})}, str(bad), "zip")
    refused([bad, "--out", tmp_path / "b.safetensors"], capsys,
            "xfavot.pth: unknown networks under 'model': 'discriminator', 'image_discriminator'",
            "xfavot.pth: unknown networks under 'model_ema': 'fan'")


# ---- xfv.voice -----------------------------------------------------------------------------------

def test_voice_metadata_for_each_vocoder(parts, tmp_path, capsys):
    _, p = parts
    out = tmp_path / "b.safetensors"
    # Parallel WaveGAN on the stargan_vc mel (the default recipe; --audio-mel says it again)
    for extra in ([], ["--audio-mel", "stargan_vc"]):
        code, _, err = run([p["epoch_00150"], p["bst"], p["checkpoint"], "--out", out, *extra], capsys)
        assert code == 0, err
        assert read(out)[1]["xfv.voice"] == STARGAN_VC_VOICE
    voice = json.loads(STARGAN_VC_VOICE)
    assert voice["mel"] == convert.STARGAN_VC_MEL
    assert all(type(v) is int for v in (*voice["vocoder_input"].values(), voice["mel"]["mean"], voice["mel"]["std"]))
    # HiFi-GAN on its recipe's mel, the settings from its config.json
    code, _, err = run([p["epoch_00150"], p["bst"], p["generator_small"], "--audio-mel", "hifigan", "--out", out],
                       capsys)
    assert code == 0, err
    tensors, meta = read(out)
    assert meta["xfv.voice"] == HIFIGAN_VOICE
    assert json.loads(meta["xfv.config.vocoder"])["family"] == "hifigan"
    # no vocoder: the PWG identity for stargan_vc; for hifigan, HiFi-GAN's affine and the
    # settings from --hifigan-config
    code, _, err = run([p["epoch_00150"], p["bst"], "--out", out], capsys)
    assert code == 0, err
    assert read(out)[1]["xfv.voice"] == STARGAN_VC_VOICE
    config = p["generator_small"].parent / "config.json"
    code, _, err = run([p["epoch_00150"], "--audio-mel", "hifigan", "--hifigan-config", config, "--out", out], capsys)
    assert code == 0, err
    assert read(out)[1]["xfv.voice"] == HIFIGAN_VOICE
    # no audio generator, no xfv.voice
    code, _, err = run([p["checkpoint"], "--out", out], capsys)
    assert code == 0, err
    assert "xfv.voice" not in read(out)[1]


# ---- refusals ------------------------------------------------------------------------------------

def test_style_dim_mismatch_names_both(parts, tmp_path, capsys):
    _, p = parts
    err = refused([p["style64_nets_ema"], p["epoch_00150"], p["bst"], "--mapping-from", "image",
                   "--out", tmp_path / "b.safetensors"], capsys,
                  "error: style64_nets_ema.ckpt, epoch_00150.pth: image_generator has style_dim 64, "
                  "audio_generator has style_dim 16",
                  "image_generator has style_dim 64, audio_style_encoder has style_dim 16")
    assert "mapping_network has style_dim" not in err  # the image side's, 64: it agrees
    refused([p["style64_nets_ema"], p["epoch_00150"], "--mapping-from", "audio", "--out", tmp_path / "c.safetensors"],
            capsys, "style64_nets_ema.ckpt, epoch_00150.pth: image_generator has style_dim 64, mapping_network has "
                    "style_dim 16")


def test_vocoder_and_mel_recipe_must_agree(parts, tmp_path, capsys):
    _, p = parts
    out = tmp_path / "b.safetensors"
    refused([p["epoch_00150"], p["bst"], p["generator_small"], "--out", out], capsys,
            "error: epoch_00150.pth, generator_small.pth.tar: audio_generator's mel is 24000 Hz (recipe stargan_vc), "
            "the vocoder (HiFi-GAN) takes 22050 Hz; --audio-mel hifigan if")
    refused([p["epoch_00150"], p["bst"], p["checkpoint"], "--audio-mel", "hifigan", "--out", out], capsys,
            "error: epoch_00150.pth, checkpoint-400000steps.pkl: audio_generator's mel is recipe hifigan "
            "(--audio-mel hifigan), the vocoder (Parallel WaveGAN) takes recipe stargan_vc mels")
    refused([p["epoch_00150"], "--audio-mel", "hifigan", "--out", out], capsys,
            "--audio-mel hifigan: the mel settings come from a HiFi-GAN vocoder's config.json",
            "give --hifigan-config")
    refused([p["checkpoint"], "--audio-mel", "stargan_vc", "--out", out], capsys,
            "--audio-mel is given, but no input holds an audio generator")
    # a mel of other than 80 bands
    config = tmp_path / "config100.json"
    config.write_text(json.dumps(dict(make_checkpoint.HIFIGAN_SIZES["small"], num_mels=100)))
    refused([p["epoch_00150"], "--audio-mel", "hifigan", "--hifigan-config", config, "--out", out], capsys,
            "error: epoch_00150.pth: audio_generator takes 80 mel bands, its mel settings (--hifigan-config "
            "config100.json) have 100")


def test_pwg_hop_and_bands_must_match_the_mel(parts, tmp_path, capsys):
    _, p = parts
    cfg = dict(make_checkpoint.PWG_SIZES["small"], family="parallel_wavegan", in_channels=1, out_channels=1,
               upsample_scales=[4, 4, 4, 4], aux_channels=64)
    pkl = tmp_path / "checkpoint-1steps.pkl"
    helpers.save({"model": {"generator": helpers.random_state_dict(manifests.vocoder(cfg), 3)}}, pkl, "zip")
    refused([p["epoch_00150"], pkl, "--out", tmp_path / "b.safetensors"], capsys,
            "error: epoch_00150.pth, checkpoint-1steps.pkl: audio_generator's mel has hop_size 300 (recipe "
            "stargan_vc), the vocoder (Parallel WaveGAN) upsamples by 256 (upsample_scales [4, 4, 4, 4])",
            "audio_generator's mel has 80 bands (recipe stargan_vc), the vocoder (Parallel WaveGAN) takes 64 "
            "(aux_channels)")


# ---- make_demo_bundle.py -------------------------------------------------------------------------

def demo_bundle(out, seed):
    """make_demo_bundle.py in a fresh interpreter in which `import torch` fails."""
    script = ("import runpy, sys\n"
              "sys.modules['torch'] = None\n"
              f"sys.argv = ['make_demo_bundle.py', '--out', {str(out)!r}, '--seed', '{seed}']\n"
              f"runpy.run_path({os.path.join(TOOLS, 'make_demo_bundle.py')!r}, run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_demo_bundle(tmp_path):
    a, b = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    stdout = demo_bundle(a, 3)
    assert "8 networks" in stdout
    demo_bundle(b, 3)
    assert filecmp.cmp(a, b, shallow=False)  # deterministic for a seed
    tensors, meta = read(a)
    assert meta["xfv.format"] == "1" and json.loads(meta["xfv.networks"]) == ALL
    for network in ALL:
        cfg = json.loads(meta[f"xfv.config.{network}"])
        assert {k: v.shape for k, v in of(tensors, network).items()} == manifests.MANIFESTS[network](cfg), network
        assert all(v.dtype == np.float32 and np.isfinite(v).all() for v in of(tensors, network).values())
        assert meta[f"xfv.source.{network}"] == "make_demo_bundle.py seed 3"
    assert len(tensors) == sum(len(manifests.MANIFESTS[n](json.loads(meta[f"xfv.config.{n}"]))) for n in ALL)
    assert json.loads(meta["xfv.config.image_generator"]) == dict(img_size=256, style_dim=64, max_conv_dim=512,
                                                                  repeat_num=5, w_hpf=1)
    assert json.loads(meta["xfv.config.audio_generator"]) == dict(dim_in=64, style_dim=64, max_conv_dim=512,
                                                                  F0_channel=256)
    assert json.loads(meta["xfv.config.fan"])["num_landmarks"] == 98
    assert json.loads(meta["xfv.config.vocoder"])["upsample_scales"] == [4, 5, 3, 5]
    everyone = ["female", "male"] + convert.VCTK_DOMAINS
    assert json.loads(meta["xfv.domains.mapping_network"]) == everyone
    assert json.loads(meta["xfv.domains.audio_style_encoder"]) == everyone
    assert json.loads(meta["xfv.domains.image_style_encoder"]) == ["female", "male"]
    assert meta["xfv.voice"] == STARGAN_VC_VOICE
    # PyTorch's scales: weights within +-1/sqrt(fan_in), norms the identity, BatchNorm near it
    w = tensors["image_generator.encode.1.conv1.weight"]
    bound = 1 / np.sqrt(np.prod(w.shape[1:]))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound and abs(float(w.mean())) < 0.01 * bound
    assert np.abs(tensors["mapping_network.unshared.3.6.bias"]).max() <= 1 / np.sqrt(512)
    assert (tensors["image_generator.encode.1.norm1.weight"] == 1).all()
    assert (tensors["image_generator.encode.1.norm1.bias"] == 0).all()
    assert (tensors["fan.bn1.running_var"] > 0.5).all() and np.abs(tensors["fan.bn1.running_mean"]).max() < 0.1
    assert np.array_equal(tensors["image_generator.hpf.filter"],
                          np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], np.float32))
    # another seed, other weights
    import make_demo_bundle
    other = make_demo_bundle.random_network("mapping_network", make_demo_bundle.CONFIGS["mapping_network"], 4)
    assert not np.array_equal(other["shared.0.weight"], tensors["mapping_network.shared.0.weight"])
    same = make_demo_bundle.random_network("mapping_network", make_demo_bundle.CONFIGS["mapping_network"], 3)
    assert np.array_equal(same["shared.0.weight"], tensors["mapping_network.shared.0.weight"])
