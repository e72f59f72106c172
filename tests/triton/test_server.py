"""tritonserver (PyPI's nvidia-pytriton wheel) serving xfv through libtriton_xfv.so: every task's
response held to the C API's result for the same inputs, over HTTP and gRPC; malformed requests
refused while the server stays up (docs/serving.md). Run by tools/test-triton.sh.

The C API is called in this process through the backend's own shared object (it exports the
xfv_* calls beside the TRITONBACKEND_* entry points; loaded lazily, so the server's functions it
names stay unresolved and unused here): the same engine binary the server runs.
"""
import ctypes
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time

import numpy as np
import pytest

import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BACKEND = os.environ["XFV_TRITON_BACKEND"]
BUNDLE = os.path.join(os.environ["XFV_XFAVOT"], "small.safetensors")  # faces, voices (PWG), styles
HIFIGAN = os.path.join(os.environ["XFV_HIFIGAN"], "universal.safetensors")  # the released HiFi-GAN
MEL = os.path.join(os.environ["XFV_HIFIGAN"], "speech.mel.npy")


def tritonserver_binary():
    path = os.path.join(sysconfig.get_paths()["purelib"], "pytriton", "tritonserver", "bin", "tritonserver")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no tritonserver at {path}: the nvidia-pytriton wheel is not installed in {sys.prefix}")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A tritonserver on a repository of the bundle's tasks and the released HiFi-GAN; stopped by its pid."""
    tmp = tmp_path_factory.mktemp("triton")
    repo, backends = tmp / "models", tmp / "backends" / "xfv"
    backends.mkdir(parents=True)
    os.symlink(BACKEND, backends / "libtriton_xfv.so")
    tool = os.path.join(ROOT, "tools", "triton_repository.py")
    subprocess.run([sys.executable, tool, BUNDLE, "--out", str(repo)], check=True)
    subprocess.run([sys.executable, tool, HIFIGAN, "--out", str(repo), "--instances", "2"], check=True)
    # A model whose file cannot serve its task (the bundle's vocoder is a Parallel WaveGAN):
    # it must fail to load with the engine's message, the server serving the rest.
    (repo / "wrong_vocode" / "1").mkdir(parents=True)
    config = (repo / "vocode" / "config.pbtxt").read_text().replace('name: "vocode"', 'name: "wrong_vocode"')
    (repo / "wrong_vocode" / "config.pbtxt").write_text(config.replace("model.safetensors", BUNDLE))
    http_port, grpc_port = free_port(), free_port()
    log_path = tmp / "tritonserver.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([tritonserver_binary(), f"--model-repository={repo}",
                                 f"--backend-directory={tmp / 'backends'}", f"--http-port={http_port}",
                                 f"--grpc-port={grpc_port}", "--allow-metrics=false", "--exit-on-error=false",
                                 "--strict-readiness=false"],
                                stdout=log, stderr=subprocess.STDOUT)
    http = httpclient.InferenceServerClient(f"127.0.0.1:{http_port}", concurrency=4)
    try:
        deadline = time.time() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"tritonserver exited ({proc.returncode}):\n{log_path.read_text()[-4000:]}")
            try:
                if http.is_server_ready():
                    break
            except Exception:  # not listening yet
                pass
            if time.time() > deadline:
                pytest.fail(f"tritonserver not ready in 90 s:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.25)
        yield {"proc": proc, "http": http, "grpc": grpcclient.InferenceServerClient(f"127.0.0.1:{grpc_port}"),
               "log": log_path}
    finally:
        http.close()
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


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


def rel_l2(a, b):
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.linalg.norm(a.astype(np.float64) - b) / max(np.linalg.norm(b.astype(np.float64)), 1e-30))


def request(module, inputs):
    """InferInputs of `module` (tritonclient.http or .grpc) for {name: array}."""
    types = {np.dtype(np.float32): "FP32", np.dtype(np.int32): "INT32", np.dtype(np.float64): "FP64"}
    made = []
    for name, array in inputs.items():
        x = module.InferInput(name, list(array.shape), types[array.dtype])
        x.set_data_from_numpy(array)
        made.append(x)
    return made


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
