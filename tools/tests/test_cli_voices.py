"""`xfv voice` end to end: against the whole conversion in PyTorch (waveform within 1e-4),
on speech at another rate than 24 kHz, and on bad inputs, each a clear error naming the file
and the problem, a non-zero exit, and no output file left behind. Needs the xfv binary and
the voice fixtures, which CTest provides (XFV_BIN, XFV_VOICES); skipped outside CTest."""
import math
import os
import wave

import numpy as np
import pytest

import philox_reference
import safetensors_io
from cli_helpers import SIM_TOO_SLOW_UNDER_SANITIZERS, expect_error, read_wav, run_task, write_float_wav, write_pcm16

XFV = os.environ.get("XFV_BIN")
VOICES = os.environ.get("XFV_VOICES")
pytestmark = pytest.mark.skipif(not XFV or not VOICES, reason="run through ctest (XFV_BIN, XFV_VOICES)")
HOP = 300


def fixture_path(name):
    return os.path.join(VOICES, name)


def xfv_voice(tmp_path, *args, out_name="out.wav"):
    return run_task(XFV, "voice", tmp_path, args, out_name)


@pytest.fixture
def weights():
    return fixture_path("small.safetensors")


@pytest.fixture
def speech():
    return fixture_path("source24k.wav")


def test_conversion_matches_pytorch_end_to_end(tmp_path):
    """The demo's pipeline at the VCTK sizes on real speech: mel, style of the reference,
    JDC, generator, vocoder with the same noise."""
    ref, _ = safetensors_io.read(fixture_path("full.conversion.safetensors"))
    noise = tmp_path / "noise.npy"
    np.save(noise, ref["voice.input.noise"].astype(np.float32))
    r, out = xfv_voice(tmp_path, "--weights", fixture_path("full.safetensors"), "--source",
                       fixture_path("source24k.wav"), "--reference", fixture_path("reference24k.wav"),
                       "--domain", "4", "--noise", str(noise), "--float-wav")
    assert r.returncode == 0, r.stderr
    rate, got = read_wav(out)
    want = ref["voice.output"]
    assert rate == 24000 and got.shape == want.shape
    err = np.linalg.norm(got - want) / np.linalg.norm(want)
    assert err < 1e-4, err


