"""Loading the reference networks for a dump (tools/dump_reference.py): which state_dict of a
checkpoint a network is, its configuration read off the weights (so any size of checkpoint
works), and the PyTorch module built from it (tools/reference)."""
import os
import sys

import torch

from dump_capture import DumpError
from reference import stargan_vc
from reference.stargan_v2 import FAN, Generator, MappingNetwork, StyleEncoder

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from weights import manifests  # noqa: E402

# Names a network's state_dict may have in a checkpoint dict: StarGAN v2's, then XFaVoT's.
CHECKPOINT_KEYS = {
    'image_generator': ('generator', 'image_generator'),
    'image_style_encoder': ('style_encoder', 'image_style_encoder'),
    'mapping_network': ('mapping_network',),
    'fan': ('fan',),
}


def _log2_exact(n, what):
    if n < 1 or n & (n - 1):
        raise DumpError(f'{what} = {n} is not a power of two')
    return n.bit_length() - 1


def _count(sd, prefix, suffix):
    """How many consecutive `prefix<i>suffix` keys exist, from i = 0."""
    i = 0
    while f'{prefix}{i}{suffix}' in sd:
        i += 1
    return i


def _img_size(dim_in, key):
    # The reference sets dim_in = 2**14 // img_size.
    if dim_in < 1 or 2 ** 14 % dim_in:
        raise DumpError(f'{key} has {dim_in} output channels; expected 2**14 // img_size')
    img_size = 2 ** 14 // dim_in
    _log2_exact(img_size, 'img_size')
    return img_size


def generator_config(sd):
    img_size = _img_size(sd['from_rgb.weight'].shape[0], 'from_rgb.weight')
    blocks = _count(sd, 'encode.', '.conv1.weight')
    if 'hpf.filter' in sd:
        # The filter is the fixed kernel / w_hpf, its centre 8 / w_hpf.
        centre = float(sd['hpf.filter'][1, 1])
        if not centre > 0:
            raise DumpError(f'hpf.filter has centre {centre}; expected 8 / w_hpf')
        w_hpf = 8.0 / centre
        w_hpf = int(w_hpf) if w_hpf.is_integer() else w_hpf
    else:
        # The released file lacks the filter; the depth tells whether there is one: with
        # high-pass skips the generator has one more down/up level.
        extra = blocks - 2 - (_log2_exact(img_size, 'img_size') - 4)
        if extra not in (0, 1):
            raise DumpError(f'a generator of img_size {img_size} with {blocks} encoder blocks')
        w_hpf = extra  # the released CelebA-HQ model has w_hpf = 1
    return dict(img_size=img_size,
                style_dim=sd['decode.0.norm1.fc.weight'].shape[1],
                max_conv_dim=max(sd[f'encode.{i}.conv2.weight'].shape[0] for i in range(blocks)),
                w_hpf=w_hpf)


def style_encoder_config(sd):
    heads = _count(sd, 'unshared.', '.weight')
    style_dim, dim_out = sd['unshared.0.weight'].shape
    # Channel widths only grow, so the last width is the largest, i.e. max_conv_dim or less
    # (both build the same network).
    return dict(img_size=_img_size(sd['shared.0.weight'].shape[0], 'shared.0.weight'),
                style_dim=style_dim, num_domains=heads, max_conv_dim=dim_out)


def mapping_network_config(sd):
    hidden_dim, latent_dim = sd['shared.0.weight'].shape
    return dict(latent_dim=latent_dim, style_dim=sd['unshared.0.6.weight'].shape[0],
                num_domains=_count(sd, 'unshared.', '.0.weight'), hidden_dim=hidden_dim)


def _load(module, sd, what, allowed_missing=(), ignore_unexpected=False):
    """load_state_dict that names what does not fit instead of half-loading."""
    result = module.load_state_dict(sd, strict=False)
    missing = [k for k in result.missing_keys if k not in allowed_missing]
    unexpected = [] if ignore_unexpected else result.unexpected_keys
    if missing or unexpected:
        raise DumpError(f'{what}: missing keys {missing[:8]}, unexpected keys {unexpected[:8]}'
                        f' ({len(missing)} and {len(unexpected)} in all)')
    return module.eval()


# model_ema entries of a StarGANv2-VC epoch_*.pth.
VC_EMA_KEYS = {'audio_generator': 'generator', 'audio_style_encoder': 'style_encoder',
               'mapping_network': 'mapping_network'}


