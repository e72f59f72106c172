"""Streams from Python (docs/python.md, "Streams"): a vocoder stream gives the session's
vocode() bit for bit (streamed vocoding is exact); a voice stream gives the C API's stream on
the same pushes bit for bit, float32 and int16; bad input is an xfv.Error that leaves the
stream usable, and a session does not close under its streams."""

import ctypes
import os
import sys

import numpy as np
import pytest

import xfv
from conftest import _f32

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from stream_params import StreamParams  # noqa: E402


OPTIONS = dict(input_rate=16000, chunk_samples=320, step_blocks=2, lookahead_blocks=2, window_frames=64)
STATS = {"window": 0, "running": 1, "fixed": 2}  # enum xfv_stream_stats


def chunks(rng, total, largest):
    """Random chunk boundaries over [0, total)."""
    at = 0
    while at < total:
        n = int(rng.integers(1, largest + 1))
        yield at, min(total, at + n)
        at += n


def stream_through(stream, data, bounds):
    out = []
    for a, b in bounds:
        stream.push(data[a:b])
        out.append(stream.pull())
    stream.flush()
    out.append(stream.pull())
    return np.concatenate(out)


def test_a_vocoder_stream_gives_vocodes_samples(hifigan_dir, rng):
    with xfv.Model(os.path.join(hifigan_dir, "small.safetensors")) as model, model.session() as s:
        audio = (0.3 * rng.standard_normal(model.vocoder_rate)).astype(np.float32)
        mel = s.mel_from_audio(audio)  # (bands, frames)
        want = s.vocode(mel)
        frames = np.ascontiguousarray(mel.T)  # frame after frame
        with s.vocoder_stream(step_frames=3) as v:
            assert v.rate == model.vocoder_rate and v.latency > 0
            got = stream_through(v, frames, chunks(rng, frames.shape[0], 7))
        assert got.dtype == np.float32 and got.tobytes() == want.tobytes()


def capi_stream(capi_lib, path, style, data, bounds, s16, stats, calibration):
    """The same stream through the C API (ctypes), pulling after each push."""
    lib = capi_lib
    lib.xfv_stream_default_params.restype = StreamParams
    lib.xfv_stream_open.restype, lib.xfv_stream_open.argtypes = ctypes.c_void_p, [ctypes.c_void_p, _f32, ctypes.POINTER(StreamParams)]
    lib.xfv_stream_push.argtypes = [ctypes.c_void_p, _f32, ctypes.c_int64]
    lib.xfv_stream_push_s16.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int64]
    lib.xfv_stream_available.restype, lib.xfv_stream_available.argtypes = ctypes.c_int64, [ctypes.c_void_p]
    lib.xfv_stream_pull.restype, lib.xfv_stream_pull.argtypes = ctypes.c_int64, [ctypes.c_void_p, _f32, ctypes.c_int64]
    lib.xfv_stream_flush.argtypes = lib.xfv_stream_close.argtypes = [ctypes.c_void_p]
    model = lib.xfv_model_open(path.encode(), b"cpu")
    session = lib.xfv_session_open(model, None)
    p = lib.xfv_stream_default_params()
    for name, value in OPTIONS.items():
        setattr(p, name, value)
    p.stats = STATS[stats]
    if calibration is not None:
        p.calibration, p.calibration_samples = calibration.ctypes.data_as(_f32), calibration.size
    stream = lib.xfv_stream_open(session, style.ctypes.data_as(_f32), ctypes.byref(p))
    assert stream, lib.xfv_last_error()
    out = []

    def pull():
        buf = np.full(lib.xfv_stream_available(stream), np.nan, np.float32)
        assert lib.xfv_stream_pull(stream, buf.ctypes.data_as(_f32), buf.size) == buf.size
        out.append(buf)

    for a, b in bounds:
        part = np.ascontiguousarray(data[a:b])
        if s16:
            status = lib.xfv_stream_push_s16(stream, part.ctypes.data_as(ctypes.POINTER(ctypes.c_int16)), part.size)
        else:
            status = lib.xfv_stream_push(stream, part.ctypes.data_as(_f32), part.size)
        assert status == 0, lib.xfv_last_error()
        pull()
    assert lib.xfv_stream_flush(stream) == 0
    pull()
    lib.xfv_stream_close(stream)
    lib.xfv_session_close(session)
    assert lib.xfv_model_close(model) == 0
    return np.concatenate(out)


@pytest.mark.parametrize("dtype,stats", [(np.float32, "window"), (np.int16, "running"), (np.float32, "fixed")])
def test_a_voice_stream_gives_the_c_apis_stream(small_bundle, capi_lib, rng, dtype, stats):
    calibration = (0.3 * rng.standard_normal(3 * OPTIONS["input_rate"] // 2)).astype(np.float32) if stats == "fixed" else None
    with xfv.Model(small_bundle) as model, model.session() as s:
        style = s.style_from_latent(model.latent_from_seed(3), 0)
        x = 0.3 * rng.standard_normal(2 * OPTIONS["input_rate"])
        data = x.astype(np.float32) if dtype == np.float32 else np.round(np.clip(x, -1, 1) * 32767).astype(np.int16)
        bounds = list(chunks(rng, data.size, 900))
        rate = model.voice_rate
        with s.stream(style, **OPTIONS, stats=stats, calibration=calibration) as v:
            assert v.rate == rate and v.latency > 0
            got = stream_through(v, data, bounds)
    want = capi_stream(capi_lib, small_bundle, style, data, bounds, dtype == np.int16, stats, calibration)
    assert got.size > rate and np.isfinite(got).all()
    assert got.tobytes() == want.tobytes()


def test_bad_input_is_an_error_and_the_stream_goes_on(small_bundle, hifigan_dir, rng):
    with xfv.Model(small_bundle) as model, model.session() as s:
        style = s.style_from_latent(model.latent_from_seed(3), 0)
        v = s.stream(style, **OPTIONS)
        bad = np.zeros(320, np.float32)
        bad[7] = np.nan
        with pytest.raises(xfv.Error, match="not finite|NaN"):
            v.push(bad)
        with pytest.raises(xfv.Error, match="float32"):
            v.push(np.zeros(320, np.float64))
        with pytest.raises(xfv.Error, match="stream"):
            s.close()  # its stream is open
        v.push((0.1 * rng.standard_normal(16000)).astype(np.float32))  # still usable
        v.flush()
        with pytest.raises(xfv.Error, match="end|flush"):
            v.push(np.zeros(320, np.float32))
        v.reset()
        v.push(np.zeros(320, np.float32))
        with pytest.raises(xfv.Error, match="style"):
            v.set_style(np.zeros(3, np.float32))
        v.close()
        with pytest.raises(xfv.Error, match="closed"):
            v.pull()
        with pytest.raises(xfv.Error, match="gain"):
            s.stream(style, gain="loud")
        with pytest.raises(xfv.Error, match="stats"):
            s.stream(style, stats="median")
        with pytest.raises(xfv.Error, match="calibration"):
            s.stream(style, stats="fixed")  # no recording
        with pytest.raises(xfv.Error, match="calibration"):
            s.stream(style, stats="fixed", calibration=np.zeros(100, np.float32))  # too short
    with xfv.Model(os.path.join(hifigan_dir, "small.safetensors")) as model, model.session() as s:
        with s.vocoder_stream() as v:
            with pytest.raises(xfv.Error, match="frames"):
                v.push(np.zeros((3, model.vocoder_mel_bands), np.int16))
