"""Every task call of the package against the same C API call on the same fresh inputs, bit
for bit; the model's queries against the C API's; and the HiFi-GAN vocoder against the
released package's PyTorch output (an independent reference)."""

import ctypes
import os

import numpy as np
import pytest

import xfv
from conftest import CApi, same_bits


def opened(capi_lib, path, backend):
    """`path` on `backend` through the package and through the C API, a session of each."""
    model = xfv.Model(path, backend=backend)
    session = model.session()
    capi = CApi(capi_lib, path, backend)
    yield model, session, capi
    capi.close()
    session.close()
    model.close()


@pytest.fixture(scope="module")
def pair(capi_lib, small_bundle):
    """The small bundle on cpu. sim, whose whole networks take seconds each even at the small
    sizes, runs the voice style and the HiFi-GAN calls below."""
    yield from opened(capi_lib, small_bundle, "cpu")


@pytest.fixture(scope="module")
def sim_pair(capi_lib, small_bundle):
    yield from opened(capi_lib, small_bundle, "sim")


def face(rng, s, n=None):
    return rng.uniform(-1, 1, size=(3, s, s) if n is None else (n, 3, s, s)).astype(np.float32)


def voice(rng, seconds, rate):
    return (0.3 * rng.standard_normal(int(seconds * rate))).astype(np.float32)


def test_model_queries_match_the_c_api(pair):
    model, _, capi = pair
    for name in ["image_size", "style_dim", "latent_dim", "voice_rate"]:
        assert getattr(model, name) == capi.query(name), name
    assert model.vocoder_rate is None  # Parallel WaveGAN: no HiFi-GAN queries
    for network, names in model.domains.items():
        assert names == [capi.query("domain_name", network.encode(), d).decode()
                         for d in range(capi.query("domain_count", network.encode()))]
        assert model.domain(network, names[-1]) == len(names) - 1
    assert set(model.domains) == {"image_style_encoder", "audio_style_encoder", "mapping_network"}


def test_style_from_face(pair, rng):
    model, s, capi = pair
    f = face(rng, model.image_size)
    for domain in range(len(model.domains["image_style_encoder"])):
        got = s.style_from_face(f, domain)
        assert np.isfinite(got).all()
        assert same_bits(got, capi.call("style_from_face", (model.style_dim,), f, domain))
    name = model.domains["image_style_encoder"][-1]
    assert same_bits(s.style_from_face(f, name), s.style_from_face(f, len(model.domains["image_style_encoder"]) - 1))


@pytest.mark.parametrize("backend, rate", [("cpu", 24000), ("cpu", 16000), ("sim", 16000)])
def test_style_from_voice(request, rng, backend, rate):
    model, s, capi = request.getfixturevalue("pair" if backend == "cpu" else "sim_pair")
    v = voice(rng, 1.2, rate)
    got = s.style_from_voice(v, rate, 1)
    assert same_bits(got, capi.call("style_from_voice", (model.style_dim,), v, v.size, rate, 1))


@pytest.mark.parametrize("psi", [1.0, 0.7])
def test_styles_from_latents(pair, rng, psi):
    model, s, capi = pair
    z = rng.standard_normal((3, model.latent_dim)).astype(np.float32)
    got = s.styles_from_latents(z, 1, psi)
    assert got.shape == (3, model.style_dim)
    assert same_bits(got, capi.call("styles_from_latents", (3, model.style_dim), z, 3, 1, psi))
    one = s.style_from_latent(z[1], 1, psi)
    assert same_bits(one, capi.call("style_from_latent", (model.style_dim,), z[1], 1, psi))


def test_latent_from_seed(pair):
    model, _, capi = pair
    assert same_bits(model.latent_from_seed(7), capi.call("latent_from_seed", (model.latent_dim,), 7, on_model=True))


def test_translate_face_and_faces(pair, rng):
    model, s, capi = pair
    S, D = model.image_size, model.style_dim
    sources = face(rng, S, 2)
    styles = rng.standard_normal((2, D)).astype(np.float32)
    got = s.translate_faces(sources, styles)
    assert np.isfinite(got).all()
    assert same_bits(got, capi.call("translate_faces", (2, 3, S, S), 2, sources, styles))
    one = s.translate_face(sources[1], styles[1])
    assert same_bits(one, capi.call("translate_face", (3, S, S), sources[1], styles[1]))
    assert same_bits(one, got[1])  # a batch gives what one face at a time gives


