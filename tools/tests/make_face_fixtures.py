#!/usr/bin/env python3
"""Builds the face-parity fixtures in OUT_DIR: seeded random checkpoints of the released
StarGAN v2 layouts (both torch.save formats), their xfv weight files, and PyTorch reference
dumps of every network, for `xfv validate` (registered as CTest tests in CMakeLists.txt).

  full_w0   CelebA-HQ sizes, w_hpf 0 (an AFHQ-like generator: no FAN, no masks), legacy format
  full_w1   CelebA-HQ sizes, w_hpf 1 with FAN (the released configuration), zip format
  small_w0  img 64, w_hpf 0, zip format: small enough for the sim backend
  small_w1  img 64, w_hpf 1 (high-pass skips, FAN masks), zip format; also dumps FAN

Usage: make_face_fixtures.py OUT_DIR [--only NAME ...]   (--only: those fixtures alone)
"""
import argparse
import os
import subprocess
import sys

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable  # the python running this script (tools/find-python.sh picks it)

FIXTURES = {
    "full_w0": dict(size="full", fmt="legacy", w_hpf=0, seed=1),
    "small_w0": dict(size="small", fmt="zip", w_hpf=0, seed=2),
    "small_w1": dict(size="small", fmt="zip", w_hpf=1, seed=3),
    "full_w1": dict(size="full", fmt="zip", w_hpf=1, seed=4),
}
NETWORKS = {"image_generator": 0, "image_style_encoder": 1, "mapping_network": 1}  # name: domain


def run(*args):
    subprocess.run([PYTHON, *args], check=True, stdout=subprocess.DEVNULL)


def main(out_dir, only):
    os.makedirs(out_dir, exist_ok=True)
    for name, f in FIXTURES.items():
        if only and name not in only:
            continue
        ckpt = os.path.join(out_dir, f"{name}.ckpt")
        weights = os.path.join(out_dir, f"{name}.safetensors")
        run(os.path.join(TOOLS, "make_checkpoint.py"), "--kind", "stargan_v2", "--size", f["size"],
            "--format", f["fmt"], "--w-hpf", str(f["w_hpf"]), "--seed", str(f["seed"]), "--out", ckpt)
        run(os.path.join(TOOLS, "convert.py"), ckpt, "--out", weights)
        networks = dict(NETWORKS, fan=0) if f["w_hpf"] > 0 else NETWORKS
        for network, domain in networks.items():
            run(os.path.join(TOOLS, "dump_reference.py"), "--checkpoint", ckpt, "--network", network,
                "--seed", str(f["seed"] + 10), "--domain", str(domain),
                "--out", os.path.join(out_dir, f"{name}.{network}.safetensors"))
        os.remove(ckpt)  # the weight file is what the tests need


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir")
    p.add_argument("--only", nargs="+", choices=sorted(FIXTURES), help="make these fixtures alone")
    args = p.parse_args()
    main(args.out_dir, args.only)
