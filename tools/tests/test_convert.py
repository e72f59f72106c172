"""tools/convert.py and tools/torch_checkpoint.py against checkpoints written by Debian's
PyTorch in both torch.save formats. Run: /usr/bin/python3 -m pytest -q tools/tests"""
import collections
import json
import os

import numpy as np
import pytest
import torch

import ckpt_helpers as helpers
import convert
import safetensors_io
import torch_checkpoint
from weights import manifests

FORMATS = ["zip", "legacy"]


def bits(a):
    return np.ascontiguousarray(a).view(np.uint32)


def assert_bit_exact(got, want, name):
    want = want.detach().numpy()
    assert got.dtype == np.float32 and got.shape == want.shape, name
    assert np.array_equal(bits(got), bits(want.astype(np.float32))), name


run = helpers.run_convert


@pytest.fixture(scope="session")
def celeba(tmp_path_factory):
    """A CelebA-HQ-like nets_ema (w_hpf 1, with fan), saved in both formats under one base
    name. A few tensors are made non-contiguous or share a storage, as views do."""
    obj = helpers.nets_ema(helpers.CELEBA_GENERATOR, num_domains=2, with_fan=True)
    g = obj["generator"]
    w = g["encode.0.conv1.weight"]
    g["encode.0.conv1.weight"] = w.permute(1, 0, 3, 2).contiguous().permute(1, 0, 3, 2)  # strided
    shared = torch.randn(3 + 256, generator=torch.Generator().manual_seed(7))
    g["to_rgb.2.bias"], g["to_rgb.0.weight"] = shared[:3], shared[3:]  # one storage, two offsets
    fc = torch.randn(64, 2 * 64, generator=torch.Generator().manual_seed(8))
    g["decode.0.norm2.fc.weight"] = fc.t()  # a transposed view
    paths = {}
    for fmt in FORMATS:
        d = tmp_path_factory.mktemp(fmt)
        paths[fmt] = d / "100000_nets_ema.ckpt"
        helpers.save(obj, paths[fmt], fmt)
    assert not g["encode.0.conv1.weight"].is_contiguous()
    return obj, paths


@pytest.fixture(scope="session")
def celeba_converted(celeba, tmp_path_factory):
    obj, paths = celeba
    outs = {}
    for fmt in FORMATS:
        outs[fmt] = tmp_path_factory.mktemp("out") / "celeba.safetensors"
        assert convert.main([str(paths[fmt]), "--out", str(outs[fmt])]) == 0
    return obj, outs


# ---- round trips -------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_celeba_round_trip(celeba_converted, fmt):
    obj, outs = celeba_converted
    tensors, meta = safetensors_io.read(outs[fmt])
    expected = {}
    for top, network in convert.NETS_EMA_NAMES.items():
        for key, value in obj[top].items():
            if value.dtype.is_floating_point:
                expected[f"{network}.{key}"] = value
    assert set(tensors) == set(expected) | {"image_generator.hpf.filter"}
    for name, want in expected.items():
        assert_bit_exact(tensors[name], want, name)
    assert not any(k.endswith("num_batches_tracked") for k in tensors)
    hpf = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], np.float32)
    assert np.array_equal(tensors["image_generator.hpf.filter"], hpf)

    networks = ["image_generator", "image_style_encoder", "mapping_network", "fan"]
    assert meta["xfv.format"] == "1"
    assert json.loads(meta["xfv.networks"]) == networks
    assert json.loads(meta["xfv.config.image_generator"]) == helpers.CELEBA_GENERATOR
    assert json.loads(meta["xfv.config.image_style_encoder"]) == helpers.STYLE_ENCODER
    assert json.loads(meta["xfv.config.mapping_network"]) == helpers.MAPPING
    assert json.loads(meta["xfv.config.fan"]) == helpers.FAN
    for network in ("image_style_encoder", "mapping_network"):
        assert json.loads(meta[f"xfv.domains.{network}"]) == ["female", "male"]
    assert "xfv.domains.image_generator" not in meta and "xfv.domains.fan" not in meta
    for network in networks:
        assert meta[f"xfv.source.{network}"] == "100000_nets_ema.ckpt"
    # every tensor of the output is exactly what the manifests ask for
    for network in networks:
        cfg = json.loads(meta[f"xfv.config.{network}"])
        got = {k[len(network) + 1:]: tuple(v.shape) for k, v in tensors.items() if k.startswith(network + ".")}
        assert got == manifests.MANIFESTS[network](cfg)