def network_state_dict(ckpt, network, path):
    if network == 'fan' and 'state_dict' in ckpt:  # a wing.ckpt
        return ckpt['state_dict']
    if network == 'f0_model':
        if isinstance(ckpt.get('net'), dict):  # bst.t7
            return ckpt['net']
        raise DumpError(f'{path}: no net entry: the JDC weights come from bst.t7')
    if network == 'vocoder':
        gen = ckpt.get('model', {}).get('generator') if isinstance(ckpt.get('model'), dict) else None
        if isinstance(gen, dict):
            return gen
        raise DumpError(f'{path}: no model.generator entry (a Parallel WaveGAN checkpoint-*steps.pkl)')
    if network in VC_EMA_KEYS and isinstance(ckpt.get('model_ema'), dict):
        ema = ckpt['model_ema']
        if VC_EMA_KEYS[network] in ema:
            return ema[VC_EMA_KEYS[network]]
        raise DumpError(f'{path}: model_ema has no {VC_EMA_KEYS[network]} entry')
    if network in ('audio_generator', 'audio_style_encoder'):
        raise DumpError(f'{path}: no model_ema entry (a StarGANv2-VC epoch_*.pth)')
    for key in CHECKPOINT_KEYS[network]:
        if key in ckpt:
            return ckpt[key]
    raise DumpError(f'{path}: no {" or ".join(CHECKPOINT_KEYS[network])} entry '
                    f'(it has: {", ".join(map(str, ckpt))})')


def load_checkpoint(path):
    try:
        # StarGANv2-VC's and Parallel WaveGAN's files pickle more than tensors (their configs),
        # which PyTorch >= 2.6 refuses by default; this reference tool loads files the tests
        # made or the user chose, as the reference code itself does.
        ckpt = torch.load(path, map_location='cpu', weights_only=False)
    except Exception as e:  # torch raises many kinds for a bad file
        raise DumpError(f'{path}: cannot load: {e}') from None
    if not isinstance(ckpt, dict):
        raise DumpError(f'{path}: expected a dict of state_dicts, found {type(ckpt).__name__}')
    return ckpt


def build_fan(sd, what):
    # Like the reference's load_pretrained_weights, keys FAN does not know are ignored; but a
    # key it lacks is an error here, where the reference would keep a random weight.
    return _load(FAN(), sd, what, ignore_unexpected=True)


def build_network(network, sd, what):
    """(module, config) for `network` from its state_dict."""
    try:
        return _build_network(network, sd, what)
    except KeyError as e:
        raise DumpError(f'{what}: not the state_dict of a {network} (no key {e})') from None


def _voice_config(network, sd):
    try:
        if network == 'vocoder':
            folded = {k[:-2] if k.endswith('.weight_v') else k: v for k, v in sd.items()
                      if not k.endswith('.weight_g')}
            return manifests.infer_vocoder(folded)
        return manifests.INFER[network](sd)
    except manifests.ManifestError as e:
        raise DumpError(str(e)) from None


def _build_network(network, sd, what):
    if network == 'audio_generator':
        c = _voice_config(network, sd)
        net = stargan_vc.Generator(c['dim_in'], c['style_dim'], c['max_conv_dim'], c['F0_channel'])
        return _load(net, sd, what), c
    if network == 'audio_style_encoder':
        c = _voice_config(network, sd)
        net = stargan_vc.StyleEncoder(c['dim_in'], c['style_dim'], c['num_domains'], c['max_conv_dim'])
        return _load(net, sd, what), c
    if network == 'f0_model':
        c = _voice_config(network, sd)
        if c['channels'] != [64, 128, 192, 256]:
            raise DumpError(f"{what}: JDCNet has channels 64, 128, 192, 256, not {c['channels']}")
        return _load(stargan_vc.JDCNet(num_class=1, seq_len=192), sd, what,
                     ignore_unexpected=True, allowed_missing=_jdc_unused(sd)), c
    if network == 'vocoder':
        c = _voice_config(network, sd)
        net = stargan_vc.ParallelWaveGANGenerator(
            **{k: v for k, v in c.items() if k not in ('upsample_scales', 'family')},
            upsample_scales=tuple(c['upsample_scales']))
        net = _load(net, sd, what)
        return net.remove_weight_norm(), c  # as the demo does before inference
    if network == 'image_generator':
        c = generator_config(sd)
        net = Generator(c['img_size'], c['style_dim'], c['max_conv_dim'], c['w_hpf'])
        # The released generator lacks hpf.filter; Generator makes it from w_hpf.
        return _load(net, sd, what, allowed_missing=('hpf.filter',)), c
    if network == 'image_style_encoder':
        c = style_encoder_config(sd)
        net = StyleEncoder(c['img_size'], c['style_dim'], c['num_domains'], c['max_conv_dim'])
        return _load(net, sd, what), c
    if network == 'mapping_network':
        c = mapping_network_config(sd)
        net = MappingNetwork(c['latent_dim'], c['style_dim'], c['num_domains'], c['hidden_dim'])
        return _load(net, sd, what), c
    return build_fan(sd, what), {'num_landmarks': 98}


def _jdc_unused(sd):
    """Keys of JDCNet that get_feature_GAN never reads: a bst.t7 may lack them."""
    net = stargan_vc.JDCNet()
    return [k for k in net.state_dict() if not k.startswith(stargan_vc.JDC_FEATURE_MODULES)]
