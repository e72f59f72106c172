"""HiFi-GAN at each precision: copy synthesis of a real recording, against fp32 (docs/kernels.md).

Usage: hifigan_precision.py XFV WEIGHTS RECORDING SECONDS
  XFV: the xfv binary; WEIGHTS: a HiFi-GAN file (the released V1: build/hifigan/universal.safetensors);
  RECORDING: a 16-bit WAV (../shared/data/speech/, VCTK, CC BY 4.0); SECONDS: how much of it.
Runs `xfv vocode --precision P` (copy synthesis: xfv's front end, then the vocoder) for fp32, tf32, bf16
and fp16 on the default backend, and prints per precision the copy-synthesis score (mean |recipe
log-mel(output) - recipe log-mel(recording)|, float64, tools/reference/hifigan.py) and the waveform's
relative L2 and log-mel distance against fp32. On cpu a reduced precision runs the rounded reference
(double sums): tens of seconds per second of audio.
"""
import os
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np
from scipy.signal import resample_poly

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tests"))
from cli_helpers import read_wav  # noqa: E402
from reference import hifigan  # noqa: E402


def log_mel_distance(a, b):
    x, y = hifigan.mel64(a, hifigan.V1), hifigan.mel64(b, hifigan.V1)
    t = min(x.shape[1], y.shape[1])
    return float(np.abs(x[:, :t] - y[:, :t]).mean())


def main(xfv, weights, recording, seconds):
    with wave.open(recording) as w, tempfile.TemporaryDirectory() as tmp:
        rate = w.getframerate()
        pcm = w.readframes(int(seconds * rate))
        clip_path = os.path.join(tmp, "clip.wav")
        with wave.open(clip_path, "wb") as out:
            out.setnchannels(1), out.setsampwidth(2), out.setframerate(rate), out.writeframes(pcm)
        clip = np.frombuffer(pcm, "<i2").astype(np.float64) / 32768
        target = resample_poly(clip, hifigan.V1["sampling_rate"], rate)  # for the score only
        waves = {}
        for p in ("fp32", "tf32", "bf16", "fp16"):
            start = time.time()
            path = os.path.join(tmp, p + ".wav")
            subprocess.run([xfv, "vocode", "--weights", weights, "--input", clip_path, "--out", path, "--float-wav",
                            "--precision", p], check=True)
            waves[p] = read_wav(path)[1].astype(np.float64)
            print(f"{p}: {time.time() - start:.1f} s", flush=True)
    print(f"silence scores {log_mel_distance(np.zeros_like(waves['fp32']), target):.2f}")
    for p, got in waves.items():
        l2 = np.linalg.norm(got - waves["fp32"]) / np.linalg.norm(waves["fp32"])
        print(f"{p}: copy synthesis {log_mel_distance(got, target):.4f}; against fp32: waveform relative L2 "
              f"{l2:.3g}, log-mel distance {log_mel_distance(got, waves['fp32']):.4f}")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]))
