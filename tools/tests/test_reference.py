"""Tests of the StarGAN v2 reference definitions, the checkpoint maker and the reference
dumper. Run: /usr/bin/python3 -m pytest -q tools/tests/test_reference.py

The expected layouts and shapes are written out here from docs/reference-models.md §1,
independently of tools/reference/stargan_v2.py, so that the two check each other."""
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

TOOLS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TOOLS))

import dump_networks  # noqa: E402
import dump_reference  # noqa: E402
import make_checkpoint  # noqa: E402
import safetensors_io  # noqa: E402
from reference.stargan_v2 import (FAN, AddCoords, Generator, HighPass,  # noqa: E402
                                  MappingNetwork, StyleEncoder)


def shapes(module_or_sd):
    sd = module_or_sd if isinstance(module_or_sd, dict) else module_or_sd.state_dict()
    return {k: tuple(v.shape) for k, v in sd.items()}


def as_tensor(array):
    """A tensor of its own (arrays read from a dump are read-only views of the file)."""
    return torch.from_numpy(np.array(array))


def n_params(module):
    return sum(p.numel() for p in module.parameters())


# --------------------------------------------------------------------------------------------
# Layouts at full (CelebA-HQ) size: no forward pass
# --------------------------------------------------------------------------------------------

# (dim_in, dim_out) of encode.0..6 and decode.0..6 at 256, from the §1.3 table.
ENCODE_256 = [(64, 128), (128, 256), (256, 512), (512, 512), (512, 512), (512, 512), (512, 512)]
DECODE_256 = [(512, 512), (512, 512), (512, 512), (512, 512), (512, 256), (256, 128), (128, 64)]


def expected_resblk(prefix, cin, cout, normalize):
    keys = {f'{prefix}.conv1.weight': (cin, cin, 3, 3), f'{prefix}.conv1.bias': (cin,),
            f'{prefix}.conv2.weight': (cout, cin, 3, 3), f'{prefix}.conv2.bias': (cout,)}
    if normalize:
        for n in ('norm1', 'norm2'):  # both of dim_in channels
            keys.update({f'{prefix}.{n}.weight': (cin,), f'{prefix}.{n}.bias': (cin,)})
    if cin != cout:
        keys[f'{prefix}.conv1x1.weight'] = (cout, cin, 1, 1)
    return keys


def test_generator_layout_full():
    g = Generator(256, 64, 512, 1)
    expected = {'from_rgb.weight': (64, 3, 3, 3), 'from_rgb.bias': (64,),
                'to_rgb.0.weight': (64,), 'to_rgb.0.bias': (64,),
                'to_rgb.2.weight': (3, 64, 1, 1), 'to_rgb.2.bias': (3,), 'hpf.filter': (3, 3)}
    for i, (cin, cout) in enumerate(ENCODE_256):
        expected.update(expected_resblk(f'encode.{i}', cin, cout, normalize=True))
    for i, (cin, cout) in enumerate(DECODE_256):
        p = f'decode.{i}'
        expected.update({f'{p}.conv1.weight': (cout, cin, 3, 3), f'{p}.conv1.bias': (cout,),
                         f'{p}.conv2.weight': (cout, cout, 3, 3), f'{p}.conv2.bias': (cout,),
                         f'{p}.norm1.fc.weight': (2 * cin, 64), f'{p}.norm1.fc.bias': (2 * cin,),
                         f'{p}.norm2.fc.weight': (2 * cout, 64), f'{p}.norm2.fc.bias': (2 * cout,)})
        if cin != cout:
            expected[f'{p}.conv1x1.weight'] = (cout, cin, 1, 1)
    assert shapes(g) == expected
    assert n_params(g) == 43_467_395
    assert [k for k in g.state_dict() if k.startswith('encode.') and 'conv1x1' in k] == \
        [f'encode.{i}.conv1x1.weight' for i in range(3)]
    unused = sum(g.state_dict()[f'decode.{i}.conv1x1.weight'].numel() for i in (4, 5, 6))
    assert unused == 172_032
    assert torch.equal(g.hpf.filter, torch.tensor([[-1., -1, -1], [-1, 8, -1], [-1, -1, -1]]))


