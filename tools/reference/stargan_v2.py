"""PyTorch definitions of the StarGAN v2 image networks, for tests only.

Written from docs/reference-models.md §1 and a reading of clovaai/stargan-v2 (core/model.py,
core/wing.py). Module names and state_dict keys are those of the reference, so a checkpoint
of the released layout loads here and a state_dict from here has the released layout. The
arithmetic follows the reference operation by operation (e.g. `/ math.sqrt(2)` rather than a
multiply, `(1 + gamma) * x + beta`), so float32 results agree with the reference code.

The engine never runs this: it is what the reference dumper and the checkpoint makers use.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def _log2(n):
    """log2 of a power of two, refusing anything else (every size here halves cleanly)."""
    if n < 1 or n & (n - 1):
        raise ValueError(f"{n} is not a power of two")
    return n.bit_length() - 1


# --------------------------------------------------------------------------------------------
# Generator, mapping network, style encoder (core/model.py)
# --------------------------------------------------------------------------------------------

class ResBlk(nn.Module):
    """Pre-activation residual block of the encoder and the style encoder."""

    def __init__(self, dim_in, dim_out, normalize=False, downsample=False):
        super().__init__()
        self.normalize = normalize
        self.downsample = downsample
        self.learned_sc = dim_in != dim_out
        # Parameter-free; the reference shares one instance among all blocks.
        self.actv = nn.LeakyReLU(0.2)
        self.conv1 = nn.Conv2d(dim_in, dim_in, 3, 1, 1)
        self.conv2 = nn.Conv2d(dim_in, dim_out, 3, 1, 1)
        if normalize:
            # Both norms have dim_in channels: norm2 runs before conv2 changes the width.
            self.norm1 = nn.InstanceNorm2d(dim_in, affine=True)
            self.norm2 = nn.InstanceNorm2d(dim_in, affine=True)
        if self.learned_sc:
            self.conv1x1 = nn.Conv2d(dim_in, dim_out, 1, 1, 0, bias=False)

    def _pool(self, x):
        return F.avg_pool2d(x, 2) if self.downsample else x

    def _shortcut(self, x):
        # 1x1 conv first, then the pool (the order matters for the rounding only).
        if self.learned_sc:
            x = self.conv1x1(x)
        return self._pool(x)

    def _residual(self, x):
        if self.normalize:
            x = self.norm1(x)
        x = self.actv(x)
        x = self.conv1(x)
        x = self._pool(x)
        if self.normalize:
            x = self.norm2(x)
        x = self.actv(x)
        return self.conv2(x)

    def forward(self, x):
        x = self._shortcut(x) + self._residual(x)
        return x / math.sqrt(2)


class AdaIN(nn.Module):
    """Instance norm without affine, then a per-sample affine predicted from the style."""

    def __init__(self, style_dim, num_features):
        super().__init__()
        self.norm = nn.InstanceNorm2d(num_features, affine=False)
        self.fc = nn.Linear(style_dim, num_features * 2)

    def forward(self, x, s):
        h = self.fc(s)
        h = h.view(h.size(0), h.size(1), 1, 1)
        gamma, beta = torch.chunk(h, chunks=2, dim=1)  # first half scales, second shifts
        return (1 + gamma) * self.norm(x) + beta


class AdainResBlk(nn.Module):
    """Decoder block. With w_hpf > 0 it returns the residual path alone: the shortcut (and
    its conv1x1 weights, which still exist) is unused and there is no / sqrt(2)."""

    def __init__(self, dim_in, dim_out, style_dim=64, w_hpf=0, upsample=False):
        super().__init__()
        self.w_hpf = w_hpf
        self.upsample = upsample
        self.learned_sc = dim_in != dim_out
        self.actv = nn.LeakyReLU(0.2)
        self.conv1 = nn.Conv2d(dim_in, dim_out, 3, 1, 1)
        self.conv2 = nn.Conv2d(dim_out, dim_out, 3, 1, 1)
        self.norm1 = AdaIN(style_dim, dim_in)
        self.norm2 = AdaIN(style_dim, dim_out)
        if self.learned_sc:
            self.conv1x1 = nn.Conv2d(dim_in, dim_out, 1, 1, 0, bias=False)

    def _up(self, x):
        return F.interpolate(x, scale_factor=2, mode='nearest') if self.upsample else x

    def _shortcut(self, x):
        # Upsample first, then the 1x1 conv (the opposite order of ResBlk).
        x = self._up(x)
        if self.learned_sc:
            x = self.conv1x1(x)
        return x

    def _residual(self, x, s):
        x = self.norm1(x, s)
        x = self.actv(x)
        x = self._up(x)
        x = self.conv1(x)
        x = self.norm2(x, s)
        x = self.actv(x)
        return self.conv2(x)

    def forward(self, x, s):
        out = self._residual(x, s)
        if self.w_hpf == 0:
            out = (out + self._shortcut(x)) / math.sqrt(2)
        return out


class HighPass(nn.Module):
    """Depthwise 3x3 Laplacian-like filter, zero padded, scaled by 1 / w_hpf.

    `filter` is a registered buffer as in the current reference code; the released CelebA-HQ
    checkpoint predates that and lacks `hpf.filter` (make_checkpoint leaves it out too)."""

    def __init__(self, w_hpf):
        super().__init__()
        self.register_buffer('filter', torch.tensor([[-1., -1., -1.],
                                                     [-1., 8., -1.],
                                                     [-1., -1., -1.]]) / w_hpf)

    def forward(self, x):
        channels = x.size(1)
        weight = self.filter.unsqueeze(0).unsqueeze(1).repeat(channels, 1, 1, 1)
        return F.conv2d(x, weight, padding=1, groups=channels)


# Spatial sizes at which the generator carries encoder features over to the decoder.
SKIP_SIZES = (32, 64, 128)


class Generator(nn.Module):
    def __init__(self, img_size=256, style_dim=64, max_conv_dim=512, w_hpf=1):
        super().__init__()
        dim_in = 2 ** 14 // img_size
        self.img_size = img_size
        self.w_hpf = w_hpf
        self.from_rgb = nn.Conv2d(3, dim_in, 3, 1, 1)
        self.encode = nn.ModuleList()
        self.decode = nn.ModuleList()
        self.to_rgb = nn.Sequential(
            nn.InstanceNorm2d(dim_in, affine=True),
            nn.LeakyReLU(0.2),
            nn.Conv2d(dim_in, 3, 1, 1, 0))

        # With the high-pass skips the network goes one level deeper (bottleneck at 8x8).
        repeat_num = _log2(img_size) - 4 + (1 if w_hpf > 0 else 0)
        dim_out = dim_in
        for _ in range(repeat_num):
            dim_out = min(dim_in * 2, max_conv_dim)
            self.encode.append(ResBlk(dim_in, dim_out, normalize=True, downsample=True))
            # The decoder mirrors the encoder, so each new block goes in front.
            self.decode.insert(0, AdainResBlk(dim_out, dim_in, style_dim, w_hpf=w_hpf,
                                              upsample=True))
            dim_in = dim_out
        for _ in range(2):  # bottleneck
            self.encode.append(ResBlk(dim_out, dim_out, normalize=True))
            self.decode.insert(0, AdainResBlk(dim_out, dim_out, style_dim, w_hpf=w_hpf))

        if w_hpf > 0:
            self.hpf = HighPass(w_hpf)

    def forward(self, x, s, masks=None):
        """x: (N,3,img,img) in [-1,1]; s: (N,style_dim); masks: FAN.get_heatmap's pair of
        (N,1,256,256) tensors, or None (then no encoder features reach the decoder)."""
        if masks is not None and self.w_hpf <= 0:
            raise ValueError("masks given to a generator built with w_hpf=0 (it has no high-pass)")
        x = self.from_rgb(x)
        cache = {}
        for block in self.encode:
            # Keyed by size, so a later block input of the same size replaces an earlier one.
            if masks is not None and x.size(2) in SKIP_SIZES:
                cache[x.size(2)] = x
            x = block(x)
        for block in self.decode:
            x = block(x, s)
            if masks is not None and x.size(2) in SKIP_SIZES:
                mask = masks[0] if x.size(2) == 32 else masks[1]
                mask = F.interpolate(mask, size=x.size(2), mode='bilinear', align_corners=False)
                x = x + self.hpf(mask * cache[x.size(2)])
        return self.to_rgb(x)


class MappingNetwork(nn.Module):
    """z -> style code: a shared ReLU MLP, then one head per domain."""

    def __init__(self, latent_dim=16, style_dim=64, num_domains=2, hidden_dim=512):
        super().__init__()
        layers = [nn.Linear(latent_dim, hidden_dim), nn.ReLU()]
        for _ in range(3):
            layers += [nn.Linear(hidden_dim, hidden_dim), nn.ReLU()]
        self.shared = nn.Sequential(*layers)
        self.unshared = nn.ModuleList()
        for _ in range(num_domains):
            self.unshared.append(nn.Sequential(
                nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                nn.Linear(hidden_dim, style_dim)))

    def forward(self, z, y):
        h = self.shared(z)
        # Every head runs; y then picks one per sample, as the reference does.
        out = torch.stack([head(h) for head in self.unshared], dim=1)  # (N, domains, style)
        return out[torch.arange(y.size(0), device=y.device), y]


class StyleEncoder(nn.Module):
    """Image -> style code: a conv, unnormalized downsampling ResBlks to 4x4, a 4x4 valid
    conv to 1x1, then one linear head per domain."""

    def __init__(self, img_size=256, style_dim=64, num_domains=2, max_conv_dim=512):
        super().__init__()
        dim_in = 2 ** 14 // img_size
        blocks = [nn.Conv2d(3, dim_in, 3, 1, 1)]
        dim_out = dim_in
        for _ in range(_log2(img_size) - 2):
            dim_out = min(dim_in * 2, max_conv_dim)
            blocks.append(ResBlk(dim_in, dim_out, downsample=True))
            dim_in = dim_out
        blocks += [nn.LeakyReLU(0.2), nn.Conv2d(dim_out, dim_out, 4, 1, 0), nn.LeakyReLU(0.2)]
        self.shared = nn.Sequential(*blocks)
        self.unshared = nn.ModuleList([nn.Linear(dim_out, style_dim) for _ in range(num_domains)])

    def forward(self, x, y):
        h = self.shared(x)
        h = h.view(h.size(0), -1)
        out = torch.stack([head(h) for head in self.unshared], dim=1)  # (N, domains, style)
        return out[torch.arange(y.size(0), device=y.device), y]


# --------------------------------------------------------------------------------------------
# FAN: the AdaptiveWing landmark network and its mask post-processing (core/wing.py)
# --------------------------------------------------------------------------------------------

class AddCoords(nn.Module):
    """Appends coordinate channels: xx (-1..1 down the rows), yy (-1..1 across the
    columns), and optionally r = sqrt(xx^2 + yy^2) / max. The reference computes them once
    for a fixed size; here they are a non-persistent buffer, so no state_dict key."""

    def __init__(self, height, width, with_r):
        super().__init__()
        xx = torch.arange(height).unsqueeze(1).expand(height, width).float()
        yy = torch.arange(width).unsqueeze(0).expand(height, width).float()
        xx = (xx / (height - 1)) * 2 - 1
        yy = (yy / (width - 1)) * 2 - 1
        coords = [xx, yy]
        if with_r:
            rr = torch.sqrt(torch.pow(xx, 2) + torch.pow(yy, 2))
            coords.append(rr / torch.max(rr))
        self.register_buffer('coords', torch.stack(coords).unsqueeze(0), persistent=False)

    def forward(self, x):
        return torch.cat([x, self.coords.repeat(x.size(0), 1, 1, 1)], dim=1)


class CoordConv(nn.Module):
    """A conv over the input plus its coordinate channels (the reference's CoordConvTh).

    The reference class can also append two boundary-masked coordinate channels, but FAN
    never uses them: its one hourglass is the first one, which has no boundary input, so
    the conv sees in_channels + 3. The reference also returns the last two input channels
    beside the output (as does its HourGlass); FAN discards them, so here they are left out."""

    def __init__(self, height, width, in_channels, out_channels, kernel_size, stride, padding):
        super().__init__()
        self.addcoords = AddCoords(height, width, with_r=True)
        self.conv = nn.Conv2d(in_channels + 3, out_channels, kernel_size, stride, padding)

    def forward(self, x):
        return self.conv(self.addcoords(x))


class ConvBlock(nn.Module):
    """Pre-activation block: three BN-ReLU-conv3x3 (no bias) steps of out/2, out/4, out/4
    channels, concatenated back to `out` channels, plus the (projected) input."""

    def __init__(self, in_planes, out_planes):
        super().__init__()
        half, quarter = out_planes // 2, out_planes // 4
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, half, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(half)
        self.conv2 = nn.Conv2d(half, quarter, 3, 1, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(quarter)
        self.conv3 = nn.Conv2d(quarter, quarter, 3, 1, 1, bias=False)
        self.downsample = None
        if in_planes != out_planes:
            self.downsample = nn.Sequential(nn.BatchNorm2d(in_planes), nn.ReLU(True),
                                            nn.Conv2d(in_planes, out_planes, 1, 1, bias=False))

    def forward(self, x):
        out1 = self.conv1(F.relu(self.bn1(x)))
        out2 = self.conv2(F.relu(self.bn2(out1)))
        out3 = self.conv3(F.relu(self.bn3(out2)))
        out = torch.cat((out1, out2, out3), 1)
        residual = x if self.downsample is None else self.downsample(x)
        return out + residual


class HourGlass(nn.Module):
    """Recursive hourglass of `depth` levels over 256 channels, entered through a 1x1
    CoordConv (256 + 3 -> 256) at 64x64. Submodules are named b1_L, b2_L, b3_L per level L
    and b2_plus_1 at the bottom, registered in the reference's recursive order."""

    def __init__(self, depth, num_features=256):
        super().__init__()
        self.depth = depth
        self.coordconv = CoordConv(64, 64, num_features, num_features, 1, 1, 0)
        self._add_level(depth, num_features)

    def _add_level(self, level, features):
        self.add_module(f'b1_{level}', ConvBlock(features, features))
        self.add_module(f'b2_{level}', ConvBlock(features, features))
        if level > 1:
            self._add_level(level - 1, features)
        else:
            self.add_module(f'b2_plus_{level}', ConvBlock(features, features))
        self.add_module(f'b3_{level}', ConvBlock(features, features))

    def _level(self, level, x):
        up1 = self._modules[f'b1_{level}'](x)
        low = self._modules[f'b2_{level}'](F.avg_pool2d(x, 2, stride=2))
        if level > 1:
            low = self._level(level - 1, low)
        else:
            low = self._modules[f'b2_plus_{level}'](low)
        low = self._modules[f'b3_{level}'](low)
        return up1 + F.interpolate(low, scale_factor=2, mode='nearest')

    def forward(self, x):
        return self._level(self.depth, self.coordconv(x))


class FAN(nn.Module):
    """The 1-hourglass AdaptiveWing network of StarGAN v2 (wing.ckpt): a (N,3,256,256)
    image in [0,1] -> (N, num_landmarks + 1, 64, 64) heatmaps (the last is a boundary map)."""

    def __init__(self, num_landmarks=98):
        super().__init__()
        self.conv1 = CoordConv(256, 256, 3, 64, kernel_size=7, stride=2, padding=3)
        self.bn1 = nn.BatchNorm2d(64)
        self.conv2 = ConvBlock(64, 128)
        self.conv3 = ConvBlock(128, 128)
        self.conv4 = ConvBlock(128, 256)
        self.m0 = HourGlass(depth=4)
        self.top_m_0 = ConvBlock(256, 256)
        self.conv_last0 = nn.Conv2d(256, 256, 1, 1, 0)
        self.bn_end0 = nn.BatchNorm2d(256)
        self.l0 = nn.Conv2d(256, num_landmarks + 1, 1, 1, 0)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.avg_pool2d(self.conv2(x), 2, stride=2)
        x = self.conv3(x)
        x = self.conv4(x)
        x = self.top_m_0(self.m0(x))
        x = F.relu(self.bn_end0(self.conv_last0(x)))
        return self.l0(x)

    @torch.no_grad()
    def landmark_heatmaps(self, x):
        """get_heatmap up to (not including) preprocess: x in [-1,1] at any size ->
        (N, 98, 256, 256), the landmark channels upsampled x4."""
        x = F.interpolate(x, size=256, mode='bilinear', align_corners=False)
        heatmaps = self(x * 0.5 + 0.5)[:, :-1]  # drop the boundary channel
        scale = x.size(2) // heatmaps.size(2)
        return F.interpolate(heatmaps, scale_factor=scale, mode='bilinear', align_corners=True)

    @torch.no_grad()
    def get_heatmap(self, x):
        """The generator's masks for image x in [-1,1]: two (N,1,256,256) tensors in [0,1]."""
        return preprocess(self.landmark_heatmaps(x))


# Landmark groups of the 98-point (WFLW) layout, as [start, end) channel ranges.
CHIN = (8, 25)            # the jaw line without its 8 outermost points on each side
EYEBROWS = (33, 51)
EYEBROW_EDGES = (33, 46)  # only the two endpoints are used, as single channels
NOSE = (51, 55)
NOSTRILS = (55, 60)
EYES = (60, 76)
LIP_EDGES = (76, 82)      # likewise, endpoints only
LIP_UPPER = (77, 82)
LIP_LOWER = (83, 88)
LIP_INNER = (88, 96)


def _truncate(x, threshold=0.1):
    return torch.where(x < threshold, torch.zeros_like(x), x)


def _minmax_normalize(x, eps=1e-6):
    """Per (sample, channel): (x - min) / (max - min + eps) over all pixels."""
    n, c, h, w = x.size()
    flat = x.contiguous().view(n * c, -1)
    hi = torch.max(flat, dim=1, keepdim=True)[0]
    lo = torch.min(flat, dim=1, keepdim=True)[0]
    return ((flat - lo) / (hi - lo + eps)).view(n, c, h, w)


def _shift(x, n):
    """Moves rows up by n (down for negative n), wrapping around: out[i] = x[(i + n) % H]."""
    return torch.roll(x, shifts=-n, dims=2)


def preprocess(x):
    """(N,98,H,W) landmark heatmaps -> (mask0, mask1), each (N,1,H,W) in [0,1]: per-group
    row shifts and powers, a sum over channels, and for mask1 the chin, eyebrows and lips
    left out first. Statement order and operands follow the reference, which matters
    because later steps read channels that earlier steps rewrote."""
    h = x.size(2)
    x = _minmax_normalize(_truncate(x))

    sw = h // 256  # shift lengths are in pixels at 256
    for (start, end), rows, power in ((CHIN, 0, 3), (EYEBROWS, -7 * sw, 2),
                                      (NOSTRILS, 8 * sw, 4), (LIP_UPPER, -8 * sw, 4),
                                      (LIP_LOWER, 8 * sw, 4), (LIP_INNER, -2 * sw, 3)):
        x[:, start:end] = _shift(x[:, start:end], rows) ** power

    zero_out = (list(range(0, CHIN[0])) + list(range(CHIN[1], 33))
                + [EYEBROW_EDGES[0], EYEBROW_EDGES[1], LIP_EDGES[0], LIP_EDGES[1]])
    x[:, zero_out] = 0

    start, end = NOSE
    x[:, start + 1:end] = _shift(x[:, start + 1:end], 4 * sw)  # the nose tip stays put
    # (The reference then raises the nose and eye channels to the power 1: a no-op.)

    # Eyes: both terms read the channels as they were before this statement. The shifts
    # are not scaled by sw in the reference.
    start, end = EYES
    eyes = x[:, start:end]
    x[:, start:end] = _shift(eyes, -8) ** 3 + _shift(eyes, -24)

    x2 = x.clone()
    x2[:, CHIN[0]:CHIN[1]] = 0
    x2[:, LIP_EDGES[0]:LIP_INNER[1]] = 0
    x2[:, EYEBROWS[0]:EYEBROWS[1]] = 0

    mask0 = torch.sum(x, dim=1, keepdim=True)
    mask1 = torch.sum(x2, dim=1, keepdim=True)
    mask0[mask0 != mask0] = 0  # NaN -> 0
    # The reference meant to do the same to mask1, but tests mask0 again after its NaNs are
    # gone, so it never fires: a NaN in mask1 survives (clamp keeps NaN). Nothing to run.
    return mask0.clamp_(0, 1), mask1.clamp_(0, 1)
