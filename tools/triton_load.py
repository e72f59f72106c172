#!/usr/bin/env python3
"""Load on a served xfv model, beside the same call through the C API in this process
(docs/serving.md, "Load"): for each concurrency, that many clients each send the same request
back to back for a bounded time; throughput and p50/p99 latency of what completed, as
perf_analyzer's concurrency mode measures them. (perf_analyzer itself is not used: PyPI's
perf-analyzer wheels need glibc 2.38, Debian 12 has 2.36.)

  python3 tools/triton_load.py --url 127.0.0.1:8001 --model vocode --concurrency 1 4 16 --seconds 15
  python3 tools/triton_load.py --capi build/libtriton_xfv.so --weights universal.safetensors --model vocode
Inputs: vocode, 86 frames of a seeded log-mel (1 s at 22.05 kHz); translate_face, one seeded face
and style per request (--faces N in a request).
"""
import argparse
import ctypes
import os
import threading
import time

import numpy as np


def inputs_for(model, args):
    rng = np.random.default_rng(0)
    if model == "vocode":
        return {"MEL": (rng.standard_normal((80, args.frames)) - 5).astype(np.float32)}
    if model == "translate_face":
        n = args.faces
        return {"SOURCE": rng.uniform(-1, 1, (n, 3, args.size, args.size)).astype(np.float32),
                "STYLE": rng.standard_normal((n, args.style_dim)).astype(np.float32)}
    raise SystemExit(f"no inputs for {model}")


def server_call(args, inputs):
    """A function sending one request on its own client (one per load thread)."""
    if args.protocol == "grpc":
        import tritonclient.grpc as client
    else:
        import tritonclient.http as client
    c = client.InferenceServerClient(args.url)
    made = []
    for name, array in inputs.items():
        x = client.InferInput(name, list(array.shape), "FP32")
        x.set_data_from_numpy(array)
        made.append(x)
    return lambda: c.infer(args.model, made)


def capi_call(args, inputs):
    """A function making the same call through the C API, on its own session."""
    lib = ctypes.CDLL(os.path.abspath(args.capi), mode=os.RTLD_LAZY)
    lib.xfv_model_open.restype = lib.xfv_session_open.restype = ctypes.c_void_p
    lib.xfv_model_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.xfv_session_open.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    if not hasattr(capi_call, "model"):
        capi_call.model = lib.xfv_model_open(args.weights.encode(), b"cpu")
        assert capi_call.model, "xfv_model_open failed"
    session = ctypes.c_void_p(lib.xfv_session_open(capi_call.model, None))
    lib.xfv_last_error.restype = ctypes.c_char_p
    f32 = ctypes.POINTER(ctypes.c_float)
    ptr = lambda a: a.ctypes.data_as(f32)

    def checked(rc):
        if rc != 0:
            raise RuntimeError(lib.xfv_last_error().decode())

    if args.model == "vocode":
        mel = inputs["MEL"]
        out = np.empty(mel.shape[1] * 256, np.float32)
        return lambda: checked(lib.xfv_vocode(session, ptr(mel), mel.shape[1], ptr(out)))
    src, sty = inputs["SOURCE"], inputs["STYLE"]
    out = np.empty_like(src)
    return lambda: checked(lib.xfv_translate_faces(session, len(src), ptr(src), ptr(sty), ptr(out)))


def in_threads(clients):
    """Runs each client (a function giving a list of latencies) in a thread of its own; all their latencies."""
    latencies, lock = [], threading.Lock()

    def run(client):
        mine = client()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def measure(make_call, concurrency, seconds):
    calls = [make_call() for _ in range(concurrency)]
    for call in calls:
        call()  # warm: graphs compiled, weights read
    start = time.perf_counter()
    deadline = start + seconds

    def client(call):
        mine = []
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            call()
            mine.append(time.perf_counter() - t)
        return mine

    latencies = in_threads([lambda c=c: client(c) for c in calls])
    elapsed = time.perf_counter() - start
    ms = np.array(latencies) * 1e3
    return len(ms) / elapsed, np.percentile(ms, 50), np.percentile(ms, 99), len(ms)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="vocode", choices=["vocode", "translate_face"])
    p.add_argument("--url", help="the server (host:port of --protocol)")
    p.add_argument("--protocol", default="grpc", choices=["grpc", "http"])
    p.add_argument("--capi", help="libtriton_xfv.so: the C API in this process instead of a server")
    p.add_argument("--weights", help="with --capi: the weight file")
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    p.add_argument("--seconds", type=float, default=15)
    p.add_argument("--frames", type=int, default=86)
    p.add_argument("--faces", type=int, default=1)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--style-dim", type=int, default=64)
    a = p.parse_args()
    inputs = inputs_for(a.model, a)
    make = (lambda: capi_call(a, inputs)) if a.capi else (lambda: server_call(a, inputs))
    where = "C API in process" if a.capi else f"server, {a.protocol}"
    print("| path | concurrency | requests | throughput (req/s) | p50 (ms) | p99 (ms) |")
    print("|---|---|---|---|---|---|")
    for c in a.concurrency:
        rate, p50, p99, n = measure(make, c, a.seconds)
        print(f"| {a.model}, {where} | {c} | {n} | {rate:.2f} | {p50:.1f} | {p99:.1f} |", flush=True)


if __name__ == "__main__":
    main()
