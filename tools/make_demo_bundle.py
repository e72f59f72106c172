#!/usr/bin/env python3
"""Writes a full-size XFaVoT demo bundle with seeded random weights, with numpy alone.

    make_demo_bundle.py --out B.safetensors [--seed N] [--vocoder pwg]

Every tensor of every network of a bundle, at the full configurations, as
weights/manifests.py lists them:
- image side (StarGAN v2 CelebA-HQ): image_generator (img 256, style 64, max_conv_dim 512,
  w_hpf 1, with `hpf.filter`), fan (98 landmarks), image_style_encoder (2 domains: female, male);
- mapping_network: latent 16, hidden 512, style 64, 22 domains: female, male and the 20 VCTK
  speakers of StarGANv2-VC;
- voice side (StarGANv2-VC VCTK): audio_generator (dim_in 64, style 64, max_conv_dim 512,
  F0_channel 256), audio_style_encoder (22 domains named like the mapping network), f0_model
  (JDC channels 64, 128, 192, 256), vocoder: StarGANv2-VC's Parallel WaveGAN (kernel 5, 30
  layers, hop 300), on the stargan_vc mel.
Weights are drawn at PyTorch's default scales, so activations stay sane: conv and linear
weights and their biases uniform in +-1/sqrt(fan_in), norm weights 1 and biases 0, BatchNorm
running means small around 0 and running variances around 1, the high-pass filter
[[-1,-1,-1],[-1,8,-1],[-1,-1,-1]] / w_hpf. Each network has its own generator, seeded from
(--seed, its name), so a file is the same for a seed on any machine. The metadata is what
tools/convert.py writes (the same functions write it), with `xfv.source.<network>` =
"make_demo_bundle.py seed N". No PyTorch: the weights are noise, for running the engine end
to end on a bundle of the real sizes (timing, memory, the CLI), not for its outputs.
"""
import argparse
import os
import sys
import zlib

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]
import convert  # noqa: E402
from weights import manifests  # noqa: E402

W_HPF = 1
GENDERS = ["female", "male"]
# The full configurations, as manifests.INFER reads them back from the shapes.
CONFIGS = {
    "image_generator": {"img_size": 256, "style_dim": 64, "max_conv_dim": 512, "repeat_num": 5, "w_hpf": W_HPF},
    "image_style_encoder": {"img_size": 256, "dim_in": 64, "style_dim": 64, "num_domains": len(GENDERS),
                            "max_conv_dim": 512},
    "mapping_network": {"latent_dim": 16, "hidden_dim": 512, "style_dim": 64,
                        "num_domains": len(GENDERS) + len(convert.VCTK_DOMAINS)},
    "fan": {"num_landmarks": 98, "num_modules": 1, "hourglass_depth": 4, "img_size": 256, "heatmap_size": 64},
    "audio_generator": {"dim_in": 64, "style_dim": 64, "max_conv_dim": 512, "F0_channel": 256},
    "audio_style_encoder": {"dim_in": 64, "style_dim": 64, "num_domains": len(GENDERS) + len(convert.VCTK_DOMAINS),
                            "max_conv_dim": 512},
    "f0_model": {"channels": [64, 128, 192, 256]},
}
VOCODERS = {
    "pwg": {"family": manifests.PWG_FAMILY, "in_channels": 1, "out_channels": 1, "kernel_size": 5, "layers": 30,
            "stacks": 3, "residual_channels": 64, "gate_channels": 128, "skip_channels": 64, "aux_channels": 80,
            "aux_context_window": 2, "upsample_scales": [4, 5, 3, 5]},
}
VOCODER_MEL = {"pwg": "stargan_vc"}


def domains():
    """{network: domain names}: genders for the image style encoder, genders then the VCTK
    speakers for the mapping network and the audio style encoder."""
    everyone = GENDERS + convert.VCTK_DOMAINS
    return {"image_style_encoder": list(GENDERS), "mapping_network": everyone, "audio_style_encoder": everyone}


def _uniform(rng, shape, bound):
    return ((rng.random(shape, dtype=np.float32) * np.float32(2) - np.float32(1)) * np.float32(bound))


def random_network(network, cfg, seed):
    """{state_dict key: float32 array} for every tensor of MANIFESTS[network](cfg)."""
    manifest = manifests.MANIFESTS[network](cfg)
    rng = np.random.default_rng([seed, zlib.crc32(network.encode())])
    sd = {}
    for key, shape in manifest.items():
        if network == "image_generator" and key == "hpf.filter":
            sd[key] = convert.hpf_filter(cfg["w_hpf"])
        elif key.endswith(".running_mean"):
            sd[key] = _uniform(rng, shape, 0.05)
        elif key.endswith(".running_var"):
            sd[key] = np.float32(1) + _uniform(rng, shape, 0.2)
        elif len(shape) >= 2:  # conv (out, in, k...) and linear (out, in) weights
            sd[key] = _uniform(rng, shape, 1 / np.sqrt(np.prod(shape[1:])))
        elif key.endswith(".bias") and len(manifest.get(key[:-len("bias")] + "weight", ())) >= 2:
            weight = manifest[key[:-len("bias")] + "weight"]
            sd[key] = _uniform(rng, shape, 1 / np.sqrt(np.prod(weight[1:])))
        elif key.endswith(".weight"):  # InstanceNorm / BatchNorm scale
            sd[key] = np.ones(shape, np.float32)
        elif key.endswith(".bias"):  # their shift
            sd[key] = np.zeros(shape, np.float32)
        else:
            raise ValueError(f"{network}: no rule for tensor {key} {list(shape)}")
    return sd


def make_bundle(seed, vocoder="pwg"):
    """(tensors, metadata) of the demo bundle; checked against the manifests and the bundle
    rules the converter applies."""
    configs = dict(CONFIGS, vocoder=VOCODERS[vocoder])
    tensors, problems = {}, []
    source = f"make_demo_bundle.py seed {seed}"
    for network, cfg in configs.items():
        sd = random_network(network, cfg, seed)
        inferred = (manifests.infer_image_generator(sd, cfg["w_hpf"]) if network == "image_generator"
                    else manifests.INFER[network](sd))
        if inferred != cfg:
            problems.append(f"{network}: the shapes read back as {inferred}, not {cfg}")
        problems += convert.check_tensors(source, network, cfg, sd)
        tensors.update({f"{network}.{k}": v for k, v in sd.items()})
    sources = {network: source for network in configs}
    mel = convert.mel_settings(VOCODER_MEL[vocoder])
    problems += convert.bundle_problems(configs, sources, mel)
    if problems:
        raise convert.ConvertError(*problems)
    return tensors, convert.bundle_metadata(configs, sources, domains(), mel)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="the weight file to write (safetensors)")
    parser.add_argument("--seed", type=int, default=0, help="a non-negative integer (default 0)")
    parser.add_argument("--vocoder", choices=sorted(VOCODERS), default="pwg", help="the vocoder (default pwg)")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, not {args.seed}")
    try:
        tensors, metadata = make_bundle(args.seed, args.vocoder)
        convert.write_weights(args.out, tensors, metadata)
    except convert.ConvertError as e:
        for message in e.messages:
            print(f"error: {message}", file=sys.stderr)
        return 2
    params = sum(t.size for t in tensors.values())
    print(f"{args.out}: {len(CONFIGS) + 1} networks, {len(tensors)} tensors, {params:,} values, seed {args.seed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
