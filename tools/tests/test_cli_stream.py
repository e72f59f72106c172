"""`xfv stream` end to end on the small voices bundle (XFV_VOICES) and real speech
(../shared/data/speech, CSTR VCTK Corpus, CC BY 4.0): a recording to a WAV and a report; raw
PCM through a pipe gives the same samples as the file; refusals. Needs the xfv binary and the
fixtures CTest makes (XFV_BIN, XFV_VOICES)."""
import json
import os
import resource
import signal
import subprocess

import numpy as np
import pytest

from cli_helpers import expect_error, read_wav, write_pcm16

XFV = os.environ.get("XFV_BIN")
EXAMPLE = os.environ.get("XFV_STREAM_EXAMPLE")  # docs/stream_example.c, built
VOICES = os.environ.get("XFV_VOICES")
SPEECH = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "speech", "p230_023.wav")
pytestmark = pytest.mark.skipif(not XFV or not VOICES, reason="run through ctest (XFV_BIN, XFV_VOICES)")
RATE = 48000
COMMON = ["--seed", "3", "--domain", "1", "--chunk-ms", "20", "--lookahead-blocks", "2"]


@pytest.fixture
def source(tmp_path):
    """One second of p230 at 48 kHz, as 16-bit PCM: the file and its samples."""
    rate, x = read_wav(SPEECH)
    assert rate == RATE
    path = write_pcm16(tmp_path / "p230.wav", x[:RATE] / np.abs(x[:RATE]).max(), RATE)
    return path, read_wav(path)[1]


def stream(*args, stats="window:64", stdin=None, text=True, **run):
    return subprocess.run([XFV, "stream", "--weights", os.path.join(VOICES, "small.safetensors"), *COMMON,
                           "--stats", stats, *args], input=stdin, capture_output=True, text=text, **run)


def test_a_recording_streams_to_a_wav_and_a_report(tmp_path, source):
    out, report = tmp_path / "out.wav", tmp_path / "report.json"
    r = stream("--source", source[0], "--out", str(out), "--float-wav", "--report", str(report), "--compare-offline")
    assert r.returncode == 0, r.stderr
    rate, y = read_wav(out)
    assert rate == 24000 and np.isfinite(y).all() and np.abs(y).max() > 0.01
    rep = json.loads(report.read_text())
    assert rep["chunks"] == RATE // 960 and rep["chunk_ms"] == 20
    assert 0 < rep["algorithmic_latency_ms"] < 2000
    assert 0 <= rep["compute_ms"]["p50"] <= rep["compute_ms"]["p99"] <= rep["compute_ms"]["max"]
    assert rep["real_time_factor"] > 0
    # The whole conversion of the same samples has the same length (checked by xfv) and is
    # near: the window's statistics are an approximation, not a different output.
    c = rep["compare_offline"]
    assert 0 < c["waveform_relative_l2"] < 2 and 0 < c["log_mel_distance"] < 5


def test_raw_pcm_through_a_pipe_gives_the_files_samples(tmp_path, source):
    path, x = source
    out = tmp_path / "file.wav"
    r = stream("--source", path, "--out", str(out), "--float-wav")
    assert r.returncode == 0, r.stderr
    want = read_wav(out)[1]
    r = stream("--source", "-", "--rate", str(RATE), "--format", "f32", "--out", "-",
               stdin=x.astype("<f4").tobytes(), text=False)
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(np.frombuffer(r.stdout, "<f4"), want)
    r = stream("--source", "-", "--rate", str(RATE), "--format", "s16", "--out", "-",
               stdin=np.round(x * 32768).astype("<i2").tobytes(), text=False)
    assert r.returncode == 0, r.stderr
    got = np.frombuffer(r.stdout, "<i2").astype(np.int32)
    assert got.shape == want.shape
    assert np.abs(got - np.clip(np.round(want * 32768), -32768, 32767)).max() <= 1