def test_both_formats_give_identical_files(celeba_converted):
    _, outs = celeba_converted
    assert outs["zip"].read_bytes() == outs["legacy"].read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_afhq_layout_domains_and_w_hpf(tmp_path, capsys, fmt):
    """No FAN: w_hpf defaults to 0 (no filter); three domains get generic names or
    DOMAINS.json's; --w-hpf 1 synthesizes the filter and warns about the block count."""
    obj = helpers.nets_ema(helpers.AFHQ_GENERATOR, num_domains=3, with_fan=False, seed=10)
    ckpt, out = tmp_path / "afhq.ckpt", tmp_path / "afhq.safetensors"
    helpers.save(obj, ckpt, fmt)
    code, _, err = run([ckpt, "--out", out], capsys)
    assert code == 0 and "warning" not in err
    tensors, meta = safetensors_io.read(out)
    assert "image_generator.hpf.filter" not in tensors
    assert json.loads(meta["xfv.config.image_generator"]) == helpers.AFHQ_GENERATOR
    assert json.loads(meta["xfv.networks"]) == ["image_generator", "image_style_encoder", "mapping_network"]
    assert json.loads(meta["xfv.domains.mapping_network"]) == ["domain0", "domain1", "domain2"]

    domains = tmp_path / "domains.json"
    domains.write_text(json.dumps({"mapping_network": ["cat", "dog", "wild"],
                                   "image_style_encoder": ["c", "d", "w"]}))
    code, _, err = run([ckpt, "--out", out, "--domains", domains, "--w-hpf", "2"], capsys)
    assert code == 0
    assert "warning" in err and "down blocks" in err  # 2 down blocks at 64 is the w_hpf = 0 layout
    tensors, meta = safetensors_io.read(out)
    assert json.loads(meta["xfv.domains.mapping_network"]) == ["cat", "dog", "wild"]
    assert json.loads(meta["xfv.domains.image_style_encoder"]) == ["c", "d", "w"]
    assert json.loads(meta["xfv.config.image_generator"])["w_hpf"] == 2
    assert np.array_equal(tensors["image_generator.hpf.filter"],
                          np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], np.float32) / np.float32(2))


def test_generator_and_wing_ckpt(tmp_path, capsys):
    """A FAN from wing.ckpt (with module. prefixes and the extra stacks the reference FAN
    ignores) makes w_hpf default to 1 for a generator from another file."""
    obj = helpers.nets_ema(helpers.CELEBA_GENERATOR, num_domains=2, with_fan=True, seed=20)
    fan = obj.pop("fan")
    wing = collections.OrderedDict(("module." + k, v) for k, v in fan.items())
    wing["module.m1.coordconv.conv.weight"] = torch.zeros(256, 261, 1, 1)
    wing["module.l1.weight"] = torch.zeros(99, 256, 1, 1)
    helpers.save(obj, tmp_path / "nets_ema.ckpt", "zip")
    helpers.save({"state_dict": wing}, tmp_path / "wing.ckpt", "legacy")
    out = tmp_path / "out.safetensors"
    code, stdout, err = run([tmp_path / "nets_ema.ckpt", tmp_path / "wing.ckpt", "--out", out], capsys)
    assert code == 0, err
    assert "ignored 2 tensors" in stdout
    tensors, meta = safetensors_io.read(out)
    assert meta["xfv.source.fan"] == "wing.ckpt" and meta["xfv.source.image_generator"] == "nets_ema.ckpt"
    assert json.loads(meta["xfv.config.image_generator"])["w_hpf"] == 1
    assert "image_generator.hpf.filter" in tensors
    for key, value in fan.items():
        if value.dtype.is_floating_point:
            assert_bit_exact(tensors[f"fan.{key}"], value, key)
    assert not any(k.startswith(("fan.m1.", "fan.l1.")) for k in tensors)


