"""tritonserver (PyPI's nvidia-pytriton wheel) serving xfv through libtriton_xfv.so: every task's
response held to the C API's result for the same inputs, over HTTP and gRPC; malformed requests
refused while the server stays up (docs/serving.md). Run by tools/test-triton.sh.

The C API is called in this process through the backend's own shared object (it exports the
xfv_* calls beside the TRITONBACKEND_* entry points; loaded lazily, so the server's functions it
names stay unresolved and unused here): the same engine binary the server runs.
"""
import ctypes
import os

import numpy as np
import pytest

import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from conftest import BACKEND, BUNDLE, HIFIGAN, MEL, rel_l2, request


class CApi:
    """The C API of engine/include/xfv.h through ctypes: a model and a session on cpu."""

    def __init__(self, weights):
        lib = ctypes.CDLL(BACKEND, mode=os.RTLD_LAZY)
        f32 = np.ctypeslib.ndpointer(np.float32, flags="C_CONTIGUOUS")
        lib.xfv_model_open.restype = ctypes.c_void_p
        lib.xfv_model_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        lib.xfv_session_open.restype = ctypes.c_void_p
        lib.xfv_session_open.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.xfv_last_error.restype = ctypes.c_char_p
        lib.xfv_vocode.argtypes = [ctypes.c_void_p, f32, ctypes.c_int, f32]
        lib.xfv_translate_faces.argtypes = [ctypes.c_void_p, ctypes.c_int, f32, f32, f32]
        lib.xfv_style_from_face.argtypes = [ctypes.c_void_p, f32, ctypes.c_int, f32]
        lib.xfv_style_from_voice.argtypes = [ctypes.c_void_p, f32, ctypes.c_int64, ctypes.c_int, ctypes.c_int, f32]
        lib.xfv_style_from_latent.argtypes = [ctypes.c_void_p, f32, ctypes.c_int, ctypes.c_float, f32]
        lib.xfv_converted_samples.restype = ctypes.c_int64
        lib.xfv_converted_samples.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int]
        lib.xfv_convert_voice.argtypes = [ctypes.c_void_p, f32, ctypes.c_int64, ctypes.c_int, f32, f32,
                                          ctypes.c_int64, ctypes.POINTER(ctypes.c_int64)]
        for name in ("xfv_vocoder_hop", "xfv_style_dim"):
            getattr(lib, name).argtypes = [ctypes.c_void_p]
        self.lib = lib
        self.model = self.ok(lib.xfv_model_open(weights.encode(), b"cpu"))
        self.session = self.ok(lib.xfv_session_open(self.model, None))

    def ok(self, result):
        if result is None or result == -1:
            raise RuntimeError(self.lib.xfv_last_error().decode())
        return result

    def vocode(self, mel):
        out = np.empty(mel.shape[1] * self.lib.xfv_vocoder_hop(self.model), np.float32)
        self.ok(self.lib.xfv_vocode(self.session, mel, mel.shape[1], out))
        return out

    def translate_faces(self, sources, styles):
        out = np.empty_like(sources)
        self.ok(self.lib.xfv_translate_faces(self.session, len(sources), sources, styles, out))
        return out

    def style(self, call, *args):
        out = np.empty(self.lib.xfv_style_dim(self.model), np.float32)
        self.ok(getattr(self.lib, call)(self.session, *args, out))
        return out

    def convert_voice(self, voice, rate, style):
        n = self.ok(self.lib.xfv_converted_samples(self.model, len(voice), rate))
        out, written = np.empty(n, np.float32), ctypes.c_int64()
        self.ok(self.lib.xfv_convert_voice(self.session, voice, len(voice), rate, style, out, n, ctypes.byref(written)))
        return out[:written.value]


@pytest.fixture(scope="module")
def hifigan():
    return CApi(HIFIGAN)


@pytest.fixture(scope="module")
def bundle():
    return CApi(BUNDLE)


def infer(client, module, model, inputs, output):
    return client.infer(model, request(module, inputs)).as_numpy(output)


def speech_mel(frames=120):
    return np.ascontiguousarray(np.load(MEL)[:, :frames], dtype=np.float32)


def voice(seconds, rate, seed):
    """A reproducible 'voice': a chirp with noise (the engine takes any samples)."""
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(seed)
    return (0.3 * np.sin(2 * np.pi * (120 + 80 * t) * t) + 0.05 * rng.standard_normal(t.size)).astype(np.float32)


def int32(value):
    return np.array([value], np.int32)


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_vocode_equals_c_api(server, hifigan, protocol):
    mel = speech_mel()
    module = httpclient if protocol == "http" else grpcclient
    audio = infer(server[protocol], module, "vocode", {"MEL": mel}, "AUDIO")
    assert audio.dtype == np.float32 and audio.shape == (mel.shape[1] * 256,)
    assert rel_l2(audio, hifigan.vocode(mel)) <= 1e-6


