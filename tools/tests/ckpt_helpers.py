"""Checkpoint makers for the converter tests: seeded random state_dicts in the released
StarGAN v2 layouts (built from weights/manifests.py), and hand-written torch.save files for
what PyTorch itself no longer writes (legacy storage views, big-endian files) or must never
be fed (a pickle that names os.system)."""
import collections
import pickle
import struct
import zipfile

import torch

import convert
from weights import manifests


def run_convert(args, capsys):
    """tools/convert.py's main on `args`: (exit status, stdout, stderr)."""
    code = convert.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err

# Small configurations with the released layouts: at img_size 64, dim_in is 256 and
# max_conv_dim 64 narrows it at once, so the learned 1x1 shortcuts exist too.
CELEBA_GENERATOR = dict(img_size=64, style_dim=64, max_conv_dim=64, repeat_num=3, w_hpf=1)
AFHQ_GENERATOR = dict(CELEBA_GENERATOR, repeat_num=2, w_hpf=0)  # w_hpf = 0: one down block less
STYLE_ENCODER = dict(img_size=64, dim_in=256, style_dim=64, num_domains=2, max_conv_dim=64)
MAPPING = dict(latent_dim=16, hidden_dim=512, style_dim=64, num_domains=2)
FAN = dict(num_landmarks=98, num_modules=1, hourglass_depth=4, img_size=256, heatmap_size=64)


def random_state_dict(manifest, seed):
    """float32 N(0,1) tensors (running_var positive), a num_batches_tracked per BatchNorm,
    and the `_metadata` attribute a real Module.state_dict() carries."""
    gen = torch.Generator().manual_seed(seed)
    sd = collections.OrderedDict()
    for key, shape in manifest.items():
        sd[key] = torch.randn(shape, generator=gen)
        if key.endswith("running_var"):
            sd[key] = sd[key].abs() + 0.5
            sd[key[:-len("running_var")] + "num_batches_tracked"] = torch.tensor(12345, dtype=torch.int64)
    sd._metadata = collections.OrderedDict({"": {"version": 1}})
    return sd


def nets_ema(generator_cfg, num_domains, with_fan, seed=0):
    """A `*_nets_ema.ckpt` object; the generator lacks hpf.filter, as in the released files."""
    generator = random_state_dict(manifests.image_generator(generator_cfg), seed)
    generator.pop("hpf.filter", None)
    obj = {"generator": generator,
           "mapping_network": random_state_dict(manifests.mapping_network(dict(MAPPING, num_domains=num_domains)),
                                                seed + 1),
           "style_encoder": random_state_dict(manifests.image_style_encoder(
               dict(STYLE_ENCODER, num_domains=num_domains)), seed + 2)}
    if with_fan:
        obj["fan"] = random_state_dict(manifests.fan(FAN), seed + 3)
    return obj


def save(obj, path, fmt):
    torch.save(obj, path, _use_new_zipfile_serialization=(fmt == "zip"))


class FakeStorage:
    """A storage named by a hand-made persistent id. With `view` = (view key, offset, count),
    a legacy storage view: `key` and `values` are then those of the whole (root) storage."""

    def __init__(self, key, values, view=None):
        self.key, self.values, self.view = key, list(values), view


class FakeTensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args


class _LegacyPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            return ("storage", torch.FloatStorage, obj.key, "cpu", len(obj.values), obj.view)
        return None


def write_legacy(path, obj, storages, big_endian=False):
    """The legacy torch.save stream, written by hand; `storages` are the root FakeStorages."""
    order = ">" if big_endian else "<"
    with open(path, "wb") as f:
        for header in (0x1950A86A20F9469CFC6C, 1001,
                       {"protocol_version": 1001, "little_endian": not big_endian,
                        "type_sizes": {"short": 2, "int": 4, "long": 4}}):
            pickle.dump(header, f, protocol=2)
        _LegacyPickler(f, protocol=2).dump(obj)
        pickle.dump([s.key for s in storages], f, protocol=2)
        for s in storages:
            f.write(struct.pack(order + "q", len(s.values)))
            f.write(struct.pack(f"{order}{len(s.values)}f", *s.values))


# A pickle that calls os.system('touch <path>'), written opcode by opcode: GLOBAL, a string,
# TUPLE1, REDUCE, STOP. Only the converter's unpickler ever sees it, and must refuse it.
def os_system_pickle(sentinel_path):
    command = f"touch {sentinel_path}".encode()
    return (b"\x80\x02" + b"cos\nsystem\n" + b"X" + struct.pack("<I", len(command)) + command
            + b"\x85" + b"R" + b".")


def legacy_with_payload(path, payload):
    with open(path, "wb") as f:
        for header in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True}):
            pickle.dump(header, f, protocol=2)
        f.write(payload)


def zip_with_payload(path, payload):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", payload)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")