def test_hpf_filter_in_checkpoint_decides_w_hpf(tmp_path, capsys):
    """Newer reference code saves hpf.filter: its values give w_hpf and are kept as they are."""
    obj = helpers.nets_ema(helpers.CELEBA_GENERATOR, num_domains=2, with_fan=False, seed=30)
    obj["generator"]["hpf.filter"] = torch.tensor([[-1, -1, -1], [-1, 8.0, -1], [-1, -1, -1]]) / 0.5
    helpers.save(obj, tmp_path / "g.ckpt", "zip")
    code, _, err = run([tmp_path / "g.ckpt", "--out", tmp_path / "o.safetensors"], capsys)
    assert code == 0, err
    tensors, meta = safetensors_io.read(tmp_path / "o.safetensors")
    assert json.loads(meta["xfv.config.image_generator"])["w_hpf"] == 0.5
    assert_bit_exact(tensors["image_generator.hpf.filter"], obj["generator"]["hpf.filter"], "hpf")
    code, _, err = run([tmp_path / "g.ckpt", "--out", tmp_path / "p.safetensors", "--w-hpf", "1"], capsys)
    assert code == 2 and "not the high-pass filter" in err
    assert not (tmp_path / "p.safetensors").exists()


def test_half_and_double_become_float32(tmp_path, capsys):
    obj = helpers.nets_ema(helpers.CELEBA_GENERATOR, num_domains=2, with_fan=True, seed=40)
    obj["mapping_network"] = collections.OrderedDict((k, v.half()) for k, v in obj["mapping_network"].items())
    obj["style_encoder"] = collections.OrderedDict((k, v.double()) for k, v in obj["style_encoder"].items())
    helpers.save(obj, tmp_path / "h.ckpt", "legacy")
    code, _, err = run([tmp_path / "h.ckpt", "--out", tmp_path / "h.safetensors"], capsys)
    assert code == 0, err
    tensors, _ = safetensors_io.read(tmp_path / "h.safetensors")
    for top, network in (("mapping_network", "mapping_network"), ("style_encoder", "image_style_encoder")):
        for key, value in obj[top].items():
            assert_bit_exact(tensors[f"{network}.{key}"], value.float(), key)


# ---- the reader on its own ---------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_reader_views_strides_and_dtypes(tmp_path, fmt):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    obj = {"base": base, "t": base.t(), "row": base[2], "col": base[:, 3], "step": base[1:, ::2],
           "param": torch.nn.Parameter(torch.ones(3)), "half": base.half()[1], "double": base.double().t(),
           "bf16": torch.tensor([1.5, -2.25, 3e38], dtype=torch.bfloat16), "long": torch.arange(3),
           "empty": torch.zeros(0, 5), "scalar": torch.tensor(2.5), "nested": [base[3, 1:4], (7, "x")]}
    helpers.save(obj, tmp_path / "r.pt", fmt)
    got = torch_checkpoint.load(tmp_path / "r.pt")
    for key in ("base", "t", "row", "col", "step", "half", "double", "long", "empty", "scalar"):
        want = obj[key].numpy()
        assert got[key].dtype == want.dtype and np.array_equal(got[key], want), key
        assert got[key].flags.c_contiguous
    assert np.array_equal(got["param"], np.ones(3, np.float32))
    assert got["bf16"].dtype == np.float32 and np.array_equal(got["bf16"], obj["bf16"].float().numpy())
    assert np.array_equal(got["nested"][0], [19, 20, 21]) and got["nested"][1] == (7, "x")


@pytest.mark.parametrize("big_endian", [False, True])
def test_reader_legacy_storage_views_and_byte_order(tmp_path, big_endian):
    """Storage views (PyTorch < 0.4) and big-endian files, which today's PyTorch never writes."""
    root = helpers.FakeStorage("root", range(10))
    view = helpers.FakeStorage("root", range(10), view=("view", 4, 3))  # elements 4, 5, 6 of root
    obj = {"whole": helpers.FakeTensor(root, 2, (2, 2), (1, 2)), "view": helpers.FakeTensor(view, 1, (2,), (1,))}
    helpers.write_legacy(tmp_path / "v.pt", obj, [root], big_endian=big_endian)
    got = torch_checkpoint.load(tmp_path / "v.pt")
    assert np.array_equal(got["whole"], [[2, 4], [3, 5]])
    assert np.array_equal(got["view"], [5, 6])


def test_reader_refuses_a_tensor_outside_its_storage(tmp_path):
    root = helpers.FakeStorage("root", range(4))
    helpers.write_legacy(tmp_path / "o.pt", {"t": helpers.FakeTensor(root, 1, (2, 2), (2, 1))}, [root])
    with pytest.raises(torch_checkpoint.CheckpointError, match="reaches past its storage"):
        torch_checkpoint.load(tmp_path / "o.pt")


# ---- bad inputs ----------------------------------------------------------------------------

