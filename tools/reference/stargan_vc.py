"""PyTorch definitions of the voice-side networks of XFaVoT, for tests only.

Written from docs/reference-models.md §2-§3 and a reading of yl4579/StarGANv2-VC (models.py,
Utils/JDC/model.py, meldataset.py) and kan-bayashi/ParallelWaveGAN v0.4.8
(models/parallel_wavegan.py, layers/residual_block.py, layers/upsample.py). Module names and
state_dict keys are those of the references, so a checkpoint of the released layout loads here.
The arithmetic follows the references operation by operation.

- StarGANv2-VC: `Generator` (downsample types half / timepreserve, the F0 path, w_hpf = 0),
  `StyleEncoder`, `MappingNetwork` (the image-side class; 20 heads for VCTK).
- JDC: `JDCNet` with every module of the reference (so bst.t7 loads), but only
  `get_feature_GAN` is implemented (BatchNorm in eval mode).
- Parallel WaveGAN: `ParallelWaveGANGenerator` with weight norm, `ConvInUpsampleNetwork`,
  and `inference(c, x=noise)`.
- The mel front end: `mel_spectrogram` / `log_mel` reproduce what StarGANv2-VC gets from
  `torchaudio.transforms.MelSpectrogram(n_mels=80, n_fft=2048, win_length=1200,
  hop_length=300)` then `(ln(1e-5 + mel) + 4) / 4`, without torchaudio.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from reference.stargan_v2 import AdaIN, MappingNetwork  # noqa: F401  (same classes as VC's)
from reference.stargan_v2 import AdainResBlk as ImageAdainResBlk
from reference.stargan_v2 import ResBlk as ImageResBlk

# The 20 VCTK speakers of StarGANv2-VC's Configs/config.yml, in domain-index order.
VCTK_SPEAKERS = tuple(f"p{n}" for n in (225, 228, 229, 230, 231, 233, 236, 239, 240, 244,
                                        226, 227, 232, 243, 254, 256, 258, 259, 270, 273))


# --------------------------------------------------------------------------------------------
# StarGANv2-VC (models.py)
# --------------------------------------------------------------------------------------------

def _down(x, kind):
    if kind == 'none':
        return x
    if kind == 'timepreserve':  # halves the mel (H) axis only
        return F.avg_pool2d(x, (2, 1))
    if kind == 'half':
        return F.avg_pool2d(x, 2)
    raise ValueError(f'unknown downsample type {kind!r}')


def _up(x, kind):
    if kind == 'none':
        return x
    if kind == 'timepreserve':
        return F.interpolate(x, scale_factor=(2, 1), mode='nearest')
    if kind == 'half':
        return F.interpolate(x, scale_factor=2, mode='nearest')
    raise ValueError(f'unknown upsample type {kind!r}')


class ResBlk(ImageResBlk):
    """VC ResBlk: StarGAN v2's, with a downsample type ('none', 'half', 'timepreserve')."""

    def __init__(self, dim_in, dim_out, normalize=False, downsample='none'):
        _down(torch.zeros(1, 1, 2, 2), downsample)  # refuses an unknown type at build time
        super().__init__(dim_in, dim_out, normalize, downsample)

    def _pool(self, x):
        return _down(x, self.downsample)


class AdainResBlk(ImageAdainResBlk):
    """VC decoder block: StarGAN v2's at w_hpf 0 (residual + shortcut, over sqrt 2), with an
    upsample type ('none', 'half', 'timepreserve')."""

    def __init__(self, dim_in, dim_out, style_dim=64, upsample='none'):
        _up(torch.zeros(1, 1, 1, 1), upsample)  # refuses an unknown type at build time
        super().__init__(dim_in, dim_out, style_dim, 0, upsample)

    def _up(self, x):
        return _up(x, self.upsample)


