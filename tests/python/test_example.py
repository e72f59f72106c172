"""docs/python_example.py, the worked example of docs/python.md, on the HiFi-GAN fixtures
(a folder laid out as tools/get_hifigan.py leaves it, with espeak-ng's speech.wav)."""

import os
import subprocess
import sys

import pytest

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "python_example.py")


def test_worked_example(hifigan_dir, tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "copy.wav"
    r = subprocess.run([sys.executable, EXAMPLE, hifigan_dir, os.path.join(hifigan_dir, "speech.wav"),
                        "--out", str(out)], capture_output=True, text=True)
    print(r.stdout, r.stderr)
    assert r.returncode == 0
    assert out.stat().st_size > 44
    for line in ["waveform against PyTorch: relative L2", "one layer, vocoder.ups.0", "profile on cpu"]:
        assert line in r.stdout
