"""convert_stream: the live voice conversion as a decoupled Triton model under the sequence
batcher (docs/serving.md), over gRPC streaming. Real speech sent in 20 ms chunks gives, response
by response, the samples that the C API's stream (xfv_stream_*, called in this process through
the backend's shared object) gives after the same pushes; two interleaved sequences each give
their own; a request without START, a wrong data type, a NaN, a START beyond the engine's bound
are refused while the server and the sequence go on.

The speech: VCTK speakers p228 and p233 reading sentence 023 (48 kHz), from the CSTR VCTK Corpus
(Centre for Speech Technology Research, University of Edinburgh), licensed under CC BY 4.0, as
StarGANv2-VC's demo ships them; read from ../shared/data/speech (its README).
"""
import ctypes
import os
import queue
import re
import sys
import wave

import numpy as np
import pytest

import tritonclient.grpc as grpcclient

from conftest import BACKEND, BUNDLE, ROOT, rel_l2, request

sys.path.insert(0, os.path.join(ROOT, "tools"))
from stream_params import StreamParams  # noqa: E402

SPEECH = os.path.join(os.path.dirname(ROOT), "shared", "data", "speech")
RATE = 48000
CHUNK = RATE // 50  # 20 ms
SECONDS = 4  # of each recording: past the 192-frame window, so that steps slide


def recording(name):
    path = os.path.join(SPEECH, name)
    if not os.path.exists(path):
        pytest.fail(f"{path}: the shared VCTK recordings are missing ({SPEECH}/README.md)")
    with wave.open(path) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1 and w.getsampwidth() == 2
        pcm = np.frombuffer(w.readframes(SECONDS * RATE), "<i2")
    return (pcm / 32768).astype(np.float32)


def served_params(config_path):
    """The stream policies of a convert_stream config.pbtxt, as the backend reads them."""
    values = dict(re.findall(r'key: "(\w+)" value \{ string_value: "([^"]*)" \}', open(config_path).read()))
    return {"running_peak_gain": int(values["gain"] == "running"), "fixed_gain": float(values["fixed_gain"]),
            "stats": {"window": 0, "running": 1}[values["stats"]], "window_frames": int(values["window_frames"]),
            "step_blocks": int(values["step_blocks"]), "lookahead_blocks": int(values["lookahead_blocks"])}


class CApiStreams:
    """xfv_stream_* on a session of the bundle, on cpu."""

    def __init__(self, weights, params):
        lib = ctypes.CDLL(BACKEND, mode=os.RTLD_LAZY)
        f32 = np.ctypeslib.ndpointer(np.float32, flags="C_CONTIGUOUS")
        p, c_int64 = ctypes.c_void_p, ctypes.c_int64
        for name, restype, argtypes in [
                ("xfv_model_open", p, [ctypes.c_char_p, ctypes.c_char_p]), ("xfv_session_open", p, [p, p]),
                ("xfv_stream_default_params", StreamParams, []), ("xfv_style_dim", ctypes.c_int, [p]),
                ("xfv_stream_open", p, [p, f32, ctypes.POINTER(StreamParams)]),
                ("xfv_stream_push", ctypes.c_int, [p, f32, c_int64]), ("xfv_stream_available", c_int64, [p]),
                ("xfv_stream_pull", c_int64, [p, f32, c_int64]), ("xfv_stream_flush", ctypes.c_int, [p]),
                ("xfv_stream_close", None, [p]), ("xfv_last_error", ctypes.c_char_p, [])]:
            getattr(lib, name).restype, getattr(lib, name).argtypes = restype, argtypes
        self.lib, self.params = lib, params
        self.model = self.ok(lib.xfv_model_open(weights.encode(), b"cpu"))
        self.session = self.ok(lib.xfv_session_open(self.model, None))
        self.style_dim = lib.xfv_style_dim(self.model)

    def ok(self, result):
        if result is None or result == -1:
            raise RuntimeError(self.lib.xfv_last_error().decode())
        return result

    def outputs(self, style, chunks):
        """What the stream has ready after each push (the last push flushed first)."""
        lib, p = self.lib, self.lib.xfv_stream_default_params()
        p.input_rate, p.chunk_samples = RATE, len(chunks[0])
        for name, value in self.params.items():
            setattr(p, name, value)
        stream = self.ok(lib.xfv_stream_open(self.session, style, ctypes.byref(p)))
        out = []
        try:
            for i, chunk in enumerate(chunks):
                self.ok(lib.xfv_stream_push(stream, chunk, len(chunk)))
                if i == len(chunks) - 1:
                    self.ok(lib.xfv_stream_flush(stream))
                ready = np.empty(lib.xfv_stream_available(stream), np.float32)
                assert lib.xfv_stream_pull(stream, ready, len(ready)) == len(ready)
                out.append(ready)
        finally:
            lib.xfv_stream_close(stream)
        return out


@pytest.fixture(scope="module")
def capi(server):
    return CApiStreams(BUNDLE, served_params(server["repo"] / "convert_stream" / "config.pbtxt"))