class Generator(nn.Module):
    """StarGANv2-VC Generator with w_hpf = 0 (the VCTK config): 4 down levels (half,
    timepreserve, half, timepreserve), 2 bottleneck blocks, the F0 path, and a decoder of
    2 + 1 + 4 AdainResBlks. x: (N,1,80,T) normalized log-mel; F0: (N,F0_channel,10,T)."""

    def __init__(self, dim_in=64, style_dim=64, max_conv_dim=512, F0_channel=256):
        super().__init__()
        self.stem = nn.Conv2d(1, dim_in, 3, 1, 1)
        self.encode = nn.ModuleList()
        self.decode = nn.ModuleList()
        self.to_out = nn.Sequential(
            nn.InstanceNorm2d(dim_in, affine=True),
            nn.LeakyReLU(0.2),
            nn.Conv2d(dim_in, 1, 1, 1, 0))
        self.F0_channel = F0_channel
        dim_out = dim_in
        for level in range(4):
            kind = 'timepreserve' if level in (1, 3) else 'half'
            dim_out = min(dim_in * 2, max_conv_dim)
            self.encode.append(ResBlk(dim_in, dim_out, normalize=True, downsample=kind))
            self.decode.insert(0, AdainResBlk(dim_out, dim_in, style_dim, upsample=kind))
            dim_in = dim_out
        for _ in range(2):
            self.encode.append(ResBlk(dim_out, dim_out, normalize=True))
        f0_half = int(F0_channel / 2)
        if F0_channel != 0:
            self.decode.insert(0, AdainResBlk(dim_out + f0_half, dim_out, style_dim))
        for _ in range(2):
            self.decode.insert(0, AdainResBlk(dim_out + f0_half, dim_out + f0_half, style_dim))
        if F0_channel != 0:
            self.F0_conv = nn.Sequential(
                ResBlk(F0_channel, f0_half, normalize=True, downsample='half'))

    def forward(self, x, s, F0=None):
        x = self.stem(x)
        for block in self.encode:
            x = block(x)
        if F0 is not None:
            F0 = self.F0_conv(F0)
            F0 = F.adaptive_avg_pool2d(F0, [x.shape[-2], x.shape[-1]])
            x = torch.cat([x, F0], dim=1)
        for block in self.decode:
            x = block(x, s)
        return self.to_out(x)


class StyleEncoder(nn.Module):
    """Mel (N,1,80,T) -> style: conv, 4 unnormalized 'half' ResBlks, LReLU, a 5x5 valid
    conv, a mean over what is left (AdaptiveAvgPool2d(1)), LReLU, one linear head per domain.
    Needs T >= 80."""

    def __init__(self, dim_in=64, style_dim=64, num_domains=20, max_conv_dim=512):
        super().__init__()
        blocks = [nn.Conv2d(1, dim_in, 3, 1, 1)]
        dim_out = dim_in
        for _ in range(4):
            dim_out = min(dim_in * 2, max_conv_dim)
            blocks.append(ResBlk(dim_in, dim_out, downsample='half'))
            dim_in = dim_out
        blocks += [nn.LeakyReLU(0.2), nn.Conv2d(dim_out, dim_out, 5, 1, 0),
                   nn.AdaptiveAvgPool2d(1), nn.LeakyReLU(0.2)]
        self.shared = nn.Sequential(*blocks)
        self.unshared = nn.ModuleList([nn.Linear(dim_out, style_dim) for _ in range(num_domains)])

    def forward(self, x, y):
        h = self.shared(x)
        h = h.view(h.size(0), -1)
        out = torch.stack([head(h) for head in self.unshared], dim=1)
        return out[torch.arange(y.size(0), device=y.device), y]


# --------------------------------------------------------------------------------------------
# JDC (Utils/JDC/model.py): all modules for the state_dict, get_feature_GAN only
# --------------------------------------------------------------------------------------------

