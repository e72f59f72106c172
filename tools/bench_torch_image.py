#!/usr/bin/env python3
"""PyTorch time (CPU, or a GPU with --device cuda) of the whole image translation that bench/bench_image.cpp times in xfv:
the reference face's style (style encoder), FAN's masks of the source (when w_hpf > 0) and the
generator, batch 1, on seeded random inputs. The networks are the project's own PyTorch
definitions (tools/reference/stargan_v2.py) loaded from a reference checkpoint.

    python3 tools/bench_torch_image.py CKPT --threads 2 [--device cuda] [--precision fp32,bf16|all]

At each precision (torch_timing.precision: allow_tf32 for tf32, autocast for bf16 and fp16)
FAN stays fp32, as in xfv.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dump_networks import build_network, load_checkpoint, network_state_dict  # noqa: E402
from torch_timing import describe, median_ms, precision, precisions  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoint")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--device", default="cpu", help="cpu, or cuda: PyTorch eager on the GPU")
    p.add_argument("--precision", default="fp32", help="fp32, tf32, bf16, fp16, a comma-separated list, or all")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    ckpt = load_checkpoint(args.checkpoint)
    nets = {n: build_network(n, network_state_dict(ckpt, n, args.checkpoint), args.checkpoint)[0]
            for n in ("image_generator", "image_style_encoder")}
    gen, enc = nets["image_generator"].to(args.device), nets["image_style_encoder"].to(args.device)
    fan = build_network("fan", network_state_dict(ckpt, "fan", args.checkpoint), args.checkpoint)[0].to(args.device) \
        if gen.w_hpf > 0 else None
    size = gen.img_size
    g = torch.Generator().manual_seed(0)
    src = (torch.rand(1, 3, size, size, generator=g) * 2 - 1).to(args.device)
    ref = (torch.rand(1, 3, size, size, generator=g) * 2 - 1).to(args.device)
    y = torch.tensor([1], device=args.device)

    def translate():
        s = enc(ref, y)
        with torch.autocast(torch.device(args.device).type, enabled=False):  # FAN: fp32
            masks = fan.get_heatmap(src) if fan is not None else None
        return gen(src, s, masks=masks)

    for name in precisions(args.precision):
        with torch.no_grad(), precision(name, args.device):
            ms = median_ms(translate, args.repeats, args.device)
        print(f"{describe(args.device, args.threads)}: image translation "
              f"(style encoder{' + FAN' if fan is not None else ''} + generator) at {size}, {name}: "
              f"median {ms:.1f} ms over {args.repeats} runs")

if __name__ == "__main__":
    main()