def assert_fails(args, capsys, *needles):
    out = args[args.index("--out") + 1]
    code, _, err = run(args, capsys)
    assert code == 2, err
    lines = [line for line in err.splitlines() if line]
    assert lines and all(line.startswith("error: ") for line in lines), err
    for needle in needles:
        assert needle in err, err
    assert not os.path.exists(out)
    if os.path.isdir(os.path.dirname(out)):
        assert not [p for p in os.listdir(os.path.dirname(out)) if ".tmp." in p]
    return err


@pytest.mark.parametrize("fmt", FORMATS)
def test_os_system_is_refused_unexecuted(tmp_path, capsys, fmt):
    sentinel = tmp_path / "executed"
    payload = helpers.os_system_pickle(sentinel)
    (helpers.zip_with_payload if fmt == "zip" else helpers.legacy_with_payload)(tmp_path / "ckpt.pth", payload)
    assert_fails([tmp_path / "ckpt.pth", "--out", tmp_path / "o.safetensors"], capsys,
                 "ckpt.pth: refusing to unpickle global 'os.system'")
    assert not sentinel.exists()


def test_a_pickle_cannot_rewrite_the_reader_state(tmp_path):
    # GLOBAL torch.FloatStorage, then BUILD {'dtype': 'i8'} on it: would retype every later load.
    payload = b"\x80\x02ctorch\nFloatStorage\n}X\x05\x00\x00\x00dtypeX\x02\x00\x00\x00i8sb."
    helpers.zip_with_payload(tmp_path / "b.pt", payload)
    with pytest.raises(torch_checkpoint.CheckpointError, match="refusing to set the state"):
        torch_checkpoint.load(tmp_path / "b.pt")


def test_whole_module_is_refused(tmp_path, capsys):
    torch.save(torch.nn.Linear(2, 2), tmp_path / "m.pt")
    assert_fails([tmp_path / "m.pt", "--out", tmp_path / "o.safetensors"], capsys,
                 "refusing to unpickle global 'torch.nn.modules.linear.Linear'")


@pytest.mark.parametrize("fmt", FORMATS)
def test_truncated(celeba, tmp_path, capsys, fmt):
    data = celeba[1][fmt].read_bytes()
    for cut, needle in ((len(data) - 100, "truncated: storage" if fmt == "legacy" else "bad zip archive"),
                        (300, "truncated" if fmt == "legacy" else "bad zip archive")):
        (tmp_path / "t.ckpt").write_bytes(data[:cut])
        assert_fails([tmp_path / "t.ckpt", "--out", tmp_path / "o.safetensors"], capsys, "t.ckpt: ", needle)


def test_empty_missing_and_not_a_checkpoint(tmp_path, capsys):
    (tmp_path / "empty.ckpt").write_bytes(b"")
    (tmp_path / "text.ckpt").write_text("hello, not a checkpoint\n")
    out = tmp_path / "o.safetensors"
    assert_fails([tmp_path / "empty.ckpt", "--out", out], capsys, "empty.ckpt: empty file")
    assert_fails([tmp_path / "nope.ckpt", "--out", out], capsys, "nope.ckpt: no such file")
    assert_fails([tmp_path / "text.ckpt", "--out", out], capsys, "text.ckpt: not a PyTorch checkpoint")


def test_unknown_layouts_and_duplicates(celeba, tmp_path, capsys):
    out = tmp_path / "o.safetensors"
    torch.save([torch.zeros(2)], tmp_path / "list.ckpt")
    assert_fails([tmp_path / "list.ckpt", "--out", out], capsys, "list.ckpt: unknown top-level layout")
    torch.save({"generator": {}, "discriminator": {}}, tmp_path / "nets.ckpt")
    assert_fails([tmp_path / "nets.ckpt", "--out", out], capsys, "unknown top-level entries 'discriminator'")
    zip_ckpt, legacy_ckpt = celeba[1]["zip"], celeba[1]["legacy"]
    assert_fails([zip_ckpt, legacy_ckpt, "--out", out], capsys,
                 f"100000_nets_ema.ckpt: each network must come from one input: image_generator (also in {zip_ckpt})",
                 f"fan (also in {zip_ckpt})")


