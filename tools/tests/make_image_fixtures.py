#!/usr/bin/env python3
"""Writes the fixtures of the image I/O tests (tests/image/test_image.cpp) into a directory.

Pillow is the reference: StarGAN v2 loads a face with Image.open(p).convert("RGB") and
torchvision's Resize([S, S]), which is Image.resize((S, S), Image.BILINEAR). For every image
and S in SIZES this writes PIL's result next to it as raw 8-bit RGB rows, "<image>.<S>.rgb",
so the C++ test reads it without numpy. Then the files a loader must refuse.

usage: make_image_fixtures.py DIR
"""
import math
import random
import struct
import sys
import zlib
from pathlib import Path

from PIL import Image

SIZES = (256, 64)


def noise(rng, mode, size):
    """Uniform random bytes: the hardest case for a resampler, every pixel matters."""
    return Image.frombytes(mode, size, rng.randbytes(size[0] * size[1] * len(mode)))


def photo_like(rng, size):
    """Smooth gradients, stripes and mild noise: what a JPEG of a face looks like to a codec."""
    w, h = size
    data = bytearray()
    for y in range(h):
        for x in range(w):
            for c in range(3):
                v = (96 + 80 * math.sin(x / (7 + 5 * c)) * math.cos(y / 11) + 60 * x / w
                     + rng.uniform(-12, 12))
                data.append(max(0, min(255, int(v))))
    return Image.frombytes("RGB", size, bytes(data))


def alpha_ramp(size):
    """Alpha from transparent to opaque across the image: convert("RGB") must ignore it."""
    w, h = size
    return Image.frombytes("L", size, bytes((255 * (x + y)) // (w + h - 2) for y in range(h) for x in range(w)))


def images(rng):
    """The images under test: name -> PIL image, with the format taken from the name."""
    rgba = noise(rng, "RGB", (300, 300))
    rgba.putalpha(alpha_ramp((300, 300)))
    la = Image.merge("LA", (noise(rng, "L", (37, 91)), noise(rng, "L", (37, 91))))
    palette = noise(rng, "L", (50, 45)).convert("P")
    palette.info["transparency"] = 7
    return {
        "rgb_317x251.jpg": photo_like(rng, (317, 251)),
        "progressive_444_120x80.jpg": photo_like(rng, (120, 80)),
        "gray_45x33.jpg": photo_like(rng, (45, 33)).convert("L"),
        "gray_64x40.png": noise(rng, "L", (64, 40)),
        "rgba_300x300.png": rgba,
        "gray_alpha_37x91.png": la,
        "palette_50x45.png": palette,
        "upscale_20x30.png": noise(rng, "RGB", (20, 30)),
        "one_1x1.png": Image.new("RGB", (1, 1), (200, 17, 93)),
    }


def raw_png(width, height, depth, color_type, rows):
    """A PNG written by hand, for what PIL does not write: 16-bit RGB, or a header without
    pixels (rows empty)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(b"".join(b"\0" + row for row in rows))) if rows else b""
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + idat + chunk(b"IEND", b"")


def write_bad_files(out, jpeg):
    (out / "empty.png").write_bytes(b"")
    (out / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (out / "text.png").write_text("this is not an image\n")
    (out / "huge.png").write_bytes(raw_png(20000, 20000, 8, 0, []))
    Image.new("CMYK", (8, 8), (10, 20, 30, 40)).save(out / "cmyk.jpg")
    # PIL opens a 16-bit gray PNG as mode "I" and clips it to 255 in convert("RGB").
    Image.frombytes("I;16", (8, 8), bytes(range(128))).save(out / "gray16.png")


def write_images(out, rng):
    """Writes the images under test; returns their names."""
    named = images(rng)
    for name, image in named.items():
        if name.startswith("progressive"):
            image.save(out / name, quality=85, progressive=True, subsampling="4:4:4")
        elif name.endswith(".jpg"):
            image.save(out / name, quality=90)  # 4:2:0, PIL's default
        else:
            image.save(out / name)
    # 16-bit RGB, which PIL reads keeping the high byte of each sample.
    rows = [rng.randbytes(37 * 6) for _ in range(23)]
    (out / "rgb16_37x23.png").write_bytes(raw_png(37, 23, 16, 2, rows))
    return [*named, "rgb16_37x23.png"]


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20240611)
    for name in write_images(out, rng):
        for s in SIZES:
            expected = Image.open(out / name).convert("RGB").resize((s, s), Image.BILINEAR)
            (out / f"{name}.{s}.rgb").write_bytes(expected.tobytes())
    write_bad_files(out, (out / "rgb_317x251.jpg").read_bytes())


if __name__ == "__main__":
    main()
