"""The server the Triton tests share (docs/serving.md): tritonserver from PyPI's nvidia-pytriton
wheel on a repository of the small XFaVoT bundle's tasks and the released HiFi-GAN, started once
for the session and stopped by its process id; and the helpers the tests share."""
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


@pytest.fixture(scope="session")
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
    # The live conversion with room for one stream in the engine (the batcher keeps more
    # sequences live): a second START must be refused by name.
    (repo / "convert_stream_one" / "1").mkdir(parents=True)
    config = (repo / "convert_stream" / "config.pbtxt").read_text()
    config = config.replace('name: "convert_stream"', 'name: "convert_stream_one"')
    config = config.replace('"max_streams" value { string_value: "4" }', '"max_streams" value { string_value: "1" }')
    (repo / "convert_stream_one" / "config.pbtxt").write_text(config.replace("model.safetensors", BUNDLE))
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
               "grpc_url": f"127.0.0.1:{grpc_port}", "repo": repo, "log": log_path}
    finally:
        http.close()
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


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