class Sequences:
    """One gRPC stream of the server: requests sent with a sequence's controls, responses
    gathered by request id (each request gets exactly one response)."""

    def __init__(self, server):
        self.client = grpcclient.InferenceServerClient(server["grpc_url"])
        self.responses = queue.Queue()
        self.client.start_stream(callback=lambda result, error: self.responses.put((result, error)))

    def send(self, model, sequence, i, chunk, start=False, end=False, extra=None):
        inputs = {"VOICE": chunk, **(extra or {})}
        self.client.async_stream_infer(model, request(grpcclient, inputs), request_id=f"{sequence}:{i}",
                                       sequence_id=sequence, sequence_start=start, sequence_end=end)

    def result(self):
        result, error = self.responses.get(timeout=300)
        return result, error

    def send_all(self, model, sequence, style, chunks):
        for i, chunk in enumerate(chunks):
            extra = {"STYLE": style, "RATE": np.array([RATE], np.int32)} if i == 0 else None
            self.send(model, sequence, i, chunk, start=i == 0, end=i == len(chunks) - 1, extra=extra)

    def close(self):
        self.client.stop_stream()
        self.client.close()


def chunked(samples):
    return [np.ascontiguousarray(c) for c in np.array_split(samples, -(-len(samples) // CHUNK))]


def gather(sequences, count):
    """{request id: AUDIO} of `count` responses; any error fails."""
    got = {}
    for _ in range(count):
        result, error = sequences.result()
        assert error is None, str(error)
        got[result.get_response().id] = result.as_numpy("AUDIO")
    return got


def assert_same_stream(served, wanted):
    assert [len(a) for a in served] == [len(a) for a in wanted]  # the same samples ready after each chunk
    assert sum(len(a) for a in wanted) > 0
    assert rel_l2(np.concatenate(served), np.concatenate(wanted)) <= 1e-6


def test_a_stream_gives_the_c_api_streams_samples_chunk_by_chunk(server, capi):
    rng = np.random.default_rng()
    style = rng.standard_normal(capi.style_dim).astype(np.float32)
    chunks = chunked(recording("p228_023.wav"))
    wanted = capi.outputs(style, chunks)
    sequences = Sequences(server)
    try:
        sequences.send_all("convert_stream", 7, style, chunks)
        got = gather(sequences, len(chunks))
    finally:
        sequences.close()
    assert_same_stream([got[f"7:{i}"] for i in range(len(chunks))], wanted)


def test_interleaved_sequences_each_give_their_own(server, capi):
    rng = np.random.default_rng()
    styles = [rng.standard_normal(capi.style_dim).astype(np.float32) for _ in range(2)]
    voices = [chunked(recording(name)[:RATE * 3]) for name in ("p228_023.wav", "p233_023.wav")]
    sequences = Sequences(server)
    try:
        for i in range(max(map(len, voices))):  # chunk i of one, then of the other
            for sequence, (style, chunks) in enumerate(zip(styles, voices), start=11):
                if i < len(chunks):
                    extra = {"STYLE": style, "RATE": np.array([RATE], np.int32)} if i == 0 else None
                    sequences.send("convert_stream", sequence, i, chunks[i], start=i == 0,
                                   end=i == len(chunks) - 1, extra=extra)
        got = gather(sequences, sum(map(len, voices)))
    finally:
        sequences.close()
    for sequence, (style, chunks) in enumerate(zip(styles, voices), start=11):
        assert_same_stream([got[f"{sequence}:{i}"] for i in range(len(chunks))], capi.outputs(style, chunks))


def test_refusals_leave_the_server_and_the_sequence_going(server, capi):
    rng = np.random.default_rng()
    style = rng.standard_normal(capi.style_dim).astype(np.float32)
    chunks = chunked(recording("p233_023.wav")[:RATE])
    nan = chunks[1].copy()
    nan[5] = np.nan
    start = {"STYLE": style, "RATE": np.array([RATE], np.int32)}
    sequences = Sequences(server)

    def refused(words):
        result, error = sequences.result()
        assert error is not None and words.lower() in str(error).lower(), str(error)

    def answered():
        result, error = sequences.result()
        assert error is None, str(error)
        return result

    try:
        sequences.send("convert_stream", 21, 0, chunks[0])  # no START
        refused("START")
        sequences.send("convert_stream", 22, 0, chunks[0], start=True)  # START without STYLE and RATE
        refused("takes STYLE and RATE")
        sequences.send("convert_stream", 23, 0, chunks[0].astype(np.float64), start=True, extra=start)
        refused("FP64")
        # A live sequence: a NaN chunk is refused, the stream goes on as if it had not come.
        sequences.send("convert_stream", 24, 0, chunks[0], start=True, extra=start)
        served = [sequences.result()]
        sequences.send("convert_stream", 24, 1, nan)
        refused("not finite")
        for i, chunk in enumerate(chunks[1:], start=1):
            sequences.send("convert_stream", 24, i, chunk, end=i == len(chunks) - 1)
        served += [sequences.result() for _ in chunks[1:]]
        # The engine's bound: one stream at a time on convert_stream_one.
        sequences.send("convert_stream_one", 31, 0, chunks[0], start=True, extra=start)
        answered()
        sequences.send("convert_stream_one", 32, 0, chunks[0], start=True, extra=start)
        refused("max_streams")
        for i in range(1, 5):  # 31 goes on and ends (the front end needs 1025 samples before END)
            sequences.send("convert_stream_one", 31, i, chunks[i], end=i == 4)
            answered()
        for i in range(5):  # then there is room for 32
            sequences.send("convert_stream_one", 32, i, chunks[i], start=i == 0, end=i == 4,
                           extra=start if i == 0 else None)
            answered()
    finally:
        sequences.close()
    assert all(error is None for _, error in served), [str(e) for _, e in served]
    assert_same_stream([result.as_numpy("AUDIO") for result, _ in served], capi.outputs(style, chunks))
    http = server["http"]
    assert server["proc"].poll() is None and http.is_server_live() and http.is_model_ready("convert_stream")