class JDCResBlock(nn.Module):
    def __init__(self, in_channels, out_channels, slope=0.01):
        super().__init__()
        self.downsample = in_channels != out_channels
        self.pre_conv = nn.Sequential(
            nn.BatchNorm2d(in_channels),
            nn.LeakyReLU(slope),
            nn.MaxPool2d(kernel_size=(1, 2)))
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.LeakyReLU(slope),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False))
        self.conv1by1 = None
        if self.downsample:
            self.conv1by1 = nn.Conv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x):
        x = self.pre_conv(x)
        if self.downsample:
            return self.conv(x) + self.conv1by1(x)  # no / sqrt(2)
        return self.conv(x) + x


class JDCNet(nn.Module):
    """The JDC pitch network, as StarGANv2-VC builds it: JDCNet(num_class=1, seq_len=192)."""

    def __init__(self, num_class=1, seq_len=192, slope=0.01):
        super().__init__()
        self.seq_len = seq_len
        self.num_class = num_class
        self.conv_block = nn.Sequential(
            nn.Conv2d(1, 64, 3, padding=1, bias=False),
            nn.BatchNorm2d(64),
            nn.LeakyReLU(slope),
            nn.Conv2d(64, 64, 3, padding=1, bias=False))
        self.res_block1 = JDCResBlock(64, 128)
        self.res_block2 = JDCResBlock(128, 192)
        self.res_block3 = JDCResBlock(192, 256)
        self.pool_block = nn.Sequential(
            nn.BatchNorm2d(256),
            nn.LeakyReLU(slope),
            nn.MaxPool2d(kernel_size=(1, 4)),
            nn.Dropout(p=0.5))
        # Not used by get_feature_GAN; present so that bst.t7's state_dict loads.
        self.maxpool1 = nn.MaxPool2d(kernel_size=(1, 40))
        self.maxpool2 = nn.MaxPool2d(kernel_size=(1, 20))
        self.maxpool3 = nn.MaxPool2d(kernel_size=(1, 10))
        self.detector_conv = nn.Sequential(
            nn.Conv2d(640, 256, 1, bias=False),
            nn.BatchNorm2d(256),
            nn.LeakyReLU(slope),
            nn.Dropout(p=0.5))
        self.bilstm_classifier = nn.LSTM(512, 256, batch_first=True, bidirectional=True)
        self.bilstm_detector = nn.LSTM(512, 256, batch_first=True, bidirectional=True)
        self.classifier = nn.Linear(512, num_class)
        self.detector = nn.Linear(512, 2)

    def get_feature_GAN(self, x):
        """x: (N,1,80,T) normalized log-mel -> (N,256,10,T)."""
        x = x.float().transpose(-1, -2)
        x = self.conv_block(x)
        x = self.res_block1(x)
        x = self.res_block2(x)
        x = self.res_block3(x)
        x = self.pool_block[0](x)
        x = self.pool_block[1](x)
        return x.transpose(-1, -2)

    def forward(self, x):
        raise NotImplementedError('only get_feature_GAN is defined here')


# Modules of JDCNet whose parameters get_feature_GAN uses.
JDC_FEATURE_MODULES = ('conv_block', 'res_block1', 'res_block2', 'res_block3', 'pool_block.0')


# --------------------------------------------------------------------------------------------
# Parallel WaveGAN generator (v0.4.8)
# --------------------------------------------------------------------------------------------

class Stretch2d(nn.Module):
    def __init__(self, x_scale, y_scale):
        super().__init__()
        self.x_scale, self.y_scale = x_scale, y_scale

    def forward(self, x):
        return F.interpolate(x, scale_factor=(self.y_scale, self.x_scale), mode='nearest')


class UpsampleNetwork(nn.Module):
    """For each scale: nearest xs along time, then a shared (1, 2s+1) FIR (Conv2d 1->1)."""

    def __init__(self, upsample_scales):
        super().__init__()
        self.up_layers = nn.ModuleList()
        for scale in upsample_scales:
            self.up_layers.append(Stretch2d(scale, 1))
            self.up_layers.append(nn.Conv2d(1, 1, kernel_size=(1, 2 * scale + 1),
                                            padding=(0, scale), bias=False))

    def forward(self, c):
        c = c.unsqueeze(1)
        for f in self.up_layers:
            c = f(c)
        return c.squeeze(1)


