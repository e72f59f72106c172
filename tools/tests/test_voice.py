"""The voice side: tools/reference/stargan_vc.py against reference-models.md §2-§3 and
torchaudio, the voice kinds of make_checkpoint.py, their conversion by tools/convert.py, and
the voice networks of dump_reference.py. Run: /usr/bin/python3 -m pytest -q tools/tests"""
import collections
import json
import wave

import numpy as np
import pytest
import torch

import ckpt_helpers as helpers
import convert
import dump_reference
import make_checkpoint
import safetensors_io
from reference import stargan_vc
from reference.stargan_v2 import MappingNetwork
from weights import manifests

FORMATS = ["zip", "legacy"]
PWG_FULL = dict(family="parallel_wavegan", in_channels=1, out_channels=1, kernel_size=5, layers=30, stacks=3,
                residual_channels=64, gate_channels=128, skip_channels=64, aux_channels=80,
                aux_context_window=2, upsample_scales=[4, 5, 3, 5])


def n_params(sd, skip=("running_", "num_batches")):
    return sum(int(np.prod(tuple(v.shape))) for k, v in sd.items() if not any(s in k for s in skip))


def shapes(sd):
    return {k: tuple(v.shape) for k, v in sd.items() if not k.endswith("num_batches_tracked")}


# ---- layouts and sizes (reference-models.md §2.3-§2.5, §3.4) -----------------------------------

def test_full_sizes_and_keys_match_the_reference():
    gen = stargan_vc.Generator().state_dict()
    assert n_params(gen) == 45_972_993
    assert shapes(gen) == manifests.audio_generator(dict(dim_in=64, style_dim=64, max_conv_dim=512,
                                                         F0_channel=256))
    se = stargan_vc.StyleEncoder().state_dict()
    assert n_params(se) == 14_426_816
    assert shapes(se) == manifests.audio_style_encoder(dict(dim_in=64, style_dim=64, num_domains=20,
                                                            max_conv_dim=512))
    mp = MappingNetwork(16, 64, 20, 512).state_dict()
    assert n_params(mp) == 17_212_672
    assert shapes(mp) == manifests.mapping_network(dict(latent_dim=16, hidden_dim=512, style_dim=64,
                                                        num_domains=20))
    jdc = stargan_vc.JDCNet(num_class=1, seq_len=192).state_dict()
    assert n_params(jdc) == 5_248_067
    used = manifests.f0_model({"channels": [64, 128, 192, 256]})
    assert sum(int(np.prod(s)) for k, s in used.items() if "running" not in k) == 1_928_256
    assert all(shapes(jdc)[k] == s for k, s in used.items())
    assert {k for k in jdc if k.startswith(stargan_vc.JDC_FEATURE_MODULES)
            and not k.endswith("num_batches_tracked")} == set(used)
    pwg = stargan_vc.ParallelWaveGANGenerator()
    sd = pwg.state_dict()
    assert len(sd) == 349 and n_params(sd) == 1_837_564
    assert sd["conv_layers.0.conv.weight_v"].shape == (128, 64, 5)
    assert sd["upsample_net.upsample.up_layers.7.weight_g"].shape == (1, 1, 1, 1)
    folded = pwg.remove_weight_norm().state_dict()
    assert len(folded) == 221 and n_params(folded) == 1_825_831
    assert shapes(folded) == manifests.vocoder(PWG_FULL)


@pytest.mark.parametrize("network,cfg", [
    ("audio_generator", dict(dim_in=64, style_dim=64, max_conv_dim=512, F0_channel=256)),
    ("audio_generator", dict(dim_in=16, style_dim=16, max_conv_dim=64, F0_channel=0)),
    ("audio_style_encoder", dict(dim_in=16, style_dim=16, num_domains=3, max_conv_dim=64)),
    ("f0_model", dict(channels=[64, 128, 192, 256])),
    ("vocoder", PWG_FULL),
    ("vocoder", dict(PWG_FULL, kernel_size=3, layers=6, residual_channels=8, gate_channels=16,
                     skip_channels=8)),
])
def test_config_inference_inverts_the_manifest(network, cfg):
    sd = {k: np.zeros(s, np.float32) for k, s in manifests.MANIFESTS[network](cfg).items()}
    assert manifests.INFER[network](sd) == cfg