@pytest.mark.parametrize("rate", [24000, 22050])
def test_convert_voice(pair, capi_lib, rng, rate):
    model, s, capi = pair
    v = voice(rng, 1.0, rate)
    style = rng.standard_normal(model.style_dim).astype(np.float32)
    s.noise_seed = 5
    got = s.convert_voice(v, rate, style)
    n = model.converted_samples(v.size, rate)
    assert got.shape == (n,) and np.isfinite(got).all()
    want = np.full(n, np.nan, np.float32)
    written = ctypes.c_int64(0)
    f32 = ctypes.POINTER(ctypes.c_float)
    assert capi_lib.xfv_set_noise_seed(capi.session, 5) == 0
    assert capi_lib.xfv_convert_voice(capi.session, v.ctypes.data_as(f32), v.size, rate, style.ctypes.data_as(f32),
                                      want.ctypes.data_as(f32), n, ctypes.byref(written)) == 0, capi_lib.xfv_last_error()
    assert written.value == n and same_bits(got, want)


def test_faces_from_and_to_rgb8(pair, rng):
    model, _, capi = pair
    S = model.image_size
    rgb = rng.integers(0, 256, size=(50, 70, 3), dtype=np.uint8)
    f = model.face_from_rgb8(rgb)
    assert same_bits(f, capi.call("face_from_rgb8", (3, S, S), rgb, 70, 50, on_model=True))
    back = model.face_to_rgb8(f)
    assert back.dtype == np.uint8 and back.shape == (S, S, 3)
    assert same_bits(back, capi.call("face_to_rgb8", (S, S, 3), f, on_model=True, dtype=np.uint8))


def test_layouts_other_than_c_order_give_the_same_bits(pair, rng):
    model, s, _ = pair
    S = model.image_size
    f = face(rng, S)
    fortran = np.asfortranarray(f)
    strided = np.repeat(f, 2, axis=2)[:, :, ::2]
    want = s.style_from_face(f, 0)
    assert not fortran.flags.c_contiguous and not strided.flags.c_contiguous
    assert same_bits(s.style_from_face(fortran, 0), want)
    assert same_bits(s.style_from_face(strided, 0), want)
    readonly = f.copy()
    readonly.flags.writeable = False
    assert same_bits(s.style_from_face(readonly, 0), want)


def test_torch_tensors_through_dlpack(pair, rng):
    torch = pytest.importorskip("torch")
    model, s, _ = pair
    f = face(rng, model.image_size)
    assert same_bits(s.style_from_face(torch.from_numpy(f), 0), s.style_from_face(f, 0))


@pytest.fixture(scope="module", params=["cpu", "sim"])
def vocoders(request, capi_lib, hifigan_dir):
    """The small random HiFi-GAN."""
    yield from opened(capi_lib, os.path.join(hifigan_dir, "small.safetensors"), request.param)


def test_mel_from_audio_and_vocode(vocoders, rng):
    model, s, capi = vocoders
    bands, hop = model.vocoder_mel_bands, model.vocoder_hop
    audio = voice(rng, 0.5, model.vocoder_rate)
    mel = s.mel_from_audio(audio)
    assert mel.shape == (bands, audio.size // hop)
    assert same_bits(mel, capi.call("mel_from_audio", mel.shape, audio, audio.size))
    wave = s.vocode(mel)
    assert wave.shape == (mel.shape[1] * hop,) and np.isfinite(wave).all()
    assert same_bits(wave, capi.call("vocode", wave.shape, mel, mel.shape[1]))
    assert model.image_size is None and model.voice_rate is None and model.domains == {}


def test_released_hifigan_against_pytorch(hifigan_dir):
    """The released universal HiFi-GAN on real speech's mel, against the package's Generator."""
    mel = np.load(os.path.join(hifigan_dir, "speech.mel.npy"))
    want = np.load(os.path.join(hifigan_dir, "speech.reference.npy"))
    with xfv.Model(os.path.join(hifigan_dir, "universal.safetensors")) as model, model.session() as s:
        got = s.vocode(mel)
    assert got.shape == want.shape
    assert np.linalg.norm(got - want) / np.linalg.norm(want) <= 1e-4