class ConvInUpsampleNetwork(nn.Module):
    def __init__(self, upsample_scales, aux_channels=80, aux_context_window=2):
        super().__init__()
        self.aux_context_window = aux_context_window
        # No padding: inference pads the input by aux_context_window (replication).
        self.conv_in = nn.Conv1d(aux_channels, aux_channels, 2 * aux_context_window + 1, bias=False)
        self.upsample = UpsampleNetwork(upsample_scales)

    def forward(self, c):
        return self.upsample(self.conv_in(c))


class WaveNetResidualBlock(nn.Module):
    def __init__(self, kernel_size=5, residual_channels=64, gate_channels=128, skip_channels=64,
                 aux_channels=80, dilation=1):
        super().__init__()
        if (kernel_size - 1) % 2:
            raise ValueError(f'kernel_size {kernel_size} is even')
        self.conv = nn.Conv1d(residual_channels, gate_channels, kernel_size,
                              padding=(kernel_size - 1) // 2 * dilation, dilation=dilation)
        self.conv1x1_aux = nn.Conv1d(aux_channels, gate_channels, 1, bias=False)
        self.conv1x1_out = nn.Conv1d(gate_channels // 2, residual_channels, 1)
        self.conv1x1_skip = nn.Conv1d(gate_channels // 2, skip_channels, 1)

    def forward(self, x, c):
        residual = x
        x = self.conv(x)
        xa, xb = x.split(x.size(1) // 2, dim=1)
        c = self.conv1x1_aux(c)
        ca, cb = c.split(c.size(1) // 2, dim=1)
        x = torch.tanh(xa + ca) * torch.sigmoid(xb + cb)
        s = self.conv1x1_skip(x)
        x = (self.conv1x1_out(x) + residual) * math.sqrt(0.5)
        return x, s


class ParallelWaveGANGenerator(nn.Module):
    """PWG generator of the StarGANv2-VC vocoder config (defaults). Built with weight norm on
    every Conv1d/Conv2d (the checkpoint layout: weight_g / weight_v); `remove_weight_norm()`
    folds it as the demo does."""

    def __init__(self, in_channels=1, out_channels=1, kernel_size=5, layers=30, stacks=3,
                 residual_channels=64, gate_channels=128, skip_channels=64, aux_channels=80,
                 aux_context_window=2, upsample_scales=(4, 5, 3, 5), use_weight_norm=True):
        super().__init__()
        if layers % stacks:
            raise ValueError(f'{layers} layers do not split into {stacks} stacks')
        self.aux_context_window = aux_context_window
        self.upsample_factor = int(np.prod(upsample_scales))
        per_stack = layers // stacks
        self.first_conv = nn.Conv1d(in_channels, residual_channels, 1)
        self.upsample_net = ConvInUpsampleNetwork(list(upsample_scales), aux_channels,
                                                  aux_context_window)
        self.conv_layers = nn.ModuleList([
            WaveNetResidualBlock(kernel_size, residual_channels, gate_channels, skip_channels,
                                 aux_channels, dilation=2 ** (layer % per_stack))
            for layer in range(layers)])
        self.last_conv_layers = nn.ModuleList([
            nn.ReLU(), nn.Conv1d(skip_channels, skip_channels, 1),
            nn.ReLU(), nn.Conv1d(skip_channels, out_channels, 1)])
        if use_weight_norm:
            for m in self.modules():
                if isinstance(m, (nn.Conv1d, nn.Conv2d)):
                    nn.utils.weight_norm(m)

    def remove_weight_norm(self):
        for m in self.modules():
            if isinstance(m, (nn.Conv1d, nn.Conv2d)):
                try:
                    nn.utils.remove_weight_norm(m)
                except ValueError:
                    pass
        return self

    def forward(self, z, c, taps=None):
        """z: (B,1,T*hop) noise; c: (B,aux,T+2*window) padded features. `taps`, when a
        dict, receives the intermediate values by dump name."""
        c = self.upsample_net(c)
        if c.size(-1) != z.size(-1):
            raise ValueError(f'noise has {z.size(-1)} samples, the upsampled features {c.size(-1)}')
        x = self.first_conv(z)
        skips = 0
        for i, f in enumerate(self.conv_layers):
            x, h = f(x, c)
            skips = skips + h
            if taps is not None:
                taps[f'conv_layers.{i}'] = x
                taps[f'conv_layers.{i}.skip'] = h
        skips = skips * math.sqrt(1.0 / len(self.conv_layers))
        if taps is not None:
            taps['skips'] = skips
        x = skips
        for f in self.last_conv_layers:
            x = f(x)
        return x

    def inference(self, c, x=None, taps=None):
        """c: (T,aux) features; x: (T*hop,1) noise, drawn here when None -> (T*hop,1)."""
        if x is None:
            x = torch.randn(1, 1, len(c) * self.upsample_factor)
        else:
            x = x.transpose(1, 0).unsqueeze(0)
        c = c.transpose(1, 0).unsqueeze(0)
        c = nn.ReplicationPad1d(self.aux_context_window)(c)
        return self.forward(x, c, taps).squeeze(0).transpose(1, 0)


# --------------------------------------------------------------------------------------------
# Mel front end (meldataset.py preprocess), without torchaudio
# --------------------------------------------------------------------------------------------

N_FFT, WIN_LENGTH, HOP_LENGTH, N_MELS = 2048, 1200, 300, 80
# torchaudio's defaults, which StarGANv2-VC gets by not passing sample_rate (audio is 24 kHz).
FB_SAMPLE_RATE, F_MIN, F_MAX = 16000, 0.0, 8000.0
LOG_MEAN, LOG_STD = -4.0, 4.0


def _hz_to_mel_htk(f):
    return 2595.0 * math.log10(1.0 + f / 700.0)


def mel_filterbank(n_freqs=N_FFT // 2 + 1, f_min=F_MIN, f_max=F_MAX, n_mels=N_MELS,
                   sample_rate=FB_SAMPLE_RATE):
    """(n_freqs, n_mels) triangular HTK filters, no area normalization, as torchaudio's
    melscale_fbanks (it spans the bins over 0..sample_rate/2)."""
    all_freqs = torch.linspace(0, sample_rate // 2, n_freqs)
    m_pts = torch.linspace(_hz_to_mel_htk(f_min), _hz_to_mel_htk(f_max), n_mels + 2)
    f_pts = 700.0 * (10 ** (m_pts / 2595.0) - 1.0)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts.unsqueeze(0) - all_freqs.unsqueeze(1)
    down = (-1.0 * slopes[:, :-2]) / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    return torch.max(torch.zeros(1), torch.min(down, up))


def mel_spectrogram(wave):
    """wave: (..., L) float32 -> (..., 80, 1 + L // 300) power mel spectrogram."""
    window = torch.hann_window(WIN_LENGTH, device=wave.device)  # periodic; stft centres it in n_fft
    shape = wave.shape
    spec = torch.stft(wave.reshape(-1, shape[-1]), N_FFT, HOP_LENGTH, WIN_LENGTH, window,
                      center=True, pad_mode='reflect', normalized=False, onesided=True,
                      return_complex=True)
    spec = spec.abs().pow(2.0)
    spec = spec.reshape(shape[:-1] + spec.shape[-2:])
    return torch.matmul(spec.transpose(-1, -2), mel_filterbank().to(wave.device)).transpose(-1, -2)


def log_mel(wave):
    """The StarGANv2-VC input: (ln(1e-5 + mel) - (-4)) / 4."""
    return (torch.log(1e-5 + mel_spectrogram(wave)) - LOG_MEAN) / LOG_STD
