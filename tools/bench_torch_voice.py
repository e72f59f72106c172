#!/usr/bin/env python3
"""PyTorch time (CPU, or a GPU with --device cuda) of the voice conversion that bench/bench_voice.cpp times in xfv, as the
StarGANv2-VC demo runs it: the mel of a source and a reference (torch.stft, as torchaudio's
MelSpectrogram), the reference's style, JDC's F0 features and the generator, and the Parallel
WaveGAN vocoder (weight norm removed), batch 1, on seeded random audio; each stage and the
whole. The networks are the project's own PyTorch definitions (tools/reference/stargan_vc.py).

    python3 tools/bench_torch_voice.py EPOCH.pth BST.t7 CHECKPOINT.pkl --threads 2 [--device cuda]
        [--precision fp32,bf16|all]

Each stage at each precision (torch_timing.precision), named <stage>/<precision> as
xfv_bench_voice names its benchmarks; the front end, which has no conv, once at fp32.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dump_networks import build_network, load_checkpoint, network_state_dict  # noqa: E402
from reference import stargan_vc  # noqa: E402
from torch_timing import describe, median_ms, precision, precisions  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("epoch")
    p.add_argument("jdc")
    p.add_argument("vocoder")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--seconds", type=float, default=2.4)
    p.add_argument("--device", default="cpu", help="cpu, or cuda: PyTorch eager on the GPU")
    p.add_argument("--precision", default="fp32", help="fp32, tf32, bf16, fp16, a comma-separated list, or all")
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    def net(path, name):
        return build_network(name, network_state_dict(load_checkpoint(path), name, path), path)[0].to(args.device)

    gen, enc = net(args.epoch, "audio_generator"), net(args.epoch, "audio_style_encoder")
    jdc, voc = net(args.jdc, "f0_model"), net(args.vocoder, "vocoder")
    g = torch.Generator().manual_seed(0)
    samples = int(args.seconds * 24000)
    source, reference = (w / w.abs().max() for w in torch.randn(2, samples, generator=g).to(args.device))
    y = torch.tensor([1], device=args.device)

    def mel(w):
        return stargan_vc.log_mel(w).unsqueeze(0).unsqueeze(0)

    src_mel, ref_mel = mel(source), mel(reference)
    with torch.no_grad():
        style = enc(ref_mel, y)
        converted = gen(src_mel, style, jdc.get_feature_GAN(src_mel))
    c = converted.transpose(-1, -2).squeeze()
    noise = torch.randn(c.size(0) * voc.upsample_factor, 1, generator=g).to(args.device)
    stages = {
        "front_end_x2": lambda: (mel(source), mel(reference)),
        "style_encoder": lambda: enc(ref_mel, y),
        "f0_and_generator": lambda: gen(src_mel, style, jdc.get_feature_GAN(src_mel)),
        "vocoder": lambda: voc.inference(c, x=noise),
        "voice_conversion": lambda: voc.inference(
            gen(mel(source), enc(mel(reference), y), jdc.get_feature_GAN(mel(source))).transpose(-1, -2).squeeze(),
            x=noise),
    }
    print(f"{describe(args.device, args.threads)}, {args.seconds} s of audio "
          f"({c.size(0)} output frames), median over {args.repeats} runs:")
    with torch.no_grad():
        print(f"  {'front_end_x2':23s} {median_ms(stages.pop('front_end_x2'), args.repeats, args.device):9.1f} ms")
        for p_name in precisions(args.precision):
            with precision(p_name, args.device):
                for name, run in stages.items():
                    print(f"  {name + '/' + p_name:23s} {median_ms(run, args.repeats, args.device):9.1f} ms")

if __name__ == "__main__":
    main()
