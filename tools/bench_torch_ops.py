#!/usr/bin/env python3
"""PyTorch CPU baseline for the per-op benches: the StarGAN v2 generator's conv shapes (read
from bench/generator_shapes.h, so both benches measure the same list) and a few other ops,
timed as xfv_bench times them. Run with Debian's python3-torch:

    /usr/bin/python3 tools/bench_torch_ops.py --threads 2
"""
import argparse
import pathlib
import re
import statistics
import time

import torch
import torch.nn.functional as F


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
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {args.threads} threads")
    print(f"{'op':44s} {'ms':>9s} {'GFLOP/s':>9s}")
    with torch.no_grad():
        for where, cin, h, w, cout, k in conv_shapes():
            x = torch.randn(1, cin, h, w)
            weight = torch.randn(cout, cin, k, k)
            bias = torch.randn(cout)
            ms = median_ms(lambda: F.conv2d(x, weight, bias, padding=k // 2), args.repeats)
            flops = 2.0 * cout * h * w * cin * k * k
            print(f"{'conv2d/' + where:44s} {ms:9.3f} {flops / ms / 1e6:9.1f}")
        for c, hw in [(64, 256), (128, 128), (512, 32), (512, 8)]:
            x = torch.randn(1, c, hw, hw)
            gamma, beta = torch.randn(1, c, 1, 1), torch.randn(1, c, 1, 1)
            ms = median_ms(lambda: F.leaky_relu((1 + gamma) * F.instance_norm(x) + beta, 0.2), args.repeats)
            print(f"{'instance_norm/adain_lrelu_%dx%d^2' % (c, hw):44s} {ms:9.3f}")
        x = torch.randn(1, 64, 256, 256)
        print(f"{'pooling/avg_pool_64x256^2':44s} {median_ms(lambda: F.avg_pool2d(x, 2), args.repeats):9.3f}")
        x = torch.randn(1, 256, 64, 64)
        ms = median_ms(lambda: F.interpolate(x, scale_factor=2, mode="nearest"), args.repeats)
        print(f"{'upsample_nearest/256x64^2':44s} {ms:9.3f}")
        s = torch.randn(1, 512)
        lin = torch.nn.Linear(512, 512)
        print(f"{'linear/mapping_512x512':44s} {median_ms(lambda: F.relu(lin(s)), args.repeats):9.3f}")


if __name__ == "__main__":
    main()