def test_generator_length_handling():
    gen = stargan_vc.Generator(16, 16, 64).eval()
    for t in (96, 98, 101):
        x = torch.randn(1, 1, 80, t)
        with torch.no_grad():
            out = gen(x, torch.randn(1, 16), torch.randn(1, 256, 10, t))
        assert out.shape == (1, 1, 80, 4 * (t // 4))


# ---- mel front end (§2.6) ------------------------------------------------------------------------

def test_mel_front_end_equals_torchaudio():
    torchaudio = pytest.importorskip("torchaudio")
    to_mel = torchaudio.transforms.MelSpectrogram(n_mels=80, n_fft=2048, win_length=1200, hop_length=300)
    fb = torchaudio.functional.melscale_fbanks(1025, 0.0, 8000.0, 80, 16000, None, "htk")
    assert torch.equal(stargan_vc.mel_filterbank(), fb)
    g = torch.Generator().manual_seed(3)
    for length in (57_599, 24_000, 1_500):
        wave_ = torch.randn(length, generator=g) * 0.3
        want = to_mel(wave_)
        got = stargan_vc.mel_spectrogram(wave_)
        assert got.shape == want.shape == (80, 1 + length // 300)
        assert torch.allclose(got, want, rtol=1e-6, atol=1e-9), (got - want).abs().max()
        want_log = (torch.log(1e-5 + want) - (-4)) / 4
        assert torch.allclose(stargan_vc.log_mel(wave_), want_log, rtol=1e-6, atol=1e-6)
    batch = torch.randn(2, 3000, generator=g)
    assert torch.allclose(stargan_vc.mel_spectrogram(batch), to_mel(batch), rtol=1e-6, atol=1e-9)


# ---- checkpoints and conversion ------------------------------------------------------------------

@pytest.fixture(scope="module")
def voice_ckpts(tmp_path_factory):
    """Small epoch_00150.pth, bst.t7 and checkpoint-400000steps.pkl in both formats, each
    format in its own folder under the released base names."""
    objs = {kind: make_checkpoint.voice_checkpoint_object(kind, "small", 5)
            for kind in ("stargan_vc", "jdc", "pwg")}
    names = {"stargan_vc": "epoch_00150.pth", "jdc": "bst.t7", "pwg": "checkpoint-400000steps.pkl"}
    paths = {}
    for fmt in FORMATS:
        d = tmp_path_factory.mktemp(f"voice-{fmt}")
        paths[fmt] = {kind: d / names[kind] for kind in objs}
        for kind, obj in objs.items():
            make_checkpoint.save(obj, str(paths[fmt][kind]), fmt)
    return objs, paths


@pytest.fixture(scope="module")
def voice_converted(voice_ckpts, tmp_path_factory):
    _, paths = voice_ckpts
    outs = {}
    for fmt in FORMATS:
        out = tmp_path_factory.mktemp(f"voice-out-{fmt}") / "voice.safetensors"
        p = paths[fmt]
        assert convert.main([str(p["stargan_vc"]), str(p["jdc"]), str(p["pwg"]), "--out", str(out)]) == 0
        outs[fmt] = out
    return outs


def test_checkpoint_layouts(voice_ckpts):
    objs, _ = voice_ckpts
    vc = objs["stargan_vc"]
    assert set(vc) == {"model", "model_ema", "optimizer", "steps", "epochs"}
    assert set(vc["model_ema"]) == {"generator", "mapping_network", "style_encoder"}
    assert set(vc["model"]) == {"generator", "mapping_network", "style_encoder", "discriminator",
                                "f0_model", "asr_model"}
    assert isinstance(vc["optimizer"], list) and isinstance(vc["optimizer"][0], tuple)
    assert set(objs["jdc"]) == {"net"}
    pwg = objs["pwg"]
    assert set(pwg) == {"model", "optimizer", "scheduler", "steps", "epochs"}
    assert set(pwg["model"]) == {"generator", "discriminator"}
    assert "conv_layers.0.conv.weight_v" in pwg["model"]["generator"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_voice_round_trip(voice_ckpts, voice_converted, fmt):
    objs, _ = voice_ckpts
    tensors, meta = safetensors_io.read(str(voice_converted[fmt]))
    assert json.loads(meta["xfv.networks"]) == ["mapping_network", "audio_generator",
                                                "audio_style_encoder", "f0_model", "vocoder"]
    assert meta["xfv.source.audio_generator"] == "epoch_00150.pth"
    assert meta["xfv.source.f0_model"] == "bst.t7"
    assert meta["xfv.source.vocoder"] == "checkpoint-400000steps.pkl"
    assert json.loads(meta["xfv.config.audio_generator"]) == dict(dim_in=16, style_dim=16,
                                                                  max_conv_dim=64, F0_channel=256)
    assert json.loads(meta["xfv.config.vocoder"])["kernel_size"] == 3
    ema = objs["stargan_vc"]["model_ema"]
    for network, sd in (("audio_generator", ema["generator"]), ("audio_style_encoder", ema["style_encoder"]),
                        ("mapping_network", ema["mapping_network"])):
        for k, v in sd.items():
            got = tensors[f"{network}.{k}"]
            assert got.dtype == np.float32 and np.array_equal(got.view(np.uint32),
                                                              v.numpy().view(np.uint32)), (network, k)
        assert sum(1 for n in tensors if n.startswith(network + ".")) == len(sd)
    net = objs["jdc"]["net"]
    used = manifests.f0_model({"channels": [64, 128, 192, 256]})
    assert {n[len("f0_model."):] for n in tensors if n.startswith("f0_model.")} == set(used)
    for k in used:
        assert np.array_equal(tensors[f"f0_model.{k}"], net[k].numpy()), k
    # The model's own (drifted) f0_model is not what was converted.
    assert not np.array_equal(tensors["f0_model.conv_block.1.running_mean"],
                              objs["stargan_vc"]["model"]["f0_model"]["conv_block.1.running_mean"].numpy())


def test_both_formats_give_identical_files(voice_converted):
    assert voice_converted["zip"].read_bytes() == voice_converted["legacy"].read_bytes()


def test_weight_norm_folding_equals_torch(voice_ckpts, voice_converted):
    objs, _ = voice_ckpts
    tensors, _ = safetensors_io.read(str(voice_converted["zip"]))
    cfg = make_checkpoint.PWG_SIZES["small"]
    net = stargan_vc.ParallelWaveGANGenerator(**cfg)
    net.load_state_dict(objs["pwg"]["model"]["generator"])
    want = net.remove_weight_norm().state_dict()
    got = {n[len("vocoder."):]: t for n, t in tensors.items() if n.startswith("vocoder.")}
    assert set(got) == set(want)
    for k, w in want.items():
        w = w.numpy()
        # float64 then one rounding here; torch computes in float32: at most a few ulp apart.
        assert np.allclose(got[k], w, rtol=4e-7, atol=0), (k, np.abs(got[k] - w).max())
        if not k.endswith(".bias"):
            g = objs["pwg"]["model"]["generator"]
            assert not np.allclose(got[k], g[k + "_v"].numpy())  # g was perturbed: folding matters


def test_full_vocoder_layout_and_kernel_from_weight_v(tmp_path, capsys):
    net = stargan_vc.ParallelWaveGANGenerator()  # K = 5 full config
    path = tmp_path / "checkpoint-400000steps.pkl"
    helpers.save({"model": {"generator": net.state_dict(), "discriminator": {}}, "steps": 1}, path, "zip")
    out = tmp_path / "w.safetensors"
    assert convert.main([str(path), "--out", str(out)]) == 0
    tensors, meta = safetensors_io.read(str(out))
    assert json.loads(meta["xfv.config.vocoder"]) == PWG_FULL
    assert len(tensors) == 221 and sum(t.size for t in tensors.values()) == 1_825_831


def test_vctk_domain_names(tmp_path, capsys):
    ema = {"style_encoder": helpers.random_state_dict(manifests.audio_style_encoder(
               dict(dim_in=4, style_dim=8, num_domains=20, max_conv_dim=8)), 1),
           "mapping_network": helpers.random_state_dict(manifests.mapping_network(
               dict(latent_dim=4, hidden_dim=8, style_dim=8, num_domains=20)), 2)}
    path = tmp_path / "epoch_00150.pth"
    helpers.save({"model_ema": ema, "optimizer": [("generator", {"state": {}, "param_groups": []})],
                  "steps": 1, "epochs": 1}, path, "legacy")
    out = tmp_path / "w.safetensors"
    assert convert.main([str(path), "--out", str(out)]) == 0
    _, meta = safetensors_io.read(str(out))
    names = json.loads(meta["xfv.domains.audio_style_encoder"])
    assert names[:3] == ["p225", "p228", "p229"] and names[-1] == "p273" and len(names) == 20
    assert json.loads(meta["xfv.domains.mapping_network"]) == names


def fails(args, capsys, *needles):
    code = convert.main([str(a) for a in args])
    _, err = capsys.readouterr()
    assert code == 2, err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


def test_bad_voice_inputs_are_named(voice_ckpts, tmp_path, capsys):
    objs, paths = voice_ckpts
    out = tmp_path / "w.safetensors"
    bad = tmp_path / "epoch_00001.pth"
    helpers.save({"model": {"generator": {"stem.weight": torch.zeros(1)}}}, bad, "zip")
    fails([bad, "--out", out], capsys, "epoch_00001.pth", "no 'model_ema'")
    helpers.save({"model_ema": {"generator": {}, "discriminator": {}}}, bad, "zip")
    fails([bad, "--out", out], capsys, "unknown model_ema entries 'discriminator'")
    # weight norm pieces missing or mis-shaped, named by key
    g = dict(objs["pwg"]["model"]["generator"])
    del g["conv_layers.1.conv.weight_v"]
    g["conv_layers.2.conv1x1_aux.weight_g"] = torch.ones(3, 1, 1)
    pkl = tmp_path / "checkpoint-1steps.pkl"
    helpers.save({"model": {"generator": g}}, pkl, "legacy")
    fails([pkl, "--out", out], capsys, "'conv_layers.1.conv.weight_g' has no 'conv_layers.1.conv.weight_v'",
          "'conv_layers.2.conv1x1_aux.weight_g' has shape [3, 1, 1]")
    # a layer count that is not 3 stacks
    g = {k: v for k, v in objs["pwg"]["model"]["generator"].items() if not k.startswith("conv_layers.5.")}
    helpers.save({"model": {"generator": g}}, pkl, "zip")
    fails([pkl, "--out", out], capsys, "5 residual layers")
    # a JDC with a missing tensor and a mis-shaped one
    net = dict(objs["jdc"]["net"])
    del net["res_block2.conv1by1.weight"]
    net["pool_block.0.weight"] = torch.zeros(255)
    t7 = tmp_path / "bst.t7"
    helpers.save({"net": net}, t7, "zip")
    fails([t7, "--out", out], capsys, "f0_model: 1 missing tensors: res_block2.conv1by1.weight",
          "pool_block.0.weight [255] (expected [256])")
    # the mapping network from two inputs
    nets_ema = tmp_path / "100000_nets_ema.ckpt"
    helpers.save(helpers.nets_ema(helpers.AFHQ_GENERATOR, 3, False), nets_ema, "zip")
    fails([nets_ema, paths["zip"]["stargan_vc"], "--out", out], capsys, "mapping_network (also in")
    # a global beside the weights (e.g. an optimizer object instead of its state) is refused by name
    helpers.save({"model_ema": objs["stargan_vc"]["model_ema"], "optimizer": collections.Counter()},
                 bad, "zip")
    fails([bad, "--out", out], capsys, "refusing to unpickle global 'collections.Counter'")
    assert not out.exists()


# ---- reference dumps -----------------------------------------------------------------------------

def read_dump(path):
    tensors, meta = safetensors_io.read(str(path))
    return tensors, meta, json.loads(meta["xfv.dump.points"])


def dump(args):
    dump_reference.main([str(a) for a in args])


def test_voice_dumps(voice_ckpts, voice_converted, tmp_path):
    _, paths = voice_ckpts
    p = paths["zip"]
    dump(["--network", "f0_model", "--checkpoint", p["jdc"], "--frames", 90, "--out", tmp_path / "f0.st"])
    dump(["--network", "audio_generator", "--checkpoint", p["stargan_vc"], "--jdc", paths["legacy"]["jdc"],
          "--frames", 90, "--out", tmp_path / "gen.st"])
    f0, _, f0_points = read_dump(tmp_path / "f0.st")
    assert f0_points == ["f0_model.conv_block", "f0_model.res_block1", "f0_model.res_block2",
                         "f0_model.res_block3", "f0_model.pool_block.0", "f0_model.pool_block.1",
                         "f0_model.output"]
    assert f0["f0_model.output"].shape == (1, 256, 10, 90)
    gen, meta, points = read_dump(tmp_path / "gen.st")
    # Same seed, same mel: the generator's F0 input is the JDC dump's output.
    assert np.array_equal(gen["audio_generator.input.x"], f0["f0_model.input.x"])
    assert np.array_equal(gen["audio_generator.input.F0"], f0["f0_model.output"])
    assert points == (["audio_generator.stem"] + [f"audio_generator.encode.{i}" for i in range(6)]
                      + ["audio_generator.F0_conv.0", "audio_generator.F0_pool", "audio_generator.cat"]
                      + [f"audio_generator.decode.{i}" for i in range(7)] + ["audio_generator.output"])
    assert gen["audio_generator.F0_pool"].shape == (1, 128, 5, 22)  # 45 -> 22: uneven windows
    assert gen["audio_generator.output"].shape == (1, 1, 80, 88)

    dump(["--network", "vocoder", "--checkpoint", p["pwg"], "--frames", 12, "--seed", 4,
          "--out", tmp_path / "voc.st"])
    voc, meta, points = read_dump(tmp_path / "voc.st")
    assert points[:7] == ["vocoder.upsample_net.conv_in"] + [
        f"vocoder.upsample_net.upsample.up_layers.{i}" for i in (1, 3, 5, 7)] + [
        "vocoder.upsample_net", "vocoder.first_conv"]
    assert points[7:9] == ["vocoder.conv_layers.0", "vocoder.conv_layers.0.skip"]
    assert points[-4:] == ["vocoder.skips", "vocoder.last_conv_layers.1", "vocoder.last_conv_layers.3",
                           "vocoder.output"]
    assert voc["vocoder.input.noise"].shape == (3600, 1) and voc["vocoder.output"].shape == (3600, 1)
    # The converted (folded) weights in a plain PWG, fed the dumped noise, give the dumped wave.
    tensors, _ = safetensors_io.read(str(voice_converted["zip"]))
    plain = stargan_vc.ParallelWaveGANGenerator(**make_checkpoint.PWG_SIZES["small"], use_weight_norm=False)
    plain.load_state_dict({n[len("vocoder."):]: torch.from_numpy(t.copy()) for n, t in tensors.items()
                           if n.startswith("vocoder.")})
    with torch.no_grad():
        wave_ = plain.eval().inference(torch.tensor(voc["vocoder.input.c"]),
                                       x=torch.tensor(voc["vocoder.input.noise"]))
    assert np.allclose(wave_.numpy(), voc["vocoder.output"], rtol=1e-4, atol=1e-5)

    dump(["--network", "audio_style_encoder", "--checkpoint", p["stargan_vc"], "--domain", 2,
          "--frames", 80, "--out", tmp_path / "se.st"])
    se, _, points = read_dump(tmp_path / "se.st")
    assert points == [f"audio_style_encoder.shared.{i}" for i in range(9)] + [
        "audio_style_encoder.unshared.2", "audio_style_encoder.output"]
    assert se["audio_style_encoder.shared.6"].shape == (1, 64, 1, 1)
    dump(["--network", "mapping_network", "--checkpoint", p["stargan_vc"], "--out", tmp_path / "m.st"])
    m, _, _ = read_dump(tmp_path / "m.st")
    assert m["mapping_network.output"].shape == (1, 16)


def write_wav(path, samples, rate=24000):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())


def test_mel_dump_from_wav_and_random(tmp_path):
    torchaudio = pytest.importorskip("torchaudio")
    samples = (np.sin(np.arange(12_345) * 0.05) * 12_000).astype(np.int16)
    write_wav(tmp_path / "a.wav", samples)
    dump(["--network", "mel", "--wav", tmp_path / "a.wav", "--out", tmp_path / "mel.st"])
    mel, meta, points = read_dump(tmp_path / "mel.st")
    assert points == ["mel.spectrogram", "mel.output"]
    wave_ = samples.astype(np.float32) / 32768
    wave_ = torch.from_numpy(wave_ / np.abs(wave_).max())
    assert np.array_equal(mel["mel.input.wave"], wave_.numpy())
    to_mel = torchaudio.transforms.MelSpectrogram(n_mels=80, n_fft=2048, win_length=1200, hop_length=300)
    want = (torch.log(1e-5 + to_mel(wave_)) + 4) / 4
    assert mel["mel.output"].shape == (1, 80, 42)
    assert np.allclose(mel["mel.output"][0], want.numpy(), rtol=1e-6, atol=1e-6)
    dump(["--network", "mel", "--frames", 192, "--out", tmp_path / "r.st"])
    r, _, _ = read_dump(tmp_path / "r.st")
    assert r["mel.input.wave"].shape == (57_599,) and r["mel.output"].shape == (1, 80, 192)


def test_dump_errors_are_named(voice_ckpts, tmp_path, capsys):
    _, paths = voice_ckpts
    p = paths["zip"]
    cases = [
        (["--network", "audio_generator", "--checkpoint", p["stargan_vc"]], "pass --jdc bst.t7"),
        (["--network", "audio_style_encoder", "--checkpoint", p["stargan_vc"], "--frames", 60],
         "at least 80 frames"),
        (["--network", "f0_model", "--checkpoint", p["pwg"]], "no net entry"),
        (["--network", "vocoder", "--checkpoint", p["jdc"]], "no model.generator entry"),
        (["--network", "audio_generator", "--checkpoint", p["pwg"]], "no model_ema entry"),
    ]
    write_wav(tmp_path / "b.wav", np.zeros(100, np.int16) + 5, rate=22050)
    cases.append((["--network", "mel", "--wav", tmp_path / "b.wav"], "sample rate 22050 Hz"))
    for args, needle in cases:
        with pytest.raises(SystemExit) as e:
            dump(args + ["--out", tmp_path / "x.st"])
        assert needle in str(e.value), (args, e.value)
    assert not (tmp_path / "x.st").exists()


def test_make_checkpoint_cli_formats_and_seeds(tmp_path):
    for fmt in FORMATS:
        make_checkpoint.main(["--kind", "jdc", "--format", fmt, "--seed", "3", "--out", str(tmp_path / fmt)])
    assert (tmp_path / "zip").read_bytes()[:4] == b"PK\x03\x04"
    assert (tmp_path / "legacy").read_bytes()[:2] == b"\x80\x02"
    a, b = torch.load(tmp_path / "zip"), torch.load(tmp_path / "legacy")
    assert list(a["net"]) == list(b["net"]) and all(torch.equal(a["net"][k], b["net"][k]) for k in a["net"])
    same = make_checkpoint.voice_checkpoint_object("jdc", "full", 3)["net"]
    assert all(torch.equal(same[k], a["net"][k]) for k in same)
    other = make_checkpoint.voice_checkpoint_object("jdc", "full", 4)["net"]
    assert not torch.equal(other["conv_block.0.weight"], same["conv_block.0.weight"])
    pwg = make_checkpoint.voice_checkpoint_object("pwg", "small", 3)["model"]["generator"]
    assert all(torch.equal(v, make_checkpoint.voice_checkpoint_object("pwg", "small", 3)["model"]["generator"][k])
               for k, v in pwg.items())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["legacy", "zip"]  # no temporaries


@pytest.mark.parametrize("fmt", FORMATS)
def test_real_optimizer_and_scheduler_states_need_no_other_globals(tmp_path, capsys, fmt):
    """What the trainers save beside the weights (torch optimizer and scheduler state_dicts)
    is plain containers and tensors: the restricted reader takes them as they are."""
    net = stargan_vc.ParallelWaveGANGenerator(**make_checkpoint.PWG_SIZES["small"])
    opt = torch.optim.Adam(net.parameters(), lr=1e-4, betas=(0.5, 0.9))
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    net(torch.randn(1, 1, 300), torch.randn(1, 80, 5)).sum().backward()
    opt.step()
    sched.step()
    path = tmp_path / "checkpoint-1steps.pkl"
    helpers.save({"model": {"generator": net.state_dict(), "discriminator": {}},
                  "optimizer": {"generator": opt.state_dict()}, "scheduler": {"generator": sched.state_dict()},
                  "steps": 1, "epochs": 1}, path, fmt)
    assert convert.main([str(path), "--out", str(tmp_path / "w.safetensors")]) == 0
    capsys.readouterr()
