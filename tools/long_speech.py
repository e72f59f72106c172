"""Long recordings for the long-input measurements (tools/bench_long.sh).

make: the five VCTK recordings of ../shared/data/speech (CSTR VCTK Corpus, University of
Edinburgh, CC BY 4.0), concatenated in name order and repeated, cut to a length in seconds,
written as 16-bit 48 kHz mono WAV.
compare: two float WAVs of one length, their relative L2 difference and largest deviation.
"""
import argparse
import pathlib

import numpy as np
from scipy.io import wavfile

SPEECH = pathlib.Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "speech"


def make(seconds: float, out: str) -> None:
    parts = []
    for path in sorted(SPEECH.glob("*.wav")):
        rate, x = wavfile.read(path)
        if rate != 48000 or x.dtype != np.int16 or x.ndim != 1:
            raise SystemExit(f"{path}: expected 16-bit 48 kHz mono, got {x.dtype} at {rate} Hz")
        parts.append(x)
    if not parts:
        raise SystemExit(f"{SPEECH}: no recordings (is ../shared beside the checkout?)")
    speech = np.concatenate(parts)
    want = int(round(seconds * 48000))
    wavfile.write(out, 48000, np.resize(speech, want))  # np.resize repeats the recordings


def compare(a: str, b: str) -> None:
    (ra, x), (rb, y) = wavfile.read(a), wavfile.read(b)
    if ra != rb or x.shape != y.shape:
        raise SystemExit(f"{a} and {b} differ in rate or length: {ra} Hz {x.shape}, {rb} Hz {y.shape}")
    x, y = x.astype(np.float64), y.astype(np.float64)
    rel = np.linalg.norm(x - y) / np.linalg.norm(y)
    print(f"relative L2 {rel:.2e}, max |difference| {np.abs(x - y).max():.2e}, RMS {np.sqrt(np.mean(y * y)):.3f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make")
    m.add_argument("--seconds", type=float, required=True)
    m.add_argument("--out", required=True)
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    args = p.parse_args()
    if args.command == "make":
        make(args.seconds, args.out)
    else:
        compare(args.a, args.b)


if __name__ == "__main__":
    main()
