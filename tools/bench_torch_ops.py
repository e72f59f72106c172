#!/usr/bin/env python3
"""PyTorch CPU baseline for the per-op benches: the StarGAN v2 generator's conv shapes (read
from bench/generator_shapes.h, so both benches measure the same list) and a few other ops,
timed as xfv_bench times them. Run with Debian's python3-torch:

    /usr/bin/python3 tools/bench_torch_ops.py --threads 2
"""
import argparse
import os
import pathlib
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import hifigan, stargan_vc  # noqa: E402


def conv_shapes():
    header = pathlib.Path(__file__).resolve().parent.parent / "bench" / "generator_shapes.h"
    pattern = re.compile(r'\{"([\w.]+)", (\d+), (\d+), (\d+), (\d+), (\d+)\}')
    return [(m[0], *map(int, m[1:])) for m in pattern.findall(header.read_text())]


def median_ms(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--filter", default="", help="only the ops whose name this regex finds (as --benchmark_filter)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {args.threads} threads")
    print(f"{'op':44s} {'ms':>9s} {'GFLOP/s':>9s}")

    def report(name, run, flops=None):
        if not re.search(args.filter, name):
            return
        ms = median_ms(run, args.repeats)
        print(f"{name:44s} {ms:9.3f}" + (f" {flops / ms / 1e6:9.1f}" if flops else ""))

    with torch.no_grad():
        for where, cin, h, w, cout, k in conv_shapes():
            x = torch.randn(1, cin, h, w)
            weight = torch.randn(cout, cin, k, k)
            bias = torch.randn(cout)
            report("conv2d/" + where, lambda: F.conv2d(x, weight, bias, padding=k // 2),
                   2.0 * cout * h * w * cin * k * k)
        for c, hw in [(64, 256), (128, 128), (512, 32), (512, 8)]:
            x = torch.randn(1, c, hw, hw)
            gamma, beta = torch.randn(1, c, 1, 1), torch.randn(1, c, 1, 1)
            report("instance_norm/adain_lrelu_%dx%d^2" % (c, hw),
                   lambda: F.leaky_relu((1 + gamma) * F.instance_norm(x) + beta, 0.2))
        x = torch.randn(1, 64, 256, 256)
        report("pooling/avg_pool_64x256^2", lambda: F.avg_pool2d(x, 2))
        x = torch.randn(1, 256, 64, 64)
        report("upsample_nearest/256x64^2", lambda: F.interpolate(x, scale_factor=2, mode="nearest"))
        s = torch.randn(1, 512)
        lin = torch.nn.Linear(512, 512)
        report("linear/mapping_512x512", lambda: F.relu(lin(s)))
        # The two mel front ends at xfv_bench's shapes: StarGANv2-VC's on 2.4 s of 24 kHz audio,
        # HiFi-GAN's on 1 s of 22.05 kHz (its filterbank made once, as meldataset.py keeps it).
        wave = torch.rand(1, 57600) * 2 - 1
        report("mel_spectrogram/57600", lambda: stargan_vc.log_mel(wave))
        cfg = {"n_fft": 1024, "hop_size": 256, "win_size": 1024, "num_mels": 80, "sampling_rate": 22050,
               "fmin": 0, "fmax": 8000}
        fb = torch.from_numpy(hifigan.slaney_filterbank(22050, 1024, 80, 0, 8000))
        hifigan_wave = torch.rand(1, 22050) * 2 - 1
        report("mel_spectrogram/hifigan_22050", lambda: hifigan.mel_torch(hifigan_wave, cfg, fb))

if __name__ == "__main__":
    main()
