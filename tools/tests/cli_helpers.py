"""What the CLI tests share: running an `xfv` task, checking a refused run, writing and
reading WAVs."""
import os
import struct
import subprocess
import wave

import numpy as np
import pytest


def run_task(xfv, task, tmp_path, args, out_name):
    out = tmp_path / out_name
    r = subprocess.run([xfv, task, *args, "--out", str(out)], capture_output=True, text=True)
    return r, out


def expect_error(result, out, *fragments):
    """A non-zero exit, each fragment in the message, and no output nor temporary file."""
    assert result.returncode != 0, result.stdout
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if ".tmp" in p.name]


def write_pcm16(path, samples, rate=24000):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(np.clip(np.round(np.asarray(samples) * 32767), -32768, 32767).astype("<i2").tobytes())
    return str(path)


def write_float_wav(path, samples, rate=24000):
    data = np.asarray(samples, "<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return str(path)


def read_wav(path):
    """(rate, float32 samples) of a mono PCM16 or float WAV."""
    raw = open(path, "rb").read()
    assert raw[:4] == b"RIFF" and raw[8:12] == b"WAVE"
    i, fmt, data = 12, None, None
    while i + 8 <= len(raw):
        cid, n = raw[i:i + 4], struct.unpack("<I", raw[i + 4:i + 8])[0]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", raw[i + 8:i + 24])
        elif cid == b"data":
            data = raw[i + 8:i + 8 + n]
        i += 8 + n + (n & 1)
    tag, channels, rate, _, _, bits = fmt
    assert channels == 1
    if tag == 3 or (tag == 0xFFFE and bits == 32):
        return rate, np.frombuffer(data, "<f4")
    assert bits == 16
    return rate, np.frombuffer(data, "<i2").astype(np.float32) / 32768


# The windowed-vocoding tests on sim run in the Release build only: under ASan + UBSan the
# sanitized xfv takes minutes per window there (sim is checked op by op under the sanitizers).
SIM_TOO_SLOW_UNDER_SANITIZERS = pytest.mark.skipif(os.environ.get("XFV_SANITIZED") == "1",
                                                   reason="sim under the sanitizers: checked op by op instead")
