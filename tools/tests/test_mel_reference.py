"""The float64 mel recipe of reference-models.md §2.6, which tests/reference64.cpp implements
for the MelSpectrogram op, against torchaudio's MelSpectrogram as StarGANv2-VC calls it (no
sample_rate: the 16 kHz filterbank on 24 kHz audio)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
torchaudio = pytest.importorskip("torchaudio")

N_FFT, WIN, HOP, N_MELS = 2048, 1200, 300, 80


def hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + f / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def tables64():
    """The periodic Hann window padded centred to 2048, and the (80, 1025) HTK filterbank."""
    window = np.zeros(N_FFT)
    window[(N_FFT - WIN) // 2:(N_FFT + WIN) // 2] = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WIN) / WIN)
    freqs = np.linspace(0, 8000, N_FFT // 2 + 1)
    pts = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(8000.0), N_MELS + 2))
    up = (freqs[None, :] - pts[:-2, None]) / (pts[1:-1] - pts[:-2])[:, None]
    down = (pts[2:, None] - freqs[None, :]) / (pts[2:] - pts[1:-1])[:, None]
    return window, np.maximum(0.0, np.minimum(up, down))


def mel_norm64(audio, window, fb):
    """(n, L) float64 -> (n, 80, 1 + L // 300): reflect pad, frames, window, |rFFT|^2, fb, log."""
    padded = np.pad(audio, ((0, 0), (N_FFT // 2, N_FFT // 2)), mode="reflect")
    frames = 1 + audio.shape[1] // HOP
    idx = np.arange(frames)[:, None] * HOP + np.arange(N_FFT)[None, :]
    power = np.abs(np.fft.rfft(padded[:, idx] * window, axis=-1)) ** 2  # (n, frames, 1025)
    mel = np.einsum("mk,ntk->nmt", fb, power)
    return (np.log(1e-5 + mel) + 4) / 4


def torchaudio_mel(dtype):
    return torchaudio.transforms.MelSpectrogram(n_mels=N_MELS, n_fft=N_FFT, win_length=WIN, hop_length=HOP).to(dtype)


def test_tables_equal_torchaudios():
    # torchaudio builds them in float32: the window to its rounding, the filterbank to the
    # error of float32 differences of frequencies up to 8 kHz (about 5e-4 Hz on slopes a few
    # tens of Hz wide).
    window, fb = tables64()
    spec = torchaudio_mel(torch.float32)
    np.testing.assert_allclose(spec.spectrogram.window.numpy(), window[424:1624], rtol=0, atol=2e-7)
    np.testing.assert_allclose(spec.mel_scale.fb.numpy().T, fb, rtol=0, atol=1e-5)


@pytest.mark.parametrize("length", [1025, 3001, 57599])
def test_float64_recipe_equals_torchaudio(length):
    rng = np.random.default_rng(length)
    audio = rng.uniform(-1, 1, size=(2, length))
    spec = torchaudio_mel(torch.float64)
    mel = spec(torch.from_numpy(audio)).numpy()
    # With torchaudio's own (float32-built) tables the recipe is torchaudio's to float64 rounding.
    window = np.zeros(N_FFT)
    window[424:1624] = spec.spectrogram.window.numpy()
    ours = mel_norm64(audio, window, spec.mel_scale.fb.numpy().T)
    assert ours.shape == (2, 80, 1 + length // 300)
    np.testing.assert_allclose(ours, (np.log(1e-5 + mel) + 4) / 4, rtol=0, atol=1e-10)
    # With the exact tables, as the engine builds them, it stays within their float32 rounding.
    np.testing.assert_allclose(mel_norm64(audio, *tables64()), ours, rtol=0, atol=1e-5)