def test_style_encoder_layout_full():
    e = StyleEncoder(256, 64, 2, 512)
    widths = [64, 128, 256, 512, 512, 512, 512]
    expected = {'shared.0.weight': (64, 3, 3, 3), 'shared.0.bias': (64,),
                'shared.8.weight': (512, 512, 4, 4), 'shared.8.bias': (512,)}
    for i in range(6):
        expected.update(expected_resblk(f'shared.{i + 1}', widths[i], widths[i + 1], False))
    for d in range(2):
        expected.update({f'unshared.{d}.weight': (64, 512), f'unshared.{d}.bias': (64,)})
    assert shapes(e) == expected
    assert n_params(e) == 20_916_928


def test_mapping_network_layout_full():
    m = MappingNetwork(16, 64, 2, 512)
    expected = {'shared.0.weight': (512, 16), 'shared.0.bias': (512,)}
    for i in (2, 4, 6):
        expected.update({f'shared.{i}.weight': (512, 512), f'shared.{i}.bias': (512,)})
    for d in range(2):
        for i in (0, 2, 4):
            expected.update({f'unshared.{d}.{i}.weight': (512, 512), f'unshared.{d}.{i}.bias': (512,)})
        expected.update({f'unshared.{d}.6.weight': (64, 512), f'unshared.{d}.6.bias': (64,)})
    assert shapes(m) == expected
    assert n_params(m) == 2_438_272