def test_faces_dynamic_batch_equal_c_api(server, bundle):
    """Concurrent requests of 1 and 2 faces, batched by the server, each equal to the C API's batch of its own."""
    rng = np.random.default_rng(3)
    batches = [(rng.uniform(-1, 1, (n, 3, 64, 64)).astype(np.float32), rng.standard_normal((n, 16)).astype(np.float32))
               for n in (1, 2, 1, 2)]
    pending = [server["http"].async_infer("translate_face", request(httpclient, {"SOURCE": s, "STYLE": st}))
               for s, st in batches]
    for (sources, styles), p in zip(batches, pending):
        face = p.get_result().as_numpy("FACE")
        assert rel_l2(face, bundle.translate_faces(sources, styles)) <= 1e-6


def test_styles_and_conversion_equal_c_api(server, bundle):
    http = server["http"]
    rng = np.random.default_rng(5)
    face = rng.uniform(-1, 1, (3, 64, 64)).astype(np.float32)
    got = infer(http, httpclient, "style_from_face", {"FACE": face, "DOMAIN": int32(1)}, "STYLE")
    assert rel_l2(got, bundle.style("xfv_style_from_face", face, 1)) <= 1e-6

    reference = voice(1.5, 16000, 7)
    got = infer(http, httpclient, "style_from_voice", {"VOICE": reference, "RATE": int32(16000), "DOMAIN": int32(2)},
                "STYLE")
    want = bundle.style("xfv_style_from_voice", reference, len(reference), 16000, 2)
    assert rel_l2(got, want) <= 1e-6

    latent = rng.standard_normal(8).astype(np.float32)
    got = infer(http, httpclient, "style_from_latent",
                {"LATENT": latent, "DOMAIN": int32(0), "PSI": np.array([0.7], np.float32)}, "STYLE")
    assert rel_l2(got, bundle.style("xfv_style_from_latent", latent, 0, 0.7)) <= 1e-6

    source = voice(1.2, 24000, 8)
    got = infer(server["grpc"], grpcclient, "convert_voice",
                {"VOICE": source, "RATE": int32(24000), "STYLE": want}, "AUDIO")
    assert rel_l2(got, bundle.convert_voice(source, 24000, want)) <= 1e-6


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_malformed_requests_refused_server_stays_up(server, hifigan, protocol):
    client = server[protocol]
    module = httpclient if protocol == "http" else grpcclient
    mel = speech_mel(40)
    nan = mel.copy()
    nan[3, 5] = np.nan
    cases = {
        "shape": ({"MEL": np.zeros((81, 40), np.float32)}, "vocode", "shape"),
        "rank": ({"MEL": mel[None]}, "vocode", "shape"),
        "dtype": ({"MEL": mel.astype(np.float64)}, "vocode", "FP64"),
        "nan": ({"MEL": nan}, "vocode", "not finite"),
        "short voice": ({"VOICE": voice(0.2, 16000, 1), "RATE": int32(16000), "DOMAIN": int32(0)},
                        "style_from_voice", "xfv_style_from_voice"),
        "domain": ({"FACE": np.zeros((3, 64, 64), np.float32), "DOMAIN": int32(9)}, "style_from_face", "domain"),
    }
    for case, (inputs, model, words) in cases.items():
        with pytest.raises(InferenceServerException) as refused:
            client.infer(model, request(module, inputs))
        assert words.lower() in str(refused.value).lower(), (case, str(refused.value))
    assert server["proc"].poll() is None and client.is_server_live() and client.is_model_ready("vocode")
    good = infer(client, module, "vocode", {"MEL": mel}, "AUDIO")
    assert rel_l2(good, hifigan.vocode(mel)) <= 1e-6


def test_statistics_reported(server):
    stats = server["http"].get_inference_statistics("vocode")["model_stats"][0]
    assert stats["inference_count"] >= 4 and stats["execution_count"] >= 4
    assert stats["inference_stats"]["success"]["count"] >= 4
    assert stats["inference_stats"]["compute_infer"]["ns"] > 0
    assert stats["inference_stats"]["fail"]["count"] >= 1  # the NaN, refused by the backend


def test_model_the_file_cannot_serve_fails_to_load_with_the_engine_message(server):
    http = server["http"]
    assert not http.is_model_ready("wrong_vocode") and http.is_model_ready("vocode")
    entry = next(m for m in http.get_model_repository_index() if m["name"] == "wrong_vocode")
    assert entry["state"] == "UNAVAILABLE"
    assert "xfv_vocoder_mel_bands" in entry["reason"] and "HiFi-GAN" in entry["reason"], entry["reason"]
