"""Makes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>) from the files the tests
already make (a build's fixture folders), cut down to a few KB each: the weight files' headers
and metadata with their smallest tensors, the reference dumps' inputs, the latents, the small
test images; recordings in each format libsndfile reads, written through libsndfile itself.

Usage: python3 tools/fuzz_seeds.py BUILD_DIR [OUT_DIR]   (OUT_DIR: tests/fuzz/corpus)
"""
import ctypes
import ctypes.util
import hashlib
import json
import math
import os
import struct
import sys


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        tensors = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            begin, end = info["data_offsets"]
            f.seek(base + begin)
            tensors[name] = (info["dtype"], info["shape"], f.read(end - begin))
    return header.get("__metadata__", {}), tensors


def safetensors_bytes(metadata, tensors):
    header, offset, data = {}, 0, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        data += raw
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def save(out, target, data):
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def weight_seeds(build, out):
    for rel in ["xfavot/small.safetensors", "faces/small_w1.safetensors", "voices/small.safetensors",
                "hifigan/small.safetensors"]:
        path = os.path.join(build, rel)
        if not os.path.exists(path):
            continue
        metadata, tensors = read_safetensors(path)
        smallest = sorted(tensors.items(), key=lambda kv: len(kv[1][2]))[:3]
        save(out, "safetensors_weights", safetensors_bytes(metadata, dict(smallest)))
        for key, value in metadata.items():
            if key.startswith(("xfv.config.", "xfv.domains.")) or key in ("xfv.voice", "xfv.networks"):
                save(out, "config_json", value.encode())


def dump_seeds(build, out):
    for rel in ["xfavot/small.generate.safetensors", "faces/small_w1.fan.safetensors",
                "faces/small_w0.mapping_network.safetensors", "voices/small.vocoder.safetensors",
                "voices/small.mel.safetensors", "hifigan/small.vocoder.safetensors"]:
        path = os.path.join(build, rel)
        if not os.path.exists(path):
            continue
        metadata, tensors = read_safetensors(path)
        inputs = {n: t for n, t in tensors.items() if ".input." in n}
        if sum(len(t[2]) for t in inputs.values()) <= 64 << 10:
            save(out, "dump", safetensors_bytes(metadata, inputs))


def npy_seeds(build, out):
    for rel in ["xfavot/small.latent.npy", "xfavot/full.latent.npy"]:
        path = os.path.join(build, rel)
        if os.path.exists(path):
            save(out, "npy", open(path, "rb").read())
    # Version 2 (a 4-byte header length) and a 0-d array, which NumPy writes too.
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
    header += b" " * (-(len(header) + 13) % 64) + b"\n"
    save(out, "npy", b"\x93NUMPY\x02\x00" + struct.pack("<I", len(header)) + header + bytes(24))
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (), }"
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    save(out, "npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(4))


def image_seeds(build, out):
    folder = os.path.join(build, "image")
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        path = os.path.join(folder, name)
        if name.endswith((".png", ".jpg")) and os.path.getsize(path) <= 8 << 10:
            save(out, "image", open(path, "rb").read())


class SfInfo(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int), ("channels", ctypes.c_int),
                ("format", ctypes.c_int), ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


def audio_seeds(out, scratch):
    sndfile = ctypes.CDLL(ctypes.util.find_library("sndfile"))
    sndfile.sf_open.restype = ctypes.c_void_p
    sndfile.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(SfInfo)]
    sndfile.sf_writef_float.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.c_int64]
    sndfile.sf_close.argtypes = [ctypes.c_void_p]
    wav, flac, ogg, aiff = 0x010000, 0x170000, 0x200060, 0x020000
    pcm_u8, pcm_16, pcm_24, flt, vorbis = 0x0005, 0x0002, 0x0003, 0x0006, 0
    for fmt, rate, channels, frames in [(wav | pcm_16, 24000, 1, 240), (wav | pcm_16, 22050, 2, 200),
                                        (wav | flt, 16000, 1, 160), (wav | pcm_u8, 8000, 1, 80),
                                        (wav | pcm_24, 44100, 3, 100), (flac | pcm_16, 24000, 1, 480),
                                        (ogg | vorbis, 24000, 1, 2400), (aiff | pcm_16, 24000, 1, 120)]:
        info = SfInfo(0, rate, channels, fmt, 0, 0)
        path = os.path.join(scratch, "seed")
        f = sndfile.sf_open(path.encode(), 0x20, ctypes.byref(info))  # SFM_WRITE
        if not f:
            raise RuntimeError("libsndfile cannot write format %#x" % fmt)
        samples = (ctypes.c_float * (frames * channels))(
            *[0.5 * math.sin(0.05 * i * (1 + i % channels)) for i in range(frames * channels)])
        sndfile.sf_writef_float(f, samples, frames)
        sndfile.sf_close(f)
        save(out, "audio", open(path, "rb").read())
        os.remove(path)


def main():
    build = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "tests", "fuzz", "corpus")
    weight_seeds(build, out)
    dump_seeds(build, out)
    npy_seeds(build, out)
    image_seeds(build, out)
    audio_seeds(out, build)


if __name__ == "__main__":
    main()