@pytest.mark.parametrize("policy", ["running", "fixed"])
def test_running_and_fixed_statistics_stream(tmp_path, source, policy):
    out, report = tmp_path / "out.wav", tmp_path / "report.json"
    stats = "running" if policy == "running" else "fixed:" + str(source[0])  # calibrated on itself
    r = stream("--source", source[0], "--out", str(out), "--window-frames", "64", "--report", str(report),
               "--compare-offline", stats=stats)
    assert r.returncode == 0, r.stderr
    rep = json.loads(report.read_text())
    assert rep["options"]["stats"] == stats and rep["options"]["window_frames"] == 64
    assert np.isfinite(read_wav(out)[1]).all()
    c = rep["compare_offline"]
    assert 0 < c["waveform_relative_l2"] < 2 and 0 < c["log_mel_distance"] < 5


def test_a_report_that_cannot_be_written_leaves_no_file(tmp_path, source):
    """The report is written whole or not at all (engine/io/atomic_write.h): with the files
    of `xfv stream` limited to 64 bytes (RLIMIT_FSIZE, SIGXFSZ ignored so that the write fails
    with EFBIG; the audio goes to stdout, a pipe the limit does not touch), the command fails
    naming the report and leaves neither it nor its temporary; without the limit it writes it."""
    folder = tmp_path / "reports"
    folder.mkdir()
    report = folder / "report.json"

    def limit_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))

    args = ("--source", source[0], "--out", "-", "--report", str(report))
    r = stream(*args, text=False, preexec_fn=limit_files, restore_signals=False)
    assert r.returncode != 0
    assert (str(report) + ": cannot write").encode() in r.stderr, r.stderr
    assert list(folder.iterdir()) == []
    r = stream(*args, text=False)
    assert r.returncode == 0, r.stderr
    assert report.stat().st_size > 64 and json.loads(report.read_text())["chunks"] == RATE // 960


def test_refusals_name_the_problem(tmp_path, source):
    out = tmp_path / "out.wav"
    for stats in ["runing", "window:", "window:6x", "fixed:"]:
        r = stream("--source", source[0], "--out", str(out), stats=stats)
        expect_error(r, out, "--stats " + stats + ":")
    r = stream("--source", source[0], "--out", str(out), "--window-frames", "96")
    expect_error(r, out, "two windows")
    missing = tmp_path / "missing.wav"
    r = stream("--source", source[0], "--out", str(out), stats="fixed:" + str(missing))
    expect_error(r, out, str(missing))
    short = write_pcm16(tmp_path / "short.wav", np.sin(np.arange(RATE // 4) / 10.0), RATE)  # 0.25 s
    r = stream("--source", source[0], "--out", str(out), stats="fixed:" + str(short))
    expect_error(r, out, str(short))
    assert "too short" in r.stderr
    r = stream("--source", "-", "--out", str(out), stdin="")
    expect_error(r, out, "--rate")
    r = stream("--source", source[0], "--out", str(out), stats="window:30")
    expect_error(r, out, "multiple of 4")


def test_the_c_example_streams_the_commands_samples(tmp_path):
    """docs/stream_example.c, the embedding guide's program, on 3 s of p230 (1.5 s, one
    window, under the sanitizers): the samples of `xfv stream` with the same style and the
    default parameters, bit for bit."""
    rate, x = read_wav(SPEECH)
    n = RATE * 3 // (2 if os.environ.get("XFV_SANITIZED") == "1" else 1)
    src = write_pcm16(tmp_path / "p230.wav", x[:n] / np.abs(x[:n]).max(), RATE)
    weights = os.path.join(VOICES, "small.safetensors")
    r = subprocess.run([EXAMPLE, weights, src, str(tmp_path / "c.wav"), "3", "1"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert f"converted {n // 960} chunks of 20 ms" in r.stdout, r.stdout
    r = subprocess.run([XFV, "stream", "--weights", weights, "--source", src, "--seed", "3", "--domain", "1",
                        "--chunk-ms", "20", "--out", str(tmp_path / "cli.wav"), "--float-wav"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    got, want = read_wav(tmp_path / "c.wav"), read_wav(tmp_path / "cli.wav")
    assert got[0] == want[0] == 24000 and len(want[1]) > n // 2 - 24000 // 5
    np.testing.assert_array_equal(got[1], want[1])