def test_missing_unknown_and_misshaped_tensors_all_named(celeba, tmp_path, capsys):
    obj = {k: collections.OrderedDict(v) for k, v in celeba[0].items()}
    g, m = obj["generator"], obj["mapping_network"]
    del g["decode.2.conv2.bias"], g["encode.1.norm1.weight"]
    g["encode.0.conv3.weight"], g["extra"] = torch.zeros(1), torch.zeros(2)
    g["decode.1.conv1.weight"] = torch.zeros(64, 64, 3, 1)
    m["shared.4.bias"] = torch.zeros(511)
    torch.save(obj, tmp_path / "bad.ckpt")
    assert_fails([tmp_path / "bad.ckpt", "--out", tmp_path / "o.safetensors"], capsys,
                       "bad.ckpt: image_generator: 2 missing tensors: ", "decode.2.conv2.bias", "encode.1.norm1.weight",
                       "bad.ckpt: image_generator: 2 unknown tensors: ", "encode.0.conv3.weight", "extra",
                       "decode.1.conv1.weight [64, 64, 3, 1] (expected [64, 64, 3, 3])",
                       "bad.ckpt: mapping_network: 1 mis-shaped tensors: shared.4.bias [511] (expected [512])")


def test_bad_options(celeba, tmp_path, capsys):
    out, ckpt = tmp_path / "o.safetensors", celeba[1]["zip"]
    (tmp_path / "d.json").write_text(json.dumps({"mapping_network": ["a", "b", "c"]}))
    assert_fails([ckpt, "--out", out, "--domains", tmp_path / "d.json"], capsys,
                 "d.json: mapping_network: 3 names for 2 domains")
    (tmp_path / "d.json").write_text(json.dumps({"fan": ["a"]}))
    assert_fails([ckpt, "--out", out, "--domains", tmp_path / "d.json"], capsys, "'fan' is not a network")
    (tmp_path / "d.json").write_text("{")
    assert_fails([ckpt, "--out", out, "--domains", tmp_path / "d.json"], capsys, "d.json: not JSON")
    assert_fails([ckpt, "--out", tmp_path / "no" / "dir.safetensors"], capsys, "cannot write")


# ---- manifests ---------------------------------------------------------------------------

def test_manifests_match_the_released_model_sizes():
    """Parameter counts of the full CelebA-HQ networks as the reference reports them."""
    def count(d, pred=lambda k: True):
        return sum(int(np.prod(s)) for k, s in d.items() if pred(k))
    g = manifests.image_generator(dict(img_size=256, style_dim=64, max_conv_dim=512, repeat_num=5, w_hpf=1))
    assert count(g, lambda k: k != "hpf.filter") == 43_467_395
    assert count(manifests.mapping_network(dict(latent_dim=16, hidden_dim=512, style_dim=64, num_domains=2))) \
        == 2_438_272
    assert count(manifests.image_style_encoder(dict(img_size=256, dim_in=64, style_dim=64, num_domains=2,
                                                    max_conv_dim=512))) == 20_916_928
    f = manifests.fan(helpers.FAN)
    n_bn = sum(k.endswith("running_var") for k in f)
    assert count(f, lambda k: "running" not in k) == 6_333_603
    assert count(f, lambda k: "running" in k) + n_bn == 15_031  # + one num_batches_tracked each
    assert len(f) + n_bn == 336


@pytest.mark.parametrize("network,cfg", [
    ("image_generator", dict(img_size=256, style_dim=64, max_conv_dim=512, repeat_num=5, w_hpf=1)),
    ("image_generator", dict(img_size=128, style_dim=32, max_conv_dim=1024, repeat_num=3, w_hpf=0)),
    ("image_style_encoder", dict(img_size=256, dim_in=64, style_dim=64, num_domains=3, max_conv_dim=512)),
    ("mapping_network", dict(latent_dim=16, hidden_dim=256, style_dim=48, num_domains=20)),
    ("fan", helpers.FAN)])
def test_config_inference_inverts_the_manifest(network, cfg):
    sd = {k: np.broadcast_to(np.float32(0), s) for k, s in manifests.MANIFESTS[network](cfg).items()}
    if network == "image_generator":
        got = manifests.infer_image_generator(sd, cfg["w_hpf"])
        # max_conv_dim above the widest layer reads back as that width (the same network)
        widest = 2 ** 14 // cfg["img_size"] * 2 ** cfg["repeat_num"]
        assert got == dict(cfg, max_conv_dim=min(cfg["max_conv_dim"], widest))
    else:
        assert manifests.INFER[network](sd) == cfg
