"""Read `torch.save` files with numpy alone, running none of the code a pickle can name.

Two on-disk formats, told apart by their first bytes, not by the file name:

- zip (PyTorch >= 1.6): `<prefix>/data.pkl` holds the object pickle, `<prefix>/data/<key>`
  each storage's raw bytes, `<prefix>/byteorder` "little" or "big" (absent = little).
- legacy (PyTorch < 1.6, the format of the released StarGAN v2 files): a run of pickles on
  one stream: the magic number, the protocol version, sys_info, the object pickle, the list
  of storage keys; then, for each key in that order, an 8-byte element count and the raw
  storage bytes.

In both, a tensor is pickled as a call to torch._utils._rebuild_tensor_v2 (storage, offset,
size, stride, ...) whose storage is a persistent id ('storage', type, key, location, numel
[, view_metadata]). The unpickler below admits only those few globals and turns each tensor
into a reference to its storage; the storages are read afterwards and every tensor becomes a
contiguous numpy array. Any other global (os.system, a model class, ...) is refused by name.

What training scripts save beside the weights (the optimizer and scheduler state_dicts of
StarGANv2-VC's epoch_*.pth and Parallel WaveGAN's checkpoint-*steps.pkl) is plain dicts,
lists, tuples, numbers, strings and tensors, so it needs no further global; a pickled
optimizer or scheduler object (rather than its state_dict) is refused like any other.
"""
import collections
import pickle
import struct
import zipfile
import zlib

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001


class CheckpointError(ValueError):
    pass


class _Sealed:
    """Refuses pickle's BUILD, which would otherwise let a file rewrite these objects'
    attributes after they are checked (or those of the shared _StorageType instances)."""

    def __setstate__(self, state):
        raise pickle.UnpicklingError(f"refusing to set the state of a {type(self).__name__.strip('_')}")


class _StorageType(_Sealed):
    """What a storage class (torch.FloatStorage) or dtype (torch.float32) unpickles to."""

    def __init__(self, name, dtype):
        self.dtype = np.dtype(dtype)
        # bfloat16 has no numpy dtype: it is read as uint16 and widened to float32 (exactly).
        self.bfloat16 = name in ("BFloat16Storage", "bfloat16")


_STORAGE_DTYPES = {
    "FloatStorage": "f4", "DoubleStorage": "f8", "HalfStorage": "f2", "BFloat16Storage": "u2",
    "LongStorage": "i8", "IntStorage": "i4", "ShortStorage": "i2", "CharStorage": "i1",
    "ByteStorage": "u1", "BoolStorage": "?",
    "float32": "f4", "float64": "f8", "float16": "f2", "bfloat16": "u2",
    "int64": "i8", "int32": "i4", "int16": "i2", "int8": "i1", "uint8": "u1", "bool": "?",
}


class _StorageRef(_Sealed):
    """A storage named by a persistent id; `offset`/`numel` select a legacy storage view."""

    def __init__(self, key, storage_type, numel, offset=0):
        self.key, self.type, self.numel, self.offset = key, storage_type, numel, offset


class _TensorRef(_Sealed):
    def __init__(self, storage, offset, size, stride):
        if not isinstance(storage, _StorageRef):
            raise pickle.UnpicklingError("a tensor's storage is not a storage persistent id")
        if not (isinstance(offset, int) and isinstance(size, tuple) and isinstance(stride, tuple)
                and len(size) == len(stride) and all(isinstance(n, int) for n in size + stride)):
            raise pickle.UnpicklingError(f"malformed tensor (offset {offset!r}, size {size!r}, stride {stride!r})")
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride


def _rebuild_tensor(storage, storage_offset, size, stride, *_):
    # *_ takes requires_grad, backward_hooks and (newer PyTorch) metadata: none matter here.
    return _TensorRef(storage, storage_offset, size, stride)


def _rebuild_parameter(data, *_):
    return data


_GLOBALS = {
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("collections", "OrderedDict"): collections.OrderedDict,
}
_GLOBALS.update({("torch", name): _StorageType(name, dtype) for name, dtype in _STORAGE_DTYPES.items()})


class _Unpickler(pickle.Unpickler):
    """Admits only the globals of a state_dict; storages become _StorageRef."""

    def __init__(self, file, path):
        super().__init__(file, encoding="utf-8")
        self.path = path
        self.storages = {}  # key -> _StorageRef of the whole storage

    def find_class(self, module, name):
        try:
            return _GLOBALS[(module, name)]
        except KeyError:
            raise CheckpointError(f"{self.path}: refusing to unpickle global '{module}.{name}'") from None

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[4], int)):
            raise CheckpointError(f"{self.path}: unexpected persistent id {pid!r}")
        storage_type, key, numel = pid[1], str(pid[2]), pid[4]
        root = self.storages.setdefault(key, _StorageRef(key, storage_type, numel))
        if root.type is not storage_type or root.numel != numel:
            raise CheckpointError(f"{self.path}: storage {key} is declared twice, differently")
        view = pid[5] if len(pid) == 6 else None
        if view is None:
            return root
        # A storage view (written by PyTorch < 0.4): (view key, element offset, element count).
        _, view_offset, view_numel = view
        if not 0 <= view_offset <= view_offset + view_numel <= numel:
            raise CheckpointError(f"{self.path}: storage view {view!r} lies outside storage {key}")
        return _StorageRef(key, storage_type, view_numel, view_offset)


def _unpickle(file, path):
    unpickler = _Unpickler(file, path)
    try:
        return unpickler.load(), unpickler.storages
    except CheckpointError:
        raise
    except EOFError:
        raise CheckpointError(f"{path}: truncated (a pickle ends early)") from None
    except Exception as e:  # a corrupt pickle raises any of a dozen exception types
        raise CheckpointError(f"{path}: corrupt pickle ({type(e).__name__}: {e})") from None


