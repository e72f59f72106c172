#!/usr/bin/env python3
"""Writes checkpoints of the exact layouts of the released StarGAN v2, StarGANv2-VC, JDC and
Parallel WaveGAN files, filled with seeded random weights, for tests (nothing here can
download the real ones).

  --kind stargan_v2  {generator, mapping_network, style_encoder[, fan]}: state_dicts as in
                     `100000_nets_ema.ckpt` (no `module.` prefix; the generator without
                     `hpf.filter`, which the released file lacks; `fan` when w_hpf > 0)
  --kind wing        {"state_dict": FAN state_dict}, as in `wing.ckpt`
  --kind stargan_vc  StarGANv2-VC `epoch_00150.pth`: {"model": {generator, mapping_network,
                     style_encoder, discriminator, f0_model, asr_model}, "model_ema":
                     {generator, mapping_network, style_encoder}, "optimizer": [(name,
                     Adam state_dict)...] (a minimal stand-in of plain containers and
                     tensors), "steps", "epochs"}; discriminator and asr_model are small
                     stand-ins, f0_model a JDC with drifted BatchNorm statistics
  --kind jdc         JDC `bst.t7`: {"net": JDCNet(num_class=1, seq_len=192) state_dict}
  --kind pwg         Parallel WaveGAN `checkpoint-400000steps.pkl`: {"model": {"generator":
                     state_dict with weight_g / weight_v, "discriminator": a small stand-in},
                     "optimizer": {...}, "scheduler": {...}, "steps", "epochs"}
  --format legacy    torch.save's pre-1.6 pickle format, the one the released files use
  --format zip       the zip format of torch >= 1.6
  --size full        CelebA-HQ: img 256, style 64, latent 16, 2 domains, max_conv_dim 512,
                     w_hpf 1, hidden 512
  --size small       img 64, style 64, latent 16, 3 domains, max_conv_dim 128, w_hpf 1,
                     hidden 128 (FAN has one size only)

Voice sizes: full is the VCTK config (dim_in 64, style 64, latent 16, 20 domains,
max_conv_dim 512, F0_channel 256; PWG kernel 5, 30 layers, 3 stacks, 64/128/64 channels,
upsample [4,5,3,5]); small is dim_in 16, style 16, latent 8, 3 domains, max_conv_dim 64,
hidden 64 (F0_channel stays 256: JDC has one size) and a PWG of kernel 3, 6 layers, 3
stacks, 8/16/8 channels (same upsampling, so the hop stays 300). JDC has one size (the
reference's), whatever --size says. Voice networks are seeded from (--seed, name) too.

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
from reference import stargan_vc  # noqa: E402

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
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear)):
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


VC_SIZES = {
    'full': dict(dim_in=64, style_dim=64, latent_dim=16, num_domains=20, max_conv_dim=512,
                 hidden_dim=512, F0_channel=256),
    'small': dict(dim_in=16, style_dim=16, latent_dim=8, num_domains=3, max_conv_dim=64,
                  hidden_dim=64, F0_channel=256),
}
PWG_SIZES = {
    'full': dict(kernel_size=5, layers=30, stacks=3, residual_channels=64, gate_channels=128,
                 skip_channels=64, aux_channels=80, aux_context_window=2,
                 upsample_scales=(4, 5, 3, 5)),
    'small': dict(kernel_size=3, layers=6, stacks=3, residual_channels=8, gate_channels=16,
                  skip_channels=8, aux_channels=80, aux_context_window=2,
                  upsample_scales=(4, 5, 3, 5)),
}


def build_vc_networks(config, seed):
    """The StarGANv2-VC networks, randomized, in eval mode: {generator, mapping_network,
    style_encoder}."""
    c = config
    makers = {
        'generator': lambda: stargan_vc.Generator(c['dim_in'], c['style_dim'], c['max_conv_dim'],
                                                  c['F0_channel']),
        'mapping_network': lambda: MappingNetwork(c['latent_dim'], c['style_dim'],
                                                  c['num_domains'], c['hidden_dim']),
        'style_encoder': lambda: stargan_vc.StyleEncoder(c['dim_in'], c['style_dim'],
                                                         c['num_domains'], c['max_conv_dim']),
    }
    nets = {}
    for name, make in makers.items():
        _seeded(seed, f'vc:{name}')
        nets[name] = randomize_(make()).eval()
    return nets


def random_jdc(seed, name='jdc'):
    _seeded(seed, name)
    return randomize_(stargan_vc.JDCNet(num_class=1, seq_len=192)).eval()


def random_pwg(config, seed):
    """A PWG generator with weight norm whose g is not ||v||, so folding is exercised."""
    _seeded(seed, 'pwg')
    net = stargan_vc.ParallelWaveGANGenerator(**config, use_weight_norm=False)
    randomize_(net)
    for m in net.modules():
        if isinstance(m, (nn.Conv1d, nn.Conv2d)):
            nn.utils.weight_norm(m)
            with torch.no_grad():
                m.weight_g.mul_(torch.empty_like(m.weight_g).uniform_(0.5, 1.5))
    return net.eval()


def _stand_in(seed, name, shapes):
    """A small state_dict of random tensors: for nets whose weights no test reads."""
    g = torch.Generator().manual_seed(zlib.crc32(f'{seed}:{name}'.encode()))
    return {k: torch.randn(s, generator=g) for k, s in shapes.items()}


def _adam_state(params, step):
    """An Adam state_dict of plain containers and tensors, as optimizer.state_dict() gives."""
    state = {i: {'step': torch.tensor(float(step)), 'exp_avg': torch.zeros_like(p),
                 'exp_avg_sq': torch.zeros_like(p)} for i, p in enumerate(params)}
    return {'state': state,
            'param_groups': [{'lr': 1e-4, 'betas': (0.0, 0.99), 'eps': 1e-8, 'weight_decay': 1e-4,
                              'amsgrad': False, 'maximize': False, 'foreach': None,
                              'capturable': False, 'params': list(range(len(params)))}]}


def _vc_checkpoint(config, seed):
    ema = {k: v.state_dict() for k, v in build_vc_networks(config, seed).items()}
    # The training copies differ from the EMA ones (another seed).
    model = {k: v.state_dict() for k, v in build_vc_networks(config, seed + 1000).items()}
    model['discriminator'] = _stand_in(seed, 'discriminator', {
        'dis.main.0.weight': (8, 1, 3, 3), 'dis.main.0.bias': (8,),
        'cls.main.0.weight': (8, 1, 3, 3), 'cls.main.0.bias': (8,)})
    model['f0_model'] = random_jdc(seed + 1000, 'jdc-drifted').state_dict()
    model['asr_model'] = _stand_in(seed, 'asr_model', {
        'to_mfcc.dct_mat': (40, 80), 'init_cnn.conv.weight': (16, 40, 7)})
    small = [torch.zeros(3), torch.zeros(2, 2)]
    optimizer = [(name, _adam_state(small, 150 * 100)) for name in
                 ('generator', 'mapping_network', 'style_encoder', 'discriminator')]
    return {'model': model, 'model_ema': ema, 'optimizer': optimizer, 'steps': 15000,
            'epochs': 150}


def _pwg_checkpoint(config, seed):
    disc = _stand_in(seed, 'pwg-discriminator', {
        'conv_layers.0.bias': (8,), 'conv_layers.0.weight_g': (8, 1, 1),
        'conv_layers.0.weight_v': (8, 1, 3), 'conv_layers.2.bias': (1,),
        'conv_layers.2.weight_g': (1, 1, 1), 'conv_layers.2.weight_v': (1, 8, 3)})
    small = [torch.zeros(4), torch.zeros(2, 3)]
    sched = {'step_size': 200000, 'gamma': 0.5, 'base_lrs': [1e-4], 'last_epoch': 400000,
             'verbose': False, '_step_count': 400001, '_get_lr_called_within_step': False,
             '_last_lr': [5e-5]}
    return {'model': {'generator': random_pwg(config, seed).state_dict(), 'discriminator': disc},
            'optimizer': {'generator': _adam_state(small, 400000),
                          'discriminator': _adam_state(small, 300000)},
            'scheduler': {'generator': dict(sched), 'discriminator': dict(sched)},
            'steps': 400000, 'epochs': 1234}


def voice_checkpoint_object(kind, size, seed):
    if kind == 'stargan_vc':
        return _vc_checkpoint(VC_SIZES[size], seed)
    if kind == 'jdc':
        return {'net': random_jdc(seed).state_dict()}
    if kind == 'pwg':
        return _pwg_checkpoint(PWG_SIZES[size], seed)
    raise ValueError(f'unknown kind {kind!r}')


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
    p.add_argument('--kind', choices=('stargan_v2', 'wing', 'stargan_vc', 'jdc', 'pwg'), required=True)
    p.add_argument('--format', choices=('legacy', 'zip'), default='legacy')
    p.add_argument('--size', choices=sorted(SIZES), default='small')
    p.add_argument('--w-hpf', type=int, default=None,
                   help="override the size's w_hpf (0: an AFHQ-like file: no high-pass, no fan)")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', required=True)
    args = p.parse_args(argv)

    if args.kind in ('stargan_vc', 'jdc', 'pwg'):
        if args.w_hpf is not None:
            p.error('--w-hpf is for the image kinds only')
        save(voice_checkpoint_object(args.kind, args.size, args.seed), args.out, args.format)
        return
    config = dict(SIZES[args.size])
    if args.w_hpf is not None:
        if args.w_hpf < 0:
            p.error('--w-hpf must be >= 0')
        config['w_hpf'] = args.w_hpf
    save(checkpoint_object(args.kind, config, args.seed), args.out, args.format)


if __name__ == '__main__':
    main()