def expected_convblock(prefix, cin, cout):
    keys = {}

    def bn(name, c):
        keys.update({f'{prefix}.{name}.{k}': (c,) for k in ('weight', 'bias', 'running_mean',
                                                             'running_var')})
        keys[f'{prefix}.{name}.num_batches_tracked'] = ()
    bn('bn1', cin)
    keys[f'{prefix}.conv1.weight'] = (cout // 2, cin, 3, 3)
    bn('bn2', cout // 2)
    keys[f'{prefix}.conv2.weight'] = (cout // 4, cout // 2, 3, 3)
    bn('bn3', cout // 4)
    keys[f'{prefix}.conv3.weight'] = (cout // 4, cout // 4, 3, 3)
    if cin != cout:
        bn('downsample.0', cin)
        keys[f'{prefix}.downsample.2.weight'] = (cout, cin, 1, 1)
    return keys


def test_fan_layout():
    fan = FAN()
    sd = fan.state_dict()
    params = dict(fan.named_parameters())
    assert len(sd) == 336
    assert n_params(fan) == 6_333_603
    assert sum(v.numel() for k, v in sd.items() if k not in params) == 15_031
    # The structure of §1.6, written out: CoordConv 3+3 -> 64 k7, ConvBlocks, a depth-4
    # hourglass entered by a 1x1 CoordConv of 256+3 channels, 99 output channels.
    expected = {'conv1.conv.weight': (64, 6, 7, 7), 'conv1.conv.bias': (64,),
                'm0.coordconv.conv.weight': (256, 259, 1, 1), 'm0.coordconv.conv.bias': (256,),
                'conv_last0.weight': (256, 256, 1, 1), 'conv_last0.bias': (256,),
                'l0.weight': (99, 256, 1, 1), 'l0.bias': (99,)}
    expected.update({f'bn1.{k}': (64,) for k in ('weight', 'bias', 'running_mean', 'running_var')})
    expected.update({f'bn_end0.{k}': (256,) for k in ('weight', 'bias', 'running_mean', 'running_var')})
    expected.update({'bn1.num_batches_tracked': (), 'bn_end0.num_batches_tracked': ()})
    for name, cin, cout in (('conv2', 64, 128), ('conv3', 128, 128), ('conv4', 128, 256),
                            ('top_m_0', 256, 256)):
        expected.update(expected_convblock(name, cin, cout))
    hourglass = [f'b{j}_{level}' for level in range(1, 5) for j in (1, 2, 3)] + ['b2_plus_1']
    for name in hourglass:
        expected.update(expected_convblock(f'm0.{name}', 256, 256))
    assert shapes(fan) == expected


def test_coordinate_channels():
    coords = AddCoords(4, 5, with_r=True).coords[0]
    xx, yy, rr = coords.numpy()
    np.testing.assert_allclose(xx[:, 0], np.linspace(-1, 1, 4), atol=1e-7)  # down the rows
    np.testing.assert_allclose(yy[0, :], np.linspace(-1, 1, 5), atol=1e-7)  # across columns
    np.testing.assert_allclose(rr, np.sqrt(xx ** 2 + yy ** 2) / np.sqrt(2), atol=1e-7)


# --------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------

def assert_same_tree(a, b):
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same_tree(a[k], b[k])
    else:
        assert a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)


def test_full_checkpoint_layout():
    obj = make_checkpoint.checkpoint_object('stargan_v2', make_checkpoint.SIZES['full'], seed=3)
    assert list(obj) == ['generator', 'mapping_network', 'style_encoder', 'fan']
    assert set(obj['generator']) == set(Generator(256, 64, 512, 1).state_dict()) - {'hpf.filter'}
    assert shapes(obj['style_encoder']) == shapes(StyleEncoder(256, 64, 2, 512))
    assert shapes(obj['mapping_network']) == shapes(MappingNetwork(16, 64, 2, 512))
    assert shapes(obj['fan']) == shapes(FAN())
    # As in the release, the fan entry is the wing checkpoint's network.
    wing = make_checkpoint.checkpoint_object('wing', None, seed=3)
    assert list(wing) == ['state_dict']
    assert_same_tree(wing['state_dict'], obj['fan'])
    # BatchNorm is no identity, and IN affines are not (1, 0).
    assert not torch.allclose(obj['fan']['bn1.running_var'], torch.ones(64))
    assert not torch.allclose(obj['fan']['bn1.running_mean'], torch.zeros(64))
    assert not torch.allclose(obj['generator']['encode.0.norm1.weight'], torch.ones(64))


@pytest.fixture(scope='module')
def small_ckpts(tmp_path_factory):
    d = tmp_path_factory.mktemp('ckpt')
    for fmt in ('legacy', 'zip'):
        make_checkpoint.main(['--kind', 'stargan_v2', '--size', 'small', '--seed', '7',
                              '--format', fmt, '--out', str(d / f'{fmt}.ckpt')])
    return d


def test_checkpoint_formats(small_ckpts):
    legacy, zipped = small_ckpts / 'legacy.ckpt', small_ckpts / 'zip.ckpt'
    assert zipped.read_bytes()[:4] == b'PK\x03\x04'
    assert legacy.read_bytes()[:2] == b'\x80\x02'  # a pickle (protocol 2), not a zip
    a, b = torch.load(legacy), torch.load(zipped)
    assert_same_tree(a, b)
    assert list(a) == ['generator', 'mapping_network', 'style_encoder', 'fan']
    assert 'hpf.filter' not in a['generator']
    # The seed alone decides the weights.
    same = make_checkpoint.checkpoint_object('stargan_v2', make_checkpoint.SIZES['small'], 7)
    assert_same_tree(same, a)
    other = make_checkpoint.checkpoint_object('stargan_v2', make_checkpoint.SIZES['small'], 8)
    assert not torch.equal(other['generator']['from_rgb.weight'], a['generator']['from_rgb.weight'])
    assert sorted(p.name for p in small_ckpts.iterdir()) == ['legacy.ckpt', 'zip.ckpt']  # no temporaries


# --------------------------------------------------------------------------------------------
# Dumps
# --------------------------------------------------------------------------------------------

def read_dump(path):
    tensors, meta = safetensors_io.read(path)
    inputs, points = json.loads(meta['xfv.dump.inputs']), json.loads(meta['xfv.dump.points'])
    assert set(tensors) == set(inputs) | set(points)
    return tensors, meta, inputs, points


@pytest.fixture(scope='module')
def small_dumps(small_ckpts):
    out = {}
    for network in dump_reference.NETWORKS:
        path = small_ckpts.parent / f'{network}.safetensors'
        dump_reference.main(['--checkpoint', str(small_ckpts / 'legacy.ckpt'), '--out', str(path),
                             '--network', network, '--seed', '11', '--domain', '2'])
        out[network] = read_dump(path)
    return out


def test_generator_dump_small(small_dumps):
    t, meta, inputs, points = small_dumps['image_generator']
    g = 'image_generator.'
    assert meta['xfv.dump.network'] == 'image_generator'
    config = json.loads(meta['xfv.dump.config'])
    assert config == dict(img_size=64, style_dim=64, max_conv_dim=128, w_hpf=1, masks=True,
                          batch=1, seed=11, image=None)
    assert inputs == [g + 'input.x', g + 'input.s', g + 'input.masks.0', g + 'input.masks.1']
    # img 64 with w_hpf: 3 down levels (64 -> 8) and 2 bottleneck blocks; dim_in 2**14 / 64.
    assert points == [g + n for n in ['from_rgb'] + [f'encode.{i}' for i in range(5)]
                      + ['decode.0', 'decode.1', 'decode.2', 'decode.3', 'decode.3.hpf',
                         'decode.4', 'decode.4.hpf', 'output']]
    expected = {'input.x': (1, 3, 64, 64), 'input.s': (1, 64), 'input.masks.0': (1, 1, 256, 256),
                'input.masks.1': (1, 1, 256, 256), 'from_rgb': (1, 256, 64, 64),
                'encode.0': (1, 128, 32, 32), 'encode.1': (1, 128, 16, 16),
                'encode.2': (1, 128, 8, 8), 'encode.3': (1, 128, 8, 8), 'encode.4': (1, 128, 8, 8),
                'decode.0': (1, 128, 8, 8), 'decode.1': (1, 128, 8, 8), 'decode.2': (1, 128, 16, 16),
                'decode.3': (1, 128, 32, 32), 'decode.3.hpf': (1, 128, 32, 32),
                'decode.4': (1, 256, 64, 64), 'decode.4.hpf': (1, 256, 64, 64),
                'output': (1, 3, 64, 64)}
    assert {k: v.shape for k, v in t.items()} == {g + k: v for k, v in expected.items()}
    # Masks that are neither all zeros nor all ones, so that the mask path is exercised.
    for m in ('input.masks.0', 'input.masks.1'):
        assert 0.1 < np.mean((t[g + m] > 0) & (t[g + m] < 1))


def high_pass_numpy(x):
    """§1.2: 8 x centre minus the 8 neighbours, zero padded."""
    p = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
    h, w = x.shape[2:]
    total = sum(p[:, :, i:i + h, j:j + w] for i in range(3) for j in range(3))
    return 9 * p[:, :, 1:1 + h, 1:1 + w] - total


def test_generator_injection(small_dumps, small_ckpts):
    """decode.K.hpf = decode.K + HighPass(resize(mask) * cache), with cache the input of the
    encoder block at that size and mask0 at 32, mask1 above; the output is to_rgb of the
    last value."""
    t = {k.split('.', 1)[1]: v for k, v in small_dumps['image_generator'][0].items()}
    cache = {64: t['from_rgb'], 32: t['encode.0']}  # inputs of encode.0 and encode.1
    for k, size, mask in (('3', 32, t['input.masks.0']), ('4', 64, t['input.masks.1'])):
        m = F.interpolate(as_tensor(mask), size=size, mode='bilinear',
                          align_corners=False).numpy()
        expected = t[f'decode.{k}'] + high_pass_numpy(m * cache[size])
        np.testing.assert_allclose(t[f'decode.{k}.hpf'], expected, rtol=1e-4, atol=1e-4)
    g = Generator(64, 64, 128, 1).eval()
    g.load_state_dict(torch.load(small_ckpts / 'zip.ckpt')['generator'], strict=False)
    with torch.no_grad():
        out = g.to_rgb(as_tensor(t['decode.4.hpf']))
    assert torch.equal(out, as_tensor(t['output']))


def perturbed_conv1x1(g):
    h = Generator(64, 64, 128, g.w_hpf).eval()
    h.load_state_dict(g.state_dict())
    with torch.no_grad():
        for block in h.decode:
            if hasattr(block, 'conv1x1'):
                block.conv1x1.weight.add_(1.0)
    return h


def test_generator_without_masks_and_w_hpf_0():
    torch.manual_seed(0)
    x, s = torch.rand(1, 3, 64, 64) * 2 - 1, torch.randn(1, 64)
    with torch.no_grad():
        # w_hpf > 0: decoder blocks are the residual path alone, so their (existing) conv1x1
        # weights are unused; without masks nothing reaches the decoder from the encoder.
        g1 = make_checkpoint.randomize_(Generator(64, 64, 128, 1)).eval()
        assert len(g1.encode) == 5 and any(hasattr(b, 'conv1x1') for b in g1.decode)
        assert torch.equal(g1(x, s), perturbed_conv1x1(g1)(x, s))
        masks = (torch.rand(1, 1, 256, 256), torch.rand(1, 1, 256, 256))
        assert not torch.allclose(g1(x, s, masks), g1(x, s))
        # w_hpf = 0: one level less, no high-pass filter, shortcut added and / sqrt(2).
        g0 = make_checkpoint.randomize_(Generator(64, 64, 128, 0)).eval()
        assert len(g0.encode) == 4 and 'hpf.filter' not in g0.state_dict()
        assert not torch.allclose(g0(x, s), perturbed_conv1x1(g0)(x, s))
        block = g0.decode[-1]
        h = torch.randn(1, block.conv1.in_channels, 32, 32)
        shortcut = block.conv1x1(F.interpolate(h, scale_factor=2, mode='nearest'))
        assert torch.allclose(block(h, s), (block._residual(h, s) + shortcut) / math.sqrt(2))
        with pytest.raises(ValueError):
            g0(x, s, masks)


def test_generator_config_inference():
    for w_hpf, blocks in ((1, 5), (0, 4)):
        sd = Generator(64, 64, 128, w_hpf).state_dict()
        sd.pop('hpf.filter', None)
        assert dump_networks.generator_config(sd) == dict(img_size=64, style_dim=64,
                                                           max_conv_dim=128, w_hpf=w_hpf)
    sd = Generator(64, 64, 128, 2).state_dict()
    assert torch.equal(sd['hpf.filter'], HighPass(1).filter / 2)
    assert dump_networks.generator_config(sd)['w_hpf'] == 2


def test_style_encoder_and_mapping_dumps(small_dumps):
    t, meta, inputs, points = small_dumps['image_style_encoder']
    e = 'image_style_encoder.'
    assert inputs == [e + 'input.x', e + 'input.y'] and t[e + 'input.y'].tolist() == [2]
    # img 64: conv, 4 downsampling ResBlks (64 -> 4), LReLU, 4x4 valid conv, LReLU.
    widths = [256, 128, 128, 128, 128, 128, 128, 128]
    sizes = [64, 32, 16, 8, 4, 4, 1, 1]
    assert points == [e + f'shared.{i}' for i in range(8)] + [e + 'unshared.2', e + 'output']
    for i in range(8):
        assert t[e + f'shared.{i}'].shape == (1, widths[i], sizes[i], sizes[i])
    assert t[e + 'output'].shape == (1, 64)
    assert np.array_equal(t[e + 'output'], t[e + 'unshared.2'])

    t, meta, inputs, points = small_dumps['mapping_network']
    m = 'mapping_network.'
    assert inputs == [m + 'input.z', m + 'input.y'] and t[m + 'input.z'].shape == (1, 16)
    assert points == [m + 'shared', m + 'unshared.2', m + 'output']
    assert t[m + 'shared'].shape == (1, 128) and (t[m + 'shared'] >= 0).all()  # after ReLU
    assert np.array_equal(t[m + 'output'], t[m + 'unshared.2'])


FAN_SHAPES = {'conv1': (64, 128), 'bn1': (64, 128), 'conv2': (128, 128), 'conv3': (128, 64),
              'conv4': (256, 64), 'm0.coordconv': (256, 64), 'm0.b1_4': (256, 64),
              'm0.b2_4': (256, 32), 'm0.b1_3': (256, 32), 'm0.b2_3': (256, 16),
              'm0.b1_2': (256, 16), 'm0.b2_2': (256, 8), 'm0.b1_1': (256, 8),
              'm0.b2_1': (256, 4), 'm0.b2_plus_1': (256, 4), 'm0.b3_1': (256, 4),
              'm0.b3_2': (256, 8), 'm0.b3_3': (256, 16), 'm0.b3_4': (256, 32), 'm0': (256, 64),
              'top_m_0': (256, 64), 'conv_last0': (256, 64), 'bn_end0': (256, 64),
              'l0': (99, 64), 'heatmaps': (98, 256), 'mask0': (1, 256), 'mask1': (1, 256)}


def test_fan_dump(small_dumps, small_ckpts):
    t, meta, inputs, points = small_dumps['fan']
    assert inputs == ['fan.input.x'] and t['fan.input.x'].shape == (1, 3, 256, 256)
    assert points == ['fan.' + n for n in FAN_SHAPES]
    for name, (c, s) in FAN_SHAPES.items():
        assert t['fan.' + name].shape == (1, c, s, s), name
    # The generator's masks are FAN's, on the generator's own 64x64 x.
    g = small_dumps['image_generator'][0]
    fan = dump_networks.build_fan(torch.load(small_ckpts / 'legacy.ckpt')['fan'], 'fan')
    masks = fan.get_heatmap(as_tensor(g['image_generator.input.x']))
    assert torch.equal(masks[0], as_tensor(g['image_generator.input.masks.0']))
    assert torch.equal(masks[1], as_tensor(g['image_generator.input.masks.1']))


def preprocess_numpy(h):
    """§1.6 step 5 in numpy. shift(x, N) moves rows up by N: np.roll(x, -N)."""
    x = np.where(h < 0.1, 0, h).astype(np.float64)
    lo, hi = x.min(axis=(2, 3), keepdims=True), x.max(axis=(2, 3), keepdims=True)
    x = (x - lo) / (hi - lo + 1e-6)
    for (a, b), n, p in (((8, 25), 0, 3), ((33, 51), -7, 2), ((55, 60), 8, 4),
                         ((77, 82), -8, 4), ((83, 88), 8, 4), ((88, 96), -2, 3)):
        x[:, a:b] = np.roll(x[:, a:b], -n, axis=2) ** p
    x[:, list(range(0, 8)) + list(range(25, 33)) + [33, 46, 76, 82]] = 0
    x[:, 52:55] = np.roll(x[:, 52:55], -4, axis=2)
    eyes = x[:, 60:76].copy()
    x[:, 60:76] = np.roll(eyes, 8, axis=2) ** 3 + np.roll(eyes, 24, axis=2)
    x2 = x.copy()
    x2[:, 8:25] = x2[:, 76:96] = x2[:, 33:51] = 0
    return (np.clip(x.sum(axis=1, keepdims=True), 0, 1),
            np.clip(x2.sum(axis=1, keepdims=True), 0, 1))


def test_masks_follow_the_description(small_dumps):
    t = small_dumps['fan'][0]
    mask0, mask1 = preprocess_numpy(t['fan.heatmaps'])
    np.testing.assert_allclose(t['fan.mask0'], mask0, atol=2e-5)
    np.testing.assert_allclose(t['fan.mask1'], mask1, atol=2e-5)
    # heatmaps = l0 without its last (boundary) channel, bilinear x4 with align_corners.
    l0 = as_tensor(t['fan.l0'][:, :98])
    up = F.interpolate(l0, scale_factor=4, mode='bilinear', align_corners=True)
    assert torch.equal(up, as_tensor(t['fan.heatmaps']))


def test_reference_shift_is_a_roll():
    """core/wing.py's shift(x, N) builds a row permutation; it is a roll by -N."""
    from reference.stargan_v2 import _shift
    x = torch.arange(2 * 10).float().view(1, 2, 10, 1)
    for n in (0, 3, -7):
        up, k = n >= 0, abs(n)
        perm = (torch.cat([torch.arange(10 - k) + k, torch.arange(k)]) if up
                else torch.cat([torch.arange(k) + (10 - k), torch.arange(10 - k)]))
        assert torch.equal(_shift(x, n), x[:, :, perm, :])


def test_full_size_dump_shapes():
    """Shapes of §1.3-1.5 at 256, through the same path as the command line."""
    nets = make_checkpoint.build_networks(make_checkpoint.SIZES['full'], seed=1)
    sd = nets['generator'].state_dict()
    del sd['hpf.filter']  # the released layout
    inputs, points, config = dump_reference.run('image_generator', sd, nets['fan'].state_dict())
    assert config['w_hpf'] == 1 and config['img_size'] == 256
    got = {k[len('image_generator.'):]: tuple(v.shape) for k, v in {**inputs, **points}.items()}
    table = {'from_rgb': (64, 256), 'encode.0': (128, 128), 'encode.1': (256, 64),
             'encode.2': (512, 32), 'encode.3': (512, 16), 'encode.4': (512, 8),
             'encode.5': (512, 8), 'encode.6': (512, 8), 'decode.0': (512, 8),
             'decode.1': (512, 8), 'decode.2': (512, 16), 'decode.3': (512, 32),
             'decode.3.hpf': (512, 32), 'decode.4': (256, 64), 'decode.4.hpf': (256, 64),
             'decode.5': (128, 128), 'decode.5.hpf': (128, 128), 'decode.6': (64, 256),
             'output': (3, 256), 'input.x': (3, 256), 'input.masks.0': (1, 256),
             'input.masks.1': (1, 256)}
    expected = {k: (1, c, s, s) for k, (c, s) in table.items()}
    expected['input.s'] = (1, 64)
    assert got == expected

    _, points, _ = dump_reference.run('image_style_encoder', nets['style_encoder'].state_dict())
    widths = [64, 128, 256, 512, 512, 512, 512, 512, 512, 512]
    sizes = [256, 128, 64, 32, 16, 8, 4, 4, 1, 1]
    for i in range(10):
        assert points[f'image_style_encoder.shared.{i}'].shape == (1, widths[i], sizes[i], sizes[i])
    assert points['image_style_encoder.output'].shape == (1, 64)

    _, points, _ = dump_reference.run('mapping_network', nets['mapping_network'].state_dict(),
                                      domain=1, batch=2)
    assert {k: tuple(v.shape) for k, v in points.items()} == {
        'mapping_network.shared': (2, 512), 'mapping_network.unshared.1': (2, 64),
        'mapping_network.output': (2, 64)}


def test_image_input(tmp_path, small_ckpts):
    from PIL import Image
    rgb = np.random.default_rng(0).integers(0, 256, (50, 70, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / 'face.png')
    out = tmp_path / 'dump.safetensors'
    dump_reference.main(['--checkpoint', str(small_ckpts / 'zip.ckpt'), '--out', str(out),
                         '--network', 'image_style_encoder', '--image', str(tmp_path / 'face.png')])
    t, meta, _, _ = read_dump(out)
    resized = np.asarray(Image.fromarray(rgb).resize((64, 64), Image.BILINEAR), dtype=np.float32)
    expected = ((resized / 255 - 0.5) / 0.5).transpose(2, 0, 1)[None]
    np.testing.assert_allclose(t['image_style_encoder.input.x'], expected, atol=1e-6)
    assert json.loads(meta['xfv.dump.config'])['image'] == str(tmp_path / 'face.png')


def test_command_line_and_errors(tmp_path, small_ckpts):
    script = str(TOOLS / 'dump_reference.py')
    out = tmp_path / 'fan.safetensors'
    # A stand-alone run; FAN's weights from a wing.ckpt, on an input of another size.
    wing = tmp_path / 'wing.ckpt'
    make_checkpoint.main(['--kind', 'wing', '--seed', '7', '--out', str(wing)])
    r = subprocess.run([sys.executable, script, '--checkpoint', str(wing), '--out', str(out),
                        '--network', 'fan', '--size', '64'], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    t, _, _, _ = read_dump(out)
    assert t['fan.input.x'].shape == (1, 3, 64, 64) and t['fan.mask1'].shape == (1, 1, 256, 256)

    def fails(args, message):
        with pytest.raises(SystemExit) as e:
            dump_reference.main(['--out', str(tmp_path / 'x.safetensors')] + args)
        assert message in str(e.value)
    ckpt = str(small_ckpts / 'legacy.ckpt')
    fails(['--checkpoint', ckpt, '--network', 'mapping_network', '--domain', '3'],
          'domain 3 is out of range')
    no_fan = tmp_path / 'no_fan.ckpt'
    torch.save({k: v for k, v in torch.load(ckpt).items() if k != 'fan'}, no_fan)
    fails(['--checkpoint', str(no_fan), '--network', 'image_generator'], 'pass --wing')
    (tmp_path / 'bad.ckpt').write_bytes(b'not a checkpoint')
    fails(['--checkpoint', str(tmp_path / 'bad.ckpt'), '--network', 'fan'], 'cannot load')
    assert not (tmp_path / 'x.safetensors').exists()
