#!/usr/bin/env python3
"""Writes checkpoints of the exact layouts of the released StarGAN v2 files, filled with
seeded random weights, for tests (nothing here can download the real ones).

  --kind stargan_v2  {generator, mapping_network, style_encoder[, fan]}: state_dicts as in
                     `100000_nets_ema.ckpt` (no `module.` prefix; the generator without
                     `hpf.filter`, which the released file lacks; `fan` when w_hpf > 0)
  --kind wing        {"state_dict": FAN state_dict}, as in `wing.ckpt`
  --format legacy    torch.save's pre-1.6 pickle format, the one the released files use
  --format zip       the zip format of torch >= 1.6
  --size full        CelebA-HQ: img 256, style 64, latent 16, 2 domains, max_conv_dim 512,
                     w_hpf 1, hidden 512
  --size small       img 64, style 64, latent 16, 3 domains, max_conv_dim 128, w_hpf 1,
                     hidden 128 (FAN has one size only)

Each network draws its weights from its own seed derived from --seed and its name, so the
`fan` of a stargan_v2 checkpoint equals the wing checkpoint of the same --seed, as in the
release, where nets_ema.fan is wing.ckpt.

Usage: make_checkpoint.py --kind stargan_v2 --size small --seed 1 --out small.ckpt
"""
import argparse
import os
import sys
import zlib

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference.stargan_v2 import FAN, Generator, MappingNetwork, StyleEncoder  # noqa: E402

SIZES = {
    'full': dict(img_size=256, style_dim=64, latent_dim=16, num_domains=2, max_conv_dim=512,
                 w_hpf=1, hidden_dim=512),
    # dim_in is 2**14 // img_size whatever the size, so the first and last blocks are wide
    # at any img_size; 64 keeps both skip levels (32 and 64) and a short run time.
    'small': dict(img_size=64, style_dim=64, latent_dim=16, num_domains=3, max_conv_dim=128,
                  w_hpf=1, hidden_dim=128),
}


def randomize_(module):
    """Re-initializes `module` in place with realistic random values, drawn from torch's
    global generator (seed it first).

    Convs and linears: the reference's he_init (Kaiming normal, fan_in, ReLU gain), but with
    small random biases instead of zeros so that a dropped bias shows. Norm affines
    scatter around (1, 0) and BatchNorm gets random running statistics, so no norm layer is
    an identity that would hide a wrong or missing step."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, mode='fan_in', nonlinearity='relu')
            if m.bias is not None:
                nn.init.uniform_(m.bias, -0.1, 0.1)
        elif isinstance(m, nn.InstanceNorm2d) and m.affine:
            nn.init.normal_(m.weight, 1.0, 0.1)
            nn.init.normal_(m.bias, 0.0, 0.1)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.uniform_(m.weight, 0.5, 1.5)
            nn.init.normal_(m.bias, 0.0, 0.1)
            with torch.no_grad():
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 2.0)
    return module


def random_fan():
    """A randomized FAN whose heatmaps look like trained ones in the one way that matters
    downstream. Random weights give heatmaps of arbitrary scale (std ~150 here), and the
    mask post-processing (zero below 0.1, min-max normalize, sum over ~60 channels, clamp to
    1) then turns them into all-ones masks, which would exercise none of its steps. Trained
    heatmaps are near zero except around one landmark, so l0 is rescaled per channel to
    give, on a noise image, std 0.1 and about 5% of the pixels above the 0.1 threshold."""
    fan = randomize_(FAN()).eval()
    x = torch.rand(1, 3, 256, 256)  # FAN's input range is [0, 1]
    with torch.no_grad():
        h = fan(x)
        mean, std = h.mean(dim=(0, 2, 3)), h.std(dim=(0, 2, 3))
        scale = 0.1 / std
        offset = 0.1 - 1.645 * 0.1  # the normal's 95th percentile lands on the threshold
        fan.l0.weight.mul_(scale[:, None, None, None])
        fan.l0.bias.copy_((fan.l0.bias - mean) * scale + offset)
    return fan


def _seeded(seed, name):
    """Seeds torch's global generator from (seed, network name), independently of which
    other networks are built and in what order."""
    torch.manual_seed(zlib.crc32(f'{seed}:{name}'.encode()))


def build_networks(config, seed):
    """The StarGAN v2 networks of `config` (one of SIZES, or alike), randomized, in eval mode:
    {generator, mapping_network, style_encoder[, fan]} (fan when w_hpf > 0)."""
    c = config
    makers = {
        'generator': lambda: randomize_(Generator(c['img_size'], c['style_dim'],
                                                  c['max_conv_dim'], c['w_hpf'])),
        'mapping_network': lambda: randomize_(MappingNetwork(c['latent_dim'], c['style_dim'],
                                                             c['num_domains'], c['hidden_dim'])),
        'style_encoder': lambda: randomize_(StyleEncoder(c['img_size'], c['style_dim'],
                                                         c['num_domains'], c['max_conv_dim'])),
    }
    if c['w_hpf'] > 0:
        makers['fan'] = random_fan
    nets = {}
    for name, make in makers.items():
        _seeded(seed, name)
        nets[name] = make().eval()
    return nets


def checkpoint_object(kind, config, seed):
    """The object torch.save writes for `kind`."""
    if kind == 'wing':
        _seeded(seed, 'fan')
        return {'state_dict': random_fan().state_dict()}
    nets = build_networks(config, seed)
    obj = {name: net.state_dict() for name, net in nets.items()}
    obj['generator'].pop('hpf.filter', None)  # absent from the released file
    return obj


def save(obj, path, fmt):
    """torch.save in the given format, through a temporary name so that a failed write
    leaves no partial file."""
    tmp = f'{path}.tmp.{os.getpid()}'
    try:
        torch.save(obj, tmp, _use_new_zipfile_serialization=(fmt == 'zip'))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--kind', choices=('stargan_v2', 'wing'), required=True)
    p.add_argument('--format', choices=('legacy', 'zip'), default='legacy')
    p.add_argument('--size', choices=sorted(SIZES), default='small')
    p.add_argument('--w-hpf', type=int, default=None,
                   help="override the size's w_hpf (0: an AFHQ-like file: no high-pass, no fan)")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', required=True)
    args = p.parse_args(argv)

    config = dict(SIZES[args.size])
    if args.w_hpf is not None:
        if args.w_hpf < 0:
            p.error('--w-hpf must be >= 0')
        config['w_hpf'] = args.w_hpf
    save(checkpoint_object(args.kind, config, args.seed), args.out, args.format)


if __name__ == '__main__':
    main()