def load(path):
    """Returns the saved object with every tensor as a contiguous numpy array.

    float16/32/64 and integer tensors keep their dtype (in native byte order); bfloat16 ones
    come back as float32. Raises CheckpointError, with the path in its message, for anything
    that is not a well-formed checkpoint.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(4)
            if not head:
                raise CheckpointError(f"{path}: empty file")
            f.seek(0)
            if head == b"PK\x03\x04":
                obj, storages, data, big_endian = _read_zip(f, path)
            else:
                obj, storages, data, big_endian = _read_legacy(f, path)
    except OSError as e:
        raise CheckpointError(f"{path}: {e.strerror or e}") from None
    return _materialize(obj, storages, data, big_endian, path)


def _read_zip(f, path):
    try:
        archive = zipfile.ZipFile(f)
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pickles) != 1:
            raise CheckpointError(f"{path}: a zip file, but not a PyTorch checkpoint (no <name>/data.pkl)")
        prefix = pickles[0][:-len("data.pkl")]
        with archive.open(pickles[0]) as pkl:
            obj, storages = _unpickle(pkl, path)
        byteorder = "little"  # files from before the byteorder record were all little-endian
        if prefix + "byteorder" in names:
            byteorder = archive.read(prefix + "byteorder").decode(errors="replace").strip()
        data = {}
        for key in storages:
            name = f"{prefix}data/{key}"
            if name not in names:
                raise CheckpointError(f"{path}: storage {key} is missing from the archive")
            data[key] = archive.read(name)
            if len(data[key]) < storages[key].numel * storages[key].type.dtype.itemsize:
                raise CheckpointError(f"{path}: storage {key} is cut short in the archive")
    except CheckpointError:
        raise
    # Found by tools/tests/test_checkpoint_fuzz.py: UnicodeDecodeError for a member name flagged
    # UTF-8 that is not, RuntimeError for a member flagged encrypted (zipfile's only RuntimeError),
    # ValueError or OverflowError for a member offset past what a seek takes.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, zlib.error,
            RuntimeError, ValueError, OverflowError) as e:
        raise CheckpointError(f"{path}: bad zip archive, truncated or corrupt ({e})") from None
    if byteorder not in ("little", "big"):
        raise CheckpointError(f"{path}: unknown byteorder {byteorder!r}")
    return obj, storages, data, byteorder == "big"


def _read_legacy(f, path):
    try:
        magic, _ = _unpickle(f, path)
    except CheckpointError:
        magic = None
    if magic != LEGACY_MAGIC:
        raise CheckpointError(f"{path}: not a PyTorch checkpoint "
                              "(neither a zip archive nor a legacy pickle stream)")
    protocol, _ = _unpickle(f, path)
    if protocol != LEGACY_PROTOCOL:
        raise CheckpointError(f"{path}: unsupported legacy protocol version {protocol!r}")
    sys_info, _ = _unpickle(f, path)
    big_endian = isinstance(sys_info, dict) and sys_info.get("little_endian") is False
    obj, storages = _unpickle(f, path)
    keys, _ = _unpickle(f, path)
    if not isinstance(keys, list) or set(map(str, keys)) != set(storages):
        raise CheckpointError(f"{path}: the storage key list does not match the storages the pickle names")
    data = {}
    for key in map(str, keys):
        ref = storages[key]
        header = f.read(8)
        if len(header) < 8:
            raise CheckpointError(f"{path}: truncated: storage {key} is cut short")
        (count,) = struct.unpack(">q" if big_endian else "<q", header)
        if count != ref.numel:
            raise CheckpointError(f"{path}: storage {key} holds {count} elements, the pickle says {ref.numel}")
        want = count * ref.type.dtype.itemsize
        data[key] = f.read(want)
        if len(data[key]) < want:
            raise CheckpointError(f"{path}: truncated: storage {key} needs {want} bytes, "
                                  f"the file holds {len(data[key])}")
    return obj, storages, data, big_endian


def _materialize(obj, storages, data, big_endian, path):
    arrays = {}
    for key, ref in storages.items():
        dtype = ref.type.dtype.newbyteorder(">" if big_endian else "<")
        arrays[key] = np.frombuffer(data[key], dtype=dtype, count=ref.numel)

    def tensor(t):
        base = arrays[t.storage.key][t.storage.offset:t.storage.offset + t.storage.numel]
        if any(n < 0 for n in t.size) or any(s < 0 for s in t.stride):
            raise CheckpointError(f"{path}: tensor with size {t.size} and stride {t.stride} is malformed")
        if 0 in t.size:
            out = np.empty(t.size, dtype=base.dtype)
        else:
            # as_strided does no bounds check: prove the last element lies inside the storage.
            last = t.offset + sum((n - 1) * s for n, s in zip(t.size, t.stride))
            if t.offset < 0 or last >= base.size:
                raise CheckpointError(f"{path}: tensor (offset {t.offset}, size {t.size}, stride {t.stride}) "
                                      f"reaches past its storage of {base.size} elements")
            view = np.lib.stride_tricks.as_strided(base[t.offset:], shape=t.size,
                                                   strides=[s * base.itemsize for s in t.stride], writeable=False)
            out = np.array(view, dtype=base.dtype.newbyteorder("="), order="C")
        if t.storage.type.bfloat16:
            out = (out.astype(np.uint32) << 16).view(np.float32)
        return out

    def walk(o):
        if isinstance(o, _TensorRef):
            return tensor(o)
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return type(o)(walk(v) for v in o)
        if isinstance(o, (_StorageRef, _StorageType)):
            raise CheckpointError(f"{path}: a bare storage outside any tensor is not supported")
        return o

    return walk(obj)
