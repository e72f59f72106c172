"""Fixtures of the Python package's tests: the fixture folders CTest passes (XFV_XFAVOT,
XFV_HIFIGAN; a test needing an unset one is skipped), fresh random inputs, and the C API
itself, called through ctypes from the module (it exports the C API's symbols), to hold the
package's results to the C API's bit for bit."""

import ctypes
import os

import numpy as np
import pytest

import xfv
import xfv._xfv


def fixture_dir(variable):
    path = os.environ.get(variable, "")
    if not path:
        pytest.skip(f"{variable} is unset (ctest sets it once the fixtures are built)")
    return path


@pytest.fixture(scope="session")
def small_bundle():
    """The small XFaVoT bundle: faces 64 x 64, voices, the mapping network, Parallel WaveGAN."""
    return os.path.join(fixture_dir("XFV_XFAVOT"), "small.safetensors")


@pytest.fixture(scope="session")
def hifigan_dir():
    return fixture_dir("XFV_HIFIGAN")


@pytest.fixture
def rng(request):
    """Fresh inputs every run; the seed is printed so that a failure can be replayed."""
    seed = int.from_bytes(os.urandom(4), "little")
    print(f"{request.node.name}: seed {seed}")
    return np.random.default_rng(seed)


_f32 = ctypes.POINTER(ctypes.c_float)
_u8 = ctypes.POINTER(ctypes.c_uint8)


def _declare(lib):
    c_int, c_i64, c_u64, c_char_p, c_void_p = ctypes.c_int, ctypes.c_int64, ctypes.c_uint64, ctypes.c_char_p, ctypes.c_void_p
    signatures = {
        "xfv_model_open": (c_void_p, [c_char_p, c_char_p]),
        "xfv_model_close": (c_int, [c_void_p]),
        "xfv_session_open": (c_void_p, [c_void_p, c_void_p]),
        "xfv_session_close": (None, [c_void_p]),
        "xfv_last_error": (c_char_p, []),
        "xfv_set_noise_seed": (c_int, [c_void_p, c_u64]),
        "xfv_image_size": (c_int, [c_void_p]),
        "xfv_style_dim": (c_int, [c_void_p]),
        "xfv_latent_dim": (c_int, [c_void_p]),
        "xfv_voice_rate": (c_int, [c_void_p]),
        "xfv_vocoder_rate": (c_int, [c_void_p]),
        "xfv_vocoder_hop": (c_int, [c_void_p]),
        "xfv_vocoder_mel_bands": (c_int, [c_void_p]),
        "xfv_domain_count": (c_int, [c_void_p, c_char_p]),
        "xfv_domain_name": (c_char_p, [c_void_p, c_char_p, c_int]),
        "xfv_face_from_rgb8": (c_int, [c_void_p, _u8, c_int, c_int, _f32]),
        "xfv_face_to_rgb8": (c_int, [c_void_p, _f32, _u8]),
        "xfv_style_from_face": (c_int, [c_void_p, _f32, c_int, _f32]),
        "xfv_style_from_voice": (c_int, [c_void_p, _f32, c_i64, c_int, c_int, _f32]),
        "xfv_styles_from_latents": (c_int, [c_void_p, _f32, c_int, c_int, ctypes.c_float, _f32]),
        "xfv_style_from_latent": (c_int, [c_void_p, _f32, c_int, ctypes.c_float, _f32]),
        "xfv_latent_from_seed": (c_int, [c_void_p, c_u64, _f32]),
        "xfv_translate_face": (c_int, [c_void_p, _f32, _f32, _f32]),
        "xfv_translate_faces": (c_int, [c_void_p, c_int, _f32, _f32, _f32]),
        "xfv_converted_samples": (c_i64, [c_void_p, c_i64, c_int]),
        "xfv_convert_voice": (c_int, [c_void_p, _f32, c_i64, c_int, _f32, _f32, c_i64, ctypes.POINTER(c_i64)]),
        "xfv_mel_from_audio": (c_int, [c_void_p, _f32, c_i64, _f32]),
        "xfv_vocode": (c_int, [c_void_p, _f32, c_int, _f32]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes


class CApi:
    """One model and one session of the C API, each task call returning a fresh array."""

    def __init__(self, lib, path, backend="cpu"):
        self.lib = lib
        self.model = lib.xfv_model_open(path.encode(), backend.encode())
        assert self.model, lib.xfv_last_error()
        self.session = lib.xfv_session_open(self.model, None)
        assert self.session, lib.xfv_last_error()

    def close(self):
        self.lib.xfv_session_close(self.session)
        assert self.lib.xfv_model_close(self.model) == 0, self.lib.xfv_last_error()

    def query(self, name, *args):
        return getattr(self.lib, "xfv_" + name)(self.model, *args)

    def call(self, name, shape, *args, on_model=False, dtype=np.float32):
        """xfv_<name>(handle, *args, out): arrays among args passed as pointers."""
        out = np.full(shape, np.nan if dtype == np.float32 else 0xAB, dtype=dtype)
        pointer = lambda a: a.ctypes.data_as(_f32 if a.dtype == np.float32 else _u8)
        converted = [pointer(np.ascontiguousarray(a)) if isinstance(a, np.ndarray) else a for a in args]
        handle = self.model if on_model else self.session
        status = getattr(self.lib, "xfv_" + name)(handle, *converted, pointer(out))
        assert status == 0, self.lib.xfv_last_error()
        return out


@pytest.fixture(scope="session")
def capi_lib():
    lib = ctypes.CDLL(xfv._xfv.__file__)
    _declare(lib)
    return lib


def same_bits(a, b):
    """Equal bit for bit (NaN included, which a finite result never holds)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