def test_sim_runs_the_whole_conversion_as_cpu_does(tmp_path, weights):
    """The kernels themselves, executed on the CPU, through every voice network at once."""
    rng = np.random.default_rng(3)
    src = write_pcm16(tmp_path / "src.wav", 0.3 * np.sin(np.arange(26000) / 9.0) + 0.05 * rng.standard_normal(26000))
    waves = []
    for backend in ("cpu", "sim"):
        r, out = xfv_voice(tmp_path, "--weights", weights, "--source", src, "--reference", src, "--domain", "2",
                           "--backend", backend, "--float-wav", out_name=f"{backend}.wav")
        assert r.returncode == 0, r.stderr
        waves.append(read_wav(out)[1])
    assert waves[0].size == (1 + 26000 // HOP) // 4 * 4 * HOP
    err = np.linalg.norm(waves[1] - waves[0]) / np.linalg.norm(waves[0])
    assert err < 1e-4, err


def test_speech_at_another_rate_gives_a_wav_of_the_right_length(tmp_path, weights):
    src = fixture_path("speech.wav")  # espeak-ng's 22.05 kHz
    with wave.open(src) as w:
        rate, n = w.getframerate(), w.getnframes()
    assert rate != 24000
    png = tmp_path / "mel.png"
    r, out = xfv_voice(tmp_path, "--weights", weights, "--source", src, "--domain", "1", "--seed", "7",
                       "--mel-png", str(png))
    assert r.returncode == 0, r.stderr
    frames = 1 + math.ceil(n * 24000 / rate) // HOP  # resampled length, centred frames
    out_rate, wave_out = read_wav(out)
    assert out_rate == 24000 and wave_out.size == frames // 4 * 4 * HOP
    assert np.isfinite(wave_out).all() and np.abs(wave_out).max() > 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_noise_seed_and_latent_seed_change_the_output(tmp_path, weights, speech):
    outs = []
    for args in (("--seed", "1"), ("--seed", "1", "--noise-seed", "5"), ("--seed", "2")):
        r, out = xfv_voice(tmp_path, "--weights", weights, "--source", speech, "--domain", "0", *args,
                           "--float-wav", out_name=f"out{len(outs)}.wav")
        assert r.returncode == 0, r.stderr
        outs.append(read_wav(out)[1])
    assert not np.array_equal(outs[0], outs[1]) and not np.array_equal(outs[0], outs[2])
    r, out = xfv_voice(tmp_path, "--weights", weights, "--source", speech, "--domain", "0", "--seed", "1",
                       "--float-wav", out_name="again.wav")
    assert np.array_equal(read_wav(out)[1], outs[0])  # deterministic


@pytest.mark.parametrize("case", ["empty", "no_samples", "nan", "inf", "truncated", "not_audio"])
def test_bad_source(tmp_path, weights, case):
    bad = tmp_path / "bad.wav"
    if case == "empty":
        bad.write_bytes(b"")
    elif case == "no_samples":
        write_pcm16(bad, [])
    elif case in ("nan", "inf"):
        x = np.sin(np.arange(24000) / 10.0)
        x[1000] = np.nan if case == "nan" else np.inf
        write_float_wav(bad, x)
    elif case == "truncated":  # the header claims a second, the file holds a tenth of it
        write_pcm16(bad, np.sin(np.arange(24000) / 10.0) * 0.5)
        bad.write_bytes(bad.read_bytes()[:44 + 4800])
    else:
        bad.write_text("this is not a recording\n" * 20)
    r, out = xfv_voice(tmp_path, "--weights", weights, "--source", str(bad), "--domain", "0", "--seed", "1")
    expect_error(r, out, str(bad))


def test_reference_too_short_for_the_style_encoder(tmp_path, weights, speech):
    short = write_pcm16(tmp_path / "short.wav", 0.5 * np.sin(np.arange(12000) / 7.0))  # 0.5 s, 41 frames
    r, out = xfv_voice(tmp_path, "--weights", weights, "--source", speech, "--reference", short, "--domain", "0")
    expect_error(r, out, "too short", "80")


def test_source_too_short_for_the_front_end(tmp_path, weights):
    tiny = write_pcm16(tmp_path / "tiny.wav", 0.5 * np.sin(np.arange(600) / 7.0))
    r, out = xfv_voice(tmp_path, "--weights", weights, "--source", tiny, "--domain", "0", "--seed", "1")
    expect_error(r, out, "too short")


def test_noise_of_the_wrong_length(tmp_path, weights, speech):
    with wave.open(speech) as w:
        frames = (1 + w.getnframes() // HOP) // 4 * 4
    noise = tmp_path / "noise.npy"
    np.save(noise, np.zeros(frames * HOP - 1, np.float32))
    r, out = xfv_voice(tmp_path, "--weights", weights, "--source", speech, "--domain", "0", "--seed", "1",
                       "--noise", str(noise))
    expect_error(r, out, str(frames * HOP - 1), str(frames * HOP))


def test_unknown_domain_and_missing_network(tmp_path, weights, speech):
    r, out = xfv_voice(tmp_path, "--weights", weights, "--source", speech, "--domain", "nobody", "--seed", "1")
    expect_error(r, out, "nobody", "mapping_network")
    tensors, meta = safetensors_io.read(weights)
    meta["xfv.networks"] = meta["xfv.networks"].replace(', "vocoder"', "")
    bad = str(tmp_path / "novocoder.safetensors")
    safetensors_io.write(bad, {k: v for k, v in tensors.items() if not k.startswith("vocoder.")}, meta)
    r, out = xfv_voice(tmp_path, "--weights", bad, "--source", speech, "--domain", "0", "--seed", "1")
    expect_error(r, out, bad, "vocoder")


def least_window(result):
    """The least window a refused --vocoder-frames / --max-frames names."""
    assert result.returncode != 0 and "frames at least" in result.stderr, result.stderr
    return int(result.stderr.split(" frames at least")[0].split()[-1])


@pytest.mark.parametrize("backend", ["cpu", pytest.param("sim", marks=SIM_TOO_SLOW_UNDER_SANITIZERS)])
def test_long_outputs_vocode_in_windows_with_the_whole_runs_samples(tmp_path, weights, backend):
    """Parallel WaveGAN in windows of a few lengths (none dividing the output) equals the whole
    run; the seeded noise, drawn on the backend in each window at its offset, is the Philox
    stream of the whole utterance: the same output as that stream given as --noise."""
    rng = np.random.default_rng(5)
    src = write_pcm16(tmp_path / "src.wav", 0.3 * np.sin(np.arange(30000) / 7.0) + 0.05 * rng.standard_normal(30000))
    common = ("--weights", weights, "--source", src, "--domain", "1", "--seed", "4", "--backend", backend, "--float-wav")

    def voice(name, *extra):
        r, out = xfv_voice(tmp_path, *common, *extra, out_name=name)
        assert r.returncode == 0, r.stderr
        return read_wav(out)[1].astype(np.float64)

    whole = voice("whole.wav", "--noise-seed", "9", "--vocoder-frames", "100000")
    frames = whole.size // HOP
    r, _ = xfv_voice(tmp_path, *common, "--vocoder-frames", "3", out_name="refused.wav")
    least = least_window(r)
    assert 3 < least < frames // 2, (least, frames)
    noise = tmp_path / "noise.npy"
    np.save(noise, philox_reference.normals(9, frames * HOP))
    given = voice("given.wav", "--noise", str(noise), "--vocoder-frames", "100000")
    assert np.linalg.norm(given - whole) / np.linalg.norm(whole) <= 1e-6
    # Windows keeping 12 frames (the last window fewer; keeps are multiples of 12), and 60.
    for window in (least + 2, least + 9) if backend == "sim" else (least + 2, least + 9, 2 * least + 3):
        for name, extra in (("seeded", ("--noise-seed", "9")), ("noise", ("--noise", str(noise)))):
            got = voice(f"{name}{window}.wav", *extra, "--vocoder-frames", str(window))
            err = np.linalg.norm(got - whole) / np.linalg.norm(whole)
            assert err <= 1e-6, (name, window, err)
            if backend == "cpu":  # the whole run's bits (engine/tasks/vocoder_chunks.h)
                assert np.array_equal(got, whole), (name, window, err)
