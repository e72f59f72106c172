#!/usr/bin/env python3
"""Per-chunk latency of the live voice conversion (docs/serving.md, "convert_stream"): a
recording sent in chunks, one sequence per client, each chunk sent once the previous one's
response came; the latency of a chunk is its round trip (server: send to response over a gRPC
stream; C API in this process: xfv_stream_push then the pull of what is ready). Chunks go as fast
as they are answered, not at the recording's pace.

  python3 tools/triton_stream_latency.py --url 127.0.0.1:8001 --concurrency 1 --seconds 20
  python3 tools/triton_stream_latency.py --capi build/libtriton_xfv.so --weights xfavot.safetensors
The style: a seeded normal vector. The stream's policies: the model's (server) or the C API's
defaults (--capi), which tools/triton_repository.py writes into the model's configuration.
"""
import argparse
import ctypes
import os
import queue
import time
import wave

import numpy as np

from stream_params import StreamParams
from triton_load import in_threads


def read_recording(path, seconds):
    with wave.open(path) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2, f"{path}: 16-bit mono WAV"
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(int(seconds * rate) if seconds else w.getnframes()), "<i2")
    return (pcm / 32768).astype(np.float32), rate


def server_stream(args, sequence):
    """A function converting chunks on a sequence of its own gRPC stream; gives each chunk's latency."""
    import tritonclient.grpc as grpc
    client = grpc.InferenceServerClient(args.url)
    style_dim = int(next(i for i in client.get_model_metadata(args.model).inputs if i.name == "STYLE").shape[0])
    responses = queue.Queue()

    def tensor(name, array, dtype):
        x = grpc.InferInput(name, list(array.shape), dtype)
        x.set_data_from_numpy(array)
        return x

    def run(chunks, rate):
        style = np.random.default_rng(sequence).standard_normal(style_dim).astype(np.float32)
        client.start_stream(callback=lambda result, error: responses.put(error))
        latencies = []
        for i, chunk in enumerate(chunks):
            inputs = [tensor("VOICE", chunk, "FP32")]
            if i == 0:
                inputs += [tensor("STYLE", style, "FP32"), tensor("RATE", np.array([rate], np.int32), "INT32")]
            t = time.perf_counter()
            client.async_stream_infer(args.model, inputs, sequence_id=sequence, sequence_start=i == 0,
                                      sequence_end=i == len(chunks) - 1)
            error = responses.get()
            latencies.append(time.perf_counter() - t)
            if error is not None:
                raise RuntimeError(str(error))
        client.stop_stream()
        return latencies
    return run


def capi_stream(args, sequence):
    """The same through the C API in this process: a session and a stream of its own."""
    lib = ctypes.CDLL(os.path.abspath(args.capi), mode=os.RTLD_LAZY)
    vp, f32 = ctypes.c_void_p, np.ctypeslib.ndpointer(np.float32, flags="C_CONTIGUOUS")
    lib.xfv_model_open.restype = lib.xfv_session_open.restype = lib.xfv_stream_open.restype = vp
    lib.xfv_model_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.xfv_session_open.argtypes = [vp, vp]
    lib.xfv_style_dim.argtypes = [vp]
    lib.xfv_stream_default_params.restype = StreamParams
    lib.xfv_stream_open.argtypes = [vp, f32, ctypes.POINTER(StreamParams)]
    lib.xfv_stream_push.argtypes = lib.xfv_stream_pull.argtypes = [vp, f32, ctypes.c_int64]
    lib.xfv_stream_available.restype = lib.xfv_stream_pull.restype = ctypes.c_int64
    lib.xfv_stream_available.argtypes = lib.xfv_stream_flush.argtypes = lib.xfv_stream_close.argtypes = [vp]
    lib.xfv_last_error.restype = ctypes.c_char_p
    model = lib.xfv_model_open(args.weights.encode(), b"cpu")
    session = lib.xfv_session_open(model, None) if model else None
    if not session:
        raise RuntimeError(lib.xfv_last_error().decode())

    def run(chunks, rate):
        style = np.random.default_rng(sequence).standard_normal(lib.xfv_style_dim(model)).astype(np.float32)
        params = lib.xfv_stream_default_params()  # what the repository generator writes
        params.input_rate, params.chunk_samples = rate, len(chunks[0])
        stream = lib.xfv_stream_open(session, style, ctypes.byref(params))
        latencies = []
        for i, chunk in enumerate(chunks):
            t = time.perf_counter()
            ok = lib.xfv_stream_push(stream, chunk, len(chunk)) == 0
            ok = ok and (i < len(chunks) - 1 or lib.xfv_stream_flush(stream) == 0)
            ready = np.empty(max(lib.xfv_stream_available(stream), 0), np.float32)
            ok = ok and lib.xfv_stream_pull(stream, ready, len(ready)) == len(ready)
            latencies.append(time.perf_counter() - t)
            if not ok:
                raise RuntimeError(lib.xfv_last_error().decode())
        lib.xfv_stream_close(stream)
        return latencies
    return run


def measure(make_stream, concurrency, chunks, rate):
    """Each of `concurrency` sequences streams the chunks at once; every chunk's latency, in ms.
    Each first streams the first 3 s alone, unmeasured: weights read, graphs compiled."""
    runs = [make_stream(sequence) for sequence in range(1, concurrency + 1)]
    warm = chunks[:int(3 * rate / len(chunks[0]))]
    for run in runs:
        run(warm, rate)
    return np.array(in_threads([lambda run=run: run(chunks, rate) for run in runs])) * 1e3


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="convert_stream")
    p.add_argument("--url", help="the server's gRPC host:port")
    p.add_argument("--capi", help="libtriton_xfv.so: the C API in this process instead of a server")
    p.add_argument("--weights", help="with --capi: the weight file")
    p.add_argument("--recording", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data",
                                                       "speech", "p228_023.wav"))
    p.add_argument("--chunk-ms", type=float, default=20)
    p.add_argument("--seconds", type=float, default=0, help="of the recording (0: all of it)")
    p.add_argument("--concurrency", type=int, nargs="+", default=[1], help="sequences at once")
    a = p.parse_args()
    samples, rate = read_recording(a.recording, a.seconds)
    chunk = int(round(rate * a.chunk_ms / 1000))
    chunks = [np.ascontiguousarray(samples[i:i + chunk]) for i in range(0, len(samples), chunk)]
    make = (lambda s: capi_stream(a, s)) if a.capi else (lambda s: server_stream(a, s))
    where = "C API in process" if a.capi else "server, gRPC stream"
    print("| path | sequences | chunks | p50 (ms) | p99 (ms) | max (ms) | mean (ms) |")
    print("|---|---|---|---|---|---|---|")
    for c in a.concurrency:
        ms = measure(make, c, chunks, rate)
        print(f"| {a.model}, {where} | {c} | {len(ms)} | {np.percentile(ms, 50):.2f} | {np.percentile(ms, 99):.1f} | "
              f"{ms.max():.1f} | {ms.mean():.2f} |", flush=True)


if __name__ == "__main__":
    main()
